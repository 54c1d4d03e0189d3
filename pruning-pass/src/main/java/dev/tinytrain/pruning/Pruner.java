package dev.tinytrain.pruning;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.GraphBuilder;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Trainability;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.ChannelSlice;
import dev.tinytrain.ir.ops.ConvLayer;
import dev.tinytrain.ir.ops.ConvGradWeight;
import dev.tinytrain.ir.ops.Op;
import dev.tinytrain.ir.ops.SavedForBackward;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pruning pass: applies resolved trainability to a full training step and removes everything the kept
 * gradients do not need ({@code ARCHITECTURE.md} §4).
 * <ol>
 *   <li>Parameters get their trainability; the {@link SgdUpdate} of a frozen parameter is removed.</li>
 *   <li>A partially trained weight's {@link ConvGradWeight} and {@link SgdUpdate} get its channels. For a dense
 *       conv the weight gradient reads a {@link ChannelSlice} of the conv's input holding the trainable input
 *       channels, named {@code <x>.slice.<conv path>} and placed right after {@code x}'s definition, so the full
 *       input can die as soon as the forward pass no longer needs it. A depthwise conv's weight gradient reads
 *       its whole input (the {@link ConvGradWeight} contract) and computes only the trainable channels.</li>
 *   <li>Dead-code elimination from the roots (side-effect nodes and graph outputs): a node none of whose results
 *       is used is removed; a conv or add whose clamp mask is no longer read stops saving it. Backprop therefore
 *       stops by itself at the deepest trained layer, and layers that only train their bias keep their mask but
 *       not their input.</li>
 * </ol>
 * Every other node keeps its place. The kept updates' {@code paramId}s are renumbered 0.. in parameter order
 * (the index among the trained parameters).
 */
public final class Pruner {
    private Pruner() {
    }

    /**
     * Resolves {@code policy} on the step's graph and prunes it.
     *
     * @param step the full training step (every parameter updated, as {@code Autodiff} derives it)
     * @param policy the sparse-update policy
     * @param convOrder backbone conv paths in forward order ({@code ImportedModel.convOrder()})
     * @throws PolicyException when the policy does not fit the model
     */
    public static TrainingGraph prune(TrainingGraph step, SparseUpdatePolicy policy, List<String> convOrder) {
        return prune(step, PolicyResolver.resolve(policy, step.graph(), convOrder));
    }

    /**
     * Applies {@code trainability} to a training step and removes what the kept gradients do not need.
     *
     * @param step the full training step (every parameter updated, as {@code Autodiff} derives it)
     * @param trainability every parameter's trainability (e.g. from {@link PolicyResolver})
     * @return the pruned step; its gradient map lists the trained parameters only
     * @throws PolicyException when the map does not fit the graph: a parameter missing or unknown, a trained
     *     parameter without gradient, channels for something other than a conv weight or out of its range
     */
    public static TrainingGraph prune(TrainingGraph step, Map<String, Trainability> trainability) {
        Graph graph = step.graph();
        Map<String, String> gradients = step.gradients();
        checkCoverage(graph, trainability);
        Map<String, Node> producers = new HashMap<>();
        Map<String, Node> convOfWeight = new HashMap<>();
        for (Node n : graph.nodes()) {
            n.outputs().forEach(v -> producers.put(v.name(), n));
            if (n.op() instanceof ConvLayer) {
                convOfWeight.put(n.inputs().get(1).name(), n);
            }
        }

        // partially trained weights: their weight-gradient node and the slice each reads
        Map<String, Node> partialGradNodes = new HashMap<>(); // grad node name -> its new node
        Map<String, List<Node>> slicesAfter = new LinkedHashMap<>(); // value name -> slices to insert after it
        for (Parameter p : graph.parameters()) {
            Trainability t = trainability.get(p.name());
            if (!t.trainable()) {
                continue;
            }
            String gradName = gradients.get(p.name());
            if (gradName == null) {
                throw new PolicyException("parameter '" + p.name() + "' is trained but the training graph has no"
                        + " gradient for it (its layer does not reach the loss, or the gradient stops before it at a"
                        + " layer autodiff cannot differentiate: a tfl.conv2d with unequal strides or padding other"
                        + " than SAME or VALID)");
            }
            if (t.allChannels()) {
                continue;
            }
            Node conv = convOfWeight.get(p.name());
            Node grad = producers.get(gradName);
            if (conv == null || grad == null || !(grad.op() instanceof ConvGradWeight cgw)) {
                throw new PolicyException("parameter '" + p.name() + "' is not a conv weight with a conv_grad_weight"
                        + " gradient; only conv weights can train a subset of channels " + t.channels());
            }
            int channelCount = p.value().type().shape().dim(3);
            int last = t.channels().get(t.channels().size() - 1);
            if (last >= channelCount) {
                throw new PolicyException("parameter '" + p.name() + "': trainable channel " + last
                        + " is out of range (" + channelCount + " channels)");
            }
            SavedForBackward.PartialInput partial = conv.traits().savedForBackward().partialInput();
            if (partial == SavedForBackward.PartialInput.NOT_PARTIAL) {
                throw new PolicyException("parameter '" + p.name() + "' belongs to a grouped conv (groups "
                        + ((ConvLayer) conv.op()).groups() + "); only dense and depthwise convs can train a subset of"
                        + " channels");
            }
            Value x = grad.inputs().get(0);
            Value sliced = x;
            if (partial == SavedForBackward.PartialInput.TRAINED_CHANNELS) {
                String sliceName = x.name() + ".slice." + conv.name();
                Node slice = new Node(sliceName, new ChannelSlice(t.channels()), List.of(x),
                        List.of(new Value(sliceName, x.type()))); // the result type is inferred when rebuilt
                slicesAfter.computeIfAbsent(x.name(), k -> new ArrayList<>()).add(slice);
                sliced = slice.output();
            }
            partialGradNodes.put(grad.name(), new Node(grad.name(), new ConvGradWeight(cgw.conv(), t.channels()),
                    List.of(sliced, grad.inputs().get(1), grad.inputs().get(2)), grad.outputs()));
        }

        // 1-2: drop frozen updates, narrow partial ones, insert slices
        Map<String, Integer> paramIds = new HashMap<>();
        for (Parameter p : graph.parameters()) {
            if (trainability.get(p.name()).trainable()) {
                paramIds.put(p.name(), paramIds.size());
            }
        }
        List<Node> nodes = new ArrayList<>();
        for (Value in : graph.inputs()) {
            nodes.addAll(slicesAfter.getOrDefault(in.name(), List.of()));
        }
        for (Node n : graph.nodes()) {
            Node kept = n;
            if (n.op() instanceof SgdUpdate u) {
                String param = n.inputs().get(0).name();
                Trainability t = trainability.get(param);
                if (t == null || !t.trainable()) {
                    continue;
                }
                kept = new Node(n.name(), new SgdUpdate(u.lr(), u.qasDivisors(), u.rounding(), t.channels(),
                        paramIds.get(param)), n.inputs(), n.outputs());
            } else if (partialGradNodes.containsKey(n.name())) {
                kept = partialGradNodes.get(n.name());
            }
            nodes.add(kept);
            for (Value v : n.outputs()) {
                nodes.addAll(slicesAfter.getOrDefault(v.name(), List.of()));
            }
        }

        // 3: dead-code elimination, then rebuild (re-inferring the narrowed types) without unread masks
        Set<String> live = new HashSet<>();
        List<Node> liveNodes = liveNodes(nodes, graph.outputs(), live);
        Graph pruned = rebuild(graph, liveNodes, live, trainability);
        Map<String, String> keptGradients = new LinkedHashMap<>();
        gradients.forEach((p, g) -> {
            if (trainability.get(p) != null && trainability.get(p).trainable()) {
                keptGradients.put(p, g);
            }
        });
        return step.with(pruned, keptGradients);
    }

    /**
     * The nodes that reach a root (a side-effect node or a graph output), in order; {@code live} receives every
     * value they read, plus the outputs.
     */
    private static List<Node> liveNodes(List<Node> nodes, List<Value> outputs, Set<String> live) {
        outputs.forEach(v -> live.add(v.name()));
        List<Node> out = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) { // one reverse pass: nodes are in a valid execution order
            Node n = nodes.get(i);
            if (n.traits().hasSideEffects() || n.outputs().stream().anyMatch(v -> live.contains(v.name()))) {
                out.add(n);
                n.inputs().forEach(v -> live.add(v.name()));
            }
        }
        Collections.reverse(out);
        return out;
    }

    /**
     * Builds the pruned graph from the live nodes (types are inferred again: narrowed gradients and slices change
     * shape); a conv or add whose mask is not live stops saving it.
     */
    private static Graph rebuild(Graph graph, List<Node> liveNodes, Set<String> live,
                                 Map<String, Trainability> trainability) {
        GraphBuilder b = new GraphBuilder(graph.name());
        Map<String, Value> values = new HashMap<>();
        for (Value in : graph.inputs()) {
            values.put(in.name(), b.input(in.name(), in.type()));
        }
        for (Parameter p : graph.parameters()) {
            values.put(p.name(), b.parameter(p.name(), p.value().type(), p.data(), trainability.get(p.name())));
        }
        for (Node n : liveNodes) {
            Op op = n.op();
            List<String> names = new ArrayList<>();
            n.outputs().forEach(v -> names.add(v.name()));
            if (n.outputs().size() == 2 && !live.contains(n.outputs().get(1).name())
                    && n.traits().savedForBackward().clampMask()) {
                op = op.withSaveMask(false);
                names.remove(1);
            }
            Value[] operands = n.inputs().stream().map(v -> values.get(v.name())).toArray(Value[]::new);
            b.addMulti(n.name(), op, names, operands).forEach(v -> values.put(v.name(), v));
        }
        graph.outputs().forEach(v -> b.output(values.get(v.name())));
        return b.build();
    }

    private static void checkCoverage(Graph graph, Map<String, Trainability> trainability) {
        for (Parameter p : graph.parameters()) {
            if (!trainability.containsKey(p.name())) {
                throw new PolicyException("no trainability given for parameter '" + p.name() + "'");
            }
        }
        for (String name : trainability.keySet()) {
            if (graph.parameter(name).isEmpty()) {
                throw new PolicyException("trainability given for '" + name + "', which is not a parameter of graph '"
                        + graph.name() + "'");
            }
        }
    }
}

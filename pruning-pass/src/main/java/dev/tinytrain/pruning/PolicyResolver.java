package dev.tinytrain.pruning;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.Parameter;
import dev.tinytrain.ir.Trainability;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.ConvLayer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies a {@link SparseUpdatePolicy} to one model: decides, for every parameter of the graph, whether it is
 * trained and on which channels. Backbone conv {@code i} is the conv node ({@code conv2d}, or an imported model's
 * {@code tfl.conv2d}) named {@code convOrder.get(i)} (its weight and bias are operands 1 and 2); every other float
 * parameter belongs to the head and is always trained, every other quantized one stays frozen.
 */
public final class PolicyResolver {
    private PolicyResolver() {
    }

    /**
     * Resolves {@code policy} on {@code graph}.
     *
     * @param policy the policy
     * @param graph a forward or training graph holding the backbone convs as conv nodes named by layer path
     * @param convOrder backbone conv paths in forward order ({@code ImportedModel.convOrder()}; index = TTE layer
     *     index)
     * @return every parameter of {@code graph}, in graph order, with its trainability
     * @throws PolicyException naming the layer or field when the policy does not fit the model
     */
    public static Map<String, Trainability> resolve(SparseUpdatePolicy policy, Graph graph, List<String> convOrder) {
        List<Conv> convs = convs(graph, convOrder);
        int n = convs.size();
        policy.target().ifPresent(t -> {
            if (t.convs() != n) {
                throw new PolicyException("the policy is written for " + t.model() + " (" + t.convs()
                        + " backbone convs); graph '" + graph.name() + "' has " + n + " backbone convs");
            }
        });
        int window;
        if (policy.allBiases()) {
            window = n;
        } else if (policy.biasWindow() > n) {
            throw new PolicyException("bias_window: " + policy.biasWindow() + " exceeds the " + n
                    + " backbone convs of graph '" + graph.name() + "'" + anotherModelHint(policy));
        } else {
            window = policy.biasWindow();
        }
        int firstInWindow = n - window;

        // weights: conv index -> (field, selection), each conv at most once
        Map<Integer, String> fieldOf = new HashMap<>();
        Map<Integer, ChannelSelection> selections = new TreeMap<>();
        for (int i = 0; i < policy.weights().size(); i++) {
            WeightUpdate w = policy.weights().get(i);
            String field = "weights[" + i + "]";
            for (int idx : indices(w.layer(), field, convs, graph, policy)) {
                Conv c = convs.get(idx);
                String previous = fieldOf.putIfAbsent(idx, field);
                if (previous != null) {
                    throw new PolicyException(field + ": conv " + idx + " (" + c.path + ") is already listed in "
                            + previous);
                }
                if (idx < firstInWindow) {
                    throw new PolicyException(field + ": the weight of conv " + idx + " (" + c.path
                            + ") is outside the bias window (" + windowText(window, n)
                            + "); TTE requires every weight-updated conv to update its bias");
                }
                selections.put(idx, w.selection());
            }
        }

        Map<String, Trainability> byParam = new HashMap<>();
        for (int idx = 0; idx < n; idx++) {
            Conv c = convs.get(idx);
            boolean bias = idx >= firstInWindow;
            byParam.put(c.bias.name(), bias ? Trainability.ALL : Trainability.FROZEN);
            ChannelSelection sel = selections.get(idx);
            byParam.put(c.weight.name(), sel == null ? Trainability.FROZEN
                    : channels(sel, c, graph, fieldOf.get(idx)));
        }
        Map<String, Trainability> out = new LinkedHashMap<>();
        for (Parameter p : graph.parameters()) {
            // not a backbone conv: the float head trains; any other quantized parameter stays frozen
            Trainability other = p.value().type().dtype() == dev.tinytrain.ir.DType.FLOAT32 ? Trainability.ALL
                    : Trainability.FROZEN;
            out.put(p.name(), byParam.getOrDefault(p.name(), other));
        }
        return Collections.unmodifiableMap(out);
    }

    /** The backbone convs, checked against the graph. */
    private static List<Conv> convs(Graph graph, List<String> convOrder) {
        Map<String, Node> byName = new HashMap<>();
        for (Node node : graph.nodes()) {
            byName.put(node.name(), node);
        }
        List<Conv> out = new ArrayList<>();
        for (int i = 0; i < convOrder.size(); i++) {
            String path = convOrder.get(i);
            Node node = byName.get(path);
            if (node == null || !(node.op() instanceof ConvLayer)) {
                throw new PolicyException("conv order: layer '" + path + "' (conv " + i + ") is not a conv node"
                        + " (conv2d or tfl.conv2d) of graph '" + graph.name() + "'");
            }
            Value w = node.inputs().get(1);
            Value b = node.inputs().get(2);
            for (Value v : List.of(w, b)) {
                if (graph.parameter(v.name()).isEmpty()) {
                    throw new PolicyException("conv order: operand %" + v.name() + " of layer '" + path
                            + "' is not a parameter of graph '" + graph.name() + "'");
                }
            }
            if (out.stream().anyMatch(c -> c.path.equals(path))) {
                throw new PolicyException("conv order: layer '" + path + "' is listed twice");
            }
            out.add(new Conv(i, path, node, graph.parameter(w.name()).orElseThrow(), b));
        }
        return out;
    }

    private static List<Integer> indices(LayerRef ref, String field, List<Conv> convs, Graph graph,
                                         SparseUpdatePolicy policy) {
        int n = convs.size();
        if (ref instanceof LayerRef.Index i) {
            if (i.index() >= n) {
                throw new PolicyException(field + ": conv index " + i.index() + " does not exist; graph '"
                        + graph.name() + "' has " + n + " backbone convs (0.." + (n - 1) + ")"
                        + anotherModelHint(policy));
            }
            return List.of(i.index());
        }
        if (ref instanceof LayerRef.Named named) {
            for (Conv c : convs) {
                if (c.path.equals(named.path())) {
                    return List.of(c.index);
                }
            }
            throw new PolicyException(field + ": layer '" + named.path() + "' is not a backbone conv of graph '"
                    + graph.name() + "' (" + (n == 0 ? "it has none" : "they are " + convs.get(0).path + " .. "
                    + convs.get(n - 1).path) + ")");
        }
        if (ref instanceof LayerRef.Operator op) {
            for (Conv c : convs) {
                if (op.nodeNames().contains(c.path)) {
                    return List.of(c.index);
                }
            }
            throw new PolicyException(field + ": operator " + op.index() + " is not a conv layer of graph '"
                    + graph.name() + "' (a policy's \"op\" names a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED"
                    + " operator of an imported .tflite model; " + (n == 0 ? "the graph has none" : "its conv layers"
                    + " are " + convs.get(0).path + " .. " + convs.get(n - 1).path) + ")");
        }
        LayerRef.Last last = (LayerRef.Last) ref;
        int count = last.count() == LayerRef.ALL ? n : last.count();
        if (count > n) {
            throw new PolicyException(field + ": the last " + count + " convs do not exist; graph '" + graph.name()
                    + "' has " + n + " backbone convs" + anotherModelHint(policy));
        }
        List<Integer> out = new ArrayList<>();
        for (int i = n - count; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    /** The trainable channels of conv {@code c}'s weight under {@code sel}. */
    private static Trainability channels(ChannelSelection sel, Conv c, Graph graph, String field) {
        Value w = c.weight.value();
        boolean depthwise = w.type().layout() == Layout.DEPTHWISE;
        int channelCount = w.type().shape().dim(3);
        String what = (depthwise ? " channels of " : " input channels of ") + c.path;
        List<Integer> chosen;
        if (sel instanceof ChannelSelection.Ratio r) {
            int k = r.keep(channelCount);
            if (k == channelCount) {
                return Trainability.ALL;
            }
            if (k == 0) {
                throw new PolicyException(field + ": ratio " + r.ratio() + " of the " + channelCount + what
                        + " (conv " + c.index + ") keeps no channel");
            }
            chosen = r.rule() == ChannelSelection.Rule.FIRST_K ? firstK(k) : byMagnitude(c.weight, k);
        } else {
            chosen = new ArrayList<>(((ChannelSelection.Explicit) sel).channels());
            for (int ch : chosen) {
                if (ch >= channelCount) {
                    throw new PolicyException(field + ": channel " + ch + " is out of range for the " + channelCount
                            + what + " (conv " + c.index + ")");
                }
            }
            Collections.sort(chosen);
            if (chosen.size() == channelCount) {
                return Trainability.ALL;
            }
        }
        ConvLayer op = (ConvLayer) c.node.op();
        if (!depthwise && op.groups() > 1) {
            throw new PolicyException(field + ": " + c.path + " is a grouped conv (groups " + op.groups()
                    + "); only dense and depthwise convs can train a subset of channels");
        }
        return Trainability.channels(chosen);
    }

    private static List<Integer> firstK(int k) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            out.add(i);
        }
        return out;
    }

    /**
     * The {@code k} channels with the largest L2 norm of their int8 weights, in increasing order. The channel is
     * the last axis in both layouts ({@code [O,KH,KW,I]} and {@code [1,KH,KW,C]}); norms are compared exactly
     * as sums of squares; equal norms go to the lower index.
     */
    static List<Integer> byMagnitude(Parameter weight, int k) {
        byte[] w = weight.data().toInt8();
        int channels = weight.value().type().shape().dim(3);
        long[] sumSq = new long[channels];
        for (int i = 0; i < w.length; i++) {
            sumSq[i % channels] += (long) w[i] * w[i];
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < channels; i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingLong(i -> -sumSq[i]).thenComparingInt(i -> i));
        List<Integer> out = new ArrayList<>(order.subList(0, k));
        Collections.sort(out);
        return out;
    }

    private static String windowText(int window, int n) {
        if (window == 0) {
            return "no conv";
        }
        return "the last " + window + " convs, " + (n - window) + ".." + (n - 1);
    }

    private static String anotherModelHint(SparseUpdatePolicy policy) {
        return policy.target().map(t -> "; the policy is written for " + t.model())
                .orElse("; is the policy written for another model?");
    }

    private record Conv(int index, String path, Node node, Parameter weight, Value bias) {
    }
}

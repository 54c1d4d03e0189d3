package dev.tinytrain.reorder;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.BandRegion;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.QuantizedAdd;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Row-band execution of the frozen forward prefix: replaces the first nodes of a schedule, when they are int8 convs
 * and residual adds that keep nothing for the backward (no clamp mask, no operand read by a later op) and update
 * nothing, by one {@link BandRegion} node whose line buffers replace their whole intermediate tensors. A 1x1
 * expansion whose only reader is the depthwise conv after it may be fused into that layer
 * ({@link BandRegion.Expansion}: its expanded rows are recomputed per channel group from a line buffer of its narrow
 * input instead of kept in a line buffer of their own). Results are bit-identical; which prefix, band height and
 * fusions to take is the caller's choice ({@link #candidateEnds} and {@link #fusableExpansions} list what
 * qualifies), e.g. with the memory planner in the loop.
 */
public final class PrefixBanding {
    private PrefixBanding() {
    }

    /**
     * The indices {@code e >= 1} of the schedule's nodes such that nodes {@code 0..e} can form a band region: each a
     * maskless conv or add whose parameters no op updates and whose tensor operands are the single region input or
     * results of earlier prefix nodes, every result but the last read only inside the prefix.
     */
    public static List<Integer> candidateEnds(Graph g) {
        List<Node> nodes = g.nodes();
        Map<String, Integer> producedAt = new HashMap<>();
        Value regionInput = null;
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (!frozenLayer(g, n)) {
                break;
            }
            boolean ok = true;
            for (Value t : tensorOperands(n)) {
                if (producedAt.containsKey(t.name())) {
                    continue;
                }
                if (regionInput == null && i == 0 && g.producer(t).isEmpty()) {
                    regionInput = t;
                } else if (!t.equals(regionInput)) {
                    ok = false;
                }
            }
            if (!ok) {
                break;
            }
            producedAt.put(n.output().name(), i);
            if (i >= 1 && closedUpTo(g, nodes, i)) {
                ends.add(i);
            }
        }
        return ends;
    }

    /** True when only node {@code end}'s result of nodes {@code 0..end} is read after it or is a graph output. */
    private static boolean closedUpTo(Graph g, List<Node> nodes, int end) {
        Set<String> inside = new HashSet<>();
        for (int k = 0; k <= end; k++) {
            inside.add(nodes.get(k).name());
        }
        for (int k = 0; k < end; k++) {
            Value v = nodes.get(k).output();
            if (g.outputs().contains(v) || g.users(v).stream().anyMatch(u -> !inside.contains(u.name()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A conv or add without mask whose parameters only forward convs read: no op updates them and no backward op
     * reads them (a layer the backward passes through keeps its input, so it cannot join the prefix anyway).
     */
    private static boolean frozenLayer(Graph g, Node n) {
        if (n.outputs().size() != 1) {
            return false;
        }
        if (n.op() instanceof QuantizedAdd) {
            return true;
        }
        if (!(n.op() instanceof Conv2d)) {
            return false;
        }
        for (Value p : n.inputs().subList(1, 3)) {
            if (g.parameter(p.name()).isEmpty()) {
                return false;
            }
            if (g.users(p).stream().anyMatch(u -> !(u.op() instanceof Conv2d) || !u.updatedParameters().isEmpty())) {
                return false;
            }
        }
        return true;
    }

    /** The region operand indices of conv {@code n}'s weight and bias, added to the operands when new. */
    private static List<Integer> paramOperands(Node n, List<Value> operands, Map<String, Integer> operandOf) {
        List<Integer> params = new ArrayList<>();
        for (Value p : n.inputs().subList(1, 3)) {
            params.add(operandOf.computeIfAbsent(p.name(), k -> {
                operands.add(p);
                return operands.size() - 1;
            }));
        }
        return params;
    }

    private static List<Value> tensorOperands(Node n) {
        return n.op() instanceof Conv2d ? List.of(n.inputs().get(0)) : n.inputs();
    }

    /**
     * The names of the nodes among {@code 0..end} (a prefix of {@link #candidateEnds}) that can be fused into the
     * depthwise conv after them: an unpadded stride-1 dense 1x1 conv whose result only a depthwise conv of the prefix
     * reads, in schedule order.
     */
    public static List<String> fusableExpansions(Graph g, int end) {
        List<Node> nodes = g.nodes();
        Set<String> inside = new HashSet<>();
        for (int k = 0; k <= end; k++) {
            inside.add(nodes.get(k).name());
        }
        List<String> out = new ArrayList<>();
        for (int k = 0; k < end; k++) {
            Node n = nodes.get(k);
            List<Node> users = g.users(n.output());
            if (n.op() instanceof Conv2d c && c.stride() == 1 && c.groups() == 1 && c.padTop() == 0
                    && c.padLeft() == 0 && c.padBottom() == 0 && c.padRight() == 0
                    && Conv2d.kernelHeight(n.inputs().get(1)) == 1 && Conv2d.kernelWidth(n.inputs().get(1)) == 1
                    && users.size() == 1 && inside.contains(users.get(0).name())
                    && users.get(0).op() instanceof Conv2d d && d.isDepthwise(channels(n.output()),
                            channels(n.output()))) {
                out.add(n.name());
            }
        }
        return out;
    }

    private static int channels(Value v) {
        return v.type().shape().dim(3);
    }

    /**
     * The step with nodes {@code 0..end} (one of {@link #candidateEnds}) replaced by a band region of
     * {@code bandRows} output rows per band, or empty when the prefix's geometry is not a band region (a window
     * entirely in the padding).
     */
    public static Optional<TrainingGraph> band(TrainingGraph step, int end, int bandRows) {
        return band(step, end, bandRows, Set.of(), 1);
    }

    /**
     * As {@link #band(TrainingGraph, int, int)}, with the expansions named in {@code fused} (some of
     * {@link #fusableExpansions}) fused into their depthwise convs, {@code group} expanded channels per pass.
     *
     * @throws IllegalArgumentException when a name in {@code fused} is not a fusable expansion of the prefix
     */
    public static Optional<TrainingGraph> band(TrainingGraph step, int end, int bandRows, Set<String> fused,
                                               int group) {
        Graph g = step.graph();
        List<Node> nodes = g.nodes();
        Map<String, Integer> tensorOf = new HashMap<>();
        List<Value> operands = new ArrayList<>();
        Map<String, Integer> operandOf = new HashMap<>();
        if (!new HashSet<>(fusableExpansions(g, end)).containsAll(fused)) {
            throw new IllegalArgumentException("not fusable expansions of the prefix ending at node " + end + ": "
                    + fused);
        }
        List<BandRegion.Layer> layers = new ArrayList<>();
        Value input = tensorOperands(nodes.get(0)).get(0);
        operands.add(input);
        tensorOf.put(input.name(), 0);
        Map<String, Node> pending = new HashMap<>(); // fused expansions by their output, until their depthwise conv
        for (int i = 0; i <= end; i++) {
            Node n = nodes.get(i);
            if (fused.contains(n.name())) {
                pending.put(n.output().name(), n);
                continue;
            }
            Node expansion = pending.remove(n.inputs().get(0).name());
            List<Value> reads = expansion == null ? tensorOperands(n) : List.of(expansion.inputs().get(0));
            List<Integer> tensors = reads.stream().map(v -> tensorOf.get(v.name())).toList();
            List<Integer> params = n.op() instanceof Conv2d ? paramOperands(n, operands, operandOf) : List.of();
            Optional<BandRegion.Expansion> e = expansion == null ? Optional.empty()
                    : Optional.of(new BandRegion.Expansion(expansion.name(), (Conv2d) expansion.op(),
                            paramOperands(expansion, operands, operandOf), group));
            layers.add(new BandRegion.Layer(n.name(), n.op(), tensors, params, e));
            tensorOf.put(n.output().name(), layers.size());
        }
        Node last = nodes.get(end);
        String name = "bands(" + nodes.get(0).name() + ".." + last.name() + ")";
        BandRegion region = new BandRegion(layers, bandRows);
        try {
            var types = region.inferTypes(name, operands);
            Node regionNode = new Node(name, region, operands, List.of(last.output(),
                    new Value(name + ".lines", types.get(1))));
            List<Node> rest = new ArrayList<>(List.of(regionNode));
            rest.addAll(nodes.subList(end + 1, nodes.size()));
            return Optional.of(step.with(new Graph(g.name(), g.inputs(), g.parameters(), rest, g.outputs()),
                    step.gradients()));
        } catch (IrVerificationException e) {
            return Optional.empty(); // the geometry is not a band region: the caller keeps the whole tensors
        }
    }
}

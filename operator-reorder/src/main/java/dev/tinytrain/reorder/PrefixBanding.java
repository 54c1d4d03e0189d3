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
 * nothing, by one {@link BandRegion} node whose line buffers replace their whole intermediate tensors. Results are
 * bit-identical; which prefix and band height to take is the caller's choice ({@link #candidateEnds} lists the
 * prefixes that qualify), e.g. with the memory planner in the loop.
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

    private static List<Value> tensorOperands(Node n) {
        return n.op() instanceof Conv2d ? List.of(n.inputs().get(0)) : n.inputs();
    }

    /**
     * The step with nodes {@code 0..end} (one of {@link #candidateEnds}) replaced by a band region of
     * {@code bandRows} output rows per band, or empty when the prefix's geometry is not a band region (a window
     * entirely in the padding).
     */
    public static Optional<TrainingGraph> band(TrainingGraph step, int end, int bandRows) {
        Graph g = step.graph();
        List<Node> nodes = g.nodes();
        Map<String, Integer> tensorOf = new HashMap<>();
        List<Value> operands = new ArrayList<>();
        Map<String, Integer> operandOf = new HashMap<>();
        List<BandRegion.Layer> layers = new ArrayList<>();
        Value input = tensorOperands(nodes.get(0)).get(0);
        operands.add(input);
        tensorOf.put(input.name(), 0);
        for (int i = 0; i <= end; i++) {
            Node n = nodes.get(i);
            List<Integer> tensors = tensorOperands(n).stream().map(v -> tensorOf.get(v.name())).toList();
            List<Integer> params = new ArrayList<>();
            if (n.op() instanceof Conv2d) {
                for (Value p : n.inputs().subList(1, 3)) {
                    params.add(operandOf.computeIfAbsent(p.name(), k -> {
                        operands.add(p);
                        return operands.size() - 1;
                    }));
                }
            }
            layers.add(new BandRegion.Layer(n.name(), n.op(), tensors, params));
            tensorOf.put(n.output().name(), i + 1);
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

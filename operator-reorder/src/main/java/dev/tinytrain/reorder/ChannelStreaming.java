package dev.tinytrain.reorder;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.Conv2d;
import dev.tinytrain.ir.ops.ConvGradBiasUpdate;
import dev.tinytrain.ir.ops.ConvGradInput;
import dev.tinytrain.ir.ops.ConvGradOutput;
import dev.tinytrain.ir.ops.ConvGradWeightUpdate;
import dev.tinytrain.ir.ops.SgdUpdate;
import dev.tinytrain.ir.ops.StreamedBackward;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The channel-streamed backward (issue 15): in a fused, scheduled step, replaces the backward chain of each
 * inverted-residual block -- from the projection's input gradient down to the expansion's input gradient, with the
 * depthwise and expansion masks, bias and weight updates between -- by one {@link StreamedBackward} region that runs
 * channel by channel of the expanded tensor, so the expanded float gradients never exist whole.
 *
 * <p>A block streams when its backward has exactly this shape (anything else is left as it is): a dense 1x1 stride-1
 * projection whose input gradient is read only by the depthwise conv's {@link ConvGradOutput}; that g' read only by
 * the depthwise bias update, weight update and input gradient; and, when the input gradient exists, its result read
 * only by the {@link ConvGradOutput} of a dense 1x1 stride-1 expansion conv that produces the depthwise conv's input,
 * whose g' is read only by the expansion's bias update, weight update and input gradient. The region takes the
 * place of the projection's input gradient; every op it replaces ran after that place and reads nothing the ops in
 * between write, and no op after it reads a parameter it updates (checked). The results are bit-identical to the
 * unstreamed step ({@link StreamedBackward}).
 */
public final class ChannelStreaming {
    /**
     * Expanded channels per pass: each element of the expansion's input gradient is loaded and stored once per four
     * channels' terms (four depthwise-input planes of scratch), as the whole-tensor kernels block four channels.
     */
    public static final int GROUP = 4;

    private ChannelStreaming() {
    }

    /** One matched block: the nodes the region replaces, and the region. */
    private record Match(Set<String> members, Node region) {
    }

    /**
     * Streams every block of {@code step} (a fused, scheduled training step) that has the shape above.
     *
     * @throws dev.tinytrain.ir.IrVerificationException if the result would read a parameter after its update (a bug:
     *     the matching checks it first)
     */
    public static TrainingGraph run(TrainingGraph step) {
        Graph g = step.graph();
        List<Node> nodes = g.nodes();
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            position.put(nodes.get(i).name(), i);
        }
        Map<String, Node> regionAt = new HashMap<>();
        Set<String> removed = new HashSet<>();
        for (Node n : nodes) {
            if (removed.contains(n.name())) {
                continue;
            }
            match(g, n, position).ifPresent(m -> {
                regionAt.put(n.name(), m.region());
                removed.addAll(m.members());
            });
        }
        if (regionAt.isEmpty()) {
            return step;
        }
        List<Node> order = new ArrayList<>();
        for (Node n : nodes) {
            Node r = regionAt.get(n.name());
            if (r != null) {
                order.add(r);
            } else if (!removed.contains(n.name())) {
                order.add(n);
            }
        }
        OperatorReorder.checkNoReadAfterUpdate(order);
        return step.with(new Graph(g.name(), g.inputs(), g.parameters(), order, g.outputs()), step.gradients());
    }

    /** The region that starts at {@code project} (a projection's input gradient), if its block has the shape. */
    private static Optional<Match> match(Graph g, Node project, Map<String, Integer> position) {
        if (!(project.op() instanceof ConvGradInput pgi) || !pointwise(pgi.conv(), project.inputs().get(1))) {
            return Optional.empty();
        }
        Node dwOut = onlyUser(g, project.output(), ConvGradOutput.class).orElse(null);
        if (dwOut == null) {
            return Optional.empty();
        }
        Node dwConv = g.producer(dwOut.inputs().get(1)).orElse(null);
        if (dwConv == null || !(dwConv.op() instanceof Conv2d dw) || dwConv.outputs().size() < 2
                || !dwConv.outputs().get(1).equals(dwOut.inputs().get(1))
                || dwConv.inputs().get(1).type().layout() != Layout.DEPTHWISE) {
            return Optional.empty();
        }
        Value dwWeight = dwConv.inputs().get(1);
        Value dwBias = dwConv.inputs().get(2);
        Value dwInput = dwConv.inputs().get(0);
        int c = dwWeight.type().shape().dim(3);
        if (dw.padTop() != dw.padBottom() || dw.padLeft() != dw.padRight() || pgi.inChannels() != c) {
            return Optional.empty();
        }
        Parts dwParts = parts(g, dwOut.output(), dwWeight, dwBias);
        if (dwParts == null) {
            return Optional.empty();
        }
        Set<String> members = new LinkedHashSet<>(List.of(project.name(), dwOut.name()));
        dwParts.nodes().forEach(n -> members.add(n.name()));
        List<Value> operands = new ArrayList<>(List.of(project.inputs().get(0), project.inputs().get(1),
                dwOut.inputs().get(1), dwWeight));
        dwParts.bias().ifPresent(b -> operands.add(dwBias));
        dwParts.weight().ifPresent(w -> operands.add(w.inputs().get(0)));
        List<Float> expansionEff = List.of();
        Parts eParts = Parts.NONE;
        Node input = dwParts.input().orElse(null);
        List<Value> results = new ArrayList<>();
        String name = dwConv.name() + ".streamed";
        if (input != null) {
            Node eOut = onlyUser(g, input.output(), ConvGradOutput.class).orElse(null);
            Node eConv = eOut == null ? null : g.producer(eOut.inputs().get(1)).orElse(null);
            if (eConv == null || !(eConv.op() instanceof Conv2d ec) || eConv.outputs().size() < 2
                    || !eConv.outputs().get(1).equals(eOut.inputs().get(1)) || !eConv.output().equals(dwInput)
                    || !pointwise(ec, eConv.inputs().get(1))) {
                return Optional.empty();
            }
            Value eWeight = eConv.inputs().get(1);
            Value eBias = eConv.inputs().get(2);
            eParts = parts(g, eOut.output(), eWeight, eBias);
            if (eParts == null) {
                return Optional.empty();
            }
            members.add(input.name());
            members.add(eOut.name());
            eParts.nodes().forEach(n -> members.add(n.name()));
            expansionEff = ((ConvGradOutput) eOut.op()).eff();
            operands.add(eOut.inputs().get(1));
            operands.add(eWeight);
            eParts.bias().ifPresent(b -> operands.add(eBias));
            eParts.weight().ifPresent(w -> operands.add(w.inputs().get(0)));
        }
        StreamedBackward op = new StreamedBackward(dw, ((ConvGradOutput) dwOut.op()).eff(),
                dwParts.bias().map(ChannelStreaming::rule), dwParts.weight().map(ChannelStreaming::rule),
                expansionEff, eParts.bias().map(ChannelStreaming::rule), eParts.weight().map(ChannelStreaming::rule),
                eParts.input().isPresent(), dwInput.type().shape().dim(1), dwInput.type().shape().dim(2),
                Math.min(GROUP, c));
        var types = op.inferTypes(name, operands);
        String[] scratch = {".plane", ".plane_in", ".vector"};
        for (int i = 0; i < types.size(); i++) {
            if (i == op.inputGradientResult()) {
                results.add(eParts.input().orElseThrow().output()); // the same value: its readers stay as they are
            } else {
                results.add(new Value(name + scratch[op.deep() || i == 0 ? i : 2], types.get(i)));
            }
        }
        Node region = new Node(name, op, operands, results);
        return safe(g, region, members, position) ? Optional.of(new Match(members, region)) : Optional.empty();
    }

    /**
     * True when the region may run at its first member's place: its operands are defined before it, no op it
     * skips over writes them, and no op after it reads a parameter it updates.
     */
    private static boolean safe(Graph g, Node region, Set<String> members, Map<String, Integer> position) {
        int at = members.stream().mapToInt(position::get).min().orElseThrow();
        Set<String> updated = new HashSet<>();
        region.updatedParameters().forEach(p -> updated.add(p.name()));
        Set<String> read = new HashSet<>();
        region.inputs().forEach(v -> read.add(v.name()));
        for (Value v : region.inputs()) {
            Node p = g.producer(v).orElse(null);
            if (p != null && position.get(p.name()) >= at) {
                return false;
            }
        }
        List<Node> nodes = g.nodes();
        for (int i = at; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (members.contains(n.name())) {
                continue;
            }
            if (n.inputs().stream().anyMatch(v -> updated.contains(v.name()))) {
                return false;
            }
            // the projection weight's own update runs after the region, as it ran after its input gradient
            Value projection = region.inputs().get(StreamedBackward.Operands.PROJECTION_WEIGHT);
            if (n.updatedParameters().stream().anyMatch(v -> read.contains(v.name()) && !v.equals(projection))) {
                return false;
            }
        }
        return true;
    }

    /** What reads a conv's g' besides the region: its bias update, weight update and input gradient. */
    private record Parts(List<Node> nodes, Optional<Node> bias, Optional<Node> weight, Optional<Node> input) {
        static final Parts NONE = new Parts(List.of(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The readers of {@code gPrime}, or null when one of them is not a fused update or the input gradient. */
    private static Parts parts(Graph g, Value gPrime, Value weight, Value bias) {
        Node b = null;
        Node w = null;
        Node in = null;
        for (Node u : g.users(gPrime)) {
            if (u.op() instanceof ConvGradBiasUpdate && u.inputs().get(0).equals(gPrime)
                    && u.inputs().get(1).equals(bias) && b == null) {
                b = u;
            } else if (u.op() instanceof ConvGradWeightUpdate && u.inputs().get(1).equals(gPrime)
                    && u.inputs().get(2).equals(weight) && w == null) {
                w = u;
            } else if (u.op() instanceof ConvGradInput && u.inputs().get(0).equals(gPrime)
                    && u.inputs().get(1).equals(weight) && in == null) {
                in = u;
            } else {
                return null;
            }
        }
        List<Node> nodes = new ArrayList<>();
        for (Node n : new Node[] {b, w, in}) {
            if (n != null) {
                nodes.add(n);
            }
        }
        return new Parts(nodes, Optional.ofNullable(b), Optional.ofNullable(w), Optional.ofNullable(in));
    }

    private static SgdUpdate rule(Node fused) {
        return fused.traits().parameterUpdates().get(0).rule();
    }

    /** A dense 1x1 conv with stride 1 and no padding. */
    private static boolean pointwise(Conv2d conv, Value weight) {
        return weight.type().layout() == Layout.OHWI && conv.groups() == 1 && conv.stride() == 1
                && Conv2d.kernelHeight(weight) == 1 && Conv2d.kernelWidth(weight) == 1 && conv.padTop() == 0
                && conv.padLeft() == 0 && conv.padBottom() == 0 && conv.padRight() == 0;
    }

    private static <T> Optional<Node> onlyUser(Graph g, Value v, Class<T> kind) {
        List<Node> users = g.users(v);
        if (users.size() == 1 && kind.isInstance(users.get(0).op()) && users.get(0).inputs().get(0).equals(v)) {
            return Optional.of(users.get(0));
        }
        return Optional.empty();
    }
}

package dev.tinytrain.reorder;

import dev.tinytrain.ir.Graph;
import dev.tinytrain.ir.IrVerificationException;
import dev.tinytrain.ir.Node;
import dev.tinytrain.ir.TrainingGraph;
import dev.tinytrain.ir.Value;
import dev.tinytrain.ir.ops.FusedUpdate;
import dev.tinytrain.ir.ops.SgdUpdate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Operator reordering with in-place fused updates (TTE's "apply each update as soon as its gradient exists"):
 * {@link #fuseInPlaceUpdates} turns every gradient + update pair into one op that updates channel by channel,
 * so no weight-gradient tensor exists, and {@link #schedule} places every update right after the last op that
 * reads the parameter's old value (the input gradient uses the pre-update weights) and its operands, so the
 * output-gradient buffer dies right after. Results are bit-identical to the unfused step.
 */
public final class OperatorReorder {
    private OperatorReorder() {
    }

    /** The pass as a whole: fuse, then schedule. */
    public static TrainingGraph run(TrainingGraph training) {
        return schedule(fuseInPlaceUpdates(training));
    }

    /**
     * Fuses each {@link SgdUpdate} with the op that computes its gradient when the update is that gradient's only
     * reader and the gradient op offers the fusion ({@link dev.tinytrain.ir.ops.Op#fuseUpdate}: conv weight, conv
     * bias, head weight; the head bias's update reads the logits gradient through its reshape directly).
     * The fused parameters leave the gradient map (their gradients no longer exist as tensors).
     */
    public static TrainingGraph fuseInPlaceUpdates(TrainingGraph training) {
        Graph g = training.graph();
        Map<String, Node> replaced = new HashMap<>(); // update node name -> fused node
        Set<String> removed = new HashSet<>();
        Map<String, String> gradients = new LinkedHashMap<>(training.gradients());
        for (Node u : g.nodes()) {
            if (!(u.op() instanceof SgdUpdate upd)) {
                continue;
            }
            Value p = u.inputs().get(0);
            Value grad = u.inputs().get(1);
            Node gp = g.producer(grad).orElse(null);
            if (gp == null || g.users(grad).size() != 1) {
                continue;
            }
            FusedUpdate f = gp.op().fuseUpdate(upd, gp.inputs(), p).orElse(null);
            if (f == null) {
                continue;
            }
            Node fused = withInferredResults(new Node(u.name(), f.op(), f.operands(), List.of()), p.name() + ".ws");
            replaced.put(u.name(), fused);
            removed.add(gp.name());
            gradients.remove(p.name());
        }
        List<Node> nodes = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (removed.contains(n.name())) {
                continue;
            }
            nodes.add(replaced.getOrDefault(n.name(), n));
        }
        Graph out = new Graph(g.name(), g.inputs(), g.parameters(), nodes, g.outputs());
        return training.with(out, gradients);
    }

    private static Node withInferredResults(Node n, String resultName) {
        List<Value> outs = new ArrayList<>();
        var types = n.op().inferTypes(n.name(), n.inputs());
        for (int i = 0; i < types.size(); i++) {
            outs.add(new Value(i == 0 ? resultName : resultName + i, types.get(i)));
        }
        return new Node(n.name(), n.op(), n.inputs(), outs);
    }

    /**
     * Orders the step: every op without side effects keeps its relative order; every in-place update moves to
     * right after the latest of its operands' producers and of the other ops that read the parameter it
     * updates.
     *
     * @throws IrVerificationException if the result would read a parameter after its update
     */
    public static TrainingGraph schedule(TrainingGraph training) {
        Graph g = training.graph();
        List<Node> base = new ArrayList<>();
        List<Node> effects = new ArrayList<>();
        for (Node n : g.nodes()) {
            (n.traits().hasSideEffects() ? effects : base).add(n);
        }
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < base.size(); i++) {
            for (Value v : base.get(i).outputs()) {
                position.put(v.name(), i);
            }
        }
        // effects to insert after base index i (-1: before everything)
        Map<Integer, List<Node>> after = new HashMap<>();
        for (Node e : effects) {
            int at = -1;
            for (Value in : e.inputs()) {
                at = Math.max(at, position.getOrDefault(in.name(), -1));
            }
            for (Value param : e.updatedParameters()) {
                for (int i = 0; i < base.size(); i++) {
                    if (base.get(i).inputs().contains(param)) {
                        at = Math.max(at, i);
                    }
                }
            }
            after.computeIfAbsent(at, k -> new ArrayList<>()).add(e);
        }
        List<Node> order = new ArrayList<>(after.getOrDefault(-1, List.of()));
        for (int i = 0; i < base.size(); i++) {
            order.add(base.get(i));
            order.addAll(after.getOrDefault(i, List.of()));
        }
        checkNoReadAfterUpdate(order);
        return training.with(new Graph(g.name(), g.inputs(), g.parameters(), order, g.outputs()),
                training.gradients());
    }

    /** An independent check of the schedule: no op reads a parameter after the op that updates it. */
    public static void checkNoReadAfterUpdate(List<Node> order) {
        Map<String, String> updatedBy = new HashMap<>();
        for (Node n : order) {
            for (Value in : n.inputs()) {
                String u = updatedBy.get(in.name());
                if (u != null) {
                    throw new IrVerificationException(n.name(), "schedule", "reads %" + in.name()
                            + " after '" + u + "' updated it in place");
                }
            }
            n.updatedParameters().forEach(p -> updatedBy.put(p.name(), n.name()));
        }
    }
}

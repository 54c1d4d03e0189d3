package dev.tinytrain.ir;

import com.google.common.collect.ImmutableMap;
import java.util.Map;

/**
 * A graph that runs one training step: the forward pass (keeping the clamp masks backward needs), the loss,
 * the backward ops and one in-place update per trained parameter.
 *
 * @param graph the step (inputs: the network input and the label; outputs: loss and logits)
 * @param label the label input's name
 * @param loss the loss value's name
 * @param logits the logits value's name
 * @param gradients trained parameter name to the name of the value holding its gradient (only the trainable
 *     channels for a partially trained weight)
 */
public record TrainingGraph(Graph graph, String label, String loss, String logits, Map<String, String> gradients) {

    /** Copies the map and checks every name. */
    public TrainingGraph {
        gradients = ImmutableMap.copyOf(gradients);
        for (String v : new String[] {label, loss, logits}) {
            if (graph.value(v).isEmpty()) {
                throw new IrVerificationException(null, "training-graph", "value %" + v + " is not in the graph");
            }
        }
        gradients.forEach((p, g) -> {
            if (graph.parameter(p).isEmpty() || graph.value(g).isEmpty()) {
                throw new IrVerificationException(null, "training-graph", "gradient %" + g + " of parameter " + p
                        + " is not in the graph");
            }
        });
    }

    /** The network input (the graph's first input). */
    public Value input() {
        return graph.inputs().get(0);
    }

    /** The label input. */
    public Value labelValue() {
        return graph.value(label).orElseThrow();
    }

    /** The loss value. */
    public Value lossValue() {
        return graph.value(loss).orElseThrow();
    }

    /** The logits value. */
    public Value logitsValue() {
        return graph.value(logits).orElseThrow();
    }

    /** The gradient value of a trained parameter. */
    public Value gradient(String parameter) {
        String g = gradients.get(parameter);
        if (g == null) {
            throw new IllegalArgumentException("parameter '" + parameter + "' is not trained");
        }
        return graph.value(g).orElseThrow();
    }

    /** A copy with another graph and gradient map (after a pass). */
    public TrainingGraph with(Graph newGraph, Map<String, String> newGradients) {
        return new TrainingGraph(newGraph, label, loss, logits, newGradients);
    }
}

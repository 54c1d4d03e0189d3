package dev.tinytrain.ir;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable, verified SSA graph: graph inputs, named parameters, nodes in a valid execution order (every
 * operand defined before use), and the graph outputs. Passes take a graph and return a new one.
 */
public final class Graph {
    private final String name;
    private final List<Value> inputs;
    private final List<Parameter> parameters;
    private final List<Node> nodes;
    private final List<Value> outputs;
    private final Map<String, Value> values;
    private final Map<String, Node> producers;
    private final Map<String, Parameter> parametersByName;

    /**
     * Creates and verifies a graph.
     *
     * @throws IrVerificationException when any IR rule is broken
     */
    public Graph(String name, List<Value> inputs, List<Parameter> parameters, List<Node> nodes, List<Value> outputs) {
        this.name = name;
        this.inputs = ImmutableList.copyOf(inputs);
        this.parameters = ImmutableList.copyOf(parameters);
        this.nodes = ImmutableList.copyOf(nodes);
        this.outputs = ImmutableList.copyOf(outputs);
        Map<String, Value> vals = new LinkedHashMap<>();
        Map<String, Node> prod = new LinkedHashMap<>();
        Map<String, Parameter> params = new LinkedHashMap<>();
        GraphVerifier.verify(this, vals, prod, params);
        this.values = ImmutableMap.copyOf(vals);
        this.producers = ImmutableMap.copyOf(prod);
        this.parametersByName = ImmutableMap.copyOf(params);
    }

    /** The graph's name. */
    public String name() {
        return name;
    }

    /** Graph inputs, in order. */
    public List<Value> inputs() {
        return inputs;
    }

    /** Named parameters, in order. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** Nodes in execution order. */
    public List<Node> nodes() {
        return nodes;
    }

    /** Graph outputs, in order. */
    public List<Value> outputs() {
        return outputs;
    }

    /** Every value by name: inputs, parameters, then node results in order. */
    public Map<String, Value> values() {
        return values;
    }

    /** The value with this name, if any. */
    public Optional<Value> value(String valueName) {
        return Optional.ofNullable(values.get(valueName));
    }

    /** The parameter with this name, if any. */
    public Optional<Parameter> parameter(String paramName) {
        return Optional.ofNullable(parametersByName.get(paramName));
    }

    /** The node that defines {@code v}, or empty for inputs and parameters. */
    public Optional<Node> producer(Value v) {
        return Optional.ofNullable(producers.get(v.name()));
    }

    /** Nodes that read {@code v}, in execution order. */
    public List<Node> users(Value v) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.inputs().contains(v)) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * The nodes of {@code schedule} (an order of this graph's nodes) that {@code target} depends on, in that order:
     * what a backend runs to compute {@code target} alone (inference runs only the forward slice of a training step).
     */
    public List<Node> sliceFor(List<Node> schedule, Value target) {
        Set<String> needed = new HashSet<>();
        Deque<Value> work = new ArrayDeque<>(List.of(target));
        while (!work.isEmpty()) {
            Value v = work.pop();
            if (needed.add(v.name())) {
                producer(v).ifPresent(n -> work.addAll(n.inputs()));
            }
        }
        List<Node> out = new ArrayList<>();
        for (Node n : schedule) {
            if (n.outputs().stream().anyMatch(v -> needed.contains(v.name()))) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * The values that a program running {@code schedule} reads: every operand of its nodes and every output of the
     * graph. A result outside this set is written for nobody, such as the clamp mask of a forward conv in an
     * inference program (only the backward reads it), so a kernel may skip writing it.
     */
    public Set<Value> valuesRead(List<Node> schedule) {
        Set<Value> read = new HashSet<>(outputs);
        for (Node n : schedule) {
            read.addAll(n.inputs());
        }
        return Collections.unmodifiableSet(read);
    }

    /** Total multiply-accumulates. */
    public long macs() {
        return nodes.stream().mapToLong(Node::macs).sum();
    }

    /** A copy of this graph with other outputs (each must be a value of this graph). */
    public Graph withOutputs(List<Value> newOutputs) {
        return new Graph(name, inputs, parameters, nodes, newOutputs);
    }

    /** A copy of this graph with other parameters (same names and types, e.g. other trainability or data). */
    public Graph withParameters(List<Parameter> newParameters) {
        return new Graph(name, inputs, newParameters, nodes, outputs);
    }

    @Override
    public String toString() {
        return "Graph[" + name + ", " + nodes.size() + " nodes]";
    }
}

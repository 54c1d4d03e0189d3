package dev.tinytrain.ir;

import dev.tinytrain.ir.ops.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds a graph op by op. Each {@link #add} infers and checks the result type at once, so a mistake is reported
 * where it is made; {@link #build()} verifies the whole graph.
 *
 * <pre>{@code
 * GraphBuilder b = new GraphBuilder("tiny");
 * Value x = b.input("input", TensorType.quantized(DType.INT8, Shape.of(1, 8, 8, 3), Layout.NHWC, q));
 * Value w = b.parameter("conv.weight", weightType, TensorData.ofInt8(bytes));
 * Value y = b.add("conv", Conv2d.samePadding(3, 1, 1, outQ), x, w, bias);
 * Graph g = b.output(y).build();
 * }</pre>
 */
public final class GraphBuilder {
    private final String name;
    private final List<Value> inputs = new ArrayList<>();
    private final List<Parameter> parameters = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Value> outputs = new ArrayList<>();

    /** Starts a graph with this name. */
    public GraphBuilder(String name) {
        this.name = name;
    }

    /** Declares a graph input. */
    public Value input(String valueName, TensorType type) {
        Value v = new Value(valueName, type);
        inputs.add(v);
        return v;
    }

    /** Declares a frozen parameter. */
    public Value parameter(String paramName, TensorType type, TensorData data) {
        return parameter(paramName, type, data, Trainability.FROZEN);
    }

    /** Declares a parameter. */
    public Value parameter(String paramName, TensorType type, TensorData data, Trainability trainability) {
        Value v = new Value(paramName, type);
        parameters.add(new Parameter(v, data, trainability));
        return v;
    }

    /** Adds a single-result node whose result value is named like the node. */
    public Value add(String nodeName, Op op, Value... operands) {
        return addMulti(nodeName, op, List.of(nodeName), operands).get(0);
    }

    /** Adds a node without results (a side effect such as a parameter update). */
    public void addEffect(String nodeName, Op op, Value... operands) {
        addMulti(nodeName, op, List.of(), operands);
    }

    /** Adds a node with explicitly named results. */
    public List<Value> addMulti(String nodeName, Op op, List<String> resultNames, Value... operands) {
        List<Value> in = Arrays.asList(operands);
        List<TensorType> types = op.inferTypes(nodeName, in);
        if (types.size() != resultNames.size()) {
            throw new IrVerificationException(nodeName, "arity", op.kind().irName() + " defines " + types.size()
                    + " results, " + resultNames.size() + " names given");
        }
        List<Value> outs = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            outs.add(new Value(resultNames.get(i), types.get(i)));
        }
        nodes.add(new Node(nodeName, op, in, outs));
        return outs;
    }

    /** Marks values as graph outputs. */
    public GraphBuilder output(Value... values) {
        outputs.addAll(Arrays.asList(values));
        return this;
    }

    /** Verifies and returns the graph. */
    public Graph build() {
        return new Graph(name, inputs, parameters, nodes, outputs);
    }
}

package dev.tinytrain.ir;

import com.google.common.collect.ImmutableList;
import dev.tinytrain.ir.ops.Op;
import dev.tinytrain.ir.ops.OpTraits;
import java.util.List;
import java.util.Objects;

/**
 * One op instance in a graph: it reads {@code inputs} and defines {@code outputs} (SSA).
 *
 * @param name unique node name (the layer path for imported models, e.g. {@code blocks[3].depthwise})
 * @param op the op definition with its attributes
 * @param inputs the operands
 * @param outputs the results defined here
 */
public record Node(String name, Op op, List<Value> inputs, List<Value> outputs) {

    /** Copies the lists. */
    public Node {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(op, "op");
        inputs = ImmutableList.copyOf(inputs);
        outputs = ImmutableList.copyOf(outputs);
    }

    /** The first (for most ops the only) result. */
    public Value output() {
        return outputs.get(0);
    }

    /** The traits of this node's op for its operands. */
    public OpTraits traits() {
        return op.traits(inputs);
    }

    /** The parameters this node writes in place ({@link OpTraits#parameterUpdates()}), none for most ops. */
    public List<Value> updatedParameters() {
        return traits().parameterUpdates().stream().map(u -> u.parameter(inputs)).toList();
    }

    /** Multiply-accumulates of this node. */
    public long macs() {
        return op.macs(inputs, outputs.stream().map(Value::type).toList());
    }
}

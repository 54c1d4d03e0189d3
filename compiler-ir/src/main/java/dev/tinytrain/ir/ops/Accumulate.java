package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;

/**
 * Sum of two float32 gradients of the same value ({@code a + b} elementwise): a value used twice (the residual
 * shortcut) gets the sum of its gradients.
 */
public record Accumulate() implements Op {

    @Override
    public OpKind kind() {
        return OpKind.ACCUMULATE;
    }

    /** Elementwise: the sum may overwrite either gradient. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.inPlace(InPlaceOperands.of(0, 1));
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "a");
        Checks.dtype(node, in.get(1), DType.FLOAT32, "b");
        if (!in.get(0).type().shape().equals(in.get(1).type().shape())) {
            Checks.fail(node, "shape", "%" + in.get(0).name() + " " + in.get(0).type().shape() + " and %"
                    + in.get(1).name() + " " + in.get(1).type().shape() + " differ");
        }
        return List.of(in.get(0).type());
    }

    static Op fromJson(JsonNode a) {
        return new Accumulate();
    }
}

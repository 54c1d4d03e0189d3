package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;

/** Input gradient of {@link Linear}: {@code dx[1,K] = dy[1,N] W[N,K]}. Operands: dy, W. */
public record LinearGradInput() implements Op {

    @Override
    public OpKind kind() {
        return OpKind.LINEAR_GRAD_INPUT;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "dy");
        Checks.dtype(node, in.get(1), DType.FLOAT32, "weight");
        Checks.rank(node, in.get(1), 2, "weight");
        Shape w = in.get(1).type().shape();
        if (in.get(0).type().elementCount() != w.dim(0)) {
            Checks.fail(node, "shape", "dy %" + in.get(0).name() + " does not match weight " + w);
        }
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(1, w.dim(1)), Layout.ROW_MAJOR));
    }

    static Op fromJson(JsonNode a) {
        return new LinearGradInput();
    }
}

package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Optional;

/** Weight gradient of {@link Linear}: {@code dW[N,K] = dy^T x}. Operands: dy {@code [1,N]}, x {@code [1,K]}. */
public record LinearGradWeight() implements Op {

    @Override
    public OpKind kind() {
        return OpKind.LINEAR_GRAD_WEIGHT;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    /** Fused as {@link LinearGradWeightUpdate} over (dy, x, weight). */
    @Override
    public Optional<FusedUpdate> fuseUpdate(SgdUpdate update, List<Value> operands, Value parameter) {
        return Optional.of(new FusedUpdate(new LinearGradWeightUpdate(update),
                List.of(operands.get(0), operands.get(1), parameter)));
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "dy");
        Checks.dtype(node, in.get(1), DType.FLOAT32, "x");
        int n = Math.toIntExact(in.get(0).type().elementCount());
        int k = Math.toIntExact(in.get(1).type().elementCount());
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(n, k), Layout.ROW_MAJOR));
    }

    static Op fromJson(JsonNode a) {
        return new LinearGradWeight();
    }
}

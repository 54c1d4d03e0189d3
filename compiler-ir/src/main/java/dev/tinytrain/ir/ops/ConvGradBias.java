package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Optional;

/** Bias gradient of a conv: {@code db[o] = sum_{y,x} g'[y,x,o]} in float32, positions in increasing order. */
public record ConvGradBias() implements Op {

    @Override
    public OpKind kind() {
        return OpKind.CONV_GRAD_BIAS;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    /** Fused as {@link ConvGradBiasUpdate} over (g', bias). */
    @Override
    public Optional<FusedUpdate> fuseUpdate(SgdUpdate update, List<Value> operands, Value parameter) {
        return Optional.of(new FusedUpdate(new ConvGradBiasUpdate(update), List.of(operands.get(0), parameter)));
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "g");
        Checks.rank(node, in.get(0), 4, "g");
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(in.get(0).type().shape().dim(3)), Layout.ROW_MAJOR));
    }

    static Op fromJson(JsonNode a) {
        return new ConvGradBias();
    }
}

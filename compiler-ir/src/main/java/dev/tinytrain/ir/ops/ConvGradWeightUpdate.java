package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A conv's weight gradient fused with its in-place update: for each output channel (each trainable channel of
 * a depthwise conv) in increasing order, the channel's gradient is computed into a one-channel workspace exactly
 * as {@link ConvGradWeight} computes it, then applied exactly as {@link SgdUpdate} applies it. No
 * weight-gradient tensor exists. Operands as {@link ConvGradWeight} (x, g', weight); the one result is the
 * workspace ({@code float32 [KH*KW*k]}, or {@code [KH*KW]} for a depthwise conv), live only during the op.
 *
 * @param grad the gradient's definition
 * @param update the update's definition
 */
public record ConvGradWeightUpdate(ConvGradWeight grad, SgdUpdate update) implements Op {

    @Override
    public OpKind kind() {
        return OpKind.CONV_GRAD_WEIGHT_UPDATE;
    }

    /** Writes operand 2 in place (operands: x, g', weight). */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.update(2, update);
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        TensorType full = grad.inferTypes(node, in).get(0);
        Shape s = full.shape();
        int perChannel = in.get(2).type().layout() == Layout.DEPTHWISE ? s.dim(1) * s.dim(2)
                : s.dim(1) * s.dim(2) * s.dim(3);
        return List.of(TensorType.of(DType.FLOAT32, Shape.of(perChannel), Layout.ROW_MAJOR));
    }

    @Override
    public long macs(List<Value> in, List<TensorType> results) {
        return grad.macs(in, grad.inferTypes("", in));
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>(grad.attributes());
        m.putAll(update.attributes());
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        grad.writeJson(out.putObject("grad"));
        update.writeJson(out.putObject("update"));
    }

    static Op fromJson(JsonNode a) {
        return new ConvGradWeightUpdate((ConvGradWeight) ConvGradWeight.fromJson(Attr.object(a, "grad")),
                (SgdUpdate) SgdUpdate.fromJson(Attr.object(a, "update")));
    }
}

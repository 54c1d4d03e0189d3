package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gradient through {@link Dequantize} (straight-through): {@code dq = dy * scale} in float32.
 *
 * @param scale {@code fl32(x_scale)} of the dequantized tensor
 */
public record DequantizeGrad(float scale) implements Op {

    @Override
    public OpKind kind() {
        return OpKind.DEQUANTIZE_GRAD;
    }

    /** Elementwise over the incoming gradient. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.inPlace(InPlaceOperands.of(0));
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "dy");
        return List.of(in.get(0).type());
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scale", scale);
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.put("scale", scale);
    }

    static Op fromJson(JsonNode a) {
        return new DequantizeGrad(Attr.float32(a, "scale"));
    }
}

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
 * Gradient of one operand of {@link QuantizedAdd} (straight-through rounding, clamp mask of the sum):
 * {@code dx = (mask ? g : 0) / outScale * operandScale}, in that float32 order. Operands: g, mask.
 *
 * @param operand which operand of the add (0 the shortcut, 1 the conv branch)
 * @param outScale {@code fl32(s_y)}
 * @param operandScale {@code fl32(s_1)} or {@code fl32(s_2)}
 */
public record AddGrad(int operand, float outScale, float operandScale) implements Op {

    @Override
    public OpKind kind() {
        return OpKind.ADD_GRAD;
    }

    /** Elementwise over the incoming gradient (the mask is bits, never the result's size). */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.inPlace(InPlaceOperands.of(0));
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "g");
        Checks.dtype(node, in.get(1), DType.BIT, "mask");
        if (in.get(0).type().elementCount() != in.get(1).type().elementCount()) {
            Checks.fail(node, "shape", "mask %" + in.get(1).name() + " does not match g %" + in.get(0).name());
        }
        return List.of(in.get(0).type());
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("operand", operand);
        m.put("sy", outScale);
        m.put("sx", operandScale);
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.put("operand", operand);
        out.put("sy", outScale);
        out.put("sx", operandScale);
    }

    static Op fromJson(JsonNode a) {
        return new AddGrad(Attr.integer(a, "operand"), Attr.float32(a, "sy"), Attr.float32(a, "sx"));
    }
}

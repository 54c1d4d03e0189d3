package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gradient at a conv's accumulator: {@code g' = (mask ? g : 0) * eff[o]} per output channel o (straight-
 * through rounding, clamp mask). Operands: g (float32, the output's shape), mask (bit).
 *
 * @param eff the conv's per-output-channel effective scales (float32, as in the forward)
 */
public record ConvGradOutput(List<Float> eff) implements Op {

    /** Copies the list. */
    public ConvGradOutput {
        eff = ImmutableList.copyOf(eff);
    }

    @Override
    public OpKind kind() {
        return OpKind.CONV_GRAD_OUTPUT;
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
        Checks.rank(node, in.get(0), 4, "g");
        if (in.get(0).type().shape().dim(3) != eff.size()
                || in.get(0).type().elementCount() != in.get(1).type().elementCount()) {
            Checks.fail(node, "shape", "g %" + in.get(0).name() + " " + in.get(0).type().shape() + ", mask %"
                    + in.get(1).name() + " and " + eff.size() + " scales disagree");
        }
        return List.of(in.get(0).type());
    }

    /** The scales as an array. */
    public float[] effArray() {
        float[] f = new float[eff.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = eff.get(i);
        }
        return f;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("eff", "[" + eff.size() + " scales]");
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        ArrayNodes.floats(out.putArray("eff"), eff);
    }

    static Op fromJson(JsonNode a) {
        return new ConvGradOutput(Attr.floatList(a, "eff"));
    }
}

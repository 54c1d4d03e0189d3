package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Map;

/**
 * TFLite's int8 {@code RELU} (a standalone op, not a fused activation): it requantizes,
 * {@code y_zero + MultiplyByQuantizedMultiplier(q - x_zero, m, shift)} with {@code (m, shift)} from
 * {@code double(fl32(x_scale / y_scale))}, clamped to {@code [max(-128, y_zero), 127]}.
 *
 * @param output the result's quantization (per tensor)
 * @param saveMask when true the op has a second result, {@code bit} of the output's shape: 1 where the pre-clamp
 *     value lies in {@code [max(-128, y_zero), 127]} inclusive (the straight-through gradient passes)
 */
public record TfliteRelu(Quantization output, boolean saveMask) implements Op {

    /** Validates the quantization. */
    public TfliteRelu {
        TfliteAdd.checkClamp("tfl.relu", output, -128, 127);
    }

    /** The ReLU as imported (no mask result). */
    public TfliteRelu(Quantization output) {
        this(output, false);
    }

    /** Can save its clamp mask (its gradient needs only the scales and the mask); nothing in place. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return new OpTraits(java.util.Optional.empty(),
                new SavedForBackward(List.of(), true, SavedForBackward.PartialInput.NOT_PARTIAL), InPlaceOperands.NONE);
    }

    @Override
    public TfliteRelu withSaveMask(boolean mask) {
        return new TfliteRelu(output, mask);
    }

    /** The lower clamp: {@code max(-128, y_zero)}. */
    public int actMin() {
        return Math.max(-128, output.zeroPoint());
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_RELU;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.INT8, "input");
        Checks.perTensor(node, in.get(0), "input");
        TensorType y = in.get(0).type().requantized(DType.INT8, output);
        return saveMask ? List.of(y, TensorType.of(DType.BIT, y.shape(), y.layout())) : List.of(y);
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put(Attr.OUTPUT, output);
        if (saveMask) {
            m.put("mask", true);
        }
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        Attr.writeOutput(out, output);
        out.put("mask", saveMask);
    }

    static Op fromJson(JsonNode a) {
        return new TfliteRelu(Attr.output(a), Attr.bool(a, "mask", false));
    }
}

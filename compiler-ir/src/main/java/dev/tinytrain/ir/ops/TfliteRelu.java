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
 */
public record TfliteRelu(Quantization output) implements Op {

    /** Validates the quantization. */
    public TfliteRelu {
        TfliteAdd.checkClamp("tfl.relu", output, -128, 127);
    }

    /** Forward-only and frozen (imported layers are not trained yet): no update, nothing saved, nothing in place. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
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
        return List.of(in.get(0).type().requantized(DType.INT8, output));
    }

    @Override
    public Map<String, Object> attributes() {
        return Map.of(Attr.OUTPUT, output);
    }

    @Override
    public void writeJson(ObjectNode out) {
        Attr.writeOutput(out, output);
    }

    static Op fromJson(JsonNode a) {
        return new TfliteRelu(Attr.output(a));
    }
}

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
 * TFLite's {@code QUANTIZE} of a float32 tensor to int8 (the first op of a float-in model), as its reference
 * {@code AffineQuantize} computes it: {@code round_half_away(x / fl32(scale)) + zero}, in float32, saturated to
 * int8 (a NaN gives the zero point).
 *
 * @param output the int8 quantization (per tensor)
 */
public record TfliteQuantize(Quantization output) implements Op {

    /** Validates the quantization. */
    public TfliteQuantize {
        TfliteAdd.checkClamp("tfl.quantize", output, -128, 127);
    }

    /** On the model input, which takes no gradient: nothing saved, no update, nothing in place. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_QUANTIZE;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "input");
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
        return new TfliteQuantize(Attr.output(a));
    }
}

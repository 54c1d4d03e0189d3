package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Map;

/**
 * TFLite's int8 {@code MEAN} over the spatial axes [1, 2] of an NHWC tensor, {@code keep_dims} false (result
 * {@code [1, C]}), as its reference kernel computes it: an int32 sum per channel; with the input's quantization
 * kept, {@code sum / (H*W)} truncated; otherwise the sum minus {@code x_zero * H*W} times a quantized multiplier
 * with {@code 1/(H*W)} folded in ({@link TfliteRequant#mean}), plus {@code y_zero}, saturated.
 *
 * @param output the result's quantization (per tensor)
 */
public record TfliteMean(Quantization output) implements Op {

    /** Validates the quantization. */
    public TfliteMean {
        TfliteAdd.checkClamp("tfl.mean", output, -128, 127);
    }

    /** Its gradient needs only the scales and shapes: nothing saved, no update, nothing in place. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_MEAN;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Value x = in.get(0);
        Shape s = Checks.int8Nhwc(node, x, "input");
        return List.of(TensorType.quantized(DType.INT8, Shape.of(s.dim(0), s.dim(3)), Layout.ROW_MAJOR, output));
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
        return new TfliteMean(Attr.output(a));
    }
}

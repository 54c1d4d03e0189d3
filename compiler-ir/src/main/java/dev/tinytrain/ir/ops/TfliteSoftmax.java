package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Quantization;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TFLite's int8 {@code SOFTMAX} along the last axis, as its reference kernel computes it in gemmlowp fixed point:
 * input differences to the row maximum scaled by a quantized {@code beta * x_scale} into Q5.26, {@code exp} of
 * negative values in Q0.31, their sum in Q12.19, its reciprocal by Newton-Raphson, and the output
 * {@code round(exp / sum * 256) - 128} saturated (output scale 1/256, zero point -128, which TFLite requires).
 * Constants: {@link TfliteRequant#softmax}.
 *
 * @param beta the softmax temperature (usually 1)
 * @param output the output quantization: scale 1/256, zero point -128
 */
public record TfliteSoftmax(float beta, Quantization output) implements Op {

    /** Validates the output quantization. */
    public TfliteSoftmax {
        if (!(beta > 0) || Float.isInfinite(beta)) {
            throw new IllegalArgumentException("tfl.softmax beta must be finite and > 0, is " + beta);
        }
        if (!output.isPerTensor() || output.zeroPoint() != -128 || (float) output.scale() != 1f / 256) {
            throw new IllegalArgumentException("tfl.softmax output must be quantized with scale 1/256 and zero point"
                    + " -128, is " + output);
        }
    }

    /** Not differentiated (the transfer head replaces it): nothing saved, no update, nothing in place. */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_SOFTMAX;
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
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("beta", beta);
        m.put(Attr.OUTPUT, output);
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.put("beta", beta);
        Attr.writeOutput(out, output);
    }

    static Op fromJson(JsonNode a) {
        return new TfliteSoftmax(Attr.float32(a, "beta"), Attr.output(a));
    }
}

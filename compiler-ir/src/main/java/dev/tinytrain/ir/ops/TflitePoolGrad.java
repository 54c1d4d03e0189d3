package dev.tinytrain.ir.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinytrain.ir.DType;
import dev.tinytrain.ir.Layout;
import dev.tinytrain.ir.TensorType;
import dev.tinytrain.ir.Value;
import java.util.List;
import java.util.Map;

/**
 * Gradient of {@link TflitePool} (straight-through rounding): each output position's gradient goes, for a max
 * pool, to the FIRST maximum of its window in scan order (rows, then columns: the element TFLite's reference
 * kernel's {@code max} keeps), for an average pool in equal parts {@code g / n} to the {@code n} elements the
 * window read; windows that overlap add up. A position whose pooled value the fused activation clamped (outside
 * {@code [actMin, actMax]}, recomputed from the saved input exactly as the forward computes it) passes nothing.
 * Operands: g (float32, the pool's output shape), x (the pool's int8 input).
 *
 * @param pool the forward pool
 */
public record TflitePoolGrad(TflitePool pool) implements Op {

    @Override
    public OpKind kind() {
        return OpKind.TFLITE_POOL_GRAD;
    }

    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.NONE;
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(0), DType.FLOAT32, "g");
        Value x = in.get(1);
        Checks.int8Nhwc(node, x, "x");
        TensorType expected = pool.inferTypes(node, List.of(x)).get(0);
        if (!in.get(0).type().shape().equals(expected.shape())) {
            Checks.fail(node, "shape", "g %" + in.get(0).name() + " " + in.get(0).type().shape()
                    + " is not the pooled shape " + expected.shape() + " of %" + x.name());
        }
        return List.of(TensorType.of(DType.FLOAT32, x.type().shape(), Layout.NHWC));
    }

    @Override
    public long macs(List<Value> in, List<TensorType> results) {
        return in.get(0).type().elementCount() * pool.filterH() * pool.filterW();
    }

    @Override
    public Map<String, Object> attributes() {
        return pool.attributes();
    }

    @Override
    public void writeJson(ObjectNode out) {
        pool.writeJson(out);
    }

    static Op fromJson(JsonNode a) {
        return new TflitePoolGrad((TflitePool) TflitePool.fromJson(a));
    }
}

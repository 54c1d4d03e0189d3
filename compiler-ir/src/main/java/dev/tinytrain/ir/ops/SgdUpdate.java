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
 * Updates a trainable parameter in place (no result; dead-code elimination keeps it as a root):
 * {@code g_qas = g / qasDivisor[o]} (QAS, when divisors are given), {@code p' = fma(-lr, g_qas, p)} in float32,
 * then the parameter's storage rule: int8 weights and int32 biases rounded by {@code rounding}, float32
 * parameters (the head) kept as they are. Operands: the parameter, its gradient (only the trainable channels for
 * a partial weight).
 *
 * @param lr learning rate
 * @param qasDivisors per-output-channel QAS divisors ({@code w_scale^2} for weights, {@code (x_scale*w_scale)^2}
 *     for biases, computed in float32 as the authors do), or empty for no QAS
 * @param rounding {@code nearest_even}, {@code stochastic} or {@code float_master}
 * @param channels the trainable channels of a partial weight (empty = all)
 * @param paramId index of the parameter among the trained ones (keys the stochastic-rounding generator)
 */
public record SgdUpdate(float lr, List<Float> qasDivisors, String rounding, List<Integer> channels, int paramId)
        implements Op {

    /** Rounding modes. */
    public static final List<String> ROUNDING_MODES = List.of("nearest_even", "stochastic", "float_master");

    /** Validates the mode and copies the lists. */
    public SgdUpdate {
        qasDivisors = ImmutableList.copyOf(qasDivisors);
        channels = ImmutableList.copyOf(channels);
        if (!ROUNDING_MODES.contains(rounding)) {
            throw new IllegalArgumentException("rounding must be one of " + ROUNDING_MODES + ", got '" + rounding + "'");
        }
        if (!(lr >= 0) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
        }
    }

    @Override
    public OpKind kind() {
        return OpKind.SGD_UPDATE;
    }

    /** Writes operand 0 in place (operands: parameter, gradient). */
    @Override
    public OpTraits traits(List<Value> inputs) {
        return OpTraits.update(0, this);
    }

    @Override
    public List<TensorType> inferTypes(String node, List<Value> in) {
        Checks.arity(node, kind(), in);
        Checks.dtype(node, in.get(1), DType.FLOAT32, "gradient");
        if (in.get(0).type().dtype() == DType.BIT) {
            Checks.fail(node, "dtype", "cannot update bit tensor %" + in.get(0).name());
        }
        if (channels.isEmpty() && in.get(0).type().elementCount() != in.get(1).type().elementCount()) {
            Checks.fail(node, "shape", "gradient %" + in.get(1).name() + " " + in.get(1).type().shape()
                    + " does not match parameter %" + in.get(0).name() + " " + in.get(0).type().shape());
        }
        return List.of();
    }

    /**
     * QAS divisors of a conv weight, exactly as the authors' {@code SGDScale.pre_step} computes them in float32
     * (verified bit for bit against their goldens): {@code t = fl32(fl32(eff * fl32(y_scale)) / fl32(x_scale));
     * divisor = fl32(t * t)}, mathematically {@code w_scale^2}.
     */
    public static float[] qasWeightDivisors(float[] eff, double yScale, double xScale) {
        float[] d = new float[eff.length];
        for (int o = 0; o < d.length; o++) {
            float t = eff[o] * (float) yScale / (float) xScale;
            d[o] = t * t;
        }
        return d;
    }

    /**
     * QAS divisors of a conv bias: {@code t = fl32(eff * fl32(y_scale)); divisor = fl32(t * t)}, mathematically
     * {@code (x_scale * w_scale)^2}.
     */
    public static float[] qasBiasDivisors(float[] eff, double yScale) {
        float[] d = new float[eff.length];
        for (int o = 0; o < d.length; o++) {
            float t = eff[o] * (float) yScale;
            d[o] = t * t;
        }
        return d;
    }

    /** The QAS divisors as an array (empty when no QAS). */
    public float[] qasArray() {
        float[] f = new float[qasDivisors.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = qasDivisors.get(i);
        }
        return f;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lr", lr);
        m.put("qas", qasDivisors.isEmpty() ? "none" : "[" + qasDivisors.size() + " divisors]");
        m.put("rounding", rounding);
        if (!channels.isEmpty()) {
            m.put("channels", channels);
        }
        return m;
    }

    @Override
    public void writeJson(ObjectNode out) {
        out.put("lr", lr);
        ArrayNodes.floats(out.putArray("qas"), qasDivisors);
        out.put("rounding", rounding);
        ArrayNodes.ints(out.putArray("channels"), channels);
        out.put("param_id", paramId);
    }

    static Op fromJson(JsonNode a) {
        return new SgdUpdate(Attr.float32(a, "lr"), Attr.floatList(a, "qas"), Attr.text(a, "rounding"),
                Attr.intList(a, "channels", -1), Attr.integer(a, "param_id"));
    }
}

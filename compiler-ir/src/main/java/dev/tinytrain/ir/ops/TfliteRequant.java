package dev.tinytrain.ir.ops;

/**
 * The fixed-point constants of TensorFlow Lite's integer kernels, computed once at compile time (the one definition
 * the JVM and C emitters share): a real multiplier {@code m > 0} becomes {@code (multiplier, shift)} with
 * {@code m ~= multiplier * 2^(shift - 31)}, {@code multiplier} in {@code [2^30, 2^31)}, as TFLite's
 * {@code QuantizeMultiplier} computes it in binary64 ({@code frexp}, round half away from zero, a mantissa that
 * rounds up to {@code 2^31} halves and bumps the shift, and shifts below -31 flush to zero).
 */
public final class TfliteRequant {
    private TfliteRequant() {
    }

    /**
     * One quantized multiplier.
     *
     * @param multiplier Q31 mantissa, {@code 0} or in {@code [2^30, 2^31)}
     * @param shift power of two applied after the Q31 product (negative: right shift)
     */
    public record Multiplier(int multiplier, int shift) {
    }

    /** TFLite's {@code QuantizeMultiplier(double)}; {@code m} must be finite and {@code >= 0}. */
    public static Multiplier quantize(double m) {
        if (!(m >= 0) || Double.isInfinite(m)) {
            throw new IllegalArgumentException("real multiplier " + m + " must be finite and >= 0");
        }
        if (m == 0) {
            return new Multiplier(0, 0);
        }
        int shift = Math.getExponent(m) + 1; // frexp: m = q * 2^shift with q in [0.5, 1)
        double q = Math.scalb(m, -shift);
        if (Math.getExponent(m) == Double.MIN_EXPONENT - 1) { // subnormal: far below 2^-31, flushed below
            return new Multiplier(0, 0);
        }
        long fixed = Math.round(q * (1L << 31)); // q > 0: Math.round is round half away from zero here
        if (fixed == 1L << 31) {
            fixed /= 2;
            shift++;
        }
        if (shift < -31) {
            return new Multiplier(0, 0);
        }
        return new Multiplier((int) fixed, shift);
    }

    /**
     * The per-output-channel multipliers of a TFLite conv, depthwise conv or fully connected layer:
     * {@code double(x_scale) * double(w_scale[o]) / double(y_scale)}, left to right, from the float32 scales.
     */
    public static Multiplier[] perChannel(float xScale, float[] wScales, float yScale) {
        Multiplier[] out = new Multiplier[wScales.length];
        for (int o = 0; o < out.length; o++) {
            out[o] = quantize((double) xScale * (double) wScales[o] / (double) yScale);
        }
        return out;
    }

    /**
     * The multiplier of a TFLite {@code FULLY_CONNECTED} layer with a per-tensor weight scale
     * ({@code GetQuantizedConvolutionMultipler}): {@code double(fl32(x_scale * w_scale)) / double(y_scale)}, the
     * input-weight product rounded to float32 first (per-channel weights use {@link #perChannel}).
     */
    public static Multiplier fullyConnectedPerTensor(float xScale, float wScale, float yScale) {
        return quantize((double) (xScale * wScale) / (double) yScale);
    }

    /**
     * The multipliers of a TFLite conv-like layer: {@link #perChannel}, except a fully connected layer with one
     * weight scale, which TFLite scales by {@link #fullyConnectedPerTensor}.
     *
     * @param fullyConnected true for a {@code FULLY_CONNECTED} layer
     * @param perTensorWeight true when the weight has a single scale
     */
    public static Multiplier[] convLike(boolean fullyConnected, boolean perTensorWeight, float xScale,
                                        float[] wScales, float yScale) {
        if (fullyConnected && perTensorWeight) {
            Multiplier[] out = new Multiplier[wScales.length];
            java.util.Arrays.fill(out, fullyConnectedPerTensor(xScale, wScales[0], yScale));
            return out;
        }
        return perChannel(xScale, wScales, yScale);
    }

    /**
     * The per-output-channel scales of a TFLite {@code FULLY_CONNECTED} layer with per-channel weights, whose
     * reference kernel ({@code FullyConnectedPerChannel} with float scales) rounds
     * {@code double(acc) * eff[o]} half away from zero, {@code eff[o] = double(x_scale) * double(w_scale[o]) /
     * double(y_scale)}: each as its binary64 significand ({@link #significands}) and exponent
     * ({@link #exponents}), {@code eff = significand * 2^exponent}, so that integer-only kernels can round the
     * binary64 product exactly.
     */
    public static double[] fullyConnectedScales(float xScale, float[] wScales, float yScale) {
        double[] eff = new double[wScales.length];
        for (int o = 0; o < eff.length; o++) {
            eff[o] = (double) xScale * (double) wScales[o] / (double) yScale;
        }
        return eff;
    }

    /** The integer significands of positive finite doubles (53 bits for normal numbers). */
    public static long[] significands(double[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            long bits = Double.doubleToRawLongBits(values[i]);
            long fraction = bits & ((1L << 52) - 1);
            out[i] = ((bits >>> 52) & 0x7ff) == 0 ? fraction : fraction | (1L << 52);
        }
        return out;
    }

    /** The exponents matching {@link #significands}: {@code value = significand * 2^exponent}. */
    public static int[] exponents(double[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            int biased = (int) ((Double.doubleToRawLongBits(values[i]) >>> 52) & 0x7ff);
            out[i] = (biased == 0 ? 1 : biased) - 1075;
        }
        return out;
    }

    /** The multipliers of {@code ms}, in order (for kernel tables). */
    public static int[] multipliers(Multiplier[] ms) {
        int[] out = new int[ms.length];
        for (int i = 0; i < ms.length; i++) {
            out[i] = ms[i].multiplier();
        }
        return out;
    }

    /** The shifts of {@code ms}, in order. */
    public static int[] shifts(Multiplier[] ms) {
        int[] out = new int[ms.length];
        for (int i = 0; i < ms.length; i++) {
            out[i] = ms[i].shift();
        }
        return out;
    }

    /**
     * The constants of TFLite's int8 ADD: inputs are shifted left by {@link #ADD_LEFT_SHIFT}, scaled by
     * {@code s_i / (2 max(s1, s2))}, summed, and the sum scaled by {@code 2 max(s1, s2) / (2^20 s_out)}.
     *
     * @return input 1, input 2 and output multipliers
     */
    public static Multiplier[] add(float s1, float s2, float sOut) {
        double twiceMax = 2 * (double) Math.max(s1, s2);
        return new Multiplier[] {quantize(s1 / twiceMax), quantize(s2 / twiceMax),
            quantize(twiceMax / ((1 << ADD_LEFT_SHIFT) * (double) sOut))};
    }

    /** The left shift of TFLite's int8 ADD inputs. */
    public static final int ADD_LEFT_SHIFT = 20;

    /** The multiplier of TFLite's int8 RELU: {@code double(fl32(x_scale / y_scale))}. */
    public static Multiplier relu(float xScale, float yScale) {
        return quantize(xScale / yScale);
    }

    /**
     * The constants of TFLite's reference int8 MEAN (keep_dims false) over {@code count} elements per output.
     *
     * @param requantize false when input and output share scale and zero point: then the kernel divides the sum
     *     by {@code count}, truncating, and ignores the multiplier
     * @param multiplier {@code QuantizeMultiplier(x_scale / y_scale)} with {@code 1/count} folded in as TFLite's
     *     {@code QuantizedMeanOrSum} does: shifted left by {@code floor(log2 count)} (at most 32 and
     *     {@code 31 + shift}), then divided by {@code count}, truncating
     * @param shift the matching shift
     */
    public record MeanConstants(boolean requantize, int multiplier, int shift) {
    }

    /** The MEAN constants of input quantization {@code in}, output {@code out} (both per tensor), {@code count}. */
    public static MeanConstants mean(dev.tinytrain.ir.Quantization in, dev.tinytrain.ir.Quantization out,
                                     int count) {
        float xs = (float) in.scale();
        float ys = (float) out.scale();
        boolean same = in.zeroPoint() == out.zeroPoint() && xs == ys;
        Multiplier m = quantize((double) xs / (double) ys);
        int n = 63 - Long.numberOfLeadingZeros(count);
        n = Math.min(n, 32);
        n = Math.min(n, 31 + m.shift());
        int folded = (int) (((long) m.multiplier() << n) / count);
        return new MeanConstants(!same, folded, m.shift() - n);
    }

    /** Integer bits of the scaled input differences of TFLite's int8 softmax (Q5.26). */
    public static final int SOFTMAX_DIFF_INTEGER_BITS = 5;

    /**
     * The constants of TFLite's reference int8 softmax.
     *
     * @param multiplier Q31 multiplier of {@code beta * x_scale * 2^26} (capped at {@code 2^31 - 1})
     * @param leftShift its (non-negative) left shift
     * @param diffMin the smallest input difference to the row maximum that still counts (more negative ones give
     *     an exp of 0)
     */
    public record SoftmaxConstants(int multiplier, int leftShift, int diffMin) {
    }

    /** TFLite's {@code PreprocessSoftmaxScaling} and {@code CalculateInputRadius} for {@code beta}, {@code x_scale}. */
    public static SoftmaxConstants softmax(float beta, float xScale) {
        double real = Math.min((double) beta * (double) xScale * (1 << (31 - SOFTMAX_DIFF_INTEGER_BITS)),
                (1L << 31) - 1.0);
        Multiplier m = quantize(real);
        if (m.shift() < 0) {
            throw new IllegalArgumentException("softmax multiplier " + real + " is below 1 (beta * x_scale too small"
                    + " for TFLite's int8 softmax)");
        }
        double radius = 1.0 * ((1 << SOFTMAX_DIFF_INTEGER_BITS) - 1)
                * (double) (1L << (31 - SOFTMAX_DIFF_INTEGER_BITS)) / (double) (1L << m.shift());
        return new SoftmaxConstants(m.multiplier(), m.shift(), -(int) Math.floor(radius));
    }
}

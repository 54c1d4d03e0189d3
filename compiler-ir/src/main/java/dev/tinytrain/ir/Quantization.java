package dev.tinytrain.ir;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.Doubles;
import java.util.List;

/**
 * Affine quantization {@code real = (q - zeroPoint) * scale}, per tensor ({@code axis == -1}, one scale and one
 * zero point) or per channel along {@code axis} (one scale and one zero point per channel).
 *
 * <p>Scales are stored as binary64. A per-channel weight scale that the model stores as float32 is kept as the
 * double with exactly that value, so {@code (float) scale} recovers it.
 */
public record Quantization(List<Double> scales, List<Integer> zeroPoints, int axis) {

    /**
     * Validates: scales finite and positive, and finite, normal float32 numbers when rounded; zero points within
     * int8; one per channel.
     */
    public Quantization {
        scales = ImmutableList.copyOf(scales);
        zeroPoints = ImmutableList.copyOf(zeroPoints);
        if (scales.isEmpty() || scales.size() != zeroPoints.size()) {
            throw new InvalidQuantizationException("quantization needs one zero point per scale, got "
                    + scales.size() + " scales and " + zeroPoints.size() + " zero points");
        }
        if (axis < -1 || (axis == -1 && scales.size() != 1)) {
            throw new InvalidQuantizationException("per-tensor quantization (axis -1) takes exactly one scale, got "
                    + scales.size() + " with axis " + axis);
        }
        for (int i = 0; i < scales.size(); i++) {
            double s = scales.get(i);
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new InvalidQuantizationException("scale[" + i + "] = " + s + " must be finite and > 0");
            }
            // the backends compute in float32: a scale must stay a finite, normal number there
            if (!Float.isFinite((float) s) || (float) s < Float.MIN_NORMAL) {
                throw new InvalidQuantizationException("scale[" + i + "] = " + s + " is not a normal float32 (it"
                        + " is " + (float) s + " in float32); scales lie in [" + Float.MIN_NORMAL + ", "
                        + Float.MAX_VALUE + "]");
            }
            int z = zeroPoints.get(i);
            if (z < -128 || z > 127) {
                throw new InvalidQuantizationException("zero point[" + i + "] = " + z + " is outside int8 [-128, 127]");
            }
        }
    }

    /** Per-tensor quantization. */
    public static Quantization perTensor(double scale, int zeroPoint) {
        return new Quantization(List.of(scale), List.of(zeroPoint), -1);
    }

    /** Symmetric per-channel quantization (zero point 0) along {@code axis}. */
    public static Quantization perChannel(float[] scales, int axis) {
        double[] d = new double[scales.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = scales[i];
        }
        return new Quantization(Doubles.asList(d), java.util.Collections.nCopies(d.length, 0), axis);
    }

    /** True for per-tensor quantization. */
    public boolean isPerTensor() {
        return axis == -1;
    }

    /** The single scale of a per-tensor quantization. */
    public double scale() {
        requirePerTensor();
        return scales.get(0);
    }

    /** The single zero point of a per-tensor quantization. */
    public int zeroPoint() {
        requirePerTensor();
        return zeroPoints.get(0);
    }

    /** Per-channel scales rounded to float32 (exact for scales that the model stores as float32). */
    public float[] scalesAsFloats() {
        float[] f = new float[scales.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = scales.get(i).floatValue();
        }
        return f;
    }

    private void requirePerTensor() {
        if (!isPerTensor()) {
            throw new IllegalStateException("quantization is per channel along axis " + axis);
        }
    }
}

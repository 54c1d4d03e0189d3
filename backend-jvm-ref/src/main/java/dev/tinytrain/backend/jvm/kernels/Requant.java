package dev.tinytrain.backend.jvm.kernels;

/**
 * Requantization constants, as fixed by {@code models/FORMAT.md} §3.2 step 3.
 *
 * <p>The per-output-channel effective scale of a conv is computed once, at compile (or load) time, in float64
 * and rounded once to float32. The kernels then use it only in float32 arithmetic.
 */
public final class Requant {

    private Requant() {
    }

    /**
     * The effective requantization scale {@code eff = fl32(x_scale * w_scale / y_scale)}.
     *
     * <p>Evaluated left to right in double ({@code wScale} widened exactly to double), then rounded once to
     * float (round to nearest, ties to even): {@code (float) (xScale * (double) wScale / yScale)}.
     *
     * @param xScale scale of the op's input (float64, as stored in the model)
     * @param wScale per-output-channel weight scale (float32, as stored in the model)
     * @param yScale scale of the op's output (float64, as stored in the model)
     * @return the float32 effective scale
     */
    public static float effectiveScale(double xScale, float wScale, double yScale) {
        return (float) (xScale * (double) wScale / yScale);
    }

    /**
     * {@link #effectiveScale(double, float, double)} for every output channel.
     *
     * @param xScale  scale of the op's input
     * @param wScales per-output-channel weight scales
     * @param yScale  scale of the op's output
     * @return a new array {@code eff} with {@code eff[o] = effectiveScale(xScale, wScales[o], yScale)}
     * @throws IllegalArgumentException if {@code wScales} is null
     */
    public static float[] effectiveScales(double xScale, float[] wScales, double yScale) {
        if (wScales == null) {
            throw new IllegalArgumentException("wScales must not be null");
        }
        float[] eff = new float[wScales.length];
        for (int o = 0; o < eff.length; o++) {
            eff[o] = effectiveScale(xScale, wScales[o], yScale);
        }
        return eff;
    }
}

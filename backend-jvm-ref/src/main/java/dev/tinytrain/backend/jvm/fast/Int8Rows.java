package dev.tinytrain.backend.jvm.fast;

/**
 * The int8 output stage of the fast forward kernels, giving the bytes of the reference kernels' requantization
 * ({@code FORMAT.md} §3.2: {@code pre = rint(((float) acc + bias) * eff) + yZero} in float32, ties to even, NaN
 * as 0; {@code out = clamp(pre, -128, 127)}; mask bit {@code out == pre}): the rounding runs in plain float over
 * whole rows ({@link #roundSaturating}, vectorizable), then saturation to int8, with the clamp-mask bits assembled
 * in a register and written a byte at a time (the mask is cleared first, so a byte shared with a neighbouring run
 * is OR-ed).
 */
final class Int8Rows {
    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer, ties to even. */
    private static final float ROUND_MAGIC = 0x1.8p23f;
    /** Bound of {@link #roundSaturating}: any value beyond it saturates whatever the zero point. */
    private static final float SATURATING = 256f;

    private Int8Rows() {
    }

    /**
     * {@code rint(s)} (ties to even) when {@code |s| <= 256}, else {@code ±256}; NaN stays NaN. Plain float
     * arithmetic, so a loop of it vectorizes. With the zero point added after the conversion to int
     * ({@code (int) NaN} is 0, as the reference takes a NaN as 0) the output byte and mask bit are the reference's:
     * beyond ±256 the pre-clamp value lies outside [-128, 127] for every zero point in [-128, 127], so both
     * saturate.
     */
    static float roundSaturating(float s) {
        float b = Math.max(-SATURATING, Math.min(SATURATING, s));
        return (b + ROUND_MAGIC) - ROUND_MAGIC;
    }

    /**
     * Saturates {@code pre = (int) rounded[k] + yZero} for {@code k < n} (values from {@link #roundSaturating})
     * to int8, stores them at element indices {@code first ..} of the output and sets their mask bits
     * ({@code out == pre}; none when {@code maskOff < 0}).
     */
    static void storeRounded(float[] rounded, int n, int yZero, byte[] arena, int outOff, int first, int maskOff) {
        int bits = 0;
        int index = first;
        for (int k = 0; k < n; k++, index++) {
            int p = (int) rounded[k] + yZero;
            int clamped = Math.max(-128, Math.min(127, p));
            arena[outOff + index] = (byte) clamped;
            bits |= (clamped == p ? 1 : 0) << (index & 7);
            if ((index & 7) == 7) {
                if (maskOff >= 0) {
                    arena[maskOff + (index >> 3)] |= (byte) bits;
                }
                bits = 0;
            }
        }
        if (maskOff >= 0 && n > 0 && (index & 7) != 0) {
            arena[maskOff + ((index - 1) >> 3)] |= (byte) bits;
        }
    }
}

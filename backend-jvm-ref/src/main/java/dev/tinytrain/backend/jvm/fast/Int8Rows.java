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
     * ({@code out == pre}; none when {@code maskOff < 0}). Mask bytes that lie wholly inside the run are written
     * whole, eight outputs at a time without a branch per output; the partial bytes at either end are OR-ed.
     */
    static void storeRounded(float[] rounded, int n, int yZero, byte[] arena, int outOff, int first, int maskOff) {
        if (maskOff < 0) {
            for (int k = 0, o = outOff + first; k < n; k++) {
                arena[o + k] = (byte) Math.max(-128, Math.min(127, (int) rounded[k] + yZero));
            }
            return;
        }
        int k = 0;
        int index = first;
        int bits = 0;
        for (; k < n && (index & 7) != 0; k++, index++) {
            bits |= store(rounded[k], yZero, arena, outOff + index) << (index & 7);
        }
        if (bits != 0) {
            arena[maskOff + ((index - 1) >> 3)] |= (byte) bits;
        }
        for (; k + 8 <= n; k += 8, index += 8) {
            int o = outOff + index;
            arena[maskOff + (index >> 3)] = (byte) (store(rounded[k], yZero, arena, o)
                    | store(rounded[k + 1], yZero, arena, o + 1) << 1 | store(rounded[k + 2], yZero, arena, o + 2) << 2
                    | store(rounded[k + 3], yZero, arena, o + 3) << 3 | store(rounded[k + 4], yZero, arena, o + 4) << 4
                    | store(rounded[k + 5], yZero, arena, o + 5) << 5 | store(rounded[k + 6], yZero, arena, o + 6) << 6
                    | store(rounded[k + 7], yZero, arena, o + 7) << 7);
        }
        bits = 0;
        for (int b = 0; k < n; k++, index++, b++) {
            bits |= store(rounded[k], yZero, arena, outOff + index) << b;
        }
        if (bits != 0) {
            arena[maskOff + (index >> 3)] |= (byte) bits;
        }
    }

    /** Stores one saturated output at {@code at}; returns its mask bit, 1 when {@code pre} is within int8. */
    private static int store(float rounded, int yZero, byte[] arena, int at) {
        int pre = (int) rounded + yZero;
        arena[at] = (byte) Math.max(-128, Math.min(127, pre));
        int outside = (pre + 128) >>> 8; // 0 exactly when pre is in [-128, 127]
        return ((outside | -outside) >>> 31) ^ 1;
    }
}

package dev.tinytrain.backend.jvm.fast;

/**
 * The int8 output stage of the fast forward kernels: requantization exactly as the reference kernels do it
 * ({@code FORMAT.md} §3.2: {@code rint(((float) acc + bias) * eff) + yZero} in float32, ties to even, the rounded
 * value bounded to ±2^24, NaN as 0), then, for a run of consecutive output elements, saturation to int8 and the
 * clamp-mask bits assembled in a register and written a byte at a time (the mask is cleared first, so a byte
 * shared with a neighbouring run is OR-ed).
 */
final class Int8Rows {
    private static final double V_BOUND = 1 << 24;

    private Int8Rows() {
    }

    /** {@code rint(((float) acc + bias) * eff) + yZero}, the rounded value bounded to ±2^24, NaN as 0. */
    static int preClamp(int acc, float bias, float eff, int yZero) {
        double v = Math.rint(((float) acc + bias) * eff);
        if (v > V_BOUND) {
            v = V_BOUND;
        } else if (v < -V_BOUND) {
            v = -V_BOUND;
        }
        return (int) v + yZero;
    }

    /**
     * Saturates {@code pre[from .. from + n)} to int8, stores them at element indices {@code first ..} of the
     * output and sets their mask bits (none when {@code maskOff < 0}).
     */
    static void store(int[] pre, int from, int n, byte[] arena, int outOff, int first, int maskOff) {
        int bits = 0;
        int index = first;
        for (int k = from; k < from + n; k++, index++) {
            int p = pre[k];
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

    /**
     * Requantizes the sums {@code acc[0..n)} of consecutive outputs whose channels start at {@code c0} and cycle
     * every {@code channels} (in place: {@code acc} then holds the pre-clamp values), then {@link #store}s them.
     */
    static void requantizeAndStore(int[] acc, int n, int c0, int channels, float[] bias, float[] eff, int yZero,
                                   byte[] arena, int outOff, int first, int maskOff) {
        int c = c0;
        for (int k = 0; k < n; k++) {
            acc[k] = preClamp(acc[k], bias[c], eff[c], yZero);
            if (++c == channels) {
                c = 0;
            }
        }
        store(acc, 0, n, arena, outOff, first, maskOff);
    }
}

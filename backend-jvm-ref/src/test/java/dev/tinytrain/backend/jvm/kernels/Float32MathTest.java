package dev.tinytrain.backend.jvm.kernels;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accuracy of tinytrain's own float32 exp/log, in float32 ulps of the exact result (reference:
 * {@link StrictMath} in double, whose own error, below 1 double ulp, is ~2^-29 float ulps).
 *
 * <p>The test sweeps every 1009th float bit pattern (about 2.2 million exp and 2.1 million log arguments)
 * plus dense sweeps of the ranges the loss uses, within about a second. The exhaustive sweep over all
 * floats (about 5 minutes) was run once while writing the routines and gave max 0.9101 ulp (exp, normal
 * results), 0.7474 x 2^-149 (exp, subnormal results) and 0.8580 ulp (log); the bounds asserted here are
 * the documented {@link Float32Math#EXP_MAX_ULP_NORMAL} and {@link Float32Math#LOG_MAX_ULP}.
 */
class Float32MathTest {

    private static final int STRIDE = 1009;

    static double ulp(double ref) {
        return Math.scalb(1.0, Math.max(Math.getExponent(ref) - 23, -149));
    }

    @Test
    void expWithinOneUlpOnDenseSweep() {
        double maxNormal = 0, maxSub = 0;
        long n = 0;
        // all bit patterns of [-104, 89] with a stride, both signs
        for (long b = 0; b <= 0xffffffffL; b += STRIDE) {
            float x = Float.intBitsToFloat((int) b);
            if (Float.isNaN(x) || x < -104f || x > 89f) {
                continue;
            }
            double ref = StrictMath.exp(x);
            float f = Float32Math.exp(x);
            n++;
            if (ref > Float.MAX_VALUE) {
                assertTrue(f == Float.POSITIVE_INFINITY || Math.abs(f - ref) <= ulp(ref), "overflow at " + x);
                continue;
            }
            if (ref >= 0x1p-126) {
                maxNormal = Math.max(maxNormal, Math.abs(f - ref) / ulp(ref));
            } else {
                maxSub = Math.max(maxSub, Math.abs(f - ref) / 0x1p-149);
            }
        }
        assertTrue(n > 2_000_000, "sweep too sparse: " + n);
        assertTrue(maxNormal <= Float32Math.EXP_MAX_ULP_NORMAL, "exp max ulp " + maxNormal);
        assertTrue(maxSub <= 1.0, "exp subnormal max error " + maxSub + " x 2^-149");
        // the range used by softmax, [-87, 0], with a finer stride
        double maxSoft = 0;
        for (int b = Float.floatToRawIntBits(-0.0f); b <= Float.floatToRawIntBits(-87.0f); b += 769) {
            float x = Float.intBitsToFloat(b);
            double ref = StrictMath.exp(x);
            maxSoft = Math.max(maxSoft, Math.abs(Float32Math.exp(x) - ref) / ulp(ref));
        }
        assertTrue(maxSoft <= Float32Math.EXP_MAX_ULP_NORMAL, "exp on softmax range " + maxSoft);
    }

    @Test
    void logWithinOneUlpOnDenseSweep() {
        double max = 0;
        long n = 0;
        for (long b = 1; b < 0x7f800000L; b += STRIDE) {
            float x = Float.intBitsToFloat((int) b);
            double ref = StrictMath.log(x);
            float f = Float32Math.log(x);
            n++;
            max = Math.max(max, Math.abs(f - ref) / ulp(ref));
        }
        // the range used by the loss, log(sum of exp) in [1, classes]: [0.5, 2] with a fine stride
        for (int b = Float.floatToRawIntBits(0.5f); b <= Float.floatToRawIntBits(2.0f); b += 17) {
            float x = Float.intBitsToFloat(b);
            double ref = StrictMath.log(x);
            if (ref != 0) {
                max = Math.max(max, Math.abs(Float32Math.log(x) - ref) / ulp(ref));
            }
        }
        assertTrue(n > 2_000_000, "sweep too sparse: " + n);
        assertTrue(max <= Float32Math.LOG_MAX_ULP, "log max ulp " + max);
    }

    @Test
    void specialValues() {
        assertEquals(1.0f, Float32Math.exp(0.0f));
        assertEquals(1.0f, Float32Math.exp(-0.0f));
        assertEquals(Float.POSITIVE_INFINITY, Float32Math.exp(89.0001f));
        assertEquals(Float.POSITIVE_INFINITY, Float32Math.exp(Float.POSITIVE_INFINITY));
        assertEquals(0.0f, Float32Math.exp(-104.5f));
        assertEquals(0.0f, Float32Math.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Float32Math.exp(Float.NaN)));
        assertEquals(StrictMath.exp(88.72283f), Float32Math.exp(88.72283f), Math.ulp(Float.MAX_VALUE));
        assertEquals(Float.POSITIVE_INFINITY, Float32Math.exp(88.7229f));
        assertEquals(Float.MIN_VALUE, Float32Math.exp(-103.2789f)); // exp = 1.4e-45

        assertEquals(0.0f, Float32Math.log(1.0f));
        assertEquals(Float.NEGATIVE_INFINITY, Float32Math.log(0.0f));
        assertEquals(Float.NEGATIVE_INFINITY, Float32Math.log(-0.0f));
        assertEquals(Float.POSITIVE_INFINITY, Float32Math.log(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(Float32Math.log(-1.0f)));
        assertTrue(Float.isNaN(Float32Math.log(Float.NaN)));
        assertEquals((float) StrictMath.log(Float.MIN_VALUE), Float32Math.log(Float.MIN_VALUE), 1e-5f);
        assertEquals((float) StrictMath.log(Float.MAX_VALUE), Float32Math.log(Float.MAX_VALUE), 1e-5f);
    }

    /** Pinned bit patterns: a C port must reproduce these exactly. */
    @Test
    void pinnedBits() {
        float[] xs = {-87.5f, -20.25f, -1.0f, -0.34657f, 0.1f, 1.0f, 10.0f, 88.0f};
        StringBuilder sb = new StringBuilder();
        for (float x : xs) {
            sb.append(Integer.toHexString(Float.floatToRawIntBits(Float32Math.exp(x)))).append(' ');
        }
        float[] ls = {Float.MIN_VALUE, 1e-30f, 0.3f, 0.70710677f, 1.0000001f, 1.4142135f, 10.0f, 3e38f};
        for (float x : ls) {
            sb.append(Integer.toHexString(Float.floatToRawIntBits(Float32Math.log(x)))).append(' ');
        }
        assertEquals(PINNED, sb.toString().trim());
    }

    static final String PINNED = "6cb2bc 30dc9ef1 3ebc5ab2 3f35051e 3f8d763e 402df854 46ac14ee 7ef882b7 "
            + "c2ce8ed0 c28a27b5 bf9a1bc8 beb17218 33ffffff 3eb17217 40135d8e 42b13196";
}

package dev.tinytrain.backend.jvm.kernels;

/**
 * tinytrain's own float32 {@code exp} and {@code log}, used by the loss (softmax cross-entropy).
 *
 * <p>Both routines use only float32 {@code + - * /}, comparisons, and exact manipulation of the IEEE-754
 * bit pattern ({@link Float#floatToRawIntBits} / {@link Float#intBitsToFloat}; in C: {@code memcpy} between
 * {@code float} and {@code uint32_t}). There is no {@code double}, no fused multiply-add and no call into a
 * math library, so a C99 port compiled with {@code -ffp-contract=off} (and without {@code -ffast-math})
 * gives bit-identical results on every IEEE-754 target. Every operation below is written in its evaluation
 * order; the C port must keep each parenthesisation exactly.
 *
 * <p><b>Measured accuracy</b>, in float32 ulps of the exact result (reference {@link StrictMath#exp} /
 * {@link StrictMath#log} in double), from an <em>exhaustive</em> sweep over every float argument, run once
 * when these routines were written ({@code Float32MathTest} re-checks the bounds on a strided sample of
 * all bit patterns plus dense sweeps of the ranges the loss uses):
 * <ul>
 *   <li>{@code exp}, every float in [-87.34, 88.72] (normal results): max error <b>0.9101 ulp</b>
 *       (at x = -37.776226); bound {@value #EXP_MAX_ULP_NORMAL}. Subnormal results (x in [-104, -87.34]):
 *       max error 0.7474 x 2^-149 (the result is rounded twice there). Not always correctly rounded.</li>
 *   <li>{@code log}, every positive finite float (normal and subnormal): max error <b>0.8580 ulp</b>
 *       (at x = 0.69991034); bound {@value #LOG_MAX_ULP}.</li>
 * </ul>
 */
public final class Float32Math {

    /** Bound on the ulp error of {@link #exp} for normal results (exhaustive sweep measured 0.9101). */
    public static final double EXP_MAX_ULP_NORMAL = 0.92;
    /** Bound on the ulp error of {@link #log} over all positive finite floats (exhaustive sweep measured 0.8580). */
    public static final double LOG_MAX_ULP = 0.86;

    private Float32Math() {
    }

    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer (ties to even). */
    private static final float ROUND_MAGIC = 0x1.8p23f;
    private static final float LOG2E = 0x1.715476p0f;            // 1.44269504f
    /** High part of ln 2 with 15 significant bits, so that k * LN2_HI is exact for |k| <= 255. */
    private static final float LN2_HI = 0x1.62e4p-1f;            // 0.693145751953125 (0x3f317200)
    /** ln 2 - LN2_HI, rounded to float. */
    private static final float LN2_LO = 0x1.7f7d1cp-20f;         // 1.42860677e-06 (0x35bfbe8e)

    // exp: r*(e^r+1)/(e^r-1) = 2 + P1 r^2 + P2 r^4 + P3 r^6 + P4 r^8 + ... (Taylor coefficients)
    private static final float EXP_P1 = 1.0f / 6.0f;
    private static final float EXP_P2 = -1.0f / 360.0f;
    private static final float EXP_P3 = 1.0f / 15120.0f;
    private static final float EXP_P4 = -1.0f / 604800.0f;

    // log: 2*atanh(s) = 2s + s*R(s^2), R(z) = L1 z + L2 z^2 + L3 z^3 + L4 z^4 (Taylor: 2/3, 2/5, 2/7, 2/9)
    private static final float LOG_L1 = 2.0f / 3.0f;
    private static final float LOG_L2 = 2.0f / 5.0f;
    private static final float LOG_L3 = 2.0f / 7.0f;
    private static final float LOG_L4 = 2.0f / 9.0f;

    /** Above this, exp overflows to +Infinity (checked in the code path; results of 2^128 and above are inf). */
    private static final float EXP_HUGE = 89.0f;
    /** Below this, the exact exp is below 2^-150 (half the smallest subnormal) and rounds to +0. */
    private static final float EXP_TINY = -104.0f;

    /**
     * float32 e^x.
     *
     * <p>Algorithm (all float32, in this order):
     * <ol>
     *   <li>NaN returns NaN; {@code x > 89} returns +Infinity; {@code x < -104} returns +0.</li>
     *   <li>{@code kf = (x * LOG2E + 0x1.8p23f) - 0x1.8p23f} (round to nearest integer, ties to even);
     *       {@code k = (int) kf}.</li>
     *   <li>{@code hi = x - kf * LN2_HI} (exact), {@code lo = kf * LN2_LO}, {@code r = hi - lo},
     *       {@code t = r * r}.</li>
     *   <li>{@code c = r - t * (P1 + t * (P2 + t * (P3 + t * P4)))} with P1..P4 = 1/6, -1/360, 1/15120,
     *       -1/604800 (each rounded to float).</li>
     *   <li>{@code y = 1 - ((lo - (r * c) / (2 - c)) - hi)}, which is e^r in [0.70, 1.42].</li>
     *   <li>Scale by 2^k with exact power-of-two factors built from bits:
     *       for -126 &lt;= k &lt;= 127: {@code y * 2^k}; for k = 128: {@code (y * 2) * 2^127}
     *       (overflows to +Infinity when it must); for k &lt; -126: {@code (y * 2^(k+64)) * 2^-64}
     *       (the second product rounds once into the subnormal range).</li>
     * </ol>
     *
     * @param x argument
     * @return e^x rounded as described; error below {@value #EXP_MAX_ULP_NORMAL} ulp for normal results
     */
    public static float exp(float x) {
        if (x != x) {
            return x;
        }
        if (x > EXP_HUGE) {
            return Float.POSITIVE_INFINITY;
        }
        if (x < EXP_TINY) {
            return 0.0f;
        }
        float kf = (x * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;
        int k = (int) kf;
        float hi = x - kf * LN2_HI;
        float lo = kf * LN2_LO;
        float r = hi - lo;
        float t = r * r;
        float c = r - t * (EXP_P1 + t * (EXP_P2 + t * (EXP_P3 + t * EXP_P4)));
        float y = 1.0f - ((lo - (r * c) / (2.0f - c)) - hi);
        if (k >= -126) {
            if (k <= 127) {
                return y * pow2(k);
            }
            return (y * 2.0f) * pow2(127);
        }
        return (y * pow2(k + 64)) * pow2(-64);
    }

    /**
     * float32 natural logarithm.
     *
     * <p>Algorithm (all float32, in this order):
     * <ol>
     *   <li>NaN or {@code x < 0} returns NaN; {@code x == 0} returns -Infinity; +Infinity returns +Infinity.</li>
     *   <li>Subnormal x: {@code x = x * 2^25}, {@code k = -25}; otherwise {@code k = 0}.</li>
     *   <li>From the bits {@code b} of x: {@code k += (b >>> 23) - 127}, mantissa {@code mb = b & 0x7fffff}.
     *       If {@code mb >= 0x3504f3} (m &gt;= sqrt 2): {@code m = bits(mb | 0x3f000000)} (in [0.5,1)) and
     *       {@code k += 1}; else {@code m = bits(mb | 0x3f800000)} (in [1,2)). So m is in [0.7071, 1.4142).</li>
     *   <li>{@code f = m - 1} (exact), {@code s = f / (2 + f)}, {@code z = s * s},
     *       {@code R = z * (L1 + z * (L2 + z * (L3 + z * L4)))} with L1..L4 = 2/3, 2/5, 2/7, 2/9 (rounded to
     *       float), {@code hfsq = (0.5f * f) * f}, {@code dk = (float) k}.</li>
     *   <li>{@code return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f)}.</li>
     * </ol>
     *
     * @param x argument
     * @return ln x rounded as described; error below {@value #LOG_MAX_ULP} ulp
     */
    public static float log(float x) {
        if (x != x || x < 0.0f) {
            return Float.NaN;
        }
        if (x == 0.0f) {
            return Float.NEGATIVE_INFINITY;
        }
        if (x == Float.POSITIVE_INFINITY) {
            return x;
        }
        int k = 0;
        int b = Float.floatToRawIntBits(x);
        if (b < 0x00800000) {
            x = x * 0x1p25f;
            k = -25;
            b = Float.floatToRawIntBits(x);
        }
        k += (b >>> 23) - 127;
        int mb = b & 0x007fffff;
        float m;
        if (mb >= 0x3504f3) {
            m = Float.intBitsToFloat(mb | 0x3f000000);
            k += 1;
        } else {
            m = Float.intBitsToFloat(mb | 0x3f800000);
        }
        float f = m - 1.0f;
        float s = f / (2.0f + f);
        float z = s * s;
        float r = z * (LOG_L1 + z * (LOG_L2 + z * (LOG_L3 + z * LOG_L4)));
        float hfsq = (0.5f * f) * f;
        float dk = (float) k;
        return dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
    }

    /** 2^e as a float, for -126 &lt;= e &lt;= 127, built from its bit pattern. */
    private static float pow2(int e) {
        return Float.intBitsToFloat((e + 127) << 23);
    }
}

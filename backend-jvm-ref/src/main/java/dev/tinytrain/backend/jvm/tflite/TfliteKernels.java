package dev.tinytrain.backend.jvm.tflite;

import dev.tinytrain.backend.jvm.kernels.ArenaAccess;
import dev.tinytrain.ir.ops.TfliteRequant;

/**
 * The reference kernels of TFLite integer numerics (imported {@code .tflite} models), one per
 * {@code dev.tinytrain.ir.ops.Tflite*} op kind, following TensorFlow Lite's reference int8 kernels bit for bit:
 * gemmlowp's {@code SaturatingRoundingDoublingHighMul} and {@code RoundingDivideByPOT} (the "double rounding"
 * {@code MultiplyByQuantizedMultiplier} TFLite builds without {@code TFLITE_SINGLE_ROUNDING}), integer pooling
 * rounding, and the float32 arithmetic of the quantized mean. {@code tt_tflite.c} of backend-cmsis-c mirrors this
 * class line by line. Tensors live in the arena at byte offsets; int8 elements, NHWC, batch 1.
 */
public final class TfliteKernels {
    private TfliteKernels() {
    }

    /** gemmlowp {@code SaturatingRoundingDoublingHighMul}: {@code round(a * b / 2^31)}, ties away from zero. */
    public static int saturatingRoundingDoublingHighMul(int a, int b) {
        if (a == Integer.MIN_VALUE && b == Integer.MIN_VALUE) {
            return Integer.MAX_VALUE;
        }
        long ab = (long) a * b;
        long nudge = ab >= 0 ? 1L << 30 : 1 - (1L << 30);
        return (int) ((ab + nudge) / (1L << 31)); // truncates toward zero, as C++ does
    }

    /** gemmlowp {@code RoundingDivideByPOT}: {@code x / 2^exponent} rounded half away from zero, 0..31. */
    public static int roundingDivideByPot(int x, int exponent) {
        int mask = (int) ((1L << exponent) - 1);
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    /**
     * TFLite's {@code MultiplyByQuantizedMultiplier(int32, multiplier, shift)}: a left shift (wrapping, as TFLite's
     * unsanitized int32 product), the Q31 high product, then a rounding right shift.
     */
    public static int multiplyByQuantizedMultiplier(int x, int multiplier, int shift) {
        int left = shift > 0 ? shift : 0;
        int right = shift > 0 ? 0 : -shift;
        return roundingDivideByPot(saturatingRoundingDoublingHighMul(x * (1 << left), multiplier), right);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.min(hi, Math.max(lo, v));
    }

    /**
     * Stores {@code pre} clamped to {@code [lo, hi]} at element {@code index} of the output and, when
     * {@code maskOff >= 0}, sets the element's clamp-mask bit if {@code pre} passed the clamp unchanged (the mask
     * was cleared by {@link #clearMask}; layout as {@code ArenaAccess.getMaskBit}).
     */
    private static void store(byte[] arena, int outOff, int maskOff, int index, int pre, int lo, int hi) {
        int clamped = clamp(pre, lo, hi);
        arena[outOff + index] = (byte) clamped;
        if (maskOff >= 0) {
            int pass = clamped == pre ? 1 : 0;
            arena[maskOff + (index >> 3)] |= (byte) (pass << (index & 7));
        }
    }

    /** Zeroes the clamp mask of {@code count} elements at {@code maskOff}; nothing when {@code maskOff < 0}. */
    private static void clearMask(byte[] arena, int maskOff, int count) {
        if (maskOff >= 0) {
            java.util.Arrays.fill(arena, maskOff, maskOff + ArenaAccess.maskBytes(count), (byte) 0);
        }
    }

    /**
     * Conv, depthwise conv or fully connected (TFLite {@code ConvPerChannel} / {@code DepthwiseConvPerChannel}):
     * weight {@code [O,kH,kW,inC/groups]}, or {@code [1,kH,kW,C]} when {@code groups == inC == outC}. With
     * {@code maskOff >= 0} also the clamp mask (1 where the requantized value lies in {@code [actMin, actMax]}).
     */
    public static void conv2d(byte[] arena, int inOff, int inH, int inW, int inC, int xZero, byte[] weight, int kH,
                              int kW, int strideH, int strideW, int padTop, int padLeft, int groups, int[] bias,
                              int[] multiplier, int[] shift, int yZero, int actMin, int actMax, int outOff, int outH,
                              int outW, int outC, int maskOff) {
        clearMask(arena, maskOff, outH * outW * outC);
        boolean depthwise = groups == inC && groups == outC && groups > 1;
        int cpg = inC / groups;
        int opg = outC / groups;
        for (int oy = 0; oy < outH; oy++) {
            int iy0 = oy * strideH - padTop;
            int fy0 = Math.max(0, -iy0);
            int fy1 = Math.min(kH, inH - iy0);
            for (int ox = 0; ox < outW; ox++) {
                int ix0 = ox * strideW - padLeft;
                int fx0 = Math.max(0, -ix0);
                int fx1 = Math.min(kW, inW - ix0);
                for (int oc = 0; oc < outC; oc++) {
                    int acc = 0;
                    if (depthwise) { // weight [1][kH][kW][C]: one tap per window position
                        for (int fy = fy0; fy < fy1; fy++) {
                            for (int fx = fx0; fx < fx1; fx++) {
                                acc += weight[(fy * kW + fx) * outC + oc]
                                        * (arena[inOff + ((iy0 + fy) * inW + ix0 + fx) * inC + oc] - xZero);
                            }
                        }
                    } else { // weight [O][kH][kW][inC/groups]: a contiguous dot product per window position
                        int c0 = (oc / opg) * cpg;
                        for (int fy = fy0; fy < fy1; fy++) {
                            for (int fx = fx0; fx < fx1; fx++) {
                                int w = ((oc * kH + fy) * kW + fx) * cpg;
                                int x = inOff + ((iy0 + fy) * inW + ix0 + fx) * inC + c0;
                                for (int ic = 0; ic < cpg; ic++) {
                                    acc += weight[w + ic] * (arena[x + ic] - xZero);
                                }
                            }
                        }
                    }
                    acc += bias[oc];
                    acc = multiplyByQuantizedMultiplier(acc, multiplier[oc], shift[oc]) + yZero;
                    store(arena, outOff, maskOff, (oy * outW + ox) * outC + oc, acc, actMin, actMax);
                }
            }
        }
    }

    /**
     * {@code round_half_away(double(acc) * (significand * 2^exponent))} with the product rounded to binary64
     * (nearest, ties to even) first, computed exactly in integers (the C runtime has no double precision);
     * saturated to int32. {@code significand} has at most 53 bits.
     */
    public static int roundScaled(int acc, long significand, int exponent) {
        if (acc == 0 || significand == 0) {
            return 0;
        }
        long a = Math.abs((long) acc); // <= 2^31
        long t1 = a * (significand & 0xFFFFFFFFL); // < 2^63
        long t2 = a * (significand >>> 32); // < 2^52
        long lo = (t2 << 32) + t1; // the exact product a * significand as hi:lo (unsigned), < 2^85
        long hi = (t2 >>> 32) + (Long.compareUnsigned(lo, t1) < 0 ? 1 : 0);
        int bits = hi != 0 ? 128 - Long.numberOfLeadingZeros(hi) : 64 - Long.numberOfLeadingZeros(lo);
        int drop = bits - 53; // bits below binary64 precision, at most 32
        long p = lo;
        if (drop > 0) {
            long rem = lo & ((1L << drop) - 1);
            long half = 1L << (drop - 1);
            p = (hi << (64 - drop)) | (lo >>> drop);
            if (rem > half || (rem == half && (p & 1) != 0)) {
                p++;
            }
        } else {
            drop = 0;
        }
        int k = -(exponent + drop); // value = p / 2^k
        long q;
        if (k <= 0) {
            q = -k >= 31 || p > (Integer.MAX_VALUE >> -k) ? (1L << 31) : p << -k;
        } else if (k > 62) {
            q = 0;
        } else {
            q = (p >>> k) + ((p & ((1L << k) - 1)) >= (1L << (k - 1)) ? 1 : 0);
        }
        q = Math.min(q, acc < 0 ? 1L << 31 : Integer.MAX_VALUE);
        return (int) (acc < 0 ? -q : q);
    }

    /**
     * TFLite int8 {@code FULLY_CONNECTED} with per-channel weights (reference {@code FullyConnectedPerChannel}
     * with float scales): weight {@code [outC][depth]}, {@code round(double(acc) * eff[o]) + yZero} clamped,
     * {@code eff[o] = significand[o] * 2^exponent[o]}. With {@code maskOff >= 0} also the clamp mask.
     */
    public static void fullyConnected(byte[] arena, int inOff, int depth, int xZero, byte[] weight, int[] bias,
                                      long[] significand, int[] exponent, int yZero, int actMin, int actMax,
                                      int outOff, int outC, int maskOff) {
        clearMask(arena, maskOff, outC);
        for (int o = 0; o < outC; o++) {
            int acc = 0;
            for (int d = 0; d < depth; d++) {
                acc += weight[o * depth + d] * (arena[inOff + d] - xZero);
            }
            acc += bias[o];
            int y = roundScaled(acc, significand[o], exponent[o]) + yZero;
            store(arena, outOff, maskOff, o, y, actMin, actMax);
        }
    }

    /**
     * TFLite int8 {@code ADD} of two same-shaped tensors ({@code AddElementwise}, left shift 20); with
     * {@code maskOff >= 0} also the clamp mask.
     */
    public static void add(byte[] arena, int aOff, int aZero, int aMultiplier, int aShift, int bOff, int bZero,
                           int bMultiplier, int bShift, int count, int outMultiplier, int outShift, int yZero,
                           int actMin, int actMax, int outOff, int leftShift, int maskOff) {
        clearMask(arena, maskOff, count);
        for (int i = 0; i < count; i++) {
            int a = (arena[aOff + i] - aZero) * (1 << leftShift);
            int b = (arena[bOff + i] - bZero) * (1 << leftShift);
            int sum = multiplyByQuantizedMultiplier(a, aMultiplier, aShift)
                    + multiplyByQuantizedMultiplier(b, bMultiplier, bShift);
            int y = multiplyByQuantizedMultiplier(sum, outMultiplier, outShift) + yZero;
            store(arena, outOff, maskOff, i, y, actMin, actMax);
        }
    }

    /** TFLite {@code PAD} of height and width with {@code value} (the zero point). */
    public static void pad(byte[] arena, int inOff, int inH, int inW, int channels, int top, int left, int value,
                           int outOff, int outH, int outW) {
        for (int y = 0; y < outH; y++) {
            int iy = y - top;
            for (int x = 0; x < outW; x++) {
                int ix = x - left;
                int o = outOff + (y * outW + x) * channels;
                if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) {
                    java.util.Arrays.fill(arena, o, o + channels, (byte) value);
                } else {
                    System.arraycopy(arena, inOff + (iy * inW + ix) * channels, arena, o, channels);
                }
            }
        }
    }

    /**
     * TFLite int8 {@code MEAN} over {@code positions} spatial positions per channel (reference
     * {@code QuantizedMeanOrSum}): an int32 sum; with {@code requantize} false (input and output quantization
     * equal) {@code sum / positions} truncated, otherwise
     * {@code MultiplyByQuantizedMultiplier(sum - xZero * positions, multiplier, shift) + yZero} saturated, the
     * {@code 1/positions} folded into the multiplier.
     */
    public static void mean(byte[] arena, int inOff, int positions, int channels, boolean requantize, int xZero,
                            int multiplier, int shift, int yZero, int outOff) {
        for (int c = 0; c < channels; c++) {
            int sum = 0;
            for (int p = 0; p < positions; p++) {
                sum += arena[inOff + p * channels + c];
            }
            int y = requantize ? multiplyByQuantizedMultiplier(sum - xZero * positions, multiplier, shift) + yZero
                    : sum / positions;
            arena[outOff + c] = (byte) clamp(y, -128, 127);
        }
    }

    /** TFLite int8 {@code MAX_POOL_2D} ({@code max}) or {@code AVERAGE_POOL_2D}: windows clipped to the input. */
    public static void pool(byte[] arena, int inOff, int inH, int inW, int channels, boolean max, int filterH,
                            int filterW, int strideH, int strideW, int padTop, int padLeft, int actMin, int actMax,
                            int outOff, int outH, int outW) {
        for (int oy = 0; oy < outH; oy++) {
            int iy0 = oy * strideH - padTop;
            int fy0 = Math.max(0, -iy0);
            int fy1 = Math.min(filterH, inH - iy0);
            for (int ox = 0; ox < outW; ox++) {
                int ix0 = ox * strideW - padLeft;
                int fx0 = Math.max(0, -ix0);
                int fx1 = Math.min(filterW, inW - ix0);
                for (int c = 0; c < channels; c++) {
                    long window = poolWindow(arena, inOff, inW, channels, max, iy0, fy0, fy1, ix0, fx0, fx1, c);
                    int acc = (int) (window >> 32);
                    arena[outOff + (oy * outW + ox) * channels + c] = (byte) clamp(acc, actMin, actMax);
                }
            }
        }
    }

    /**
     * One window of channel {@code c} of {@link #pool}, rows {@code iy0 + fy0 .. iy0 + fy1 - 1} and columns
     * {@code ix0 + fx0 .. ix0 + fx1 - 1} (the taps inside the input): the pooled value before the clamp in the high
     * 32 bits (the maximum, or the sum divided by the number of taps rounded half away from zero), and in the low 32
     * bits the element index of the first maximum in scan order (rows, then columns) or the number of taps. The
     * gradient ({@link TfliteBackwardKernels#poolBackward}) recomputes its windows with this.
     */
    static long poolWindow(byte[] arena, int inOff, int inW, int channels, boolean max, int iy0, int fy0, int fy1,
                           int ix0, int fx0, int fx1, int c) {
        int acc = max ? -128 : 0;
        int count = 0;
        int first = -1;
        for (int fy = fy0; fy < fy1; fy++) {
            for (int fx = fx0; fx < fx1; fx++) {
                int e = ((iy0 + fy) * inW + ix0 + fx) * channels + c;
                int v = arena[inOff + e];
                if (!max) {
                    acc += v;
                } else if (first < 0 || v > acc) {
                    acc = v;
                    first = e;
                }
                count++;
            }
        }
        if (!max) {
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        }
        return ((long) acc << 32) | ((max ? first : count) & 0xFFFFFFFFL);
    }

    /** TFLite {@code CONCATENATION} of two tensors: per outer index, a chunk of each. */
    public static void concat(byte[] arena, int aOff, int aChunk, int bOff, int bChunk, int outer, int outOff) {
        for (int i = 0; i < outer; i++) {
            int o = outOff + i * (aChunk + bChunk);
            System.arraycopy(arena, aOff + i * aChunk, arena, o, aChunk);
            System.arraycopy(arena, bOff + i * bChunk, arena, o + aChunk, bChunk);
        }
    }

    /**
     * TFLite int8 {@code RELU}: requantize, then clamp to {@code [actMin, 127]}; with {@code maskOff >= 0} also the
     * clamp mask.
     */
    public static void relu(byte[] arena, int inOff, int count, int xZero, int multiplier, int shift, int yZero,
                            int actMin, int outOff, int maskOff) {
        clearMask(arena, maskOff, count);
        for (int i = 0; i < count; i++) {
            int y = yZero + multiplyByQuantizedMultiplier(arena[inOff + i] - xZero, multiplier, shift);
            store(arena, outOff, maskOff, i, y, actMin, 127);
        }
    }

    /** gemmlowp's saturating left shift of a fixed-point raw value by {@code exponent} (1..30). */
    private static int saturatingShiftLeft(int x, int exponent) {
        int threshold = (1 << (31 - exponent)) - 1;
        if (x > threshold) {
            return Integer.MAX_VALUE;
        }
        if (x < -threshold) {
            return Integer.MIN_VALUE;
        }
        return x << exponent;
    }

    /** {@code exp(a)} for Q0.31 {@code a} in [-1/4, 0): a Taylor expansion around -1/8, result Q0.31. */
    private static int expOnQuarterInterval(int a) {
        final int expMinusOneEighth = 1895147668; // exp(-1/8) in Q0.31
        final int oneThird = 715827883; // 1/3 in Q0.31
        int x = a + (1 << 28); // a + 1/8
        int x2 = saturatingRoundingDoublingHighMul(x, x);
        int x3 = saturatingRoundingDoublingHighMul(x2, x);
        int x4 = saturatingRoundingDoublingHighMul(x2, x2);
        int x4Over4 = roundingDivideByPot(x4, 2);
        int poly = roundingDivideByPot(saturatingRoundingDoublingHighMul(x4Over4 + x3, oneThird) + x2, 1);
        return expMinusOneEighth + saturatingRoundingDoublingHighMul(expMinusOneEighth, x + poly);
    }

    /** Q31 values of {@code exp(-2^k)} for k = -2..4 (gemmlowp's barrel shifter). */
    private static final int[] EXP_OF_MINUS_POWERS = {1672461947, 1302514674, 790015084, 290630308, 39332535,
        720401, 242};

    /** gemmlowp {@code exp_on_negative_values} of a Q5.26 value {@code a <= 0}: Q0.31. */
    public static int expOnNegativeValues(int a) {
        final int fractionalBits = 31 - TfliteRequant.SOFTMAX_DIFF_INTEGER_BITS;
        final int oneQuarter = 1 << (fractionalBits - 2);
        int aModQuarterMinusQuarter = (a & (oneQuarter - 1)) - oneQuarter;
        int result = expOnQuarterInterval(saturatingShiftLeft(aModQuarterMinusQuarter,
                TfliteRequant.SOFTMAX_DIFF_INTEGER_BITS));
        int remainder = aModQuarterMinusQuarter - a;
        for (int k = -2; k <= 4; k++) {
            if (TfliteRequant.SOFTMAX_DIFF_INTEGER_BITS > k && (remainder & (1 << (fractionalBits + k))) != 0) {
                result = saturatingRoundingDoublingHighMul(result, EXP_OF_MINUS_POWERS[k + 2]);
            }
        }
        return a == 0 ? Integer.MAX_VALUE : result;
    }

    /** gemmlowp {@code one_over_one_plus_x_for_x_in_0_1}: Q0.31 in, Q0.31 out, by Newton-Raphson in Q2.29. */
    public static int oneOverOnePlusX(int a) {
        long sum = (long) a + Integer.MAX_VALUE;
        int halfDenominator = (int) ((sum + (sum >= 0 ? 1 : -1)) / 2);
        final int fortyEightOver17 = 1515870810; // Q2.29
        final int minusThirtyTwoOver17 = -1010580540; // Q2.29
        final int one = 1 << 29; // 1 in Q2.29
        int x = fortyEightOver17 + saturatingRoundingDoublingHighMul(halfDenominator, minusThirtyTwoOver17);
        for (int i = 0; i < 3; i++) {
            int oneMinusHalfDenominatorTimesX = one - saturatingRoundingDoublingHighMul(halfDenominator, x);
            x = x + saturatingShiftLeft(saturatingRoundingDoublingHighMul(x, oneMinusHalfDenominatorTimesX), 2);
        }
        return saturatingShiftLeft(x, 1); // x/2 in Q1.30 read as Q0.31
    }

    /**
     * TFLite int8 {@code SOFTMAX} (reference kernel) over rows of {@code depth} elements; output scale 1/256 and
     * zero point -128.
     */
    public static void softmax(byte[] arena, int inOff, int rows, int depth, int inputMultiplier,
                               int inputLeftShift, int diffMin, int outOff) {
        final int accumulationIntegerBits = 12;
        for (int r = 0; r < rows; r++) {
            int base = r * depth;
            int max = -128;
            for (int c = 0; c < depth; c++) {
                max = Math.max(max, arena[inOff + base + c]);
            }
            int sumOfExps = 0; // Q12.19
            for (int c = 0; c < depth; c++) {
                int diff = arena[inOff + base + c] - max;
                if (diff >= diffMin) {
                    int scaled = saturatingRoundingDoublingHighMul(diff * (1 << inputLeftShift), inputMultiplier);
                    sumOfExps += roundingDivideByPot(expOnNegativeValues(scaled), accumulationIntegerBits);
                }
            }
            int headroomPlusOne = Integer.numberOfLeadingZeros(sumOfExps);
            int bitsOverUnit = accumulationIntegerBits - headroomPlusOne;
            int shiftedSumMinusOne = (sumOfExps << headroomPlusOne) - (1 << 31);
            int shiftedScale = oneOverOnePlusX(shiftedSumMinusOne);
            int exponent = bitsOverUnit + 31 - 8;
            for (int c = 0; c < depth; c++) {
                int diff = arena[inOff + base + c] - max;
                int y = -128;
                if (diff >= diffMin) {
                    int scaled = saturatingRoundingDoublingHighMul(diff * (1 << inputLeftShift), inputMultiplier);
                    int unsat = roundingDivideByPot(saturatingRoundingDoublingHighMul(shiftedScale,
                            expOnNegativeValues(scaled)), exponent);
                    y = clamp(unsat - 128, -128, 127);
                }
                arena[outOff + base + c] = (byte) y;
            }
        }
    }

    /** {@code std::round} of a float32 (half away from zero), exact without a wider type. */
    private static float roundHalfAway(float v) {
        float a = v < 0.0f ? -v : v;
        if (!(a < 8388608.0f)) { // 2^23: already integral (or NaN, infinite)
            return v;
        }
        float f = (float) (int) a;
        if (a - f >= 0.5f) {
            f += 1.0f;
        }
        return v < 0.0f ? -f : f;
    }

    /**
     * TFLite {@code QUANTIZE} float32 to int8 (reference {@code AffineQuantize}):
     * {@code round_half_away(x / scale) + zero} saturated; a NaN gives the zero point.
     */
    public static void quantize(byte[] arena, int inOff, int count, float scale, int zero, int outOff) {
        for (int i = 0; i < count; i++) {
            float r = roundHalfAway(dev.tinytrain.backend.jvm.kernels.ArenaAccess.getFloat(arena, inOff + 4 * i)
                    / scale);
            float bounded = r != r ? 0.0f : Math.max(-1024.0f, Math.min(1024.0f, r));
            arena[outOff + i] = (byte) clamp((int) bounded + zero, -128, 127);
        }
    }
}

package dev.tinytrain.backend.jvm.tflite;

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
     * Conv, depthwise conv or fully connected (TFLite {@code ConvPerChannel} / {@code DepthwiseConvPerChannel}):
     * weight {@code [O,kH,kW,inC/groups]}, or {@code [1,kH,kW,C]} when {@code groups == inC == outC}.
     */
    public static void conv2d(byte[] arena, int inOff, int inH, int inW, int inC, int xZero, byte[] weight, int kH,
                              int kW, int strideH, int strideW, int padTop, int padLeft, int groups, int[] bias,
                              int[] multiplier, int[] shift, int yZero, int actMin, int actMax, int outOff, int outH,
                              int outW, int outC) {
        boolean depthwise = groups == inC && groups == outC && groups > 1;
        int cpg = inC / groups;
        int opg = outC / groups;
        for (int oy = 0; oy < outH; oy++) {
            int iy0 = oy * strideH - padTop;
            for (int ox = 0; ox < outW; ox++) {
                int ix0 = ox * strideW - padLeft;
                for (int oc = 0; oc < outC; oc++) {
                    int c0 = (oc / opg) * cpg;
                    int acc = 0;
                    for (int fy = 0; fy < kH; fy++) {
                        int iy = iy0 + fy;
                        if (iy < 0 || iy >= inH) {
                            continue;
                        }
                        for (int fx = 0; fx < kW; fx++) {
                            int ix = ix0 + fx;
                            if (ix < 0 || ix >= inW) {
                                continue;
                            }
                            int xBase = inOff + (iy * inW + ix) * inC + c0;
                            for (int ic = 0; ic < cpg; ic++) {
                                int w = depthwise ? weight[(fy * kW + fx) * outC + oc]
                                        : weight[((oc * kH + fy) * kW + fx) * cpg + ic];
                                acc += w * (arena[xBase + ic] - xZero);
                            }
                        }
                    }
                    acc += bias[oc];
                    acc = multiplyByQuantizedMultiplier(acc, multiplier[oc], shift[oc]) + yZero;
                    arena[outOff + (oy * outW + ox) * outC + oc] = (byte) clamp(acc, actMin, actMax);
                }
            }
        }
    }

    /** TFLite int8 {@code ADD} of two same-shaped tensors ({@code AddElementwise}, left shift 20). */
    public static void add(byte[] arena, int aOff, int aZero, int aMultiplier, int aShift, int bOff, int bZero,
                           int bMultiplier, int bShift, int count, int outMultiplier, int outShift, int yZero,
                           int actMin, int actMax, int outOff, int leftShift) {
        for (int i = 0; i < count; i++) {
            int a = (arena[aOff + i] - aZero) * (1 << leftShift);
            int b = (arena[bOff + i] - bZero) * (1 << leftShift);
            int sum = multiplyByQuantizedMultiplier(a, aMultiplier, aShift)
                    + multiplyByQuantizedMultiplier(b, bMultiplier, bShift);
            int y = multiplyByQuantizedMultiplier(sum, outMultiplier, outShift) + yZero;
            arena[outOff + i] = (byte) clamp(y, actMin, actMax);
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
                    int acc = max ? -128 : 0;
                    int count = 0;
                    for (int fy = fy0; fy < fy1; fy++) {
                        for (int fx = fx0; fx < fx1; fx++) {
                            int v = arena[inOff + ((iy0 + fy) * inW + ix0 + fx) * channels + c];
                            acc = max ? Math.max(acc, v) : acc + v;
                            count++;
                        }
                    }
                    if (!max) {
                        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    }
                    arena[outOff + (oy * outW + ox) * channels + c] = (byte) clamp(acc, actMin, actMax);
                }
            }
        }
    }

    /** TFLite {@code CONCATENATION} of two tensors: per outer index, a chunk of each. */
    public static void concat(byte[] arena, int aOff, int aChunk, int bOff, int bChunk, int outer, int outOff) {
        for (int i = 0; i < outer; i++) {
            int o = outOff + i * (aChunk + bChunk);
            System.arraycopy(arena, aOff + i * aChunk, arena, o, aChunk);
            System.arraycopy(arena, bOff + i * bChunk, arena, o + aChunk, bChunk);
        }
    }

    /** TFLite int8 {@code RELU}: requantize, then clamp to {@code [actMin, 127]}. */
    public static void relu(byte[] arena, int inOff, int count, int xZero, int multiplier, int shift, int yZero,
                            int actMin, int outOff) {
        for (int i = 0; i < count; i++) {
            int y = yZero + multiplyByQuantizedMultiplier(arena[inOff + i] - xZero, multiplier, shift);
            arena[outOff + i] = (byte) clamp(y, actMin, 127);
        }
    }
}

package dev.tinytrain.backend.jvm.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.planner.DepthwiseInPlace;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Specification of {@link ForwardKernels#conv2d}: {@code models/FORMAT.md} §3.2 on NHWC activations with OHWI
 * (dense, grouped) or {@code [1][KH][KW][C]} (depthwise) weights.
 */
class ForwardConvTest {

    // ================================================================================================================
    // An independent reference, written from FORMAT.md §3.2 in the models' own layouts (NCHW input, OIHW weights),
    // with an explicitly padded input. The kernel runs on the transposed data and must agree element for element.
    // ================================================================================================================

    /** One conv shape. {@code outH/outW} follow from the paddings: (in + padBefore + padAfter - k) / stride + 1. */
    record Shape(String name, int inH, int inW, int inC, int outC, int kH, int kW, int stride,
                 int padTop, int padBottom, int padLeft, int padRight, int groups) {

        /** FORMAT.md padding p = (k - 1) / 2 on every side. */
        static Shape symmetric(String name, int inH, int inW, int inC, int outC, int k, int stride, int groups) {
            int p = (k - 1) / 2;
            return new Shape(name, inH, inW, inC, outC, k, k, stride, p, p, p, p, groups);
        }

        int outH() {
            return (inH + padTop + padBottom - kH) / stride + 1;
        }

        int outW() {
            return (inW + padLeft + padRight - kW) / stride + 1;
        }

        boolean depthwise() {
            return groups == inC && groups == outC;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> shapes() {
        return Stream.of(
                Shape.symmetric("dense 3x3 s2, 3->16 (first_conv)", 32, 32, 3, 16, 3, 2, 1),
                Shape.symmetric("depthwise k3 s1", 12, 12, 16, 16, 3, 1, 16),
                Shape.symmetric("depthwise k3 s2", 13, 13, 16, 16, 3, 2, 16),
                Shape.symmetric("depthwise k5 s1", 11, 11, 24, 24, 5, 1, 24),
                Shape.symmetric("depthwise k5 s2", 12, 12, 24, 24, 5, 2, 24),
                Shape.symmetric("depthwise k7 s1", 10, 10, 8, 8, 7, 1, 8),
                Shape.symmetric("depthwise k7 s2", 15, 15, 8, 8, 7, 2, 8),
                Shape.symmetric("depthwise k7 s1 on 3x3 (taps mostly padding)", 3, 3, 8, 8, 7, 1, 8),
                Shape.symmetric("pointwise 1x1, 16->24", 10, 10, 16, 24, 1, 1, 1),
                Shape.symmetric("pointwise 1x1, 32->48, 24x24", 24, 24, 32, 48, 1, 1, 1),
                Shape.symmetric("pointwise 1x1, 96->16 (projection: long dot products)", 6, 7, 96, 16, 1, 1, 1),
                new Shape("pointwise 1x1 s2, 40->12, padded (some outputs entirely in padding)", 7, 6, 40, 12, 1, 1, 2,
                        1, 1, 1, 0, 1),
                Shape.symmetric("grouped groups=2, 8->6, 3x3", 9, 9, 8, 6, 3, 1, 2),
                Shape.symmetric("grouped groups=inC with channel multiplier 2 (OHWI, 1 ch/group)", 6, 6, 4, 8, 3, 1, 4),
                Shape.symmetric("odd 7x5 input, dense 3x3 s2, 4->5", 7, 5, 4, 5, 3, 2, 1),
                Shape.symmetric("odd 7x5 input, depthwise 5x5 s1", 7, 5, 6, 6, 5, 1, 6),
                Shape.symmetric("1x1 spatial, classifier-like 64->100", 1, 1, 64, 100, 1, 1, 1),
                Shape.symmetric("1x1 spatial, depthwise 3x3 (all but centre is padding)", 1, 1, 10, 10, 3, 1, 10),
                Shape.symmetric("single channel depthwise 3x3", 5, 5, 1, 1, 3, 1, 1),
                new Shape("kernel 2x3 stride 3, asymmetric padding", 8, 10, 3, 4, 2, 3, 3, 0, 1, 2, 1, 1),
                new Shape("stride larger than kernel, no padding", 9, 9, 5, 3, 1, 1, 4, 0, 0, 0, 0, 1),
                new Shape("bottom/right padding wider than kernel (windows entirely in padding)",
                        4, 4, 2, 3, 2, 2, 2, 1, 5, 0, 4, 1),
                // More than 65793 terms per output: an int32 sum could overflow, the kernel must stay exact.
                Shape.symmetric("1x1 spatial, 70000 -> 3, beyond int32-safe sums", 1, 1, 70_000, 3, 1, 1, 1),
                Shape.symmetric("depthwise 257x257 kernel on 3x3, beyond int32-safe sums", 3, 3, 2, 2, 257, 1, 2)
        ).map(Arguments::of);
    }

    /**
     * Reference pre-clamp values {@code v + yZero}, indexed {@code [o][y][x]}, computed from FORMAT.md §3.2 on an
     * NCHW input {@code x[c][y][x]} and OIHW weights {@code w[o][c][i][j]} ({@code c} runs over the group's channels).
     */
    static long[][][] referencePreClamp(int[][][] x, int xZero, int[][][][] w, Shape s,
                                        float[] bias, float[] eff, int yZero) {
        int outH = s.outH();
        int outW = s.outW();
        // Pad explicitly with the value x_zero. Big enough for every window.
        int padH = Math.max(s.padTop() + s.inH(), (outH - 1) * s.stride() + s.kH());
        int padW = Math.max(s.padLeft() + s.inW(), (outW - 1) * s.stride() + s.kW());
        int[][][] padded = new int[s.inC()][padH][padW];
        for (int c = 0; c < s.inC(); c++) {
            for (int[] row : padded[c]) {
                Arrays.fill(row, xZero);
            }
            for (int y = 0; y < s.inH(); y++) {
                for (int xx = 0; xx < s.inW(); xx++) {
                    padded[c][y + s.padTop()][xx + s.padLeft()] = x[c][y][xx];
                }
            }
        }
        int inPerGroup = s.inC() / s.groups();
        int outPerGroup = s.outC() / s.groups();
        long[][][] pre = new long[s.outC()][outH][outW];
        for (int o = 0; o < s.outC(); o++) {
            int group = o / outPerGroup;
            for (int y = 0; y < outH; y++) {
                for (int xx = 0; xx < outW; xx++) {
                    long acc = 0;
                    for (int c = 0; c < inPerGroup; c++) {
                        for (int i = 0; i < s.kH(); i++) {
                            for (int j = 0; j < s.kW(); j++) {
                                int q = padded[group * inPerGroup + c][y * s.stride() + i][xx * s.stride() + j];
                                acc += (long) (q - xZero) * w[o][c][i][j];
                            }
                        }
                    }
                    float accF = (float) acc;                 // fl32(acc)
                    float t = accF + bias[o];                 // fl32(fl32(acc) + fl32(bias))
                    float scaled = t * eff[o];                // fl32(t * eff)
                    long v = (long) Math.rint(scaled);        // rne
                    pre[o][y][xx] = v + yZero;
                }
            }
        }
        return pre;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    @DisplayName("conv2d equals the NCHW/OIHW reference, output and mask, and writes nothing else")
    void matchesReference(Shape s) {
        Random rnd = new Random(s.name().hashCode());
        int xZero = rnd.nextInt(256) - 128;
        int yZero = rnd.nextInt(256) - 128;
        int inPerGroup = s.inC() / s.groups();

        int[][][] x = new int[s.inC()][s.inH()][s.inW()];
        for (int[][] plane : x) {
            for (int[] row : plane) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = rnd.nextInt(256) - 128;
                }
            }
        }
        int[][][][] w = new int[s.outC()][inPerGroup][s.kH()][s.kW()];
        for (int[][][] wo : w) {
            for (int[][] wc : wo) {
                for (int[] row : wc) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] = rnd.nextInt(255) - 127; // symmetric int8 weights, [-127, 127]
                    }
                }
            }
        }
        // Per-channel scales chosen so |v| is typically ~80: both clamps are hit, most values are not.
        int terms = inPerGroup * s.kH() * s.kW();
        double xScale = 0.01 + rnd.nextDouble() * 0.05;
        float[] eff = new float[s.outC()];
        float[] bias = new float[s.outC()];
        for (int o = 0; o < s.outC(); o++) {
            float wScale = (float) (0.001 + rnd.nextDouble() * 0.01);
            double target = 80.0 / (5500.0 * Math.sqrt(terms)) * (0.5 + rnd.nextDouble() * 1.5);
            double yScale = xScale * wScale / target;
            eff[o] = Requant.effectiveScale(xScale, wScale, yScale);
            bias[o] = (float) (rnd.nextGaussian() * 3000.0 * Math.sqrt(terms) / 10.0); // non-integer float bias
        }

        long[][][] pre = referencePreClamp(x, xZero, w, s, bias, eff, yZero);

        // Lay the tensors out as the backend does: NHWC input, OHWI or [1][KH][KW][C] weights.
        int outH = s.outH();
        int outW = s.outW();
        int inLen = s.inH() * s.inW() * s.inC();
        int outLen = outH * outW * s.outC();
        int maskLen = (outLen + 7) / 8;
        int inOff = 13;
        int outOff = inOff + inLen + 5;
        int maskOff = outOff + outLen + 3;
        byte[] arena = new byte[maskOff + maskLen + 11];
        rnd.nextBytes(arena); // garbage everywhere, including the output and the mask
        for (int y = 0; y < s.inH(); y++) {
            for (int xx = 0; xx < s.inW(); xx++) {
                for (int c = 0; c < s.inC(); c++) {
                    arena[inOff + (y * s.inW() + xx) * s.inC() + c] = (byte) x[c][y][xx];
                }
            }
        }
        byte[] weight = new byte[s.outC() * s.kH() * s.kW() * inPerGroup];
        for (int o = 0; o < s.outC(); o++) {
            for (int c = 0; c < inPerGroup; c++) {
                for (int i = 0; i < s.kH(); i++) {
                    for (int j = 0; j < s.kW(); j++) {
                        int index = s.depthwise()
                                ? (i * s.kW() + j) * s.outC() + o                          // [1][KH][KW][C]
                                : ((o * s.kH() + i) * s.kW() + j) * inPerGroup + c;       // OHWI
                        weight[index] = (byte) w[o][c][i][j];
                    }
                }
            }
        }
        byte[] before = arena.clone();

        ForwardKernels.conv2d(arena, inOff, s.inH(), s.inW(), s.inC(), xZero,
                weight, s.kH(), s.kW(), s.stride(), s.padTop(), s.padLeft(), s.groups(),
                bias, eff, yZero, outOff, outH, outW, s.outC(), maskOff);

        int saturatedLow = 0;
        int saturatedHigh = 0;
        for (int y = 0; y < outH; y++) {
            for (int xx = 0; xx < outW; xx++) {
                for (int o = 0; o < s.outC(); o++) {
                    int index = (y * outW + xx) * s.outC() + o;
                    long p = pre[o][y][xx];
                    int expected = (int) Math.max(-128, Math.min(127, p));
                    saturatedLow += p < -128 ? 1 : 0;
                    saturatedHigh += p > 127 ? 1 : 0;
                    String where = "(y=" + y + ", x=" + xx + ", o=" + o + "), pre-clamp " + p;
                    assertEquals(expected, arena[outOff + index], "output " + where);
                    assertEquals(p >= -128 && p <= 127, ArenaAccess.getMaskBit(arena, maskOff, index), "mask " + where);
                }
            }
        }
        // Unused high bits of the last mask byte are 0.
        for (int bit = outLen; bit < maskLen * 8; bit++) {
            assertEquals(false, ArenaAccess.getMaskBit(arena, maskOff, bit), "trailing mask bit " + bit);
        }
        // Input, weights and every byte outside output and mask are untouched.
        assertUnchangedOutside(before, arena, outOff, outLen, maskOff, maskLen);
        if (outLen >= 300) {
            assertTrue(saturatedLow > 0 && saturatedHigh > 0,
                    "test data should hit both clamps (low " + saturatedLow + ", high " + saturatedHigh + ")");
        }
    }

    static void assertUnchangedOutside(byte[] before, byte[] after, int outOff, int outLen, int maskOff, int maskLen) {
        for (int i = 0; i < before.length; i++) {
            boolean written = (i >= outOff && i < outOff + outLen) || (maskOff >= 0 && i >= maskOff && i < maskOff + maskLen);
            if (!written) {
                assertEquals(before[i], after[i], "arena byte " + i + " outside output and mask was modified");
            }
        }
    }

    // ================================================================================================================
    // Hand-computed cases
    // ================================================================================================================

    /**
     * Runs a 1x1 conv from one input channel to one output channel over a 1xN row, {@code acc = (x - xZero) * weight},
     * and returns the N outputs.
     */
    private static int[] pointwiseRow(int[] xs, int xZero, int weight, float bias, float eff, int yZero) {
        byte[] arena = new byte[2 * xs.length];
        for (int i = 0; i < xs.length; i++) {
            arena[i] = (byte) xs[i];
        }
        ForwardKernels.conv2d(arena, 0, 1, xs.length, 1, xZero, new byte[] {(byte) weight}, 1, 1, 1, 0, 0, 1,
                new float[] {bias}, new float[] {eff}, yZero, xs.length, 1, xs.length, 1, -1);
        int[] out = new int[xs.length];
        for (int i = 0; i < xs.length; i++) {
            out[i] = arena[xs.length + i];
        }
        return out;
    }

    @Nested
    @DisplayName("requantization rounds half to even (Math.rint, never Math.round)")
    class TiesToEven {

        @Test
        @DisplayName("t*eff = 2.5, 3.5, -2.5, 0.5, 1.5 round to 2, 4, -2, 0, 2")
        void tiesFromScale() {
            // acc = x, bias 0, eff 0.5: t * eff = x / 2 exactly.
            int[] out = pointwiseRow(new int[] {5, 7, -5, 1, 3, -3}, 0, 1, 0f, 0.5f, 0);
            // Math.round would give 3, 4, -2, 1, 2, -1.
            assertArrayEquals(new int[] {2, 4, -2, 0, 2, -2}, out);
        }

        @Test
        @DisplayName("a non-integer bias making t exactly 2.5, 3.5, -2.5 rounds to 2, 4, -2")
        void tiesFromBias() {
            int[] out = pointwiseRow(new int[] {2, 3, -3}, 0, 1, 0.5f, 1.0f, 0);
            assertArrayEquals(new int[] {2, 4, -2}, out);
        }

        @Test
        @DisplayName("the zero point is added after rounding: 2.5 -> 2, then + yZero")
        void zeroPointAfterRounding() {
            int[] out = pointwiseRow(new int[] {5, 7, -5}, 0, 1, 0f, 0.5f, -128);
            assertArrayEquals(new int[] {-126, -124, -128 /* -2 - 128 = -130, clamped */}, out);
        }
    }

    @Test
    @DisplayName("the accumulator is converted to float32 before the bias is added: fl32(fl32(acc) + bias)")
    void accumulatorAndBiasAddedInFloat32() {
        // acc = 127 * 127 * 2 = 32258; bias 0.75 -> t = 32258.75 exactly in float32; eff = 2^-8 -> 126.01... -> 126.
        byte[] arena = {127, 127, 0};
        ForwardKernels.conv2d(arena, 0, 1, 1, 2, 0, new byte[] {127, 127}, 1, 1, 1, 0, 0, 1,
                new float[] {0.75f}, new float[] {1f / 256}, 0, 2, 1, 1, 1, -1);
        assertEquals(126, arena[2]);
        // A bias beyond 2^24 is used as the float it is: 2^24 + 1 is not a float, (float) gives 2^24.
        // acc = 1, t = fl32(1 + 16777216) = 16777216 (tie to even), eff = 2^-24 -> exactly 1.0 -> 1.
        byte[] arena2 = {1, 0};
        ForwardKernels.conv2d(arena2, 0, 1, 1, 1, 0, new byte[] {1}, 1, 1, 1, 0, 0, 1,
                new float[] {(float) 16777216}, new float[] {0x1p-24f}, 0, 1, 1, 1, 1, -1);
        assertEquals(1, arena2[1]);
    }

    @Test
    @DisplayName("t * eff is rounded to float32 before rint: fl32(-10172 * eff) = -3.5 exactly -> -4 (double would give -3)")
    void productRoundedToFloat32BeforeRounding() {
        // acc = -80 * 127 = -10160, bias -12 -> t = -10172. In double, -10172 * eff = -3.49999988... -> -3;
        // in float32 the product is exactly -3.5, a tie, -> -4.
        float eff = Float.intBitsToFloat(0x39b465e0); // 3.4408178E-4
        int[] out = pointwiseRow(new int[] {-80}, 0, 127, -12f, eff, 0);
        assertArrayEquals(new int[] {-4}, out);
    }

    @Test
    @DisplayName("the accumulator is exact beyond the int32 range (dense and depthwise)")
    void accumulatorBeyondInt32() {
        // Dense 1x1 on a 1x1 pixel with 70000 channels: x - xZero = 255, w = -128 -> acc = -2,284,800,000 < -2^31.
        // With eff = 2^-25: -68.09... -> -68. (A wrapped int32 sum would give +59.9 -> 60.)
        int n = 70_000;
        byte[] arena = new byte[n + 1];
        Arrays.fill(arena, 0, n, (byte) 127);
        byte[] w = new byte[n];
        Arrays.fill(w, (byte) -128);
        ForwardKernels.conv2d(arena, 0, 1, 1, n, -128, w, 1, 1, 1, 0, 0, 1,
                new float[] {0f}, new float[] {0x1p-25f}, 0, n, 1, 1, 1, -1);
        assertEquals(-68, arena[n]);

        // Depthwise 257x257 kernel over a 257x257 single-channel input: 66049 taps, acc = -2,155,839,360.
        int k = 257;
        byte[] dw = new byte[k * k + 1];
        Arrays.fill(dw, 0, k * k, (byte) 127);
        byte[] wk = new byte[k * k];
        Arrays.fill(wk, (byte) -128);
        ForwardKernels.conv2d(dw, 0, k, k, 1, -128, wk, k, k, 1, 0, 0, 1,
                new float[] {0f}, new float[] {0x1p-25f}, 0, k * k, 1, 1, 1, -1);
        assertEquals(-64, dw[k * k]); // -64.25 -> -64
    }

    @Test
    @DisplayName("outputs saturate at -128 and 127")
    void saturation() {
        byte[] arena = new byte[4 + 2 + 1];
        arena[0] = 127;
        arena[1] = 127;   // pixel 0: acc = 2 * 127 * 127 = 32258
        arena[2] = -128;
        arena[3] = -128;  // pixel 1: acc = -2 * 128 * 127 = -32512
        ForwardKernels.conv2d(arena, 0, 1, 2, 2, 0, new byte[] {127, 127}, 1, 1, 1, 0, 0, 1,
                new float[] {0f}, new float[] {1f}, 0, 4, 1, 2, 1, 6);
        assertEquals(127, arena[4]);
        assertEquals(-128, arena[5]);
        assertEquals(0, arena[6], "both saturated: no gradient passes, both mask bits 0");
    }

    @Test
    @DisplayName("mask bit is set for pre-clamp exactly -128 and 127 and cleared for -129 and 128; trailing bits are 0")
    void maskBoundaries() {
        // 1x1 conv with inC = 2, weights (1, 1), eff 1, bias 0, yZero -100: pre-clamp = x0 + x1 - 100.
        int[][] pixels = {
                {-14, -14},   // -28 - 100 = -128 -> passes
                {127, 100},   // 227 - 100 =  127 -> passes
                {-15, -14},   // -29 - 100 = -129 -> clamped
                {127, 101},   // 228 - 100 =  128 -> clamped
                {0, 0},       // -100            -> passes
                {50, 50},     // 0               -> passes
                {127, 127},   // 154             -> clamped
                {-128, -128}, // -356            -> clamped
                {10, 10},     // -80             -> passes
                {-100, 99},   // -101            -> passes
        };
        int n = pixels.length;
        byte[] arena = new byte[2 * n + n + 2];
        for (int p = 0; p < n; p++) {
            arena[2 * p] = (byte) pixels[p][0];
            arena[2 * p + 1] = (byte) pixels[p][1];
        }
        int outOff = 2 * n;
        int maskOff = 3 * n;
        arena[maskOff] = (byte) 0xFF;     // stale bits must be cleared
        arena[maskOff + 1] = (byte) 0xFF;
        ForwardKernels.conv2d(arena, 0, 1, n, 2, 0, new byte[] {1, 1}, 1, 1, 1, 0, 0, 1,
                new float[] {0f}, new float[] {1f}, -100, outOff, 1, n, 1, maskOff);
        int[] expectedOut = {-128, 127, -128, 127, -100, 0, 127, -128, -80, -101};
        for (int p = 0; p < n; p++) {
            assertEquals(expectedOut[p], arena[outOff + p], "output " + p);
        }
        // bits 0..7 = 1,1,0,0,1,1,0,0 -> 0b0011_0011; bits 8,9 = 1,1 and bits 10..15 = 0 -> 0b0000_0011
        assertEquals((byte) 0x33, arena[maskOff]);
        assertEquals((byte) 0x03, arena[maskOff + 1]);
    }

    @Test
    @DisplayName("padding is the value x_zero: padded taps contribute 0")
    void paddingUsesZeroPoint() {
        // 3x3 single-channel input, all 10 = x_zero except (0,0) = 13; 3x3 kernel of ones, stride 1, pad 1.
        int xZero = 10;
        byte[] arena = new byte[9 + 9];
        Arrays.fill(arena, 0, 9, (byte) xZero);
        arena[0] = 13;
        byte[] ones = new byte[9];
        Arrays.fill(ones, (byte) 1);
        ForwardKernels.conv2d(arena, 0, 3, 3, 1, xZero, ones, 3, 3, 1, 1, 1, 1,
                new float[] {0f}, new float[] {1f}, 0, 9, 3, 3, 1, -1);
        // Windows containing (0,0) see 13 - 10 = 3; all other taps, in the image or padding, give 0.
        // (Padding with raw 0 would give 3 + 5 * (0 - 10) = -47 at the corner.)
        int[] expected = {
                3, 3, 0,
                3, 3, 0,
                0, 0, 0};
        for (int i = 0; i < 9; i++) {
            assertEquals(expected[i], arena[9 + i], "output " + i);
        }
    }

    @Test
    @DisplayName("a depthwise conv in place (output DepthwiseInPlace.minimumLead bytes before its input) computes"
            + " what it computes in separate buffers")
    void depthwiseInPlaceMatchesSeparateBuffers() {
        Random r = new Random(11);
        int[][] geoms = {{9, 7, 5, 3, 1, 1}, {9, 7, 5, 3, 2, 1}, {8, 8, 3, 5, 2, 2}, {6, 5, 4, 7, 1, 3}};
        for (int[] g : geoms) {
            int h = g[0], w = g[1], c = g[2], k = g[3], stride = g[4], pad = g[5];
            int outH = (h + 2 * pad - k) / stride + 1;
            int outW = (w + 2 * pad - k) / stride + 1;
            int inLen = h * w * c;
            int outLen = outH * outW * c;
            byte[] weight = new byte[k * k * c];
            r.nextBytes(weight);
            float[] bias = new float[c];
            float[] eff = new float[c];
            for (int i = 0; i < c; i++) {
                bias[i] = r.nextInt(400) - 200;
                eff[i] = 0.01f + r.nextFloat() * 0.05f;
            }
            byte[] input = new byte[inLen];
            r.nextBytes(input);

            byte[] apart = new byte[inLen + outLen];
            System.arraycopy(input, 0, apart, 0, inLen);
            ForwardKernels.conv2d(apart, 0, h, w, c, 3, weight, k, k, stride, pad, pad, c, bias, eff, -5,
                    inLen, outH, outW, c, -1);

            int lead = (int) DepthwiseInPlace.minimumLead(h, w, c, k, k, stride, pad, pad, outH, outW);
            byte[] shared = new byte[Math.max(lead + inLen, outLen)];
            System.arraycopy(input, 0, shared, lead, inLen);
            ForwardKernels.conv2d(shared, lead, h, w, c, 3, weight, k, k, stride, pad, pad, c, bias, eff, -5,
                    0, outH, outW, c, -1);
            assertArrayEquals(Arrays.copyOfRange(apart, inLen, inLen + outLen), Arrays.copyOf(shared, outLen),
                    Arrays.toString(g));
        }
    }

    @Test
    @DisplayName("depthwise weights are [1][KH][KW][C]: element (i, j, c) at (i*KW + j)*C + c")
    void depthwiseWeightLayout() {
        // C = 2, 1x2 kernel, 1x2 input, no padding -> 1x1 output.
        // input pixel 0 = (1, 10), pixel 1 = (5, 7); w(j=0) = (1, 2), w(j=1) = (3, 4)
        byte[] arena = {1, 10, 5, 7, 0, 0};
        ForwardKernels.conv2d(arena, 0, 1, 2, 2, 0, new byte[] {1, 2, 3, 4}, 1, 2, 1, 0, 0, 2,
                new float[] {0f, 0f}, new float[] {1f, 1f}, 0, 4, 1, 1, 2, -1);
        assertEquals(1 * 1 + 3 * 5, arena[4]);
        assertEquals(2 * 10 + 4 * 7, arena[5]);
    }

    @Test
    @DisplayName("dense weights are OHWI: element (o, i, j, c) at ((o*KH + i)*KW + j)*Cin + c")
    void denseWeightLayout() {
        // Cin = 2, Cout = 2, 1x2 kernel, 1x2 input -> 1x1 output.
        byte[] arena = {1, 10, 5, 7, 0, 0};
        byte[] w = {
                1, 2, 3, 4,   // o = 0: (j=0: c0, c1), (j=1: c0, c1)
                -1, 0, 0, 2}; // o = 1
        ForwardKernels.conv2d(arena, 0, 1, 2, 2, 0, w, 1, 2, 1, 0, 0, 1,
                new float[] {0f, 0f}, new float[] {1f, 1f}, 0, 4, 1, 1, 2, -1);
        assertEquals(1 * 1 + 2 * 10 + 3 * 5 + 4 * 7, arena[4]);
        assertEquals(-1 * 1 + 0 * 10 + 0 * 5 + 2 * 7, arena[5]);
    }

    // ================================================================================================================
    // Argument validation
    // ================================================================================================================

    @Nested
    @DisplayName("bad arguments throw IllegalArgumentException naming the argument, and write nothing")
    class Validation {

        private final byte[] arena = new byte[64];
        private final byte[] weight = new byte[2 * 9 * 2]; // outC 2, 3x3, inC 2
        private final float[] two = {1f, 1f};

        /** A valid 3x3 dense conv on a 3x3x2 input at 0, output 3x3x2 at 18, mask at 40. */
        private void conv(byte[] weight, float[] bias, float[] eff, int inOff, int xZero, int groups, int outOff,
                          int maskOff) {
            ForwardKernels.conv2d(arena, inOff, 3, 3, 2, xZero, weight, 3, 3, 1, 1, 1, groups,
                    bias, eff, 0, outOff, 3, 3, 2, maskOff);
        }

        private void assertRejected(String argument, Runnable call) {
            new Random(7).nextBytes(arena);
            byte[] before = arena.clone();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
            assertTrue(e.getMessage().contains(argument), "message should name " + argument + ": " + e.getMessage());
            assertArrayEquals(before, arena, "nothing may be written when arguments are rejected");
        }

        @Test
        void validCallIsAccepted() {
            conv(weight, two, two, 0, 0, 1, 18, 40);
        }

        @Test
        void weightLength() {
            assertRejected("weight", () -> conv(new byte[35], two, two, 0, 0, 1, 18, 40));
        }

        @Test
        void biasAndEffLength() {
            assertRejected("bias", () -> conv(weight, new float[3], two, 0, 0, 1, 18, 40));
            assertRejected("eff", () -> conv(weight, two, new float[1], 0, 0, 1, 18, 40));
        }

        @Test
        void nullArguments() {
            assertRejected("weight", () -> conv(null, two, two, 0, 0, 1, 18, 40));
            assertRejected("bias", () -> conv(weight, null, two, 0, 0, 1, 18, 40));
        }

        @Test
        void offsetsOutsideArena() {
            assertRejected("inOff", () -> conv(weight, two, two, -1, 0, 1, 18, 40));
            assertRejected("inOff", () -> conv(weight, two, two, 50, 0, 1, 0, 40));
            assertRejected("outOff", () -> conv(weight, two, two, 0, 0, 1, 50, 40));
            assertRejected("maskOff", () -> conv(weight, two, two, 0, 0, 1, 18, 62));
        }

        @Test
        void overlappingTensors() {
            assertRejected("overlaps", () -> conv(weight, two, two, 0, 0, 1, 10, 40));
            assertRejected("mask", () -> conv(weight, two, two, 0, 0, 1, 18, 20));
        }

        @Test
        void depthwiseInPlaceNeedsTheMinimumLead() {
            // 3x3x2 depthwise, stride 1, pad 1: the output must start (1 * 3 + 1) * 2 = 8 bytes before the input
            byte[] dw = new byte[18];
            assertRejected("at least 8 bytes before", () -> conv(dw, two, two, 20, 0, 2, 14, -1));
            assertRejected("overlaps", () -> conv(weight, two, two, 20, 0, 1, 12, -1)); // dense: never in place
            conv(dw, two, two, 20, 0, 2, 12, -1);
        }

        @Test
        void zeroPointRange() {
            assertRejected("xZero", () -> conv(weight, two, two, 0, 128, 1, 18, 40));
        }

        @Test
        void groupsMustDivideChannels() {
            assertRejected("groups", () -> ForwardKernels.conv2d(arena, 0, 3, 3, 2, 0, new byte[27], 3, 3, 1, 1, 1, 3,
                    new float[3], new float[3], 0, 18, 3, 3, 3, -1));
        }

        @Test
        void nonPositiveSizes() {
            assertRejected("stride", () -> ForwardKernels.conv2d(arena, 0, 3, 3, 2, 0, weight, 3, 3, 0, 1, 1, 1,
                    two, two, 0, 18, 3, 3, 2, -1));
            assertRejected("padTop", () -> ForwardKernels.conv2d(arena, 0, 3, 3, 2, 0, weight, 3, 3, 1, -1, 1, 1,
                    two, two, 0, 18, 3, 3, 2, -1));
        }
    }
}

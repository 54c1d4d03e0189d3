package dev.tinytrain.backend.jvm.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Specification of the non-conv forward kernels: {@link ForwardKernels#quantizedAdd} (FORMAT.md §3.3),
 * {@link ForwardKernels#globalAvgPool} (§3.4), {@link ForwardKernels#dequantize} and {@link ForwardKernels#linear}
 * (the float32 transfer head).
 */
class ForwardElementwiseTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static int[] ints(byte[] arena, int off, int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = arena[off + i];
        }
        return out;
    }

    // ================================================================================================================
    @Nested
    @DisplayName("quantizedAdd (FORMAT.md §3.3)")
    class QuantizedAdd {

        /** Adds A and B (same length) into a fresh arena laid out [A][B][out][mask]; returns the arena. */
        private byte[] add(int[] a, int aZero, float aScale, int[] b, int bZero, float bScale, int yZero, float yScale) {
            int n = a.length;
            byte[] arena = new byte[3 * n + (n + 7) / 8];
            System.arraycopy(bytes(a), 0, arena, 0, n);
            System.arraycopy(bytes(b), 0, arena, n, n);
            ForwardKernels.quantizedAdd(arena, 0, aZero, aScale, n, bZero, bScale, n, yZero, yScale, 2 * n, 3 * n);
            return arena;
        }

        @Test
        @DisplayName("hand-computed: a = (x1-z1)*s1, b = (x2-z2)*s2, v = rint((a+b)/sy), out = v + zy")
        void handComputed() {
            // s1 = 0.5, z1 = 0; s2 = 0.25, z2 = 2; sy = 2, zy = -5
            byte[] arena = add(new int[] {10, 127}, 0, 0.5f, new int[] {6, 127}, 2, 0.25f, -5, 2f);
            // (5 + 1) / 2 = 3 -> -2;  (63.5 + 31.25) / 2 = 47.375 -> 47 -> 42
            assertArrayEquals(new int[] {-2, 42}, ints(arena, 4, 2));
        }

        @Test
        @DisplayName("ties go to even: 2.5 -> 2, 3.5 -> 4, -2.5 -> -2")
        void tiesToEven() {
            byte[] arena = add(new int[] {10, 14, -10}, 0, 0.5f, new int[] {2, 2, 2}, 2, 0.25f, 0, 2f);
            assertArrayEquals(new int[] {2, 4, -2}, ints(arena, 6, 3));
        }

        @Test
        @DisplayName("all steps are float32: fl32(a + b) / fl32(sy) is exactly -60.5 -> -60 (double arithmetic gives -61)")
        void float32NotDouble() {
            float s1 = (float) 0.056078;
            float s2 = (float) 0.013447;
            float sy = (float) 0.090051;
            byte[] arena = add(new int[] {-6}, 36, s1, new int[] {-118}, 112, s2, 0, sy);
            assertEquals(-60, arena[2]);
        }

        @Test
        @DisplayName("saturates at 127 and -128")
        void saturation() {
            byte[] arena = add(new int[] {127, -128}, 0, 0.5f, new int[] {127, -128}, 2, 0.25f, 0, 0.25f);
            // (63.5 + 31.25) / 0.25 = 379 -> 127;  (-64 - 32.5) / 0.25 = -386 -> -128
            assertArrayEquals(new int[] {127, -128}, ints(arena, 4, 2));
            assertEquals(0, arena[6], "both clamped: mask bits 0");
        }

        @Test
        @DisplayName("mask: pre-clamp -128 and 127 pass, -129 and 128 do not; trailing bits are 0")
        void maskBoundaries() {
            // unit scales, zero points 0 and yZero 0: pre-clamp = x1 + x2
            int[] a = {-64, 64, -65, 64, 1};
            int[] b = {-64, 63, -64, 64, 1};
            int n = a.length;
            byte[] arena = new byte[3 * n + 1];
            System.arraycopy(bytes(a), 0, arena, 0, n);
            System.arraycopy(bytes(b), 0, arena, n, n);
            arena[3 * n] = (byte) 0xFF; // stale
            ForwardKernels.quantizedAdd(arena, 0, 0, 1f, n, 0, 1f, n, 0, 1f, 2 * n, 3 * n);
            assertArrayEquals(new int[] {-128, 127, -128, 127, 2}, ints(arena, 2 * n, n));
            assertEquals((byte) 0b0001_0011, arena[3 * n]);
        }

        @Test
        @DisplayName("random tensors equal the §3.3 formula element for element")
        void matchesFormula() {
            Random rnd = new Random(42);
            int n = 1000;
            for (int trial = 0; trial < 20; trial++) {
                int z1 = rnd.nextInt(256) - 128;
                int z2 = rnd.nextInt(256) - 128;
                int zy = rnd.nextInt(256) - 128;
                // model scales are float64; the kernel gets fl32 of them
                float s1 = (float) (0.01 + rnd.nextDouble() * 0.1);
                float s2 = (float) (0.01 + rnd.nextDouble() * 0.1);
                float sy = (float) (0.01 + rnd.nextDouble() * 0.1);
                byte[] arena = new byte[3 * n + n / 8];
                rnd.nextBytes(arena);
                byte[] before = arena.clone();
                ForwardKernels.quantizedAdd(arena, 0, z1, s1, n, z2, s2, n, zy, sy, 2 * n, 3 * n);
                for (int i = 0; i < n; i++) {
                    int x1 = before[i];
                    int x2 = before[n + i];
                    float a = (x1 - z1) * s1;
                    float b = (x2 - z2) * s2;
                    float sum = a + b;
                    float quotient = sum / sy;
                    long pre = (long) Math.rint(quotient) + zy;
                    assertEquals((int) Math.max(-128, Math.min(127, pre)), arena[2 * n + i], "element " + i);
                    assertEquals(pre >= -128 && pre <= 127, ArenaAccess.getMaskBit(arena, 3 * n, i), "mask " + i);
                }
                ForwardConvTest.assertUnchangedOutside(before, arena, 2 * n, n, 3 * n, n / 8);
            }
        }

        @Test
        @DisplayName("may run in place (output == an operand); any other overlap is rejected")
        void inPlace() {
            Random rnd = new Random(1);
            int n = 37;
            byte[] arena = new byte[3 * n];
            rnd.nextBytes(arena);
            byte[] inPlace = arena.clone();
            ForwardKernels.quantizedAdd(arena, 0, 3, 0.05f, n, -7, 0.03f, n, 1, 0.07f, 2 * n, -1);
            ForwardKernels.quantizedAdd(inPlace, 0, 3, 0.05f, n, -7, 0.03f, n, 1, 0.07f, n, -1); // out = B
            assertArrayEquals(ints(arena, 2 * n, n), ints(inPlace, n, n));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ForwardKernels.quantizedAdd(arena, 0, 0, 1f, n, 0, 1f, n, 0, 1f, n + 1, -1));
            assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        }

        @Test
        @DisplayName("bad arguments name the argument")
        void validation() {
            byte[] arena = new byte[30];
            assertMessage("bOff", () -> ForwardKernels.quantizedAdd(arena, 0, 0, 1f, 25, 0, 1f, 10, 0, 1f, 10, -1));
            assertMessage("yZero", () -> ForwardKernels.quantizedAdd(arena, 0, 0, 1f, 10, 0, 1f, 10, -129, 1f, 20, -1));
            assertMessage("count", () -> ForwardKernels.quantizedAdd(arena, 0, 0, 1f, 10, 0, 1f, -1, 0, 1f, 20, -1));
            assertMessage("maskOff", () -> ForwardKernels.quantizedAdd(arena, 0, 0, 1f, 10, 0, 1f, 10, 0, 1f, 20, 30));
        }
    }

    // ================================================================================================================
    @Nested
    @DisplayName("globalAvgPool (FORMAT.md §3.4)")
    class GlobalAvgPool {

        @Test
        @DisplayName("4x4 pool, exact ties: 40/16 = 2.5 -> 2, 56/16 = 3.5 -> 4, -40/16 = -2.5 -> -2, 24/16 = 1.5 -> 2")
        void tiesToEven() {
            int c = 4;
            byte[] arena = new byte[16 * c + c];
            for (int p = 0; p < 16; p++) {
                boolean firstHalf = p < 8;
                arena[p * c] = (byte) (firstHalf ? 3 : 2);       // 8*3 + 8*2 = 40
                arena[p * c + 1] = (byte) (firstHalf ? 4 : 3);   // 8*4 + 8*3 = 56
                arena[p * c + 2] = (byte) (firstHalf ? -3 : -2); // -40
                arena[p * c + 3] = (byte) (firstHalf ? 2 : 1);   // 24
            }
            ForwardKernels.globalAvgPool(arena, 0, 4, 4, c, 16 * c);
            assertArrayEquals(new int[] {2, 4, -2, 2}, ints(arena, 16 * c, c));
        }

        @Test
        @DisplayName("sums raw int8 values (no zero point) and divides in float32: 3x3 sums 13 and -1151 -> 1 and -128")
        void rawSumDividedInFloat() {
            byte[] arena = new byte[9 * 2 + 2];
            for (int p = 0; p < 9; p++) {
                arena[2 * p] = (byte) (p < 4 ? 2 : 1);    // 4*2 + 5*1 = 13 -> 1.444 -> 1
                arena[2 * p + 1] = (byte) (p == 0 ? -127 : -128); // -1151 / 9 = -127.888 -> -128
            }
            ForwardKernels.globalAvgPool(arena, 0, 3, 3, 2, 18);
            assertArrayEquals(new int[] {1, -128}, ints(arena, 18, 2));
        }

        @Test
        @DisplayName("random tensors equal rint(fl32(exact sum) / (H*W)) per channel")
        void matchesFormula() {
            Random rnd = new Random(9);
            int[][] shapes = {{4, 4, 96}, {2, 2, 160}, {5, 3, 7}, {1, 1, 33}, {7, 7, 16}};
            for (int[] s : shapes) {
                int h = s[0];
                int w = s[1];
                int c = s[2];
                byte[] arena = new byte[h * w * c + c + 8];
                rnd.nextBytes(arena);
                byte[] before = arena.clone();
                int outOff = h * w * c + 3;
                ForwardKernels.globalAvgPool(arena, 0, h, w, c, outOff);
                for (int ch = 0; ch < c; ch++) {
                    long sum = 0;
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            sum += before[(y * w + x) * c + ch];
                        }
                    }
                    double v = Math.rint((float) sum / (float) (h * w));
                    assertEquals((int) Math.max(-128, Math.min(127, v)), arena[outOff + ch],
                            h + "x" + w + "x" + c + " channel " + ch);
                }
                ForwardConvTest.assertUnchangedOutside(before, arena, outOff, c, -1, 0);
            }
        }

        @Test
        @DisplayName("bad arguments name the argument")
        void validation() {
            byte[] arena = new byte[20];
            assertMessage("outOff", () -> ForwardKernels.globalAvgPool(arena, 0, 2, 2, 4, 18));
            assertMessage("overlaps", () -> ForwardKernels.globalAvgPool(arena, 0, 2, 2, 4, 12));
            assertMessage("h", () -> ForwardKernels.globalAvgPool(arena, 0, 0, 2, 4, 16));
        }
    }

    // ================================================================================================================
    @Nested
    @DisplayName("dequantize")
    class Dequantize {

        @Test
        @DisplayName("out = (float)(q - zero) * scale, stored as little-endian float32")
        void values() {
            int n = 5;
            byte[] arena = new byte[8 + 4 * n];
            byte[] q = bytes(-128, 127, 0, -1, 5);
            System.arraycopy(q, 0, arena, 0, n);
            ForwardKernels.dequantize(arena, 0, n, -128, 0.5f, 8);
            float[] expected = {0f, 127.5f, 64f, 63.5f, 66.5f};
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToIntBits(expected[i]),
                        Float.floatToIntBits(ArenaAccess.getFloat(arena, 8 + 4 * i)), "element " + i);
            }
            // 127.5f = 0x42FF0000, little-endian: 00 00 FF 42
            assertArrayEquals(bytes(0x00, 0x00, 0xFF, 0x42), java.util.Arrays.copyOfRange(arena, 12, 16));
        }

        @Test
        @DisplayName("the multiply is a single float32 multiply by fl32(x_scale)")
        void float32Multiply() {
            Random rnd = new Random(3);
            int n = 256;
            byte[] arena = new byte[n + 4 * n];
            for (int i = 0; i < n; i++) {
                arena[i] = (byte) (i - 128);
            }
            double xScale = 0.0235294117647;
            float scale = (float) xScale;
            int zero = rnd.nextInt(256) - 128;
            ForwardKernels.dequantize(arena, 0, n, zero, scale, n);
            for (int i = 0; i < n; i++) {
                float expected = (float) ((i - 128) - zero) * scale;
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(ArenaAccess.getFloat(arena, n + 4 * i)));
            }
        }

        @Test
        @DisplayName("bad arguments name the argument")
        void validation() {
            byte[] arena = new byte[64];
            assertMessage("outOff", () -> ForwardKernels.dequantize(arena, 0, 4, 0, 1f, 6));  // not 4-aligned
            assertMessage("outOff", () -> ForwardKernels.dequantize(arena, 0, 4, 0, 1f, 52)); // past the end
            assertMessage("overlaps", () -> ForwardKernels.dequantize(arena, 0, 8, 0, 1f, 4));
            assertMessage("zero", () -> ForwardKernels.dequantize(arena, 0, 4, 200, 1f, 8));
        }
    }

    // ================================================================================================================
    @Nested
    @DisplayName("linear (float32 head)")
    class Linear {

        private byte[] arenaWith(float... in) {
            byte[] arena = new byte[4 * in.length + 64];
            for (int i = 0; i < in.length; i++) {
                ArenaAccess.putFloat(arena, 4 * i, in[i]);
            }
            return arena;
        }

        @Test
        @DisplayName("sums in increasing k in float32, then adds the bias: ((1 + 1e8) - 1e8) + 0.5 = 0.5")
        void summationOrderThenBias() {
            byte[] arena = arenaWith(1f, 1e8f, -1e8f);
            ForwardKernels.linear(arena, 0, 3, new float[] {1f, 1f, 1f}, new float[] {0.5f}, 1, 16);
            // Increasing k: 1 + 1e8 rounds to 1e8 (float spacing at 1e8 is 8), - 1e8 = 0, then + 0.5.
            // Decreasing k would give (-1e8 + 1e8) + 1 + 0.5 = 1.5; adding the bias first would give 0.
            assertEquals(0.5f, ArenaAccess.getFloat(arena, 16));
        }

        @Test
        @DisplayName("products and sums are rounded separately (no fused multiply-add)")
        void noFusedMultiplyAdd() {
            float e = 0x1p-12f;
            // acc = -(1 + 2^-11); then in[1] * w[1] = (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24, which rounds to 1 + 2^-11
            // (tie to even), so acc becomes 0. A fused multiply-add would give 2^-24.
            byte[] arena = arenaWith(-1f, 1f + e);
            ForwardKernels.linear(arena, 0, 2, new float[] {1f + 2 * e, 1f + e}, new float[] {0f}, 1, 8);
            assertEquals(0f, ArenaAccess.getFloat(arena, 8));
        }

        @Test
        @DisplayName("random weights equal the straightforward float32 loop, bit for bit")
        void matchesLoop() {
            Random rnd = new Random(11);
            int k = 160;
            int n = 10;
            float[] in = new float[k];
            for (int i = 0; i < k; i++) {
                in[i] = (float) rnd.nextGaussian();
            }
            float[] w = new float[n * k];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (rnd.nextGaussian() * 0.1);
            }
            float[] b = new float[n];
            for (int i = 0; i < n; i++) {
                b[i] = (float) rnd.nextGaussian();
            }
            byte[] arena = arenaWith(in);
            ForwardKernels.linear(arena, 0, k, w, b, n, 4 * k);
            for (int o = 0; o < n; o++) {
                float acc = 0f;
                for (int i = 0; i < k; i++) {
                    float product = in[i] * w[o * k + i];
                    acc = acc + product;
                }
                float expected = acc + b[o];
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(ArenaAccess.getFloat(arena, 4 * k + 4 * o)),
                        "output " + o);
            }
        }

        @Test
        @DisplayName("bad arguments name the argument")
        void validation() {
            byte[] arena = new byte[64];
            assertMessage("weight", () -> ForwardKernels.linear(arena, 0, 4, new float[7], new float[2], 2, 16));
            assertMessage("bias", () -> ForwardKernels.linear(arena, 0, 4, new float[8], new float[3], 2, 16));
            assertMessage("inOff", () -> ForwardKernels.linear(arena, 2, 4, new float[8], new float[2], 2, 16));
            assertMessage("outOff", () -> ForwardKernels.linear(arena, 0, 4, new float[8], new float[2], 2, 60));
            assertMessage("overlaps", () -> ForwardKernels.linear(arena, 0, 4, new float[8], new float[2], 2, 8));
        }
    }

    private static void assertMessage(String argument, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(argument), "message should name " + argument + ": " + e.getMessage());
    }
}

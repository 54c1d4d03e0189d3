package dev.tinytrain.backend.jvm.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tinytrain.backend.jvm.kernels.ForwardKernels;
import dev.tinytrain.planner.DepthwiseInPlace;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link FastConv2d} gives the bytes of the reference {@link ForwardKernels#conv2d}, output and mask, on random
 * convs.
 */
class FastConv2dTest {

    /** A random conv: geometry, constants and the arena placement of input, output and mask. */
    record Case(int inH, int inW, int inC, int xZero, byte[] weight, int k, int kW, int stride, int padTop,
                int padLeft, int groups, float[] bias, float[] eff, int yZero, int outH, int outW, int outC) {

        FastConv2d fast(boolean fixed) {
            return fast(fixed, new Scratch());
        }

        FastConv2d fast(boolean fixed, Scratch scratch) {
            return new FastConv2d(inH, inW, inC, xZero, weight, k, kW, stride, padTop, padLeft, groups, bias, eff,
                    yZero, outH, outW, outC, fixed, scratch);
        }

        void reference(byte[] arena, int inOff, int outOff, int maskOff) {
            ForwardKernels.conv2d(arena, inOff, inH, inW, inC, xZero, weight, k, kW, stride, padTop, padLeft, groups,
                    bias, eff, yZero, outOff, outH, outW, outC, maskOff);
        }

        int inLen() {
            return inH * inW * inC;
        }

        int outLen() {
            return outH * outW * outC;
        }
    }

    private static int zeroPoint(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> -128;
            case 1 -> 127;
            default -> r.nextInt(256) - 128;
        };
    }

    static Case randomCase(Random r, String kind) {
        int k = new int[] {1, 3, 5, 7}[r.nextInt(4)];
        int kW = k;
        int stride = 1 + r.nextInt(2);
        int inC;
        int outC;
        int groups;
        switch (kind) {
            case "pointwise" -> {
                k = 1;
                kW = 1;
                inC = 1 + r.nextInt(70);
                outC = 1 + r.nextInt(70);
                groups = 1;
            }
            case "depthwise" -> {
                inC = 1 + r.nextInt(40);
                outC = inC;
                groups = inC;
            }
            default -> {
                inC = 1 + r.nextInt(6);
                outC = 1 + r.nextInt(20);
                groups = 1;
            }
        }
        int inH = 1 + r.nextInt(11);
        int inW = 1 + r.nextInt(11);
        int padTop = r.nextInt(k);
        int padLeft = r.nextInt(kW);
        int padBottom = r.nextInt(k);
        int padRight = r.nextInt(kW);
        int outH = Math.max(1, (inH + padTop + padBottom - k) / stride + 1);
        int outW = Math.max(1, (inW + padLeft + padRight - kW) / stride + 1);
        byte[] w = new byte[outC * k * kW * (inC / groups)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (r.nextInt(8) == 0 ? -128 : r.nextInt(256) - 128);
        }
        float[] bias = new float[outC];
        float[] eff = new float[outC];
        for (int o = 0; o < outC; o++) {
            // non-finite biases and scales: the reference takes a NaN as 0 and saturates infinities
            bias[o] = r.nextInt(40) == 0 ? new float[] {Float.NaN, Float.POSITIVE_INFINITY,
                    Float.NEGATIVE_INFINITY}[r.nextInt(3)] : (float) (r.nextGaussian() * 2000);
            // small scales keep most outputs in range; large ones saturate; some sums land on ties
            eff[o] = switch (r.nextInt(6)) {
                case 0 -> 0.5f;
                case 1 -> (float) Math.scalb(1.0, r.nextInt(10) - 4);
                case 2 -> r.nextInt(10) == 0 ? Float.NaN : 1e30f;
                default -> (float) (r.nextDouble() * 0.01);
            };
        }
        return new Case(inH, inW, inC, zeroPoint(r), w, k, kW, stride, padTop, padLeft, groups, bias, eff,
                zeroPoint(r), outH, outW, outC);
    }

    /** Runs both on the same random arena (input, then output, then mask, with gaps) and compares every byte. */
    private static void assertSameBytes(Case c, FastConv2d fast, Random r, String what) {
        int gap = r.nextInt(9);
        int inOff = gap;
        int outOff = inOff + c.inLen() + r.nextInt(9);
        boolean mask = r.nextBoolean();
        int maskOff = mask ? outOff + c.outLen() + r.nextInt(5) : -1;
        byte[] arena = new byte[(mask ? maskOff + (c.outLen() + 7) / 8 : outOff + c.outLen()) + 3];
        r.nextBytes(arena); // the mask starts with stale bits: the kernels must clear it
        byte[] expected = arena.clone();
        c.reference(expected, inOff, outOff, maskOff);
        fast.run(arena, inOff, outOff, maskOff);
        assertArrayEquals(expected, arena, what + " " + c);
    }

    @Test
    void randomConvsMatchTheReferenceByteForByte() {
        Random r = new Random(11);
        Set<String> kernels = new HashSet<>();
        // one scratch for all, as in a program: arrays sized for another conv, holding its stale values
        Scratch shared = new Scratch();
        for (String kind : new String[] {"pointwise", "depthwise", "dense"}) {
            for (int t = 0; t < 300; t++) {
                Case c = randomCase(r, kind);
                FastConv2d fast = c.fast(r.nextBoolean(), shared);
                kernels.add(fast.kernel());
                assertSameBytes(c, fast, r, kind + " #" + t);
                assertSameBytes(c, fast, r, kind + " #" + t + " (second run, scratch reused)");
            }
        }
        assertEquals(Set.of("dense_pixels", "pointwise_channels", "depthwise", "reference"), kernels);
    }

    @Test
    void trainedWeightsAreReadAtEveryRunFixedOnesOnce() {
        Random r = new Random(5);
        for (String kind : new String[] {"pointwise", "depthwise", "dense"}) {
            for (int t = 0; t < 60; t++) {
                Case c = randomCase(r, kind);
                FastConv2d trained = c.fast(false);
                assertSameBytes(c, trained, r, "before the update");
                assertSameBytes(c, trained, r, "again, weights unchanged");
                for (int i = 0; i < c.weight().length; i++) {
                    c.weight()[i] = (byte) (r.nextInt(256) - 128); // what an in-place update does
                }
                assertSameBytes(c, trained, r, "after the update");
                // an update that changes one weight, anywhere: the kernel must not keep the stale widened copy
                int at = r.nextInt(c.weight().length);
                c.weight()[at] = (byte) (c.weight()[at] == 127 ? -128 : c.weight()[at] + 1);
                assertSameBytes(c, trained, r, "after changing weight " + at + " of " + c.weight().length);
            }
        }
    }

    @Test
    void pointwiseSumsAtTheFloatExactLimit() {
        // 1024 products of -128 * -128 sum to exactly 2^24, the largest magnitude the float sums must hold
        int inC = FastConv2d.FLOAT_EXACT_TERMS;
        for (int channels : new int[] {inC, inC + 1}) {
            byte[] w = new byte[2 * channels];
            Arrays.fill(w, (byte) -128);
            w[channels] = 127; // one more output channel, not all extremes
            Case c = new Case(2, 3, channels, 127, w, 1, 1, 1, 0, 0, 1, new float[] {0.5f, -3f},
                    new float[] {1e-7f, 3e-6f}, -128, 2, 3, 2);
            FastConv2d fast = c.fast(true);
            assertEquals(channels == inC ? "dense_pixels" : "reference", fast.kernel());
            Random r = new Random(channels);
            int outOff = c.inLen();
            byte[] arena = new byte[outOff + c.outLen() + (c.outLen() + 7) / 8];
            Arrays.fill(arena, 0, c.inLen(), (byte) -128);
            arena[7] = 100;
            byte[] expected = arena.clone();
            c.reference(expected, 0, outOff, outOff + c.outLen());
            fast.run(arena, 0, outOff, outOff + c.outLen());
            assertArrayEquals(expected, arena);
            assertSameBytes(c, fast, r, "random input");
        }
    }

    @Test
    void depthwiseInPlaceAtTheMinimumLead() {
        Random r = new Random(3);
        for (int t = 0; t < 100; t++) {
            Case c = randomCase(r, "depthwise");
            long lead = DepthwiseInPlace.minimumLead(c.inH(), c.inW(), c.inC(), c.k(), c.kW(), c.stride(),
                    c.padTop(), c.padLeft(), c.outH(), c.outW());
            int outOff = 2;
            int inOff = (int) (outOff + Math.max(0, lead));
            byte[] arena = new byte[Math.max(inOff + c.inLen(), outOff + c.outLen()) + 2];
            r.nextBytes(arena);
            byte[] expected = arena.clone();
            c.reference(expected, inOff, outOff, -1);
            c.fast(true).run(arena, inOff, outOff, -1);
            assertArrayEquals(expected, arena, "in place " + c);
        }
    }

    @Test
    void placementIsChecked() {
        Case c = randomCase(new Random(1), "pointwise");
        FastConv2d fast = c.fast(true);
        byte[] arena = new byte[c.inLen() + c.outLen()];
        assertThrows(IllegalArgumentException.class, () -> fast.run(arena, 1, c.inLen(), -1));
        assertThrows(IllegalArgumentException.class, () -> fast.run(arena, 0, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> new FastConv2d(c.inH(), c.inW(), c.inC(), c.xZero(),
                new byte[1], 1, 1, 1, 0, 0, 1, c.bias(), c.eff(), c.yZero(), c.outH(), c.outW(), c.outC(), true, new Scratch()));
    }
}

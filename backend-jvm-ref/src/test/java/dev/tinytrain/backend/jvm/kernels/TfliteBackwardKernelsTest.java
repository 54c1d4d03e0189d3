package dev.tinytrain.backend.jvm.kernels;

import static dev.tinytrain.backend.jvm.kernels.ArenaAccess.getFloat;
import static dev.tinytrain.backend.jvm.kernels.ArenaAccess.getMaskBit;
import static dev.tinytrain.backend.jvm.kernels.ArenaAccess.putFloat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static dev.tinytrain.backend.jvm.kernels.BackwardKernelsGradientCheckTest.checkAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tinytrain.backend.jvm.tflite.TfliteBackwardKernels;
import dev.tinytrain.backend.jvm.tflite.TfliteKernels;
import java.util.Arrays;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of the gradients of the imported TFLite ops without a native counterpart (pad, max and
 * average pool, concatenation), and of the clamp masks the TFLite forward kernels save for the straight-through
 * gradient (conv, fully connected, add, ReLU), as {@code BackwardKernelsGradientCheckTest} checks the native rules:
 * each kernel against central differences of the real-valued function it differentiates ({@code L = sum G * y} with
 * random G; {@link BackwardKernelsGradientCheckTest#checkAll}), rounding taken as the identity and the fused
 * activation's clamp {@code [lo, hi]} as the window {@code [lo - 0.5, hi + 0.5]} (round, then pass only integers
 * in the range).
 */
class TfliteBackwardKernelsTest {
    private static float[] floats(byte[] arena, int off, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = getFloat(arena, off + 4 * i);
        }
        return f;
    }

    private static float[] randomGradient(Random r, byte[] arena, int off, int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (r.nextDouble() * 2 - 1);
            putFloat(arena, off + 4 * i, g[i]);
        }
        return g;
    }

    /** The clamp window of the straight-through estimator. */
    private static double window(double v, int lo, int hi) {
        return Math.max(lo - 0.5, Math.min(hi + 0.5, v));
    }

    @Test
    void padBackwardCropsTheGradient() {
        Random r = new Random(1);
        int inH = 3, inW = 4, c = 2, top = 1, bottom = 2, left = 0, right = 1;
        int gH = inH + top + bottom, gW = inW + left + right;
        byte[] a = new byte[4 * (gH * gW * c + inH * inW * c)];
        float[] g = randomGradient(r, a, 0, gH * gW * c);
        int dx = 4 * gH * gW * c;
        TfliteBackwardKernels.padBackward(a, 0, gH, gW, c, top, left, dx, inH, inW);
        double[] x = new double[inH * inW * c];
        checkAll("pad", floats(a, dx, x.length), x, xv -> {
            double s = 0;
            for (int y = 0; y < gH; y++) {
                for (int xx = 0; xx < gW; xx++) {
                    for (int ch = 0; ch < c; ch++) {
                        int iy = y - top, ix = xx - left;
                        double v = iy < 0 || iy >= inH || ix < 0 || ix >= inW ? 0 : xv[(iy * inW + ix) * c + ch];
                        s += g[(y * gW + xx) * c + ch] * v;
                    }
                }
            }
            return s;
        });
    }

    /** The real-valued pool: max or mean of the taps a window reads (windows clipped to the input), clamped. */
    private static double poolLoss(double[] x, float[] g, boolean max, int inH, int inW, int c, int f, int s, int pad,
                                   int outH, int outW, int lo, int hi) {
        double total = 0;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                for (int ch = 0; ch < c; ch++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int n = 0;
                    for (int fy = 0; fy < f; fy++) {
                        for (int fx = 0; fx < f; fx++) {
                            int iy = oy * s - pad + fy, ix = ox * s - pad + fx;
                            if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) {
                                double v = x[(iy * inW + ix) * c + ch];
                                acc = max ? Math.max(acc, v) : acc + v;
                                n++;
                            }
                        }
                    }
                    total += g[(oy * outW + ox) * c + ch] * window(max ? acc : acc / n, lo, hi);
                }
            }
        }
        return total;
    }

    @Test
    void maxPoolBackwardMatchesFiniteDifferencesAndHonoursTheClamp() {
        Random r = new Random(2);
        int inH = 6, inW = 5, c = 2, f = 3, s = 2, pad = 1, outH = 3, outW = 3, lo = -20, hi = 30;
        // distinct values (no ties away from the tie test below), some windows clamped at either end
        int[] values = r.ints(-100, 100).distinct().limit((long) inH * inW * c).toArray();
        byte[] a = new byte[inH * inW * c + 4 * outH * outW * c + 4 * inH * inW * c];
        int gOff = inH * inW * c;
        int dxOff = gOff + 4 * outH * outW * c;
        double[] x = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            a[i] = (byte) values[i];
            x[i] = values[i];
        }
        float[] g = randomGradient(r, a, gOff, outH * outW * c);
        TfliteBackwardKernels.poolBackward(a, 0, inH, inW, c, true, f, f, s, s, pad, pad, lo, hi, gOff, outH, outW,
                dxOff);
        checkAll("max pool", floats(a, dxOff, x.length), x,
                xv -> poolLoss(xv, g, true, inH, inW, c, f, s, pad, outH, outW, lo, hi));
    }

    @Test
    void maxPoolBackwardRoutesATieToTheFirstMaximumInScanOrder() {
        // one 2x2 window over a 2x2 input, maxima 7 at (0,1) and (1,0): the first in scan order is (0,1)
        byte[] a = new byte[4 + 4 + 16];
        a[0] = 3;
        a[1] = 7;
        a[2] = 7;
        a[3] = -5;
        putFloat(a, 4, 0.25f);
        TfliteBackwardKernels.poolBackward(a, 0, 2, 2, 1, true, 2, 2, 2, 2, 0, 0, -128, 127, 4, 1, 1, 8);
        assertArrayEquals(new float[] {0f, 0.25f, 0f, 0f}, floats(a, 8, 4));
    }

    @Test
    void averagePoolBackwardMatchesFiniteDifferencesAndHonoursTheClamp() {
        Random r = new Random(3);
        int inH = 5, inW = 6, c = 3, f = 3, s = 2, pad = 1, outH = 3, outW = 3, lo = -30, hi = 40;
        byte[] a = new byte[inH * inW * c + 4 * outH * outW * c + 4 * inH * inW * c];
        int gOff = inH * inW * c;
        int dxOff = gOff + 4 * outH * outW * c;
        double[] x = new double[inH * inW * c];
        for (int i = 0; i < x.length; i++) {
            a[i] = (byte) (r.nextInt(200) - 100);
            x[i] = a[i];
        }
        float[] g = randomGradient(r, a, gOff, outH * outW * c);
        TfliteBackwardKernels.poolBackward(a, 0, inH, inW, c, false, f, f, s, s, pad, pad, lo, hi, gOff, outH, outW,
                dxOff);
        checkAll("average pool", floats(a, dxOff, x.length), x,
                xv -> poolLoss(xv, g, false, inH, inW, c, f, s, pad, outH, outW, lo, hi));
    }

    @Test
    void concatBackwardSplitsTheGradient() {
        Random r = new Random(4);
        int outer = 3, la = 2, lb = 5, inner = 4; // [3, 2 + 5, 4] joined along axis 1
        int row = (la + lb) * inner;
        byte[] a = new byte[4 * (outer * row + outer * la * inner + outer * lb * inner)];
        float[] g = randomGradient(r, a, 0, outer * row);
        int daOff = 4 * outer * row;
        int dbOff = daOff + 4 * outer * la * inner;
        TfliteBackwardKernels.concatBackward(a, 0, outer, row, 0, la * inner, daOff);
        TfliteBackwardKernels.concatBackward(a, 0, outer, row, la * inner, lb * inner, dbOff);
        double[] xa = new double[outer * la * inner];
        double[] xb = new double[outer * lb * inner];
        ToDoubleFunction<double[][]> loss = xs -> {
            double t = 0;
            for (int i = 0; i < outer; i++) {
                for (int j = 0; j < la * inner; j++) {
                    t += g[i * row + j] * xs[0][i * la * inner + j];
                }
                for (int j = 0; j < lb * inner; j++) {
                    t += g[i * row + la * inner + j] * xs[1][i * lb * inner + j];
                }
            }
            return t;
        };
        checkAll("concat a", floats(a, daOff, xa.length), xa, v -> loss.applyAsDouble(new double[][] {v, xb}));
        checkAll("concat b", floats(a, dbOff, xb.length), xb, v -> loss.applyAsDouble(new double[][] {xa, v}));
    }

    /** A 1x1 conv's and a fully connected layer's mask: 1 exactly where the requantized value passes the clamp. */
    @Test
    void convAndFullyConnectedMasksMarkTheValuesInsideTheFusedActivation() {
        Random r = new Random(5);
        int positions = 9, inC = 5, outC = 3, xZero = -4, yZero = -10, lo = -10, hi = 40; // ReLU6-like clamp
        byte[] w = new byte[outC * inC];
        r.nextBytes(w);
        int[] bias = {300, -200, 50};
        int[] multiplier = {1_300_000_000, 1_700_000_000, 1_100_000_000};
        int[] shift = {-7, -8, -6};
        byte[] a = new byte[positions * inC + 2 * positions * outC + 8];
        for (int i = 0; i < positions * inC; i++) {
            a[i] = (byte) r.nextInt(256);
        }
        int out = positions * inC;
        int plain = out + positions * outC;
        int mask = plain + positions * outC;
        TfliteKernels.conv2d(a, 0, 3, 3, inC, xZero, w, 1, 1, 1, 1, 0, 0, 1, bias, multiplier, shift, yZero, lo, hi,
                out, 3, 3, outC, mask);
        TfliteKernels.conv2d(a, 0, 3, 3, inC, xZero, w, 1, 1, 1, 1, 0, 0, 1, bias, multiplier, shift, yZero, lo, hi,
                plain, 3, 3, outC, -1);
        assertArrayEquals(Arrays.copyOfRange(a, plain, plain + positions * outC),
                Arrays.copyOfRange(a, out, out + positions * outC), "the mask does not change the output");
        int passed = 0;
        for (int p = 0; p < positions; p++) {
            for (int o = 0; o < outC; o++) {
                int acc = bias[o];
                for (int i = 0; i < inC; i++) {
                    acc += w[o * inC + i] * (a[p * inC + i] - xZero);
                }
                int pre = TfliteKernels.multiplyByQuantizedMultiplier(acc, multiplier[o], shift[o]) + yZero;
                boolean pass = pre >= lo && pre <= hi;
                passed += pass ? 1 : 0;
                assertEquals(pass, getMaskBit(a, mask, p * outC + o), "position " + p + " channel " + o);
            }
        }
        assertTrue(passed > 0 && passed < positions * outC, "both outcomes occur: " + passed);
        // the fully connected kernel (binary64 scales) on the first position
        byte[] b = Arrays.copyOf(a, a.length);
        long[] significand = {1L << 52, 3L << 51, 5L << 50};
        int[] exponent = {-60, -61, -60};
        TfliteKernels.fullyConnected(b, 0, inC, xZero, w, bias, significand, exponent, yZero, lo, hi, out, outC,
                mask);
        for (int o = 0; o < outC; o++) {
            int acc = bias[o];
            for (int i = 0; i < inC; i++) {
                acc += w[o * inC + i] * (b[i] - xZero);
            }
            int pre = TfliteKernels.roundScaled(acc, significand[o], exponent[o]) + yZero;
            assertEquals(pre >= lo && pre <= hi, getMaskBit(b, mask, o), "fully connected channel " + o);
            assertEquals(Math.max(lo, Math.min(hi, pre)), b[out + o]);
        }
    }

    /** The add's and the ReLU's masks: 1 exactly where the requantized value passes the clamp. */
    @Test
    void addAndReluMasksMarkTheValuesInsideTheClamp() {
        Random r = new Random(6);
        int n = 200;
        byte[] a = new byte[3 * n + 2 * 32];
        r.nextBytes(a);
        int lo = -50, hi = 60;
        int maskA = 3 * n;
        TfliteKernels.add(a, 0, 3, 1_500_000_000, -1, n, -7, 1_200_000_000, 0, n, 1_900_000_000, -19, 5, lo, hi,
                2 * n, 20, maskA);
        int passed = 0;
        for (int i = 0; i < n; i++) {
            int x1 = (a[i] - 3) * (1 << 20);
            int x2 = (a[n + i] + 7) * (1 << 20);
            int sum = TfliteKernels.multiplyByQuantizedMultiplier(x1, 1_500_000_000, -1)
                    + TfliteKernels.multiplyByQuantizedMultiplier(x2, 1_200_000_000, 0);
            int pre = TfliteKernels.multiplyByQuantizedMultiplier(sum, 1_900_000_000, -19) + 5;
            passed += pre >= lo && pre <= hi ? 1 : 0;
            assertEquals(pre >= lo && pre <= hi, getMaskBit(a, maskA, i), "add element " + i);
            assertEquals(Math.max(lo, Math.min(hi, pre)), a[2 * n + i]);
        }
        assertTrue(passed > 0 && passed < n, "both outcomes occur: " + passed);
        int maskR = maskA + 32;
        TfliteKernels.relu(a, 0, n, 3, 1_600_000_000, 1, -20, -20, 2 * n, maskR);
        for (int i = 0; i < n; i++) {
            int pre = -20 + TfliteKernels.multiplyByQuantizedMultiplier(a[i] - 3, 1_600_000_000, 1);
            assertEquals(pre >= -20 && pre <= 127, getMaskBit(a, maskR, i), "relu element " + i);
        }
    }
}

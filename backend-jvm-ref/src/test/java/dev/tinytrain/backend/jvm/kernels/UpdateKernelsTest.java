package dev.tinytrain.backend.jvm.kernels;

import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.getF;
import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.putF;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact unit tests of QAS, SGD, the rounding modes, saturation and the counter-based generator. */
class UpdateKernelsTest {

    @Test
    void nearestEvenTiesAndSaturation() {
        float[] in = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, 127.5f, 127.49f, 200f, -126.5f, -127.5f, -1000f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 3.4999998f, -0.0f};
        byte[] want = {0, 2, 2, 0, -2, -2, 126, 127, 127, 127, -126, -127, -127, 127, -127, 0, 3, 0};
        for (int i = 0; i < in.length; i++) {
            assertEquals(want[i], UpdateKernels.roundWeightNearestEven(in[i]), "weight " + in[i]);
        }
        float[] bin = {0.5f, 1.5f, -2.5f, 1e8f + 8, 3e9f, -3e9f, -0x1p31f, 0x1p31f, 2147483520f, Float.NaN,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        int[] bwant = {0, 2, -2, 100000008, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE,
                2147483520, 0, Integer.MAX_VALUE, Integer.MIN_VALUE};
        for (int i = 0; i < bin.length; i++) {
            assertEquals(bwant[i], UpdateKernels.roundBiasNearestEven(bin[i]), "bias " + bin[i]);
        }
    }

    @Test
    void stochasticRoundingRules() {
        // integers never move; the fractional part decides; saturation after rounding
        assertEquals(3, UpdateKernels.roundWeightStochastic(3.0f, 0.0f));
        assertEquals(3, UpdateKernels.roundWeightStochastic(3.0f, 0.99999994f));
        assertEquals(4, UpdateKernels.roundWeightStochastic(3.25f, 0.2499999f));
        assertEquals(3, UpdateKernels.roundWeightStochastic(3.25f, 0.25f));
        assertEquals(-3, UpdateKernels.roundWeightStochastic(-3.25f, 0.7499999f)); // floor -4, frac 0.75
        assertEquals(-4, UpdateKernels.roundWeightStochastic(-3.25f, 0.75f));
        assertEquals(127, UpdateKernels.roundWeightStochastic(127.9f, 0.0f));
        assertEquals(-127, UpdateKernels.roundWeightStochastic(-127.1f, 0.99f));
        assertEquals(0, UpdateKernels.roundWeightStochastic(Float.NaN, 0.5f));
        assertEquals(160000000, UpdateKernels.roundBiasStochastic(1.6e8f, 0.0f));
        assertEquals(Integer.MAX_VALUE, UpdateKernels.roundBiasStochastic(1e10f, 0.0f));
        assertEquals(Integer.MIN_VALUE, UpdateKernels.roundBiasStochastic(-1e10f, 0.5f));
        assertEquals(-8, UpdateKernels.roundBiasStochastic(-7.5f, 0.5f));
        assertEquals(-7, UpdateKernels.roundBiasStochastic(-7.5f, 0.49f));
    }

    /** The generator specification, pinned with values computed independently (Python). */
    @Test
    void counterRngIsSpecifiedAndDeterministic() {
        assertEquals(0x514e28b7, CounterRng.fmix32(1));
        assertEquals(0xe37cd1bc, CounterRng.fmix32(0x12345678));
        int key = CounterRng.key(42, 7, 3);
        assertEquals(0xb2f2fb8c, key);
        assertEquals(0x87513f26, CounterRng.bits(key, 0));
        assertEquals(0x5fb58389, CounterRng.bits(key, 1));
        assertEquals(0x56186b8f, CounterRng.bits(key, 2));
        assertEquals(0.5285834670066833, CounterRng.uniform(key, 0), 0.0);
        assertEquals(CounterRng.uniform(key, 12345), CounterRng.uniform(CounterRng.key(42, 7, 3), 12345));
        assertNotEquals(CounterRng.key(42, 7, 3), CounterRng.key(42, 8, 3));
        assertNotEquals(CounterRng.key(42, 7, 3), CounterRng.key(43, 7, 3));
        assertNotEquals(CounterRng.key(42, 7, 3), CounterRng.key(42, 7, 4));
        // bijection in the index: no repeated 32-bit value in a stream
        Set<Integer> seen = new HashSet<>();
        double sum = 0;
        float min = 1, max = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            assertTrue(seen.add(CounterRng.bits(key, i)));
            float u = CounterRng.uniform(key, i);
            sum += u;
            min = Math.min(min, u);
            max = Math.max(max, u);
        }
        assertTrue(min >= 0 && max < 1);
        assertEquals(0.5, sum / n, 5 * Math.sqrt(1.0 / 12 / n));
    }

    /** E[stochastic round(p)] = p: over elements of one step and over steps of one element. */
    @Test
    void stochasticRoundingIsUnbiased() {
        float[] ps = {3.3f, -3.3f, 0.125f, -126.75f, 1e-3f, 100.999f, -0.5f};
        int n = 100_000;
        for (float p : ps) {
            double frac = p - Math.floor(p);
            double sigma = Math.sqrt(frac * (1 - frac) / n);
            int key = CounterRng.key(1234, 0, 17);
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += UpdateKernels.roundWeightStochastic(p, CounterRng.uniform(key, i));
            }
            assertEquals(p, s / n, 5 * sigma + 1e-6, "over elements, p=" + p);
            double t = 0;
            for (int step = 0; step < n; step++) {
                t += UpdateKernels.roundBiasStochastic(p, CounterRng.uniform(CounterRng.key(99, step, 5), 42));
            }
            assertEquals(p, t / n, 5 * sigma + 1e-6, "over steps, p=" + p);
        }
    }

    @Test
    void qasAndSgdOperationOrder() {
        float eff = 0.0123f;
        double ys = 0.16140488269282321, xs = 0.02307926626766429;
        float tb = eff * (float) ys;
        assertEquals(Float.floatToRawIntBits(tb * tb), Float.floatToRawIntBits(UpdateKernels.qasBiasDivisor(eff, ys)));
        float tw = (eff * (float) ys) / (float) xs;
        assertEquals(Float.floatToRawIntBits(tw * tw), Float.floatToRawIntBits(UpdateKernels.qasWeightDivisor(eff, ys, xs)));
        assertArrayEquals(new float[]{tw * tw}, UpdateKernels.qasWeightDivisors(new float[]{eff}, ys, xs));
        assertArrayEquals(new float[]{tb * tb}, UpdateKernels.qasBiasDivisors(new float[]{eff}, ys));
        assertEquals(3.0f / 7.0f, UpdateKernels.qas(3.0f, 7.0f));
        // one rounding: fma differs from the two-rounding form here
        float p = 1.0f, g = 1.0f + 0x1p-12f, lr = 1.0f + 0x1p-12f;
        float[] param = {p};
        byte[] arena = new byte[4];
        ArenaAccess.putFloat(arena, 0, g);
        UpdateKernels.sgdFloat(param, 0, arena, 0, 1, lr);
        assertEquals(Math.fma(-lr, g, p), param[0]);
        assertNotEquals(p - lr * g, param[0]);
    }

    @Test
    void floatMasterKeepsUnclampedMasterAndRoundsTheWeight() {
        byte[] w = {127, -5};
        float[] m = UpdateKernels.masterOf(w);
        ConvGeom g = new ConvGeom(1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1);
        byte[] a = new byte[8];
        putF(a, 0, new float[]{-3.2f, 0.75f}); // dW for (o=0, i=0) and (o=0, i=1)
        UpdateKernels.updateConvWeight(a, 0, g, null, w, m, null, 1.0f, RoundingMode.FLOAT_MASTER, 0);
        assertEquals(Math.fma(-1.0f, -3.2f, 127.0f), m[0]);
        assertEquals(127, w[0]);
        assertEquals(-5.75f, m[1]);
        assertEquals(-6, w[1]);
        putF(a, 0, new float[]{3.9f, -0.5f});
        UpdateKernels.updateConvWeight(a, 0, g, null, w, m, null, 1.0f, RoundingMode.FLOAT_MASTER, 0);
        assertEquals(126.3f, m[0], 1e-5f);
        assertEquals(126, w[0]);
        assertEquals(-5.25f, m[1]);
        assertEquals(-5, w[1]);
        assertThrows(NullPointerException.class,
                () -> UpdateKernels.updateConvWeight(a, 0, g, null, w, null, null, 1.0f, RoundingMode.FLOAT_MASTER, 0));
        // biases: master only, integer copy optional
        int[] b = {1000};
        float[] bm = UpdateKernels.masterOf(b);
        UpdateKernels.updateBiasChannel(0.25f, 0, b, bm, 0.5f, 0.1f, RoundingMode.FLOAT_MASTER, 0);
        assertEquals(Math.fma(-0.1f, 0.25f / 0.5f, 1000.0f), bm[0]);
        assertEquals(1000, b[0]);
        UpdateKernels.updateBiasChannel(0.25f, 0, null, bm, 0.5f, 0.1f, RoundingMode.FLOAT_MASTER, 0);
        assertEquals(16777217 - 1, (int) UpdateKernels.masterOf(new int[]{16777217})[0]); // .float() rounding
    }

    /** Per-output-channel update after the per-channel gradient == whole-tensor gradient + update, all modes. */
    @Test
    void perChannelUpdateEqualsWholeTensorUpdate() {
        Random r = new Random(21);
        for (ConvGeom g : BackwardKernelsGradientCheckTest.geometries()) {
            for (RoundingMode mode : RoundingMode.values()) {
                int nIn = g.inH() * g.inW() * g.inC(), nOut = g.outPositions() * g.outC(), nW = g.weightCount();
                int[] channels = g.depthwise() ? new int[]{1} : (g.inPerGroup() > 2 ? new int[]{0, 2} : null);
                byte[] a = new byte[nIn + 4 * nOut + 4 * nW + 4 * nW + 64];
                int xOff = 0, gOff = (nIn + 15) & ~15, dwOff = gOff + 4 * nOut, wsOff = dwOff + 4 * nW;
                for (int i = 0; i < nIn; i++) {
                    a[i] = (byte) r.nextInt(256);
                }
                for (int i = 0; i < nOut; i++) {
                    putF(a, gOff + 4 * i, (float) (r.nextGaussian() * 0.01));
                }
                byte[] w0 = new byte[nW];
                for (int i = 0; i < nW; i++) {
                    w0[i] = (byte) (r.nextInt(255) - 127);
                }
                float[] div = new float[g.outC()];
                for (int o = 0; o < div.length; o++) {
                    div[o] = UpdateKernels.qasWeightDivisor(0.001f + 0.01f * r.nextFloat(), 0.05, 0.02);
                }
                int key = CounterRng.key(5, 1, 2);
                float lr = 0.05f;
                byte[] w1 = w0.clone(), w2 = w0.clone();
                float[] m1 = UpdateKernels.masterOf(w0), m2 = UpdateKernels.masterOf(w0);
                BackwardKernels.convWeightGrad(a, xOff, 3, gOff, g, channels, dwOff);
                UpdateKernels.updateConvWeight(a, dwOff, g, channels, w1, m1, div, lr, mode, key);
                for (int o = 0; o < g.outC(); o++) {
                    if (g.depthwise() && o != channels[0]) {
                        continue;
                    }
                    BackwardKernels.convWeightGradChannel(a, xOff, 3, gOff, g, o, channels, wsOff);
                    UpdateKernels.updateConvWeightChannel(a, wsOff, g, o, channels, w2, m2, div[o], lr, mode, key);
                }
                assertArrayEquals(w1, w2, g + " " + mode);
                assertArrayEquals(m1, m2, g + " " + mode);
                int changed = 0;
                float[] dw = getF(a, dwOff, nW);
                for (int i = 0; i < nW; i++) {
                    if (w1[i] != w0[i]) {
                        changed++;
                        assertTrue(dw[i] != 0, "untrained element changed");
                    }
                }
                assertTrue(changed > 0, "nothing changed: test too weak " + g + " " + mode);
                if (mode == RoundingMode.NEAREST_EVEN) {
                    for (int i = 0; i < nW; i++) {
                        int o = indexToOut(g, i);
                        float p = Math.fma(-lr, dw[i] / div[o], (float) w0[i]);
                        assertEquals(UpdateKernels.roundWeightNearestEven(p), w1[i]);
                    }
                }
            }
        }
    }

    private static int indexToOut(ConvGeom g, int idx) {
        return g.depthwise() ? idx % g.outC() : idx / (g.kH() * g.kW() * g.inPerGroup());
    }

    @Test
    void biasAndFloatUpdates() {
        int n = 5;
        byte[] a = new byte[4 * n];
        float[] grad = {1e3f, -2e3f, 0f, 5e2f, -1f};
        putF(a, 0, grad);
        float[] div = {0.5f, 2f, 1f, 0.25f, 1f};
        int[] b0 = {10, -20, 16777217, 0, Integer.MAX_VALUE};
        for (RoundingMode mode : RoundingMode.values()) {
            int[] b = b0.clone();
            float[] m = UpdateKernels.masterOf(b0);
            UpdateKernels.updateBias(a, 0, n, b, m, div, 0.01f, mode, CounterRng.key(1, 2, 3));
            for (int o = 0; o < n; o++) {
                float p = Math.fma(-0.01f, grad[o] / div[o], (float) b0[o]);
                switch (mode) {
                    case NEAREST_EVEN -> assertEquals(UpdateKernels.roundBiasNearestEven(p), b[o]);
                    case STOCHASTIC -> assertEquals(UpdateKernels.roundBiasStochastic(p,
                            CounterRng.uniform(CounterRng.key(1, 2, 3), o)), b[o]);
                    case FLOAT_MASTER -> assertEquals(p, m[o]);
                }
            }
        }
        float[] param = {1f, 2f, 3f, 4f, 5f, 6f};
        UpdateKernels.sgdFloat(param, 1, a, 0, 3, 0.5f);
        assertArrayEquals(new float[]{1f, Math.fma(-0.5f, 1e3f, 2f), Math.fma(-0.5f, -2e3f, 3f), 4f, 5f, 6f}, param);
    }
}

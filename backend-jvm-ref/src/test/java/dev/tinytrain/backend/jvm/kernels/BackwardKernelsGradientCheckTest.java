package dev.tinytrain.backend.jvm.kernels;

import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.getF;
import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.putF;
import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.setBit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of every backward rule.
 *
 * <p>Why on the <em>smooth</em> function, in float64: the int8 ops round (requantization, add, pool) and
 * clamp, so the difference quotient of the quantized op is 0 almost everywhere and a jump of a whole LSB
 * elsewhere; it says nothing about the gradient. Training uses the straight-through estimator: rounding is
 * treated as the identity and the clamp as a hard window. So each rule is checked against central
 * differences of the real-valued function it differentiates: the conv as a real correlation of
 * {@code (x - x_zero)} with W plus bias, times eff; the add as the real scaled sum
 * {@code (s1 (x1 - z1) + s2 (x2 - z2)) / sy}; the pool as the mean; dequantization {@code (q - z) s}; the
 * float linear layer; softmax cross-entropy (in {@link LossKernelsTest}); and the clamp window
 * {@code clamp(v, -128.5, 127.5)}, which is "round, then pass only integers in [-128, 127]" under the STE.
 * Each scalar test function is {@code L = sum G * y} with random G, so dL/dy = G is the incoming gradient.
 * The functions are linear (or piecewise linear away from kinks), so float64 central differences are
 * exact up to ~1e-10 and the remaining difference is the kernels' float32 rounding.
 */
class BackwardKernelsGradientCheckTest {

    private static final double H = 1e-3;
    private static final double TOL = 2e-5;

    /** A gradient check: kernel value vs central difference of f along element i. */
    static void checkAll(String what, float[] kernel, double[] point, java.util.function.ToDoubleFunction<double[]> f) {
        double[] fd = new double[point.length];
        double max = 0;
        for (int i = 0; i < point.length; i++) {
            double keep = point[i];
            point[i] = keep + H;
            double up = f.applyAsDouble(point);
            point[i] = keep - H;
            double dn = f.applyAsDouble(point);
            point[i] = keep;
            fd[i] = (up - dn) / (2 * H);
            max = Math.max(max, Math.abs(fd[i]));
        }
        assertTrue(max > 0, what + ": degenerate test (all-zero gradient)");
        for (int i = 0; i < point.length; i++) {
            double err = Math.abs(kernel[i] - fd[i]);
            if (err > TOL * max) {
                throw new AssertionError(what + "[" + i + "]: kernel " + kernel[i] + " vs finite difference " + fd[i]
                        + " (max " + max + ")");
            }
        }
    }

    private static double[] toDouble(byte[] v, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static float[] randFloats(Random r, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return v;
    }

    private static byte[] randInt8(Random r, int n, int lo, int hi) {
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            v[i] = (byte) (lo + r.nextInt(hi - lo + 1));
        }
        return v;
    }

    /** Real conv output y[p, o] = eff[o] * (sum (x - xz) W + b[o]); returns sum G * y. */
    private static double convLoss(ConvGeom g, double[] x, double xz, double[] w, double[] b, float[] eff, float[] gy) {
        double total = 0;
        int ipg = g.inPerGroup(), opg = g.outPerGroup();
        for (int oy = 0; oy < g.outH(); oy++) {
            for (int ox = 0; ox < g.outW(); ox++) {
                for (int o = 0; o < g.outC(); o++) {
                    int gr = o / opg;
                    double acc = 0;
                    for (int kh = 0; kh < g.kH(); kh++) {
                        int iy = oy * g.strideH() + kh - g.padH();
                        if (iy < 0 || iy >= g.inH()) {
                            continue;
                        }
                        for (int kw = 0; kw < g.kW(); kw++) {
                            int ix = ox * g.strideW() + kw - g.padW();
                            if (ix < 0 || ix >= g.inW()) {
                                continue;
                            }
                            if (g.depthwise()) {
                                acc += (x[(iy * g.inW() + ix) * g.inC() + o] - xz) * w[g.weightIndex(o, kh, kw, 0)];
                            } else {
                                for (int i = 0; i < ipg; i++) {
                                    int c = gr * ipg + i;
                                    acc += (x[(iy * g.inW() + ix) * g.inC() + c] - xz) * w[g.weightIndex(o, kh, kw, i)];
                                }
                            }
                        }
                    }
                    total += gy[(oy * g.outW() + ox) * g.outC() + o] * (double) eff[o] * (acc + b[o]);
                }
            }
        }
        return total;
    }

    static List<ConvGeom> geometries() {
        return List.of(
                ConvGeom.of(5, 6, 3, 4, 3, 1, 1),                    // dense 3x3 s1
                ConvGeom.of(7, 7, 3, 5, 3, 2, 1),                    // dense 3x3 s2 (first_conv-like)
                ConvGeom.of(6, 5, 4, 6, 3, 1, 2),                    // grouped
                ConvGeom.of(7, 6, 4, 4, 3, 2, 4),                    // depthwise 3x3 s2
                ConvGeom.of(6, 6, 3, 3, 5, 1, 3),                    // depthwise 5x5
                ConvGeom.of(9, 8, 2, 2, 7, 2, 2),                    // depthwise 7x7 s2
                ConvGeom.of(4, 4, 8, 5, 1, 1, 1),                    // pointwise
                new ConvGeom(5, 7, 3, 2, 7, 2, 2, 3, 2, 1, 0, 1, 1),  // non-square kernel, unequal stride/pad
                new ConvGeom(8, 6, 3, 4, 3, 4, 3, 3, 2, 2, 0, 0, 1),  // TFLite SAME, stride 2: one more pad at the end
                new ConvGeom(8, 8, 4, 4, 4, 4, 3, 3, 2, 2, 0, 0, 4)); // the same, depthwise
    }

    /** Conv input, weight and bias gradients vs finite differences, for dense, grouped, depthwise and 1x1. */
    @Test
    void convGradientsMatchFiniteDifferences() {
        Random r = new Random(42);
        for (ConvGeom g : geometries()) {
            int nIn = g.inH() * g.inW() * g.inC();
            int nOut = g.outPositions() * g.outC();
            int nW = g.weightCount();
            byte[] xq = randInt8(r, nIn, -128, 127);
            int xz = -128 + r.nextInt(140);
            byte[] wq = randInt8(r, nW, -127, 127);
            double[] b = new double[g.outC()];
            for (int o = 0; o < b.length; o++) {
                b[o] = r.nextInt(2001) - 1000;
            }
            float[] eff = randFloats(r, g.outC(), 1e-3, 5e-2);
            float[] gy = randFloats(r, nOut, -1, 1);

            // arena: x int8 | g (float) | g' | dx | dW | db | ws | clamp mask (all pass: no output clamped)
            int xOff = 0, gOff = align(nIn), gpOff = gOff + 4 * nOut, dxOff = gpOff + 4 * nOut;
            int dwOff = dxOff + 4 * nIn, dbOff = dwOff + 4 * nW, wsOff = dbOff + 4 * g.outC();
            int maskOff = wsOff + 4 * nW;
            byte[] a = new byte[maskOff + ArenaAccess.maskBytes(nOut)];
            java.util.Arrays.fill(a, maskOff, a.length, (byte) -1);
            System.arraycopy(xq, 0, a, xOff, nIn);
            putF(a, gOff, gy);
            BackwardKernels.maskAndScaleOutputGrad(a, gOff, maskOff, eff, g.outPositions(), g.outC(), gpOff);
            BackwardKernels.convInputGrad(a, gpOff, wq, g, dxOff, false);
            BackwardKernels.convWeightGrad(a, xOff, xz, gpOff, g, null, dwOff);
            BackwardKernels.convBiasGrad(a, gpOff, g.outPositions(), g.outC(), dbOff);

            double[] x = toDouble(xq, nIn);
            double[] w = toDouble(wq, nW);
            String name = g.toString();
            checkAll("dx " + name, getF(a, dxOff, nIn), x.clone(), xv -> convLoss(g, xv, xz, w, b, eff, gy));
            checkAll("dW " + name, getF(a, dwOff, nW), w.clone(), wv -> convLoss(g, x, xz, wv, b, eff, gy));
            checkAll("db " + name, getF(a, dbOff, g.outC()), b.clone(), bv -> convLoss(g, x, xz, w, bv, eff, gy));

            // accumulate flag adds on top of the existing dx, with the same bits as dx + acc
            float[] dx = getF(a, dxOff, nIn);
            BackwardKernels.convInputGrad(a, gpOff, wq, g, dxOff, true);
            float[] dx2 = getF(a, dxOff, nIn);
            for (int i = 0; i < nIn; i++) {
                assertEquals(Float.floatToRawIntBits(dx[i] + dx[i]), Float.floatToRawIntBits(dx2[i]), "accumulate " + name);
            }

            // per-output-channel weight gradient == the whole-tensor one, bit for bit (with a channel subset)
            int[] channels = g.depthwise() ? new int[]{0, g.outC() - 1} : (g.inPerGroup() > 1 ? new int[]{0, g.inPerGroup() - 1} : null);
            BackwardKernels.convWeightGrad(a, xOff, xz, gpOff, g, channels, dwOff);
            float[] full = getF(a, dwOff, nW);
            BackwardKernels.convWeightGrad(a, xOff, xz, gpOff, g, null, dwOff);
            float[] all = getF(a, dwOff, nW);
            boolean[] trained = new boolean[nW];
            for (int o = 0; o < g.outC(); o++) {
                if (g.depthwise() && channels != null && o != channels[0] && o != channels[1]) {
                    continue;
                }
                int nWs = BackwardKernels.convWeightGradChannel(a, xOff, xz, gpOff, g, o, channels, wsOff);
                assertEquals(g.channelWorkspaceFloats(channels), nWs);
                int n = g.depthwise() ? 1 : (channels == null ? g.inPerGroup() : channels.length);
                for (int kh = 0; kh < g.kH(); kh++) {
                    for (int kw = 0; kw < g.kW(); kw++) {
                        for (int j = 0; j < n; j++) {
                            int ci = g.depthwise() ? 0 : (channels == null ? j : channels[j]);
                            int idx = g.weightIndex(o, kh, kw, ci);
                            float ws = getF(a, wsOff + 4 * ((kh * g.kW() + kw) * n + j));
                            assertEquals(Float.floatToRawIntBits(full[idx]), Float.floatToRawIntBits(ws), "channel ws " + name);
                            trained[idx] = true;
                        }
                    }
                }
            }
            for (int i = 0; i < nW; i++) {
                if (trained[i]) {
                    assertEquals(Float.floatToRawIntBits(all[i]), Float.floatToRawIntBits(full[i]), "subset entry " + name);
                } else {
                    assertEquals(0.0f, full[i], "untrained entry must be 0 " + name);
                }
            }
        }
    }

    private static int align(int n) {
        return (n + 15) & ~15;
    }

    /**
     * Clamp mask vs the STE window: pre-clamp real values v, forward {@code clamp(v, -128.5, 127.5)}
     * (= round, pass integers in [-128, 127]); mask bit = {@code rint(v) in [-128, 127]}. Points stay 0.01
     * away from the window edges so the central difference never straddles a kink.
     */
    @Test
    void clampMaskMatchesFiniteDifferences() {
        Random r = new Random(7);
        int n = 203;
        double[] v = new double[n];
        float[] gy = randFloats(r, n, -1, 1);
        byte[] a = new byte[4 * n + 64];
        int maskOff = 4 * n;
        for (int i = 0; i < n; i++) {
            double t;
            do {
                t = -200 + 400 * r.nextDouble();
            } while (Math.abs(t + 128.5) < 0.01 || Math.abs(t - 127.5) < 0.01);
            if (i < 4) {
                t = new double[]{-128.0, 127.0, -128.6, 127.6}[i]; // boundary integers pass, beyond do not
            }
            v[i] = t;
            double q = Math.rint(t);
            setBit(a, maskOff, i, q >= -128 && q <= 127);
        }
        putF(a, 0, gy);
        BackwardKernels.applyClampMask(a, 0, maskOff, n);
        checkAll("clamp", getF(a, 0, n), v.clone(), vv -> {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += gy[i] * Math.max(-128.5, Math.min(127.5, vv[i]));
            }
            return s;
        });
        // the clamp mask: g'[p, o] = bit ? g * eff[o] : +0, one float32 product
        Random r2 = new Random(8);
        int pos = 29, ch = 7;
        float[] g = randFloats(r2, pos * ch, -1, 1);
        float[] eff = randFloats(r2, ch, 1e-3, 1e-1);
        byte[] b2 = new byte[8 * pos * ch + 64];
        int m = 8 * pos * ch;
        boolean[] pass = new boolean[pos * ch];
        for (int i = 0; i < pos * ch; i++) {
            pass[i] = r2.nextBoolean();
            setBit(b2, m, i, pass[i]);
        }
        putF(b2, 0, g);
        BackwardKernels.maskAndScaleOutputGrad(b2, 0, m, eff, pos, ch, 4 * pos * ch);
        float[] s2 = getF(b2, 4 * pos * ch, pos * ch);
        for (int i = 0; i < s2.length; i++) {
            assertEquals(Float.floatToRawIntBits(pass[i] ? g[i] * eff[i % ch] : 0.0f), Float.floatToRawIntBits(s2[i]));
        }
    }

    /** Residual add backward vs the real scaled sum; accumulation of the skip gradient. */
    @Test
    void addBackwardMatchesFiniteDifferences() {
        Random r = new Random(3);
        int n = 96;
        float sy = 0.0731f, s1 = 0.0419f, s2 = 0.0923f;
        int z1 = -3, z2 = 5;
        float[] gy = randFloats(r, n, -1, 1);
        byte[] x1 = randInt8(r, n, -128, 127), x2 = randInt8(r, n, -128, 127);
        byte[] a = new byte[16 * n];
        putF(a, 0, gy);
        BackwardKernels.addBackward(a, 0, n, sy, s1, s2, 4 * n, 8 * n);
        double[] p1 = toDouble(x1, n), p2 = toDouble(x2, n);
        checkAll("add dx1", getF(a, 4 * n, n), p1.clone(), v -> addLoss(v, p2, z1, z2, s1, s2, sy, gy));
        checkAll("add dx2", getF(a, 8 * n, n), p2.clone(), v -> addLoss(p1, v, z1, z2, s1, s2, sy, gy));
        // exact operation order: (g / sy) * s
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits((gy[i] / sy) * s1), Float.floatToRawIntBits(getF(a, 4 * (n + i))));
        }
        // skip: dx1 skipped with a negative offset, then accumulation sums the two contributions
        byte[] b = new byte[16 * n];
        putF(b, 0, gy);
        putF(b, 4 * n, randFloats(r, n, -1, 1));
        float[] before = getF(b, 4 * n, n);
        BackwardKernels.addBackward(b, 0, n, sy, s1, s2, -1, 8 * n);
        assertEquals(before[0], getF(b, 4 * n), "dx1 must be skipped");
        assertEquals(before[n - 1], getF(b, 4 * (2 * n - 1)), "dx1 must be skipped");
        BackwardKernels.addBackward(b, 0, n, sy, s1, s2, 12 * n, -1);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(getF(a, 4 * (n + i))), Float.floatToRawIntBits(getF(b, 4 * (3 * n + i))),
                    "dx1 at the skip's offset");
        }
    }

    private static double addLoss(double[] x1, double[] x2, int z1, int z2, float s1, float s2, float sy, float[] gy) {
        double s = 0;
        for (int i = 0; i < x1.length; i++) {
            s += gy[i] * (s1 * (x1[i] - z1) + s2 * (x2[i] - z2)) / sy;
        }
        return s;
    }

    /** Global average pool backward vs the mean. */
    @Test
    void avgPoolBackwardMatchesFiniteDifferences() {
        Random r = new Random(5);
        int h = 3, w = 5, c = 6;
        float[] gy = randFloats(r, c, -1, 1);
        byte[] a = new byte[4 * (c + h * w * c)];
        putF(a, 0, gy);
        BackwardKernels.avgPoolBackward(a, 0, h, w, c, 4 * c, false);
        double[] x = toDouble(randInt8(r, h * w * c, -128, 127), h * w * c);
        checkAll("avgpool", getF(a, 4 * c, h * w * c), x, xv -> {
            double s = 0;
            for (int ch = 0; ch < c; ch++) {
                double m = 0;
                for (int p = 0; p < h * w; p++) {
                    m += xv[p * c + ch];
                }
                s += gy[ch] * m / (h * w);
            }
            return s;
        });
        float first = getF(a, 4 * c);
        BackwardKernels.avgPoolBackward(a, 0, h, w, c, 4 * c, true);
        assertEquals(first + first, getF(a, 4 * c));
    }

    /** Dequantize backward vs (q - z) * s. */
    @Test
    void dequantizeBackwardMatchesFiniteDifferences() {
        Random r = new Random(6);
        int n = 40;
        float s = 0.1614f;
        float[] gy = randFloats(r, n, -1, 1);
        byte[] a = new byte[8 * n];
        putF(a, 0, gy);
        BackwardKernels.dequantizeBackward(a, 0, n, s, 4 * n);
        double[] q = toDouble(randInt8(r, n, -128, 127), n);
        checkAll("dequantize", getF(a, 4 * n, n), q, qv -> {
            double t = 0;
            for (int i = 0; i < n; i++) {
                t += gy[i] * (qv[i] + 2) * s;
            }
            return t;
        });
    }

    /** Float linear layer: dX, dW = g x^T, db = g vs finite differences. */
    @Test
    void linearBackwardMatchesFiniteDifferences() {
        Random r = new Random(9);
        int out = 10, in = 17;
        float[] w = randFloats(r, out * in, -0.3, 0.3);
        float[] bias = randFloats(r, out, -0.3, 0.3);
        float[] x = randFloats(r, in, -3, 3);
        float[] gy = randFloats(r, out, -1, 1);
        int gOff = 0, xOff = 4 * out, dxOff = xOff + 4 * in, dwOff = dxOff + 4 * in, dbOff = dwOff + 4 * out * in;
        byte[] a = new byte[dbOff + 4 * out + 4 * in];
        putF(a, gOff, gy);
        putF(a, xOff, x);
        BackwardKernels.linearInputGrad(a, gOff, w, out, in, dxOff);
        BackwardKernels.linearWeightGrad(a, gOff, xOff, out, in, dwOff);
        System.arraycopy(a, gOff, a, dbOff, 4 * out); // db = g: the IR reshapes the logits' gradient
        double[] xd = new double[in], wd = new double[out * in], bd = new double[out];
        for (int i = 0; i < in; i++) {
            xd[i] = x[i];
        }
        for (int i = 0; i < out * in; i++) {
            wd[i] = w[i];
        }
        for (int i = 0; i < out; i++) {
            bd[i] = bias[i];
        }
        checkAll("linear dx", getF(a, dxOff, in), xd.clone(), v -> linearLoss(wd, bd, v, gy));
        checkAll("linear dW", getF(a, dwOff, out * in), wd.clone(), v -> linearLoss(v, bd, xd, gy));
        checkAll("linear db", getF(a, dbOff, out), bd.clone(), v -> linearLoss(wd, v, xd, gy));
        // the row unit used for fusion gives the same bits
        int rowOff = dbOff + 4 * out;
        BackwardKernels.linearWeightGradRow(a, gOff, xOff, in, 3, rowOff);
        for (int i = 0; i < in; i++) {
            assertEquals(getF(a, dwOff + 4 * (3 * in + i)), getF(a, rowOff + 4 * i));
        }
    }

    private static double linearLoss(double[] w, double[] b, double[] x, float[] gy) {
        int out = b.length, in = x.length;
        double s = 0;
        for (int j = 0; j < out; j++) {
            double y = b[j];
            for (int i = 0; i < in; i++) {
                y += w[j * in + i] * x[i];
            }
            s += gy[j] * y;
        }
        return s;
    }
}

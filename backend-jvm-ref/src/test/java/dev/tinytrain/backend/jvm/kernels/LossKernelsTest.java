package dev.tinytrain.backend.jvm.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.getF;
import static dev.tinytrain.backend.jvm.kernels.GoldenFiles.putF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Softmax cross-entropy: loss vs a float64 evaluation, dlogits vs float64 central differences of the loss
 * (a smooth function of the float logits, so here the finite difference is meaningful directly).
 */
class LossKernelsTest {

    private static double ceDouble(double[] x, int label) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            m = Math.max(m, v);
        }
        double s = 0;
        for (double v : x) {
            s += Math.exp(v - m);
        }
        return -(x[label] - m - Math.log(s));
    }

    @Test
    void lossAndGradientMatchFloat64() {
        Random r = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            int n = 2 + r.nextInt(30);
            int label = r.nextInt(n);
            double spread = trial < 25 ? 3 : 40;
            float[] x = new float[n];
            double[] xd = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (spread * (2 * r.nextDouble() - 1));
                xd[i] = x[i];
            }
            byte[] a = new byte[8 * n];
            putF(a, 0, x);
            float loss = LossKernels.softmaxCrossEntropy(a, 0, n, label, 4 * n);
            double ref = ceDouble(xd, label);
            assertTrue(Math.abs(loss - ref) <= 1e-6 * Math.max(1, Math.abs(ref)), "loss " + loss + " vs " + ref);
            float[] d = getF(a, 4 * n, n);
            double h = 1e-4, max = 0;
            double[] fd = new double[n];
            for (int i = 0; i < n; i++) {
                double keep = xd[i];
                xd[i] = keep + h;
                double up = ceDouble(xd, label);
                xd[i] = keep - h;
                double dn = ceDouble(xd, label);
                xd[i] = keep;
                fd[i] = (up - dn) / (2 * h);
                max = Math.max(max, Math.abs(fd[i]));
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                assertTrue(Math.abs(d[i] - fd[i]) <= 1e-6 + 1e-6 * max, "dlogits[" + i + "] " + d[i] + " vs " + fd[i]);
                sum += d[i];
            }
            assertTrue(Math.abs(sum) < 1e-6, "softmax - onehot sums to 0");

            // in place (dOff == xOff) gives the same bits
            byte[] b = new byte[4 * n];
            putF(b, 0, x);
            float loss2 = LossKernels.softmaxCrossEntropy(b, 0, n, label, 0);
            assertEquals(Float.floatToRawIntBits(loss), Float.floatToRawIntBits(loss2));
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(d[i]), Float.floatToRawIntBits(getF(b, 4 * i)));
            }
        }
    }

    @Test
    void documentedOperationOrder() {
        float[] x = {0.25f, -1.5f, 3.0f, 2.75f};
        int label = 1;
        byte[] a = new byte[32];
        putF(a, 0, x);
        float loss = LossKernels.softmaxCrossEntropy(a, 0, 4, label, 16);
        float m = 3.0f;
        float[] e = new float[4];
        float s = 0.0f;
        for (int i = 0; i < 4; i++) {
            e[i] = Float32Math.exp(x[i] - m);
            s = s + e[i];
        }
        assertEquals(Float.floatToRawIntBits(-((x[label] - m) - Float32Math.log(s))), Float.floatToRawIntBits(loss));
        for (int i = 0; i < 4; i++) {
            float d = e[i] / s - (i == label ? 1.0f : 0.0f);
            assertEquals(Float.floatToRawIntBits(i == label ? e[i] / s - 1.0f : e[i] / s), Float.floatToRawIntBits(getF(a, 16 + 4 * i)));
            assertEquals(d, getF(a, 16 + 4 * i));
        }
    }

    @Test
    void badLabelRejected() {
        byte[] a = new byte[64];
        assertThrows(IllegalArgumentException.class, () -> LossKernels.softmaxCrossEntropy(a, 0, 4, 4, 16));
        assertThrows(IllegalArgumentException.class, () -> LossKernels.softmaxCrossEntropy(a, 0, 4, -1, 16));
    }
}

package dev.tinytrain.backend.jvm.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Loss kernels: softmax cross-entropy on float32 logits, batch 1 (so the mean reduction of the reference,
 * PyTorch {@code CrossEntropyLoss()}, is the identity). Transcendentals are {@link Float32Math#exp} and
 * {@link Float32Math#log}; all other arithmetic is float32 without fused multiply-add.
 */
public final class LossKernels {

    private static final VarHandle F32 =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    private LossKernels() {
    }

    private static float getF(byte[] a, int off) {
        return (float) F32.get(a, off);
    }

    private static void setF(byte[] a, int off, float v) {
        F32.set(a, off, v);
    }

    /**
     * Softmax cross-entropy loss and its gradient w.r.t. the logits.
     *
     * <p>Exactly, in float32 and in this order:
     * <ol>
     *   <li>{@code xl = x[label]} (read first, so {@code dOff == xOff} is allowed);</li>
     *   <li>{@code m = x[0]}; for i = 1..n-1: {@code if (x[i] > m) m = x[i]};</li>
     *   <li>{@code s = +0}; for i = 0..n-1: {@code e_i = exp(x[i] - m)}, {@code d[i] = e_i},
     *       {@code s = s + e_i};</li>
     *   <li>{@code loss = -((xl - m) - log(s))};</li>
     *   <li>for i = 0..n-1: {@code d[i] = d[i] / s}, then at {@code i == label}: {@code d[i] = d[i] - 1}.</li>
     * </ol>
     *
     * @param arena  the arena
     * @param xOff   byte offset of the logits (n floats)
     * @param n      number of classes, at least 1
     * @param label  target class in [0, n)
     * @param dOff   byte offset of dloss/dlogits (n floats); may equal xOff
     * @return the loss
     */
    public static float softmaxCrossEntropy(byte[] arena, int xOff, int n, int label, int dOff) {
        if (n < 1 || label < 0 || label >= n) {
            throw new IllegalArgumentException("label " + label + " out of range for " + n + " classes");
        }
        float xl = getF(arena, xOff + 4 * label);
        float m = getF(arena, xOff);
        for (int i = 1; i < n; i++) {
            float v = getF(arena, xOff + 4 * i);
            if (v > m) {
                m = v;
            }
        }
        float s = 0.0f;
        for (int i = 0; i < n; i++) {
            float e = Float32Math.exp(getF(arena, xOff + 4 * i) - m);
            setF(arena, dOff + 4 * i, e);
            s = s + e;
        }
        float loss = -((xl - m) - Float32Math.log(s));
        for (int i = 0; i < n; i++) {
            float d = getF(arena, dOff + 4 * i) / s;
            if (i == label) {
                d = d - 1.0f;
            }
            setF(arena, dOff + 4 * i, d);
        }
        return loss;
    }
}

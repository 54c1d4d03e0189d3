package dev.tinytrain.backend.jvm.fast;

import dev.tinytrain.backend.jvm.kernels.ArenaAccess;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import dev.tinytrain.backend.jvm.kernels.RoundingMode;
import dev.tinytrain.backend.jvm.kernels.StepKernels;
import dev.tinytrain.backend.jvm.kernels.UpdateKernels;
import java.util.Arrays;

/**
 * The fused weight gradient and update of one conv node, lowered once with its constants. It computes the
 * gradient of every updated output channel first, each element with exactly the terms and the order of
 * {@link BackwardKernels#convWeightGradChannel} ({@code +0}, then {@code acc + (float) (x - xZero) * g'} over the
 * output pixels in ascending order), but vectorized across independent elements: over output channels for a
 * dense conv, over the updated channels for a depthwise one, with the input (minus its zero point) and
 * {@code g'} widened to one float row per pixel. Then, channel by channel as {@link StepKernels#convWeightGradUpdate}
 * does, it writes the channel's gradient to the arena workspace and applies
 * {@link UpdateKernels#updateConvWeightChannel} (so the workspace and the weights get the same bytes). Grouped
 * convs run the reference kernel. Its scratch comes from the program's {@link Scratch}: one thread at a time.
 */
public final class FastConvWeightGradUpdate {
    private final int xZero;
    private final ConvGeom gradGeom;
    private final ConvGeom geom;
    private final int[] channels;
    private final byte[] weight;
    private final float[] master;
    private final float[] qasDivisors;
    private final RoundingMode mode;
    private final boolean dense;
    /** The channels whose gradient is computed: output channels (dense) or the updated channels (depthwise). */
    private final int[] computed;
    /** Channels swept together: the computed channels (depthwise) or x's input and g''s output channels. */
    private final int xWidth;
    private final int gWidth;
    /** Workspace entries per computed channel. */
    private final int entries;
    /**
     * Scratch: rows 0 the widened input {@code [iy * inW + ix][k]}, rows 1 {@code g'} {@code [p][k]}, rows 2 the
     * gradients {@code [computed channel][workspace entry]}, flat 0 the sums of one sweep.
     */
    private final Scratch scratch;

    /**
     * Lowers the fused step; the arguments are those of {@link StepKernels#convWeightGradUpdate} that do not
     * change from run to run (the learning rate does: a schedule scales it step by step).
     */
    public FastConvWeightGradUpdate(int xZero, ConvGeom gradGeom, ConvGeom geom, int[] channels, byte[] weight,
                                    float[] master, float[] qasDivisors, RoundingMode mode, Scratch scratch) {
        this.xZero = xZero;
        this.gradGeom = gradGeom;
        this.geom = geom;
        this.channels = channels;
        this.weight = weight;
        this.master = master;
        this.qasDivisors = qasDivisors;
        this.mode = mode;
        this.scratch = scratch;
        boolean depthwise = geom.depthwise();
        this.dense = !depthwise && gradGeom.groups() == 1;
        int inPixels = gradGeom.inH() * gradGeom.inW();
        if (depthwise) {
            computed = channels != null ? channels.clone() : range(geom.outC());
            xWidth = computed.length;
            gWidth = computed.length;
            entries = gradGeom.kH() * gradGeom.kW();
        } else if (dense) {
            computed = range(geom.outC());
            xWidth = gradGeom.inC();
            gWidth = gradGeom.outC();
            entries = gradGeom.kH() * gradGeom.kW() * gradGeom.inC();
        } else {
            computed = null;
            xWidth = 0;
            gWidth = 0;
            entries = 0;
        }
        if (computed != null) {
            scratch.rows(0, inPixels, xWidth);
            scratch.rows(1, gradGeom.outPositions(), gWidth);
            scratch.rows(2, computed.length, entries);
            scratch.floats(0, gWidth);
        }
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        Arrays.setAll(r, i -> i);
        return r;
    }

    /**
     * Runs the step: the saved conv input at {@code xOff}, {@code g'} at {@code gOff}, the workspace at
     * {@code wsOff}, this step's learning rate {@code lr}, stochastic rounding keyed by {@code rngKey}.
     */
    public void run(byte[] arena, int xOff, int gOff, int wsOff, float lr, int rngKey) {
        if (computed == null) {
            StepKernels.convWeightGradUpdate(arena, xOff, xZero, gOff, gradGeom, geom, channels, wsOff, weight, master,
                    qasDivisors, lr, mode, rngKey);
            return;
        }
        int inC = gradGeom.inC();
        int outC = gradGeom.outC();
        int inPixels = gradGeom.inH() * gradGeom.inW();
        int outPixels = gradGeom.outPositions();
        if (xOff < 0 || gOff < 0 || xOff + (long) inPixels * inC > arena.length
                || gOff + 4L * outPixels * outC > arena.length) {
            throw new IllegalArgumentException("weight gradient: x at " + xOff + " or g' at " + gOff
                    + " does not fit in the arena of " + arena.length + " bytes");
        }
        boolean depthwise = !dense;
        // rows of the channels swept together: depthwise, the computed channels of both; dense, x's input
        // channels and g''s output channels
        final float[][] xRows = scratch.rows(0, inPixels, xWidth);
        final float[][] gRows = scratch.rows(1, outPixels, gWidth);
        final float[][] grads = scratch.rows(2, computed.length, entries);
        final float[] acc = scratch.floats(0, gWidth);
        for (int q = 0; q < inPixels; q++) {
            float[] row = xRows[q];
            int base = xOff + q * inC;
            for (int k = 0; k < xWidth; k++) {
                row[k] = (float) (arena[base + (depthwise ? computed[k] : k)] - xZero);
            }
        }
        for (int p = 0; p < outPixels; p++) {
            float[] row = gRows[p];
            int base = gOff + 4 * p * outC;
            for (int k = 0; k < gWidth; k++) {
                row[k] = ArenaAccess.getFloat(arena, base + 4 * (depthwise ? computed[k] : k));
            }
        }
        if (depthwise) {
            depthwiseGrads(xRows, gRows, acc, grads);
        } else {
            denseGrads(xRows, gRows, acc, grads);
        }
        for (int j = 0; j < computed.length; j++) {
            int c = computed[j];
            float[] g = grads[j];
            for (int k = 0; k < entries; k++) {
                ArenaAccess.putFloat(arena, wsOff + 4 * k, g[k]);
            }
            UpdateKernels.updateConvWeightChannel(arena, wsOff, geom, c, depthwise ? null : channels, weight, master,
                    qasDivisors == null ? 1.0f : qasDivisors[c], lr, mode, rngKey);
        }
    }

    /** {@code dW[c][tap]} for every computed channel c at once. */
    private void depthwiseGrads(float[][] xRows, float[][] gRows, float[] acc, float[][] grads) {
        int kW = gradGeom.kW();
        for (int kh = 0; kh < gradGeom.kH(); kh++) {
            for (int kw = 0; kw < kW; kw++) {
                sweep(xRows, gRows, acc, kh, kw, -1);
                for (int j = 0; j < computed.length; j++) {
                    grads[j][kh * kW + kw] = acc[j];
                }
            }
        }
    }

    /** {@code dW[o][tap][ci]} for every output channel o at once, per tap and input channel. */
    private void denseGrads(float[][] xRows, float[][] gRows, float[] acc, float[][] grads) {
        int kW = gradGeom.kW();
        int n = gradGeom.inC();
        for (int kh = 0; kh < gradGeom.kH(); kh++) {
            for (int kw = 0; kw < kW; kw++) {
                for (int ci = 0; ci < n; ci++) {
                    sweep(xRows, gRows, acc, kh, kw, ci);
                    int entry = (kh * kW + kw) * n + ci;
                    for (int o = 0; o < gWidth; o++) {
                        grads[o][entry] = acc[o];
                    }
                }
            }
        }
    }

    /**
     * One tap's sums over the output pixels in ascending order, into {@code acc}: depthwise ({@code ci < 0})
     * {@code acc[k] += x[iy, ix][k] * g'[p][k]}; dense {@code acc[o] += x[iy, ix][ci] * g'[p][o]}.
     */
    private void sweep(float[][] xRows, float[][] gRows, float[] a, int kh, int kw, int ci) {
        final int n = gWidth;
        Arrays.fill(a, 0, n, 0.0f);
        final int inH = gradGeom.inH(), inW = gradGeom.inW(), outW = gradGeom.outW();
        for (int oy = 0; oy < gradGeom.outH(); oy++) {
            int iy = oy * gradGeom.strideH() + kh - gradGeom.padH();
            if (iy < 0 || iy >= inH) {
                continue;
            }
            for (int ox = 0; ox < outW; ox++) {
                int ix = ox * gradGeom.strideW() + kw - gradGeom.padW();
                if (ix < 0 || ix >= inW) {
                    continue;
                }
                final float[] x = xRows[iy * inW + ix];
                final float[] g = gRows[oy * outW + ox];
                if (ci < 0) {
                    for (int k = 0; k < n; k++) {
                        a[k] = a[k] + x[k] * g[k];
                    }
                } else {
                    final float xv = x[ci];
                    for (int o = 0; o < n; o++) {
                        a[o] = a[o] + xv * g[o];
                    }
                }
            }
        }
    }
}

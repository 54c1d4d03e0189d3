package dev.tinytrain.backend.jvm.fast;

import dev.tinytrain.backend.jvm.kernels.ArenaAccess;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import java.util.Arrays;

/**
 * The input gradient of one conv node, lowered once: a dense 1x1 conv with stride 1 and no padding computes
 * {@code dx[p, ci] = sum over o ascending of W[o, ci] * g'[p, o]} (from {@code +0}, each product rounded, then
 * added), exactly the terms and the order of {@link BackwardKernels#convInputGrad}, but vectorized across
 * independent elements: over pixels (with {@code g'} transposed to one row per output channel) when there are at
 * least as many pixels as input channels, else over input channels (the weights as one row per output channel).
 * Every other conv runs the reference kernel. Its scratch comes from the program's {@link Scratch}: one thread at a
 * time.
 */
public final class FastConvInputGrad {
    private final byte[] weight;
    private final ConvGeom geom;
    private final boolean weightsFixed;
    private final boolean pointwise;
    private final boolean byPixels;
    /** Weights as floats, one row per output channel: {@code [o][ci]}. */
    private final float[][] wRows;
    /** Scratch: pixel-major, rows 0 {@code g'} transposed ({@code [o][p]}); flat 0 the sums of one pixel/channel. */
    private final Scratch scratch;

    /**
     * Lowers the input gradient of a conv with int8 weights {@code weight} (the layout of
     * {@link ConvGeom#weightIndex}).
     *
     * @param weightsFixed true when no step updates {@code weight} (it is then read once, here)
     */
    public FastConvInputGrad(byte[] weight, ConvGeom geom, boolean weightsFixed, Scratch scratch) {
        if (weight.length != geom.weightCount()) {
            throw new IllegalArgumentException("weight has length " + weight.length + ", the geometry needs "
                    + geom.weightCount());
        }
        this.weight = weight;
        this.geom = geom;
        this.weightsFixed = weightsFixed;
        this.pointwise = !geom.depthwise() && geom.groups() == 1 && geom.kH() == 1 && geom.kW() == 1
                && geom.strideH() == 1 && geom.strideW() == 1 && geom.padH() == 0 && geom.padW() == 0;
        int pixels = geom.outPositions();
        this.byPixels = pixels >= geom.inC();
        this.wRows = pointwise ? new float[geom.outC()][geom.inC()] : null;
        this.scratch = scratch;
        if (pointwise) {
            if (byPixels) {
                scratch.rows(0, geom.outC(), pixels);
            }
            scratch.floats(0, byPixels ? pixels : geom.inC());
            prepareWeights();
        }
    }

    /** Whether this conv runs a fast path ({@code false}: the reference kernel). */
    public boolean isFast() {
        return pointwise;
    }

    private void prepareWeights() {
        int inC = geom.inC();
        for (int o = 0; o < geom.outC(); o++) {
            for (int ci = 0; ci < inC; ci++) {
                wRows[o][ci] = weight[o * inC + ci];
            }
        }
    }

    /** Runs {@link BackwardKernels#convInputGrad} with this conv's weights and geometry. */
    public void run(byte[] arena, int gOff, int dxOff, boolean accumulate) {
        if (!pointwise) {
            BackwardKernels.convInputGrad(arena, gOff, weight, geom, dxOff, accumulate);
            return;
        }
        int pixels = geom.outPositions();
        int inC = geom.inC();
        int outC = geom.outC();
        long gLen = 4L * pixels * outC;
        long dxLen = 4L * pixels * inC;
        if (gOff < 0 || dxOff < 0 || gOff + gLen > arena.length || dxOff + dxLen > arena.length
                || (gOff < dxOff + dxLen && dxOff < gOff + gLen)) {
            throw new IllegalArgumentException("input gradient: g' at " + gOff + " and dx at " + dxOff
                    + " must be disjoint and inside the arena of " + arena.length + " bytes");
        }
        if (!weightsFixed) {
            prepareWeights();
        }
        if (byPixels) {
            final float[][] gRows = scratch.rows(0, outC, pixels);
            final float[] acc = scratch.floats(0, pixels);
            for (int p = 0, e = gOff; p < pixels; p++) {
                for (int o = 0; o < outC; o++, e += 4) {
                    gRows[o][p] = ArenaAccess.getFloat(arena, e);
                }
            }
            for (int ci = 0; ci < inC; ci++) {
                Arrays.fill(acc, 0, pixels, 0.0f);
                int o = 0;
                for (; o + 4 <= outC; o += 4) { // four terms per pass, added in ascending o as written
                    final float w0 = wRows[o][ci], w1 = wRows[o + 1][ci], w2 = wRows[o + 2][ci];
                    final float w3 = wRows[o + 3][ci];
                    final float[] g0 = gRows[o], g1 = gRows[o + 1], g2 = gRows[o + 2], g3 = gRows[o + 3];
                    for (int p = 0; p < pixels; p++) {
                        acc[p] = (((acc[p] + w0 * g0[p]) + w1 * g1[p]) + w2 * g2[p]) + w3 * g3[p];
                    }
                }
                for (; o < outC; o++) {
                    final float w = wRows[o][ci];
                    final float[] g = gRows[o];
                    for (int p = 0; p < pixels; p++) {
                        acc[p] = acc[p] + w * g[p];
                    }
                }
                for (int p = 0; p < pixels; p++) {
                    put(arena, dxOff + 4 * (p * inC + ci), acc[p], accumulate);
                }
            }
        } else {
            final float[] acc = scratch.floats(0, inC);
            for (int p = 0; p < pixels; p++) {
                Arrays.fill(acc, 0, inC, 0.0f);
                for (int o = 0; o < outC; o++) {
                    final float g = ArenaAccess.getFloat(arena, gOff + 4 * (p * outC + o));
                    final float[] w = wRows[o];
                    for (int ci = 0; ci < inC; ci++) {
                        acc[ci] = acc[ci] + w[ci] * g;
                    }
                }
                for (int ci = 0; ci < inC; ci++) {
                    put(arena, dxOff + 4 * (p * inC + ci), acc[ci], accumulate);
                }
            }
        }
    }

    private static void put(byte[] arena, int off, float v, boolean accumulate) {
        ArenaAccess.putFloat(arena, off, accumulate ? ArenaAccess.getFloat(arena, off) + v : v);
    }
}

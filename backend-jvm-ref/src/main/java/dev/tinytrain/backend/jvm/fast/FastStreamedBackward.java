package dev.tinytrain.backend.jvm.fast;

import dev.tinytrain.backend.jvm.kernels.ArenaAccess;
import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import dev.tinytrain.backend.jvm.kernels.RoundingMode;
import dev.tinytrain.backend.jvm.kernels.StreamedKernels;
import dev.tinytrain.backend.jvm.kernels.StreamedKernels.Region;
import dev.tinytrain.backend.jvm.kernels.StreamedKernels.Update;
import dev.tinytrain.backend.jvm.kernels.UpdateKernels;
import java.util.Arrays;

/**
 * A channel-streamed region lowered once ({@link StreamedKernels#streamedBackward} with its constants): every
 * float sum has the same terms in the same order, from the same {@code +0}, each product with its operands in the
 * reference's order, so the updated parameters, float views, master copies and the expansion's input gradient get
 * the same bits. What differs is where the intermediate values live and which independent elements are computed
 * side by side.
 *
 * <p><b>Channel blocks instead of the region's groups.</b> On the microcontroller the group bounds the planes that
 * exist in the arena; here the planes live in the program's {@link Scratch} (heap arrays, not the arena), so the
 * kernel runs the expanded channels in blocks of up to {@value #BLOCK} and stores a block's planes channel-minor
 * ({@code [position][channel of the block]}): every per-position loop then runs across the block's channels, which
 * are independent sums, and the JIT vectorizes it as it does the whole-tensor kernels ({@code FastConvInputGrad},
 * {@code FastConvWeightGradUpdate}, {@code BackwardKernels#convInputGrad}). Neither the grouping nor the order in
 * which independent elements are computed enters any sum (the numerics argument of {@link StreamedKernels}); the
 * orders that do matter are kept: a weight channel is read (as floats, at the start of its block) before its
 * update, and the expansion's input gradient {@code dx} adds the channels' terms in ascending channel order, block
 * after block. Within a block the steps run phase by phase (all masks, all depthwise input planes, all depthwise
 * updates, ...) instead of channel by channel; the updates are elementwise and stochastic rounding is keyed by the
 * element, so their order changes no bit.
 *
 * <p>The depthwise conv's valid taps are enumerated once, at lowering: for each input row and column the kernel rows
 * and columns that reach an output (ascending), and for each kernel row and column the contiguous range of outputs
 * whose window reads an input; the hot loops then carry no bounds test, division or remainder. Only what the updates
 * read (one channel's weight gradient in the arena's vector) and the input gradient go through the arena; the
 * region's plane scratch in the arena is left as it was (nothing reads it after the region). One thread at a time.
 */
public final class FastStreamedBackward {
    /**
     * At most this many expanded channels are computed side by side (a block's planes are tens of kilobytes of heap
     * for MCU-sized planes; longer loops gain little).
     */
    static final int BLOCK = 128;
    /** The {@link Scratch} rows slot of the per-position rows (slots 0-3 hold the region's planes and weights). */
    static final int ROW_SLOT = 4;

    private final Region r;
    private final Scratch scratch;
    private final int c;
    private final int o;
    private final int p1;
    private final int p2;
    private final int cin;
    private final int k;
    private final int taps;
    private final int block;
    /** Whether each depthwise channel's weight trains (null without a depthwise weight update). */
    private final boolean[] dwTrains;
    /**
     * Depthwise input gradient: the valid kernel rows of input row iy are entries {@code rowFrom[iy] ..
     * rowFrom[iy+1]-1} of {@code rowTap} ({@code kh*KW}) and {@code rowOut} ({@code oy*W2}), kh ascending; the
     * kernel columns of input column ix likewise in {@code colKw}, {@code colOut} ({@code ox}), kw ascending.
     */
    private final int[] rowFrom;
    private final int[] rowTap;
    private final int[] rowOut;
    private final int[] colFrom;
    private final int[] colKw;
    private final int[] colOut;
    /** Depthwise weight gradient: the outputs oy in [oyFrom[kh], oyTo[kh]) read an input row; ox likewise per kw. */
    private final int[] oyFrom;
    private final int[] oyTo;
    private final int[] oxFrom;
    private final int[] oxTo;

    /** Lowers {@code region}; its scratch comes from {@code scratch}. */
    public FastStreamedBackward(Region region, Scratch scratch) {
        this.r = region;
        this.scratch = scratch;
        ConvGeom dw = region.depthwise();
        this.c = dw.inC();
        this.o = region.projOut();
        this.p1 = dw.inH() * dw.inW();
        this.p2 = dw.outPositions();
        this.cin = region.expansion() == null ? 0 : region.expansion().inC();
        Update eu = region.expWeightUpdate();
        this.k = eu == null ? 0 : eu.channels() == null ? cin : eu.channels().length;
        this.taps = dw.kH() * dw.kW();
        int blocks = (c + BLOCK - 1) / BLOCK; // as few blocks as BLOCK allows, as even as 16-channel steps make them
        this.block = Math.min(c, ((c + blocks - 1) / blocks + 15) / 16 * 16);
        Update du = region.dwWeightUpdate();
        if (du == null) {
            this.dwTrains = null;
        } else {
            this.dwTrains = new boolean[c];
            if (du.channels() == null) {
                Arrays.fill(dwTrains, true);
            } else {
                for (int t : du.channels()) {
                    dwTrains[t] = true;
                }
            }
        }
        this.rowFrom = new int[dw.inH() + 1];
        this.colFrom = new int[dw.inW() + 1];
        int[][] rows = validTaps(dw.inH(), dw.kH(), dw.padH(), dw.strideH(), dw.outH(), rowFrom);
        int[][] cols = validTaps(dw.inW(), dw.kW(), dw.padW(), dw.strideW(), dw.outW(), colFrom);
        this.rowTap = rows[0];
        this.rowOut = rows[1];
        for (int i = 0; i < rowTap.length; i++) {
            rowTap[i] *= dw.kW();
            rowOut[i] *= dw.outW();
        }
        this.colKw = cols[0];
        this.colOut = cols[1];
        this.oyFrom = new int[dw.kH()];
        this.oyTo = new int[dw.kH()];
        this.oxFrom = new int[dw.kW()];
        this.oxTo = new int[dw.kW()];
        outputRanges(dw.kH(), dw.outH(), dw.strideH(), dw.padH(), dw.inH(), oyFrom, oyTo);
        outputRanges(dw.kW(), dw.outW(), dw.strideW(), dw.padW(), dw.inW(), oxFrom, oxTo);
    }

    /**
     * For each input coordinate i, the kernel offsets kk (ascending) with {@code t = i + pad - kk} a non-negative
     * multiple of the stride and {@code t / stride < out} -- the test of {@code BackwardKernels#convInputGrad} --
     * as {@code {kk[], t / stride[]}}, those of i at {@code from[i] .. from[i+1]-1}.
     */
    private static int[][] validTaps(int in, int kernel, int pad, int stride, int out, int[] from) {
        int[] kk = new int[in * kernel];
        int[] at = new int[in * kernel];
        int n = 0;
        for (int i = 0; i < in; i++) {
            from[i] = n;
            for (int q = 0; q < kernel; q++) {
                int t = i + pad - q;
                if (t >= 0 && t % stride == 0 && t / stride < out) {
                    kk[n] = q;
                    at[n++] = t / stride;
                }
            }
        }
        from[in] = n;
        return new int[][] {Arrays.copyOf(kk, n), Arrays.copyOf(at, n)};
    }

    /**
     * For each kernel offset kk, the outputs {@code [from, to)} whose input {@code out * stride + kk - pad} lies in
     * {@code [0, in)} (a contiguous range, empty when none does).
     */
    private static void outputRanges(int kernel, int out, int stride, int pad, int in, int[] from, int[] to) {
        for (int q = 0; q < kernel; q++) {
            int lo = 0;
            while (lo < out && lo * stride + q - pad < 0) {
                lo++;
            }
            int hi = lo;
            while (hi < out && hi * stride + q - pad < in) {
                hi++;
            }
            from[q] = lo;
            to[q] = hi;
        }
    }

    /** Runs the region; rates and keys as {@link StreamedKernels#streamedBackward}. */
    public void run(byte[] arena, float dwBiasLr, int dwBiasKey, float dwWeightLr, int dwWeightKey, float expBiasLr,
                    int expBiasKey, float expWeightLr, int expWeightKey) {
        final boolean deep = r.expansion() != null;
        final float[] g = scratch.floats(0, p2 * o);
        final float[] planes = scratch.floats(1, block * p2);
        final float[] planesIn = scratch.floats(2, deep ? block * p1 : 0);
        final float[] dx = scratch.floats(3, p1 * cin);
        final float[] dwX = scratch.floats(4, dwTrains == null ? 0 : p1 * c);
        final float[] expX = scratch.floats(5, p1 * k);
        final float[][] projRows = scratch.rows(0, o, c);
        final float[][] expRows = scratch.rows(1, block, cin);
        final float[][] grads = scratch.rows(2, block, Math.max(taps, k));
        final float[] sums = scratch.rows(3, 1, block)[0];
        for (int i = 0; i < p2 * o; i++) {
            g[i] = ArenaAccess.getFloat(arena, r.gOff() + 4 * i);
        }
        final byte[] pw = r.projWeight();
        for (int q = 0; q < o; q++) {
            final float[] row = projRows[q];
            for (int ch = 0; ch < c; ch++) {
                row[ch] = pw[q * c + ch];
            }
        }
        if (dwTrains != null) {
            for (int i = 0; i < p1 * c; i++) {
                dwX[i] = (float) (arena[r.dwXOff() + i] - r.dwXZero());
            }
        }
        for (int i = 0; i < p1 * k; i++) {
            expX[i] = (float) (arena[r.expXOff() + i] - r.expXZero());
        }
        Arrays.fill(dx, 0, p1 * cin, 0.0f);
        for (int c0 = 0; c0 < c; c0 += block) {
            final int n = Math.min(block, c - c0);
            projectionPlanes(g, projRows, planes, c0, n);
            maskAndScale(arena, r.dwMaskOff(), r.dwEff(), planes, p2, c0, n);
            if (deep) {
                depthwiseInputPlanes(planes, planesIn, c0, n);
            }
            if (r.dwBias() != null) {
                sums(planes, p2, n, sums);
                for (int j = 0; j < n; j++) {
                    updateBias(r.dwBias(), c0 + j, sums[j], dwBiasLr, dwBiasKey);
                }
            }
            if (dwTrains != null && trainsAny(c0, n)) {
                depthwiseWeightGrads(dwX, planes, grads, sums, c0, n);
                Update dwu = r.dwWeightUpdate();
                for (int j = 0; j < n; j++) {
                    if (dwTrains[c0 + j]) {
                        putVector(arena, grads[j], taps);
                        UpdateKernels.updateConvWeightChannel(arena, r.vectorOff(), r.depthwise(), c0 + j, null,
                                r.dwWeight(), dwu.master(), divisor(dwu, c0 + j), dwWeightLr, dwu.mode(),
                                dwWeightKey);
                    }
                }
            }
            if (!deep) {
                continue;
            }
            maskAndScale(arena, r.expMaskOff(), r.expEff(), planesIn, p1, c0, n);
            if (r.dxOff() >= 0) {
                inputGradTerms(dx, planesIn, expRows, c0, n);
            }
            if (r.expBias() != null) {
                sums(planesIn, p1, n, sums);
                for (int j = 0; j < n; j++) {
                    updateBias(r.expBias(), c0 + j, sums[j], expBiasLr, expBiasKey);
                }
            }
            Update eu = r.expWeightUpdate();
            if (eu != null) {
                expansionWeightGrads(expX, planesIn, grads, n);
                for (int j = 0; j < n; j++) {
                    putVector(arena, grads[j], k);
                    UpdateKernels.updateConvWeightChannel(arena, r.vectorOff(), r.expansion(), c0 + j, eu.channels(),
                            r.expWeight(), eu.master(), divisor(eu, c0 + j), expWeightLr, eu.mode(), expWeightKey);
                }
            }
        }
        if (r.dxOff() >= 0) {
            for (int i = 0; i < p1 * cin; i++) {
                ArenaAccess.putFloat(arena, r.dxOff() + 4 * i, dx[i]);
            }
        }
    }

    /**
     * (1) {@code plane[p][j] = sum over o ascending of W[o, c0+j] * g'[p, o]}, from +0: the block's channels side by
     * side, two positions and four terms per pass (still added one after the other in ascending o). The block's
     * weight columns are copied to rows of their own and each position's sums run in a row of their own (rows slot
     * {@value #ROW_SLOT}), copied into {@code planes} when done: C2 (JDK 17) does not vectorize a loop that indexes
     * an array at an invariant offset.
     */
    private void projectionPlanes(float[] g, float[][] projRows, float[] planes, int c0, int n) {
        final float[][] wb = scratch.rows(ROW_SLOT, o + 2, n);
        for (int q = 0; q < o; q++) {
            System.arraycopy(projRows[q], c0, wb[q], 0, n);
        }
        final float[] pa = wb[o], pb = wb[o + 1];
        int p = 0;
        for (; p + 2 <= p2; p += 2) { // two positions per pass: each weight load serves both
            final int gp = p * o, gq = gp + o;
            Arrays.fill(pa, 0, n, 0.0f);
            Arrays.fill(pb, 0, n, 0.0f);
            int q = 0;
            for (; q + 4 <= o; q += 4) {
                final float g0 = g[gp + q], g1 = g[gp + q + 1], g2 = g[gp + q + 2], g3 = g[gp + q + 3];
                final float h0 = g[gq + q], h1 = g[gq + q + 1], h2 = g[gq + q + 2], h3 = g[gq + q + 3];
                final float[] w0 = wb[q], w1 = wb[q + 1], w2 = wb[q + 2], w3 = wb[q + 3];
                for (int j = 0; j < n; j++) {
                    final float v0 = w0[j], v1 = w1[j], v2 = w2[j], v3 = w3[j];
                    pa[j] = (((pa[j] + v0 * g0) + v1 * g1) + v2 * g2) + v3 * g3;
                    pb[j] = (((pb[j] + v0 * h0) + v1 * h1) + v2 * h2) + v3 * h3;
                }
            }
            for (; q < o; q++) {
                final float gv = g[gp + q], hv = g[gq + q];
                final float[] w = wb[q];
                for (int j = 0; j < n; j++) {
                    pa[j] = pa[j] + w[j] * gv;
                    pb[j] = pb[j] + w[j] * hv;
                }
            }
            System.arraycopy(pa, 0, planes, p * n, n);
            System.arraycopy(pb, 0, planes, (p + 1) * n, n);
        }
        for (; p < p2; p++) {
            final int gp = p * o;
            Arrays.fill(pa, 0, n, 0.0f);
            int q = 0;
            for (; q + 4 <= o; q += 4) {
                addFour(pa, wb[q], g[gp + q], wb[q + 1], g[gp + q + 1], wb[q + 2], g[gp + q + 2], wb[q + 3],
                        g[gp + q + 3], n);
            }
            for (; q < o; q++) {
                addOne(pa, wb[q], g[gp + q], n);
            }
            System.arraycopy(pa, 0, planes, p * n, n);
        }
    }

    /**
     * (2), (6) {@code plane[p][j] = bit(p*C + c0+j) ? plane[p][j] * eff[c0+j] : +0}, without a branch (a clamp mask's
     * bits are as good as random, a branch on them mispredicts half the time): the product's bits ANDed with all ones
     * or with zero, the bits of +0.
     */
    private void maskAndScale(byte[] arena, int maskOff, float[] eff, float[] plane, int positions, int c0, int n) {
        for (int p = 0; p < positions; p++) {
            final int at = p * n;
            final int bit0 = p * c + c0;
            for (int j = 0; j < n; j++) {
                final int bit = bit0 + j;
                final int keep = -((arena[maskOff + (bit >>> 3)] >> (bit & 7)) & 1);
                plane[at + j] = Float.intBitsToFloat(Float.floatToRawIntBits(plane[at + j] * eff[c0 + j]) & keep);
            }
        }
    }

    /**
     * (3) The depthwise input gradient of the block: {@code in[iy, ix][j] = sum over the valid taps, kh then kw
     * ascending, of W[kh, kw, c0+j] * plane[oy, ox][j]}, from +0 (the block's taps as floats first).
     */
    private void depthwiseInputPlanes(float[] planes, float[] planesIn, int c0, int n) {
        // the taps' weights, the sums of one input position and the plane row of one output in rows of their own,
        // see (1)
        final float[][] t = scratch.rows(ROW_SLOT, taps + 2, n);
        final byte[] w = r.dwWeight();
        for (int tap = 0; tap < taps; tap++) {
            final float[] row = t[tap];
            for (int j = 0; j < n; j++) {
                row[j] = w[tap * c + c0 + j];
            }
        }
        final float[] acc = t[taps], src = t[taps + 1];
        final int inW = r.depthwise().inW();
        for (int iy = 0, d = 0; iy < r.depthwise().inH(); iy++) {
            final int aFrom = rowFrom[iy], aTo = rowFrom[iy + 1];
            for (int ix = 0; ix < inW; ix++, d += n) {
                Arrays.fill(acc, 0, n, 0.0f);
                final int bFrom = colFrom[ix], bTo = colFrom[ix + 1];
                for (int a = aFrom; a < aTo; a++) {
                    for (int b = bFrom; b < bTo; b++) {
                        final float[] wt = t[rowTap[a] + colKw[b]];
                        System.arraycopy(planes, (rowOut[a] + colOut[b]) * n, src, 0, n);
                        for (int j = 0; j < n; j++) {
                            acc[j] = acc[j] + wt[j] * src[j];
                        }
                    }
                }
                System.arraycopy(acc, 0, planesIn, d, n);
            }
        }
    }

    /**
     * (5) The depthwise weight gradients of the block: {@code grads[j][kh*KW + kw] = sum over the output positions
     * ascending of (x[iy, ix, c0+j] - zero) * plane[oy, ox][j]}, the block's channels side by side.
     */
    private void depthwiseWeightGrads(float[] dwX, float[] planes, float[][] grads, float[] acc, int c0, int n) {
        final ConvGeom gm = r.depthwise();
        final int kW = gm.kW(), inW = gm.inW(), outW = gm.outW(), sH = gm.strideH(), sW = gm.strideW();
        for (int kh = 0; kh < gm.kH(); kh++) {
            for (int kw = 0; kw < kW; kw++) {
                Arrays.fill(acc, 0, n, 0.0f);
                for (int oy = oyFrom[kh]; oy < oyTo[kh]; oy++) {
                    final int iy = oy * sH + kh - gm.padH();
                    for (int ox = oxFrom[kw]; ox < oxTo[kw]; ox++) {
                        final int xb = (iy * inW + ox * sW + kw - gm.padW()) * c + c0;
                        final int pb = (oy * outW + ox) * n;
                        for (int j = 0; j < n; j++) {
                            acc[j] = acc[j] + dwX[xb + j] * planes[pb + j];
                        }
                    }
                }
                final int t = kh * kW + kw;
                for (int j = 0; j < n; j++) {
                    grads[j][t] = acc[j];
                }
            }
        }
    }

    /**
     * (7) dx[p, i] = (((dx + W[c0, i] * in[p][0]) + W[c0+1, i] * in[p][1]) + ...), the block's channels ascending,
     * four per load and store of dx (the block's weight rows as floats first).
     */
    private void inputGradTerms(float[] dx, float[] planesIn, float[][] rows, int c0, int n) {
        final byte[] w = r.expWeight();
        for (int j = 0; j < n; j++) {
            final float[] row = rows[j];
            for (int i = 0; i < cin; i++) {
                row[i] = w[(c0 + j) * cin + i];
            }
        }
        final float[] d = scratch.rows(ROW_SLOT, 1, cin)[0]; // one position's dx in a row of its own, see (1)
        for (int p = 0; p < p1; p++) {
            final int base = p * cin;
            final int at = p * n;
            System.arraycopy(dx, base, d, 0, cin);
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                addFour(d, rows[j], planesIn[at + j], rows[j + 1], planesIn[at + j + 1], rows[j + 2],
                        planesIn[at + j + 2], rows[j + 3], planesIn[at + j + 3], cin);
            }
            for (; j < n; j++) {
                addOne(d, rows[j], planesIn[at + j], cin);
            }
            System.arraycopy(d, 0, dx, base, cin);
        }
    }

    /**
     * (9) The expansion weight gradients of the block: {@code grads[j][jj] = sum over p ascending of
     * (x[p, jj] - zero) * in[p][j]} for the k saved input channels, the block's channels side by side.
     */
    private void expansionWeightGrads(float[] expX, float[] planesIn, float[][] grads, int n) {
        // acc rows [jj][j] and four positions' planes in rows of their own, see (1); each (jj, j) still sums its
        // terms in ascending p from +0
        final float[][] t = scratch.rows(ROW_SLOT, k + 4, n);
        final float[] r0 = t[k], r1 = t[k + 1], r2 = t[k + 2], r3 = t[k + 3];
        for (int jj = 0; jj < k; jj++) {
            Arrays.fill(t[jj], 0, n, 0.0f);
        }
        int p = 0;
        for (; p + 4 <= p1; p += 4) { // four terms per load and store of an acc row
            System.arraycopy(planesIn, p * n, r0, 0, n);
            System.arraycopy(planesIn, (p + 1) * n, r1, 0, n);
            System.arraycopy(planesIn, (p + 2) * n, r2, 0, n);
            System.arraycopy(planesIn, (p + 3) * n, r3, 0, n);
            for (int jj = 0; jj < k; jj++) {
                addFour(t[jj], r0, expX[p * k + jj], r1, expX[(p + 1) * k + jj], r2, expX[(p + 2) * k + jj], r3,
                        expX[(p + 3) * k + jj], n);
            }
        }
        for (; p < p1; p++) {
            System.arraycopy(planesIn, p * n, r0, 0, n);
            for (int jj = 0; jj < k; jj++) {
                addOne(t[jj], r0, expX[p * k + jj], n);
            }
        }
        for (int jj = 0; jj < k; jj++) {
            final float[] a = t[jj];
            for (int j = 0; j < n; j++) {
                grads[j][jj] = a[j];
            }
        }
    }

    /**
     * {@code acc[i] = (((acc[i] + r0[i] * s0) + r1[i] * s1) + r2[i] * s2) + r3[i] * s3} for {@code i < n}: four
     * terms added one after the other per load and store of {@code acc}, every array indexed from 0 so that the JIT
     * vectorizes it (a product's bits do not depend on its operands' order).
     */
    private static void addFour(float[] acc, float[] r0, float s0, float[] r1, float s1, float[] r2, float s2,
                                float[] r3, float s3, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = (((acc[i] + r0[i] * s0) + r1[i] * s1) + r2[i] * s2) + r3[i] * s3;
        }
    }

    /** {@code acc[i] = acc[i] + r[i] * s} for {@code i < n}. */
    private static void addOne(float[] acc, float[] r, float s, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] = acc[i] + r[i] * s;
        }
    }

    /** (4), (8) {@code sums[j] = sum over p ascending of plane[p][j]}, from +0. */
    private static void sums(float[] plane, int positions, int n, float[] sums) {
        Arrays.fill(sums, 0, n, 0.0f);
        for (int p = 0; p < positions; p++) {
            final int at = p * n;
            for (int j = 0; j < n; j++) {
                sums[j] = sums[j] + plane[at + j];
            }
        }
    }

    private boolean trainsAny(int c0, int n) {
        for (int j = 0; j < n; j++) {
            if (dwTrains[c0 + j]) {
                return true;
            }
        }
        return false;
    }

    /** One channel's weight gradient into the arena's vector, where {@link UpdateKernels} reads it. */
    private void putVector(byte[] arena, float[] grad, int count) {
        for (int i = 0; i < count; i++) {
            ArenaAccess.putFloat(arena, r.vectorOff() + 4 * i, grad[i]);
        }
    }

    private static void updateBias(Update u, int ch, float grad, float lr, int key) {
        UpdateKernels.updateBiasChannel(grad, ch, u.bias(), u.master(), divisor(u, ch), lr, u.mode(), key);
        u.view()[ch] = u.mode() == RoundingMode.FLOAT_MASTER ? u.master()[ch] : (float) u.bias()[ch];
    }

    private static float divisor(Update u, int ch) {
        return u.qasDivisors() == null ? 1.0f : u.qasDivisors()[ch];
    }
}

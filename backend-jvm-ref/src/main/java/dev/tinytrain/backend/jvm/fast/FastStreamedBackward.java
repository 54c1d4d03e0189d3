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
 * A channel-streamed region lowered once ({@link StreamedKernels#streamedBackward} with its constants): the same
 * steps in the same order, every sum with the same terms in the same order, so the updated parameters, float views,
 * master copies and the expansion's input gradient get the same bits; but g', the saved inputs (minus their zero
 * points), the planes, the weight columns and rows and {@code dx} live in float arrays of the program's
 * {@link Scratch} instead of being read and written through the arena element by element. Only what the updates
 * read (one channel's weight gradient in the arena's vector) and the input gradient go through the arena; the
 * region's plane scratch in the arena is left as it was (nothing reads it after the region). One thread at a time.
 */
public final class FastStreamedBackward {
    private final Region r;
    private final Scratch scratch;
    private final int c;
    private final int o;
    private final int p1;
    private final int p2;
    private final int cin;
    private final int k;

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
    }

    /** Runs the region; rates and keys as {@link StreamedKernels#streamedBackward}. */
    public void run(byte[] arena, float dwBiasLr, int dwBiasKey, float dwWeightLr, int dwWeightKey, float expBiasLr,
                    int expBiasKey, float expWeightLr, int expWeightKey) {
        final int group = r.group();
        final float[][] gT = scratch.rows(2, o, p2); // g' transposed: one row of positions per output channel
        final float[] planes = scratch.floats(1, group * p2);
        final float[] planesIn = scratch.floats(2, group * p1);
        final float[] dx = scratch.floats(3, p1 * cin);
        final float[] dwX = scratch.floats(4, r.dwWeightUpdate() == null ? 0 : p1 * c);
        final float[] expX = scratch.floats(5, p1 * k);
        final float[][] rows = scratch.rows(0, group, Math.max(o, cin));
        for (int p = 0, e = r.gOff(); p < p2; p++) {
            for (int q = 0; q < o; q++, e += 4) {
                gT[q][p] = ArenaAccess.getFloat(arena, e);
            }
        }
        if (r.dwWeightUpdate() != null) {
            for (int i = 0; i < p1 * c; i++) {
                dwX[i] = (float) (arena[r.dwXOff() + i] - r.dwXZero());
            }
        }
        for (int i = 0; i < p1 * k; i++) {
            expX[i] = (float) (arena[r.expXOff() + i] - r.expXZero());
        }
        Arrays.fill(dx, 0, p1 * cin, 0.0f);
        for (int c0 = 0; c0 < c; c0 += group) {
            final int n = Math.min(group, c - c0);
            projectionPlanes(gT, planes, rows, c0, n);
            for (int j = 0; j < n; j++) {
                final int ch = c0 + j;
                maskAndScale(arena, planes, j * p2, p2, r.dwMaskOff(), ch, r.dwEff()[ch]);
                if (r.expansion() != null) {
                    depthwiseInputPlane(planes, j * p2, planesIn, j * p1, ch);
                }
                if (r.dwBias() != null) {
                    updateBias(r.dwBias(), ch, sum(planes, j * p2, p2), dwBiasLr, dwBiasKey);
                }
                Update dwu = r.dwWeightUpdate();
                if (dwu != null && trains(dwu, ch)) {
                    depthwiseWeightGrad(arena, dwX, planes, j * p2, ch);
                    UpdateKernels.updateConvWeightChannel(arena, r.vectorOff(), r.depthwise(), ch, null, r.dwWeight(),
                            dwu.master(), divisor(dwu, ch), dwWeightLr, dwu.mode(), dwWeightKey);
                }
                if (r.expansion() != null) {
                    maskAndScale(arena, planesIn, j * p1, p1, r.expMaskOff(), ch, r.expEff()[ch]);
                }
            }
            if (r.expansion() == null) {
                continue;
            }
            if (r.dxOff() >= 0) {
                inputGradTerms(dx, planesIn, rows, c0, n);
            }
            if (r.expBias() != null) {
                for (int j = 0; j < n; j++) {
                    updateBias(r.expBias(), c0 + j, sum(planesIn, j * p1, p1), expBiasLr, expBiasKey);
                }
            }
            Update eu = r.expWeightUpdate();
            if (eu != null) {
                expansionWeightGrads(arena, expX, planesIn, n);
                for (int j = 0; j < n; j++) {
                    UpdateKernels.updateConvWeightChannel(arena, r.vectorOff() + 4 * j * k, r.expansion(), c0 + j,
                            eu.channels(), r.expWeight(), eu.master(), divisor(eu, c0 + j), expWeightLr, eu.mode(),
                            expWeightKey);
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
     * (1) plane_j[p] = sum over o ascending of column_j[o] * g'[p, o], from +0: the positions' sums side by side (one
     * vector loop over the positions per term), each in ascending o.
     */
    private void projectionPlanes(float[][] gT, float[] planes, float[][] cols, int c0, int n) {
        for (int j = 0; j < n; j++) {
            float[] col = cols[j];
            for (int q = 0; q < o; q++) {
                col[q] = r.projWeight()[q * c + c0 + j];
            }
        }
        Arrays.fill(planes, 0, n * p2, 0.0f);
        int j = 0;
        for (; j + 4 <= n; j += 4) { // four planes per pass over g' (each element's terms still in ascending o)
            final int a0 = j * p2, a1 = a0 + p2, a2 = a1 + p2, a3 = a2 + p2;
            final float[] c0r = cols[j], c1r = cols[j + 1], c2r = cols[j + 2], c3r = cols[j + 3];
            for (int q = 0; q < o; q++) {
                final float w0 = c0r[q], w1 = c1r[q], w2 = c2r[q], w3 = c3r[q];
                final float[] gr = gT[q];
                for (int p = 0; p < p2; p++) {
                    final float gv = gr[p];
                    planes[a0 + p] = planes[a0 + p] + w0 * gv;
                    planes[a1 + p] = planes[a1 + p] + w1 * gv;
                    planes[a2 + p] = planes[a2 + p] + w2 * gv;
                    planes[a3 + p] = planes[a3 + p] + w3 * gv;
                }
            }
        }
        for (; j < n; j++) {
            final int at = j * p2;
            final float[] col = cols[j];
            for (int q = 0; q < o; q++) {
                final float w = col[q];
                final float[] gr = gT[q];
                for (int p = 0; p < p2; p++) {
                    planes[at + p] = planes[at + p] + w * gr[p];
                }
            }
        }
    }

    private void maskAndScale(byte[] arena, float[] plane, int at, int count, int maskOff, int ch, float eff) {
        for (int p = 0; p < count; p++) {
            plane[at + p] = ArenaAccess.getMaskBit(arena, maskOff, p * c + ch) ? plane[at + p] * eff : 0.0f;
        }
    }

    /** (3) The depthwise input gradient of channel ch, the valid taps kh then kw ascending. */
    private void depthwiseInputPlane(float[] planes, int at, float[] planesIn, int to, int ch) {
        final ConvGeom gm = r.depthwise();
        final int kW = gm.kW(), outW = gm.outW(), sH = gm.strideH(), sW = gm.strideW();
        final float[] taps = scratchTaps(gm, ch);
        for (int iy = 0; iy < gm.inH(); iy++) {
            for (int ix = 0; ix < gm.inW(); ix++) {
                float acc = 0.0f;
                for (int kh = 0; kh < gm.kH(); kh++) {
                    int ty = iy + gm.padH() - kh;
                    if (ty < 0 || ty % sH != 0 || ty / sH >= gm.outH()) {
                        continue;
                    }
                    int row = at + (ty / sH) * outW;
                    for (int kw = 0; kw < kW; kw++) {
                        int tx = ix + gm.padW() - kw;
                        if (tx < 0 || tx % sW != 0 || tx / sW >= outW) {
                            continue;
                        }
                        acc = acc + taps[kh * kW + kw] * planes[row + tx / sW];
                    }
                }
                planesIn[to + iy * gm.inW() + ix] = acc;
            }
        }
    }

    /** The depthwise weight's taps of channel ch as floats (row slot 1 of the scratch). */
    private float[] scratchTaps(ConvGeom gm, int ch) {
        int taps = gm.kH() * gm.kW();
        float[] t = scratch.rows(1, 1, taps)[0];
        for (int i = 0; i < taps; i++) {
            t[i] = r.dwWeight()[i * c + ch];
        }
        return t;
    }

    /** (5) The depthwise weight gradient of ch into the arena's vector, output positions ascending per tap. */
    private void depthwiseWeightGrad(byte[] arena, float[] dwX, float[] planes, int at, int ch) {
        final ConvGeom gm = r.depthwise();
        for (int kh = 0; kh < gm.kH(); kh++) {
            for (int kw = 0; kw < gm.kW(); kw++) {
                float acc = 0.0f;
                for (int oy = 0; oy < gm.outH(); oy++) {
                    int iy = oy * gm.strideH() + kh - gm.padH();
                    if (iy < 0 || iy >= gm.inH()) {
                        continue;
                    }
                    for (int ox = 0; ox < gm.outW(); ox++) {
                        int ix = ox * gm.strideW() + kw - gm.padW();
                        if (ix < 0 || ix >= gm.inW()) {
                            continue;
                        }
                        acc = acc + dwX[(iy * gm.inW() + ix) * c + ch] * planes[at + oy * gm.outW() + ox];
                    }
                }
                ArenaAccess.putFloat(arena, r.vectorOff() + 4 * (kh * gm.kW() + kw), acc);
            }
        }
    }

    /** (7) dx[p, i] = (((dx + row_0[i] * in_0[p]) + row_1[i] * in_1[p]) + ...), the group's channels ascending. */
    private void inputGradTerms(float[] dx, float[] planesIn, float[][] rows, int c0, int n) {
        for (int j = 0; j < n; j++) {
            float[] row = rows[j];
            for (int i = 0; i < cin; i++) {
                row[i] = r.expWeight()[(c0 + j) * cin + i];
            }
        }
        for (int p = 0; p < p1; p++) {
            final int base = p * cin;
            if (n == 4) { // one load and store of dx per four terms, added in channel order
                final float g0 = planesIn[p], g1 = planesIn[p1 + p], g2 = planesIn[2 * p1 + p];
                final float g3 = planesIn[3 * p1 + p];
                final float[] r0 = rows[0], r1 = rows[1], r2 = rows[2], r3 = rows[3];
                for (int i = 0; i < cin; i++) {
                    dx[base + i] = (((dx[base + i] + r0[i] * g0) + r1[i] * g1) + r2[i] * g2) + r3[i] * g3;
                }
                continue;
            }
            for (int j = 0; j < n; j++) {
                final float gv = planesIn[j * p1 + p];
                final float[] row = rows[j];
                for (int i = 0; i < cin; i++) { // independent elements: a vector loop, each sum in channel order
                    dx[base + i] = dx[base + i] + row[i] * gv;
                }
            }
        }
    }

    /**
     * (9) The expansion weight gradients of the group into the arena's vector ({@code [n][k]}): the k sums of a
     * channel side by side (one vector loop over the saved channels per position), each over the positions ascending.
     */
    private void expansionWeightGrads(byte[] arena, float[] expX, float[] planesIn, int n) {
        final float[] acc = scratch.rows(1, 1, k)[0];
        for (int j = 0; j < n; j++) {
            Arrays.fill(acc, 0, k, 0.0f);
            for (int p = 0; p < p1; p++) {
                final float gv = planesIn[j * p1 + p];
                final int base = p * k;
                for (int jj = 0; jj < k; jj++) {
                    acc[jj] = acc[jj] + expX[base + jj] * gv;
                }
            }
            for (int jj = 0; jj < k; jj++) {
                ArenaAccess.putFloat(arena, r.vectorOff() + 4 * (j * k + jj), acc[jj]);
            }
        }
    }

    private static float sum(float[] plane, int at, int count) {
        float acc = 0.0f;
        for (int p = 0; p < count; p++) {
            acc = acc + plane[at + p];
        }
        return acc;
    }

    private static void updateBias(Update u, int ch, float grad, float lr, int key) {
        UpdateKernels.updateBiasChannel(grad, ch, u.bias(), u.master(), divisor(u, ch), lr, u.mode(), key);
        u.view()[ch] = u.mode() == RoundingMode.FLOAT_MASTER ? u.master()[ch] : (float) u.bias()[ch];
    }

    private static float divisor(Update u, int ch) {
        return u.qasDivisors() == null ? 1.0f : u.qasDivisors()[ch];
    }

    private static boolean trains(Update u, int ch) {
        if (u.channels() == null) {
            return true;
        }
        for (int t : u.channels()) {
            if (t == ch) {
                return true;
            }
        }
        return false;
    }
}

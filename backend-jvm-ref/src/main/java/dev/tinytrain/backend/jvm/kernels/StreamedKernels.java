package dev.tinytrain.backend.jvm.kernels;

import dev.tinytrain.backend.jvm.kernels.BackwardKernels.ConvGeom;
import java.util.Objects;

/**
 * The channel-streamed backward of one inverted-residual block ({@code StreamedBackward} of compiler-ir): the
 * projection's input gradient, the depthwise and expansion masks and scales, the depthwise input gradient, the
 * expansion's input gradient and the fused bias and weight updates of both convs, run channel by channel of the
 * expanded tensor so that only one or two H x W planes of float gradient exist at a time.
 *
 * <p><b>Numerics: the same bits as the unstreamed kernels.</b> Every float sum has the terms and the order of the
 * whole-tensor reference it replaces: a projection input-gradient element sums over the projection's output
 * channels ascending ({@link BackwardKernels#convInputGrad} of a 1x1 conv), a depthwise input-gradient element over
 * the valid taps, kh then kw ascending, a bias gradient over the positions ascending
 * ({@link BackwardKernels#convBiasGradChannel}), a weight-gradient element over the output positions ascending
 * ({@link BackwardKernels#convWeightGradChannel}); each from {@code +0}, each product rounded, then added. The
 * expansion's input gradient {@code dx[p, i] = sum over c ascending of W[c, i] * g'[p, c]} is the one sum that runs
 * across the streamed channels: it is accumulated in memory, channel after channel in ascending order, starting
 * from {@code +0} -- the reference's order exactly (an accumulator in memory rounds like one in a register:
 * float32 in Java, {@code -ffp-contract=off} in C). The updates are elementwise (stochastic rounding is keyed by the
 * element, {@link CounterRng}), so applying them channel by channel changes nothing; each weight channel is read for
 * an input gradient before its own update writes it, and the projection weight is not updated here (its update runs
 * after the region, as it ran after its input gradient).
 *
 * <p>The expanded channels run in groups of {@code group} (the last one may be smaller), in increasing order. For a
 * group: (1) its projection weight columns as floats into the vector ({@code [g][O]}), and each channel's plane
 * plane_c[p] = sum_o column_c[o] * g'[p, o]. Then for each channel c of the group, in increasing order: (2)
 * plane_c[p] = mask_dw(p, c) ? plane_c[p] * effDw[c] : +0; (3, deep) the depthwise weight's taps of c as floats into
 * the vector, and the depthwise input-gradient plane of c into the group's slot of the input planes; (4) the
 * depthwise bias update of c from sum_p plane_c[p]; (5) when c trains, the depthwise weight gradient of c into the
 * vector and its update; (6, deep) the expansion's mask and scale on c's input plane. Then, for the group (deep
 * only): (7) the group's expansion weight rows as floats into the vector ({@code [g][Cin]}), and dx[p, i] =
 * (((dx + row_c0[i] * in_c0[p]) + row_c1[i] * in_c1[p]) + ...), one load and store of dx per group; (8) the
 * expansion bias update of each channel; (9) the expansion weight gradients of the group's channels (their trained
 * input channels) into the vector ({@code [g][k]}), then each channel's update.
 */
public final class StreamedKernels {
    private StreamedKernels() {
    }

    /**
     * How one parameter of the region updates (the constant part; the learning rate and the stochastic-rounding key
     * change step by step and are arguments of {@link #streamedBackward}).
     *
     * @param bias the int32 bias (bias updates), or null for a weight
     * @param view the bias's float32 view the forward adds (refreshed after each channel), or null for a weight
     * @param master the float32 master copy (FLOAT_MASTER), else null
     * @param qasDivisors per-output-channel QAS divisors, or null for none
     * @param channels the trained channels (depthwise: channels; expansion: input channels), or null for all
     * @param mode the rounding mode
     */
    public record Update(int[] bias, float[] view, float[] master, float[] qasDivisors, int[] channels,
                         RoundingMode mode) {

        /** Checks the mode and the master copy. */
        public Update {
            Objects.requireNonNull(mode, "mode");
            if (mode == RoundingMode.FLOAT_MASTER && master == null) {
                throw new IllegalArgumentException("FLOAT_MASTER needs a float master array");
            }
            if ((bias == null) != (view == null)) {
                throw new IllegalArgumentException("a bias update needs the bias and its float view");
            }
        }

        /** Whether channel {@code c} is among the trained ones. */
        boolean trains(int c) {
            if (channels == null) {
                return true;
            }
            for (int t : channels) {
                if (t == c) {
                    return true;
                }
            }
            return false;
        }

        float divisor(int c) {
            return qasDivisors == null ? 1.0f : qasDivisors[c];
        }
    }

    /**
     * The constants of one region: geometry, arena offsets, scales, parameter storage and updates (null for a part
     * the region does not have).
     *
     * @param projOut the projection's output channels O
     * @param gOff g' at the projection's accumulator ({@code [H2][W2][O]} floats)
     * @param projWeight the projection weight {@code [O][1][1][C]}
     * @param depthwise the depthwise conv's geometry ({@code H1 x W1 x C} to {@code H2 x W2 x C})
     * @param dwMaskOff the depthwise clamp mask
     * @param dwEff the depthwise effective scales
     * @param dwWeight the depthwise weight {@code [1][KH][KW][C]}
     * @param dwBias the depthwise bias's update, or null
     * @param dwWeightUpdate the depthwise weight's update, or null
     * @param dwXOff the depthwise conv's saved int8 input ({@code [H1][W1][C]}), -1 without a weight update
     * @param dwXZero its zero point
     * @param expansion the expansion's geometry ({@code H1 x W1 x Cin} to {@code H1 x W1 x C}), or null when the
     *     region stops at the depthwise output
     * @param expMaskOff the expansion's clamp mask
     * @param expEff the expansion's effective scales
     * @param expWeight the expansion weight {@code [C][1][1][Cin]}
     * @param expBias the expansion bias's update, or null
     * @param expWeightUpdate the expansion weight's update, or null
     * @param expXOff the expansion's saved int8 input, its trained channels ({@code [H1][W1][K]}), -1 without
     * @param expXZero its zero point
     * @param dxOff the expansion's input gradient ({@code [H1][W1][Cin]} floats), -1 without
     * @param planeOff the depthwise-output planes of a group ({@code group*H2*W2} floats)
     * @param planeInOff the depthwise-input planes of a group ({@code group*H1*W1} floats), -1 when not deep
     * @param vectorOff the channel vector ({@code max(group*O, KH*KW, group*Cin)} floats)
     * @param group the channels streamed together: a group's planes are kept so that each {@code g'} and {@code dx}
     *     element is loaded once per group; every sum still adds its terms one after the other in the reference's
     *     order
     */
    public record Region(int projOut, int gOff, byte[] projWeight, ConvGeom depthwise, int dwMaskOff, float[] dwEff,
                         byte[] dwWeight, Update dwBias, Update dwWeightUpdate, int dwXOff, int dwXZero,
                         ConvGeom expansion, int expMaskOff, float[] expEff, byte[] expWeight, Update expBias,
                         Update expWeightUpdate, int expXOff, int expXZero, int dxOff, int planeOff, int planeInOff,
                         int vectorOff, int group) {

        /** Checks that the parts fit together. */
        public Region {
            if (group < 1) {
                throw new IllegalArgumentException("group must be >= 1, got " + group);
            }
            if (!depthwise.depthwise()) {
                throw new IllegalArgumentException("the region's middle conv must be depthwise");
            }
            if (projWeight.length != projOut * depthwise.outC() || dwEff.length != depthwise.outC()) {
                throw new IllegalArgumentException("projection weight or depthwise scales do not match "
                        + depthwise.outC() + " channels");
            }
            if ((dwWeightUpdate != null) != (dwXOff >= 0)) {
                throw new IllegalArgumentException("a depthwise weight update needs the saved input");
            }
            if (expansion != null) {
                if (expansion.kH() != 1 || expansion.kW() != 1 || expansion.strideH() != 1 || expansion.padH() != 0
                        || expansion.groups() != 1 || expansion.outC() != depthwise.inC()
                        || expansion.inH() != depthwise.inH() || expansion.inW() != depthwise.inW()) {
                    throw new IllegalArgumentException("the expansion must be a 1x1 stride-1 conv to the depthwise "
                            + "conv's input");
                }
                if ((expWeightUpdate != null) != (expXOff >= 0) || planeInOff < 0) {
                    throw new IllegalArgumentException("an expansion weight update needs the saved input, a deep "
                            + "region its input plane");
                }
            } else if (expBias != null || expWeightUpdate != null || dxOff >= 0) {
                throw new IllegalArgumentException("a region without an expansion has no expansion parts");
            }
        }
    }

    /**
     * Runs one region (see the class comment for the order of the steps and why the results are those of the
     * unstreamed kernels). The learning rates and stochastic-rounding keys belong to the depthwise bias, depthwise
     * weight, expansion bias and expansion weight updates, in this order (ignored for a part the region lacks).
     */
    public static void streamedBackward(byte[] arena, Region r, float dwBiasLr, int dwBiasKey, float dwWeightLr,
                                        int dwWeightKey, float expBiasLr, int expBiasKey, float expWeightLr,
                                        int expWeightKey) {
        final ConvGeom dw = r.depthwise();
        final int c = dw.inC();
        final int p2 = dw.outH() * dw.outW();
        final int p1 = dw.inH() * dw.inW();
        final ConvGeom exp = r.expansion();
        final int cin = exp == null ? 0 : exp.inC();
        final Update eu = r.expWeightUpdate();
        final int k = eu == null ? 0 : eu.channels() == null ? cin : eu.channels().length;
        if (r.dxOff() >= 0) {
            for (int i = 0; i < p1 * cin; i++) {
                ArenaAccess.putFloat(arena, r.dxOff() + 4 * i, 0.0f);
            }
        }
        for (int c0 = 0; c0 < c; c0 += r.group()) {
            final int g = Math.min(r.group(), c - c0);
            projectionPlanes(arena, r, c0, g);
            for (int j = 0; j < g; j++) {
                final int ch = c0 + j;
                final int plane = r.planeOff() + 4 * j * p2;
                final int planeIn = r.planeInOff() + 4 * j * p1;
                maskAndScale(arena, plane, r.dwMaskOff(), ch, c, r.dwEff()[ch], p2);
                if (exp != null) {
                    depthwiseInputPlane(arena, r, ch, plane, planeIn);
                }
                if (r.dwBias() != null) {
                    updateBias(r.dwBias(), ch, planeSum(arena, plane, p2), dwBiasLr, dwBiasKey);
                }
                Update dwu = r.dwWeightUpdate();
                if (dwu != null && dwu.trains(ch)) {
                    depthwiseWeightGrad(arena, r, ch, plane);
                    UpdateKernels.updateConvWeightChannel(arena, r.vectorOff(), dw, ch, null, r.dwWeight(),
                            dwu.master(), dwu.divisor(ch), dwWeightLr, dwu.mode(), dwWeightKey);
                }
                if (exp != null) {
                    maskAndScale(arena, planeIn, r.expMaskOff(), ch, c, r.expEff()[ch], p1);
                }
            }
            if (exp == null) {
                continue;
            }
            if (r.dxOff() >= 0) {
                inputGradTerms(arena, r, c0, g, cin, p1);
            }
            for (int j = 0; j < g; j++) {
                if (r.expBias() != null) {
                    updateBias(r.expBias(), c0 + j, planeSum(arena, r.planeInOff() + 4 * j * p1, p1), expBiasLr,
                            expBiasKey);
                }
            }
            if (eu != null) {
                expansionWeightGrads(arena, r, g, k, p1);
                for (int j = 0; j < g; j++) {
                    UpdateKernels.updateConvWeightChannel(arena, r.vectorOff() + 4 * j * k, exp, c0 + j, eu.channels(),
                            r.expWeight(), eu.master(), eu.divisor(c0 + j), expWeightLr, eu.mode(), expWeightKey);
                }
            }
        }
    }

    /**
     * (1) The projection's input-gradient planes of channels c0 .. c0+g-1:
     * {@code plane_j[p] = sum over o ascending of (float) W[o, c0+j] * g'[p, o]}, from +0; the group's weight columns
     * as floats in the vector ({@code [g][O]}) first.
     */
    private static void projectionPlanes(byte[] arena, Region r, int c0, int g) {
        final int c = r.depthwise().inC();
        final int o = r.projOut();
        final int p2 = r.depthwise().outPositions();
        final int vec = r.vectorOff();
        for (int j = 0; j < g; j++) {
            for (int k = 0; k < o; k++) {
                ArenaAccess.putFloat(arena, vec + 4 * (j * o + k), r.projWeight()[k * c + c0 + j]);
            }
        }
        for (int j = 0; j < g; j++) {
            for (int p = 0; p < p2; p++) {
                float acc = 0.0f;
                int gp = r.gOff() + 4 * p * o;
                for (int k = 0; k < o; k++) {
                    acc = acc + ArenaAccess.getFloat(arena, vec + 4 * (j * o + k)) * ArenaAccess.getFloat(arena, gp + 4 * k);
                }
                ArenaAccess.putFloat(arena, r.planeOff() + 4 * (j * p2 + p), acc);
            }
        }
    }

    /** (2), (6) {@code plane[p] = bit(p*C + ch) ? plane[p] * eff : +0}. */
    private static void maskAndScale(byte[] arena, int planeOff, int maskOff, int ch, int c, float eff, int n) {
        for (int p = 0; p < n; p++) {
            int e = planeOff + 4 * p;
            ArenaAccess.putFloat(arena, e, ArenaAccess.getMaskBit(arena, maskOff, p * c + ch)
                    ? ArenaAccess.getFloat(arena, e) * eff : 0.0f);
        }
    }

    /**
     * (3) The depthwise input gradient of channel ch into {@code planeIn}, the taps in
     * {@link BackwardKernels#convInputGrad}'s order; the channel's taps as floats in the vector first.
     */
    private static void depthwiseInputPlane(byte[] arena, Region r, int ch, int plane, int planeIn) {
        final ConvGeom g = r.depthwise();
        final int c = g.inC(), outW = g.outW();
        final int vec = r.vectorOff();
        for (int t = 0; t < g.kH() * g.kW(); t++) {
            ArenaAccess.putFloat(arena, vec + 4 * t, r.dwWeight()[t * c + ch]);
        }
        for (int iy = 0; iy < g.inH(); iy++) {
            for (int ix = 0; ix < g.inW(); ix++) {
                float acc = 0.0f;
                for (int kh = 0; kh < g.kH(); kh++) {
                    int ty = iy + g.padH() - kh;
                    if (ty < 0 || ty % g.strideH() != 0 || ty / g.strideH() >= g.outH()) {
                        continue;
                    }
                    int oy = ty / g.strideH();
                    for (int kw = 0; kw < g.kW(); kw++) {
                        int tx = ix + g.padW() - kw;
                        if (tx < 0 || tx % g.strideW() != 0 || tx / g.strideW() >= outW) {
                            continue;
                        }
                        float w = ArenaAccess.getFloat(arena, vec + 4 * (kh * g.kW() + kw));
                        acc = acc + w * ArenaAccess.getFloat(arena, plane + 4 * (oy * outW + tx / g.strideW()));
                    }
                }
                ArenaAccess.putFloat(arena, planeIn + 4 * (iy * g.inW() + ix), acc);
            }
        }
    }

    /** (5) {@code ws[kh*KW + kw] = sum over oy, ox ascending of (float)(x[iy, ix, ch] - zero) * plane[oy, ox]}. */
    private static void depthwiseWeightGrad(byte[] arena, Region r, int ch, int plane) {
        final ConvGeom g = r.depthwise();
        final int c = g.inC();
        for (int kh = 0; kh < g.kH(); kh++) {
            for (int kw = 0; kw < g.kW(); kw++) {
                float acc = 0.0f;
                for (int oy = 0; oy < g.outH(); oy++) {
                    int iy = oy * g.strideH() + kh - g.padH();
                    if (iy < 0 || iy >= g.inH()) {
                        continue;
                    }
                    for (int ox = 0; ox < g.outW(); ox++) {
                        int ix = ox * g.strideW() + kw - g.padW();
                        if (ix < 0 || ix >= g.inW()) {
                            continue;
                        }
                        float x = (float) (arena[r.dwXOff() + (iy * g.inW() + ix) * c + ch] - r.dwXZero());
                        acc = acc + x * ArenaAccess.getFloat(arena, plane + 4 * (oy * g.outW() + ox));
                    }
                }
                ArenaAccess.putFloat(arena, r.vectorOff() + 4 * (kh * g.kW() + kw), acc);
            }
        }
    }

    /**
     * (7) The terms of channels c0 .. c0+g-1 of every {@code dx[p, i]}, added in ascending channel order:
     * {@code dx = dx + (float) W[c, i] * planeIn_c[p]}; the group's weight rows as floats in the vector
     * ({@code [g][Cin]}) first.
     */
    private static void inputGradTerms(byte[] arena, Region r, int c0, int g, int cin, int p1) {
        final int vec = r.vectorOff();
        for (int j = 0; j < g; j++) {
            for (int i = 0; i < cin; i++) {
                ArenaAccess.putFloat(arena, vec + 4 * (j * cin + i), r.expWeight()[(c0 + j) * cin + i]);
            }
        }
        for (int p = 0; p < p1; p++) {
            int d = r.dxOff() + 4 * p * cin;
            for (int i = 0; i < cin; i++) {
                float acc = ArenaAccess.getFloat(arena, d + 4 * i);
                for (int j = 0; j < g; j++) {
                    acc = acc + ArenaAccess.getFloat(arena, vec + 4 * (j * cin + i))
                            * ArenaAccess.getFloat(arena, r.planeInOff() + 4 * (j * p1 + p));
                }
                ArenaAccess.putFloat(arena, d + 4 * i, acc);
            }
        }
    }

    /**
     * (9) The expansion weight gradients of the group's g channels into the vector ({@code [g][k]}):
     * {@code ws[j][jj] = sum over p ascending of (float)(x[p, jj] - zero) * planeIn_j[p]} for the k saved channels.
     */
    private static void expansionWeightGrads(byte[] arena, Region r, int g, int k, int p1) {
        for (int j = 0; j < g; j++) {
            for (int jj = 0; jj < k; jj++) {
                float acc = 0.0f;
                for (int p = 0; p < p1; p++) {
                    float x = (float) (arena[r.expXOff() + p * k + jj] - r.expXZero());
                    acc = acc + x * ArenaAccess.getFloat(arena, r.planeInOff() + 4 * (j * p1 + p));
                }
                ArenaAccess.putFloat(arena, r.vectorOff() + 4 * (j * k + jj), acc);
            }
        }
    }

    /** (4), (8) The bias gradient of one channel: {@code sum over p ascending of plane[p]}, from +0. */
    private static float planeSum(byte[] arena, int planeOff, int n) {
        float acc = 0.0f;
        for (int p = 0; p < n; p++) {
            acc = acc + ArenaAccess.getFloat(arena, planeOff + 4 * p);
        }
        return acc;
    }

    private static void updateBias(Update u, int ch, float grad, float lr, int key) {
        UpdateKernels.updateBiasChannel(grad, ch, u.bias(), u.master(), u.divisor(ch), lr, u.mode(), key);
        u.view()[ch] = u.mode() == RoundingMode.FLOAT_MASTER ? u.master()[ch] : (float) u.bias()[ch];
    }
}

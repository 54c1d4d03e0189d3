package dev.tinytrain.backend.jvm.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Reference backward kernels of the training graph (numerics contract v1, ARCHITECTURE.md section 3).
 *
 * <p><b>Memory conventions.</b> Every activation, mask and gradient lives in one {@code byte[] arena}:
 * int8 values at byte offsets, float32 values little-endian at 4-aligned byte offsets. Tensors are NHWC with
 * batch 1, so element (y, x, c) of an H x W x C tensor is at element index {@code (y*W + x)*C + c}. Clamp
 * masks hold one bit per element of the clamped tensor: bit {@code i & 7} (LSB first) of byte
 * {@code maskOff + (i >> 3)}; 1 means the pre-clamp value was in [-128, 127] (inclusive) and the gradient
 * passes. Parameters are separate arrays: int8 conv weights in OHWI {@code [O][KH][KW][Cin/groups]} for dense
 * and grouped convs, {@code [1][KH][KW][C]} for depthwise convs (see {@link ConvGeom#weightIndex}); the
 * float head weight row-major {@code [out][in]}.
 *
 * <p><b>Arithmetic.</b> float32 only, no fused multiply-add, every product rounded and then added. Every
 * reduction is a single accumulator that starts at {@code +0.0f} and adds its terms in the one loop order
 * documented on the method; a C backend must use the same order to be bit-identical. Terms that fall into
 * the padding are skipped (adding them as zeros would give the same bits: an accumulator that starts at +0
 * can never become -0).
 *
 * <p>Gradients of values used twice (the residual skip) are summed ({@code StepKernels.add}, the
 * {@code accumulate} flags); TTE drops the skip gradient, tinytrain does not. Weight gradients use
 * {@code x - x_zero}; TTE forgets {@code x_zero}, tinytrain does not.
 */
public final class BackwardKernels {

    private static final VarHandle F32 =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    private BackwardKernels() {
    }

    private static float getF(byte[] a, int off) {
        return (float) F32.get(a, off);
    }

    private static void setF(byte[] a, int off, float v) {
        F32.set(a, off, v);
    }

    private static boolean maskBit(byte[] a, int maskOff, int i) {
        return ((a[maskOff + (i >> 3)] >> (i & 7)) & 1) != 0;
    }

    /**
     * Geometry of a 2-D convolution with batch 1, NHWC activations.
     *
     * <p>{@code outH = (inH + 2*padH - kH) / strideH + 1} (same for W), or one more row (column) where the last
     * window reads one padding row more at the bottom (right) than at the top (left), as TFLite's {@code SAME}
     * padding has it when the total padding is odd: checked by the constructor ({@link #outputFits}). Every kernel
     * bounds taps by the input and output sizes, so the bottom padding needs no field of its own. A conv is
     * <em>depthwise</em> when {@code groups == inC == outC}; its weight layout is {@code [1][KH][KW][C]}.
     * Otherwise the weight is OHWI {@code [outC][KH][KW][inC/groups]} (dense: groups = 1).
     *
     * @param inH     input height
     * @param inW     input width
     * @param inC     input channels
     * @param outH    output height
     * @param outW    output width
     * @param outC    output channels
     * @param kH      kernel height
     * @param kW      kernel width
     * @param strideH vertical stride
     * @param strideW horizontal stride
     * @param padH    zero padding on the top and on the bottom
     * @param padW    zero padding on the left and on the right
     * @param groups  number of groups (divides inC and outC)
     */
    public record ConvGeom(int inH, int inW, int inC, int outH, int outW, int outC,
                           int kH, int kW, int strideH, int strideW, int padH, int padW, int groups) {

        /** Validates the geometry. */
        public ConvGeom {
            if (inH <= 0 || inW <= 0 || inC <= 0 || outC <= 0 || kH <= 0 || kW <= 0
                    || strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0 || groups <= 0) {
                throw new IllegalArgumentException("non-positive conv geometry");
            }
            if (inC % groups != 0 || outC % groups != 0) {
                throw new IllegalArgumentException("groups " + groups + " must divide inC " + inC + " and outC " + outC);
            }
            if (inH + 2 * padH < kH || inW + 2 * padW < kW) {
                throw new IllegalArgumentException("kernel larger than padded input");
            }
            if (!outputFits(inH, outH, kH, strideH, padH) || !outputFits(inW, outW, kW, strideW, padW)) {
                throw new IllegalArgumentException("output size " + outH + "x" + outW + " does not match geometry");
            }
        }

        /**
         * True when {@code out} windows fit one dimension: the padding the last window reads beyond the input,
         * {@code (out - 1) * stride + k - pad - in}, lies in {@code (pad - stride, pad + 1]} (symmetric padding
         * {@code pad}, or one more at the end).
         */
        static boolean outputFits(int in, int out, int k, int stride, int pad) {
            long end = (long) (out - 1) * stride + k - pad - in;
            return out >= 1 && end > pad - stride && end <= pad + 1;
        }

        /**
         * The model convention: square kernel {@code k}, same stride in both dimensions, padding
         * {@code (k-1)/2}, output size derived.
         *
         * @param inH    input height
         * @param inW    input width
         * @param inC    input channels
         * @param outC   output channels
         * @param k      kernel size
         * @param stride stride
         * @param groups groups
         * @return the geometry
         */
        public static ConvGeom of(int inH, int inW, int inC, int outC, int k, int stride, int groups) {
            int p = (k - 1) / 2;
            return new ConvGeom(inH, inW, inC, (inH + 2 * p - k) / stride + 1, (inW + 2 * p - k) / stride + 1,
                    outC, k, k, stride, stride, p, p, groups);
        }

        /** @return true when {@code groups == inC == outC} (weight layout {@code [1][KH][KW][C]}) */
        public boolean depthwise() {
            return groups == inC && groups == outC;
        }

        /** @return input channels per group (the innermost weight dimension of a non-depthwise conv) */
        public int inPerGroup() {
            return inC / groups;
        }

        /** @return output channels per group */
        public int outPerGroup() {
            return outC / groups;
        }

        /** @return number of weight elements */
        public int weightCount() {
            return depthwise() ? kH * kW * inC : outC * kH * kW * (inC / groups);
        }

        /** @return number of output positions {@code outH*outW} */
        public int outPositions() {
            return outH * outW;
        }

        /**
         * Flat index of a weight element.
         *
         * @param o  output channel
         * @param kh kernel row
         * @param kw kernel column
         * @param i  input channel within the group (always 0 for depthwise)
         * @return {@code (kh*KW + kw)*C + o} for depthwise, {@code ((o*KH + kh)*KW + kw)*(inC/groups) + i} otherwise
         */
        public int weightIndex(int o, int kh, int kw, int i) {
            if (depthwise()) {
                return (kh * kW + kw) * outC + o;
            }
            return ((o * kH + kh) * kW + kw) * (inC / groups) + i;
        }

        /**
         * Number of floats the per-output-channel weight gradient writes into its workspace.
         *
         * @param channels trainable input channels (non-depthwise), or null for all; ignored for depthwise
         * @return {@code KH*KW} for depthwise, {@code KH*KW*n} otherwise (n = channels.length or inC/groups)
         */
        public int channelWorkspaceFloats(int[] channels) {
            if (depthwise()) {
                return kH * kW;
            }
            return kH * kW * (channels == null ? inC / groups : channels.length);
        }
    }

    // ------------------------------------------------------------------------------------------ clamp mask

    /**
     * Applies a clamp mask to a float gradient: {@code dst[i] = bit(i) ? src[i] : +0.0f} for i = 0..n-1.
     * {@code dstOff == srcOff} (in place) is allowed.
     *
     * @param arena   the arena
     * @param srcOff  byte offset of the float gradient (n elements)
     * @param maskOff byte offset of the mask (ceil(n/8) bytes)
     * @param dstOff  byte offset of the result (n floats)
     * @param n       number of elements
     */
    public static void applyClampMask(byte[] arena, int srcOff, int maskOff, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            setF(arena, dstOff + 4 * i, maskBit(arena, maskOff, i) ? getF(arena, srcOff + 4 * i) : 0.0f);
        }
    }

    /**
     * In-place clamp mask: {@code g[i] = bit(i) ? g[i] : +0.0f}.
     *
     * @param arena   the arena
     * @param gOff    byte offset of the float gradient
     * @param maskOff byte offset of the mask
     * @param n       number of elements
     */
    public static void applyClampMask(byte[] arena, int gOff, int maskOff, int n) {
        applyClampMask(arena, gOff, maskOff, gOff, n);
    }

    // ---------------------------------------------------------------------------------- conv output grad

    /**
     * Clamp mask and output-gradient scaling fused:
     * {@code g'[p, o] = bit(p*C+o) ? g[p, o] * eff[o] : +0.0f}. In place allowed.
     *
     * @param arena     the arena
     * @param gOff      byte offset of g
     * @param maskOff   byte offset of the clamp mask of the conv output
     * @param eff       effective scales
     * @param positions H*W of the conv output
     * @param channels  output channels
     * @param dstOff    byte offset of g'
     */
    public static void maskAndScaleOutputGrad(byte[] arena, int gOff, int maskOff, float[] eff,
                                              int positions, int channels, int dstOff) {
        for (int p = 0; p < positions; p++) {
            int base = p * channels;
            for (int o = 0; o < channels; o++) {
                int i = base + o;
                float v = maskBit(arena, maskOff, i) ? getF(arena, gOff + 4 * i) * eff[o] : 0.0f;
                setF(arena, dstOff + 4 * i, v);
            }
        }
    }

    // ---------------------------------------------------------------------------------- conv input grad

    /**
     * Conv input gradient {@code dx = conv_transpose(W, g')} with the int8 weights taken as integers.
     *
     * <p>For each input element (iy, ix, c), in NHWC order, with group {@code gr = c / (inC/groups)} and
     * {@code ci = c % (inC/groups)}: {@code acc = +0}; for kh = 0..KH-1, for kw = 0..KW-1: let
     * {@code ty = iy + padH - kh}, {@code tx = ix + padW - kw}; skip unless both are non-negative multiples
     * of the stride with {@code oy = ty/strideH < outH}, {@code ox = tx/strideW < outW}; then for o over the
     * group's output channels in ascending order ({@code gr*(outC/groups) ..}; just {@code o = c} for
     * depthwise): {@code acc = acc + (float) W[o, kh, kw, ci] * g'[oy, ox, o]}. Finally
     * {@code dx = accumulate ? dx + acc : acc}.
     *
     * @param arena      the arena
     * @param gOff       byte offset of g' (floats, outH x outW x outC)
     * @param weight     int8 weights (layout of {@link ConvGeom#weightIndex})
     * @param geom       conv geometry
     * @param dxOff      byte offset of dx (floats, inH x inW x inC); must not overlap g'
     * @param accumulate true to add into the existing dx (a value with two consumers)
     */
    public static void convInputGrad(byte[] arena, int gOff, byte[] weight, ConvGeom geom, int dxOff,
                                     boolean accumulate) {
        final int inW = geom.inW(), inC = geom.inC(), outH = geom.outH(), outW = geom.outW(), outC = geom.outC();
        final int kH = geom.kH(), kW = geom.kW(), sH = geom.strideH(), sW = geom.strideW();
        final boolean dw = geom.depthwise();
        // The terms and their order per dx element are those documented above. The loops only run the elements
        // of one input pixel and group side by side (one accumulator each, so the innermost loop vectorizes):
        // g' is read as floats, the weights as floats [kh][kw][o][ci] (depthwise: [kh][kw][c], as stored).
        final int cinPg = dw ? inC : geom.inPerGroup();
        final int coutPg = dw ? 1 : geom.outPerGroup();
        final int groups = dw ? 1 : geom.groups();
        final float[] g = ArenaAccess.getFloats(arena, gOff, outH * outW * outC);
        final float[] wt = new float[weight.length];
        if (dw) {
            for (int i = 0; i < wt.length; i++) {
                wt[i] = weight[i];
            }
        } else {
            for (int o = 0, src = 0; o < outC; o++) {
                for (int tap = 0; tap < kH * kW; tap++) {
                    for (int ci = 0; ci < cinPg; ci++, src++) {
                        wt[(tap * outC + o) * cinPg + ci] = weight[src];
                    }
                }
            }
        }
        final float[] acc = new float[cinPg];
        for (int iy = 0; iy < geom.inH(); iy++) {
            for (int ix = 0; ix < inW; ix++) {
                for (int gr = 0; gr < groups; gr++) {
                    Arrays.fill(acc, 0.0f);
                    for (int kh = 0; kh < kH; kh++) {
                        int ty = iy + geom.padH() - kh;
                        if (ty < 0 || ty % sH != 0 || ty / sH >= outH) {
                            continue;
                        }
                        int oy = ty / sH;
                        for (int kw = 0; kw < kW; kw++) {
                            int tx = ix + geom.padW() - kw;
                            if (tx < 0 || tx % sW != 0 || tx / sW >= outW) {
                                continue;
                            }
                            int gBase = (oy * outW + tx / sW) * outC;
                            int tap = kh * kW + kw;
                            if (dw) { // dx[c] gets W[c, kh, kw] * g'[oy, ox, c]
                                int wBase = tap * inC;
                                for (int c = 0; c < inC; c++) {
                                    acc[c] = acc[c] + wt[wBase + c] * g[gBase + c];
                                }
                                continue;
                            }
                            for (int o = gr * coutPg; o < (gr + 1) * coutPg; o++) {
                                float gv = g[gBase + o];
                                int wBase = (tap * outC + o) * cinPg;
                                for (int ci = 0; ci < cinPg; ci++) {
                                    acc[ci] = acc[ci] + wt[wBase + ci] * gv;
                                }
                            }
                        }
                    }
                    int e = dxOff + 4 * ((iy * inW + ix) * inC + gr * cinPg);
                    for (int ci = 0; ci < cinPg; ci++, e += 4) {
                        setF(arena, e, accumulate ? getF(arena, e) + acc[ci] : acc[ci]);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------- conv bias grad

    /**
     * Bias gradient of one output channel: {@code acc = +0; for p = 0..positions-1: acc = acc + g'[p, o]}.
     *
     * @param arena     the arena
     * @param gOff      byte offset of g'
     * @param positions outH*outW
     * @param channels  outC
     * @param o         output channel
     * @return dbias[o]
     */
    public static float convBiasGradChannel(byte[] arena, int gOff, int positions, int channels, int o) {
        float acc = 0.0f;
        for (int p = 0; p < positions; p++) {
            acc = acc + getF(arena, gOff + 4 * (p * channels + o));
        }
        return acc;
    }

    /**
     * Bias gradient of every output channel (see {@link #convBiasGradChannel} for the order), written as
     * floats at {@code dbOff}.
     *
     * @param arena     the arena
     * @param gOff      byte offset of g'
     * @param positions outH*outW
     * @param channels  outC
     * @param dbOff     byte offset of dbias (channels floats)
     */
    public static void convBiasGrad(byte[] arena, int gOff, int positions, int channels, int dbOff) {
        for (int o = 0; o < channels; o++) {
            setF(arena, dbOff + 4 * o, convBiasGradChannel(arena, gOff, positions, channels, o));
        }
    }

    // ---------------------------------------------------------------------------------- conv weight grad

    /**
     * Weight-gradient elements {@code dW[o, kh, kw, ci]} of one tap for the absolute input channels
     * {@code cin[j]}, into {@code acc[j]}: each {@code acc = +0}; for oy = 0..outH-1, for ox = 0..outW-1: with
     * {@code iy = oy*strideH + kh - padH}, {@code ix = ox*strideW + kw - padW}, skip padding, else
     * {@code acc = acc + (float)(x[iy, ix, cin] - xZero) * g'[oy, ox, o]}. The channels are independent
     * accumulators swept together, so the inner loop runs over them.
     */
    private static void weightGradTap(byte[] arena, int xOff, int xZero, int gOff, ConvGeom geom, int o, int kh,
                                      int kw, int[] cin, float[] acc) {
        final int inH = geom.inH(), inW = geom.inW(), inC = geom.inC(), outW = geom.outW(), outC = geom.outC();
        final int n = cin.length;
        Arrays.fill(acc, 0, n, 0.0f);
        for (int oy = 0; oy < geom.outH(); oy++) {
            int iy = oy * geom.strideH() + kh - geom.padH();
            if (iy < 0 || iy >= inH) {
                continue;
            }
            for (int ox = 0; ox < outW; ox++) {
                int ix = ox * geom.strideW() + kw - geom.padW();
                if (ix < 0 || ix >= inW) {
                    continue;
                }
                float gv = getF(arena, gOff + 4 * ((oy * outW + ox) * outC + o));
                int xBase = xOff + (iy * inW + ix) * inC;
                for (int j = 0; j < n; j++) {
                    acc[j] = acc[j] + (float) (arena[xBase + cin[j]] - xZero) * gv;
                }
            }
        }
    }

    /** One element of {@link #weightGradTap}: {@code dW[o, kh, kw, ci]} for absolute input channel {@code cin}. */
    private static float weightGradElement(byte[] arena, int xOff, int xZero, int gOff, ConvGeom geom,
                                           int o, int kh, int kw, int cin) {
        float[] acc = new float[1];
        weightGradTap(arena, xOff, xZero, gOff, geom, o, kh, kw, new int[] {cin}, acc);
        return acc[0];
    }

    /**
     * Weight gradient of one output channel into a small float workspace (the unit the scheduler fuses
     * with {@link UpdateKernels#updateConvWeightChannel}).
     *
     * <p>Each element is {@code dW[o, kh, kw, i] = sum over oy, ox (ascending, oy outer) of
     * (float)(x[iy, ix, cin] - xZero) * g'[oy, ox, o]}, with {@code iy = oy*strideH + kh - padH},
     * {@code ix = ox*strideW + kw - padW}, padding skipped (it would contribute 0).
     *
     * <p>Workspace layout: for a non-depthwise conv {@code [KH][KW][n]}, entry
     * {@code (kh*KW + kw)*n + j} holding input channel {@code channels[j]} (n = channels.length; null means
     * all {@code inC/groups} channels in order); the input channel is {@code gr*(inC/groups) + channels[j]}
     * with {@code gr} the group of o. For a depthwise conv {@code [KH][KW]} for channel o ({@code channels}
     * is ignored: the caller only calls this for trainable channels).
     *
     * @param arena    the arena
     * @param xOff     byte offset of the saved int8 conv input (inH x inW x inC)
     * @param xZero    zero point of the conv input
     * @param gOff     byte offset of g' (floats)
     * @param geom     conv geometry
     * @param o        output channel
     * @param channels trainable input channels within the group (indices into the weight's last
     *                 dimension), or null for all
     * @param wsOff    byte offset of the float workspace ({@link ConvGeom#channelWorkspaceFloats} floats)
     * @return number of floats written
     */
    public static int convWeightGradChannel(byte[] arena, int xOff, int xZero, int gOff, ConvGeom geom, int o,
                                            int[] channels, int wsOff) {
        final int kH = geom.kH(), kW = geom.kW();
        if (geom.depthwise()) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    setF(arena, wsOff + 4 * (kh * kW + kw), weightGradElement(arena, xOff, xZero, gOff, geom, o, kh, kw, o));
                }
            }
            return kH * kW;
        }
        final int cinPg = geom.inPerGroup();
        final int n = channels == null ? cinPg : channels.length;
        final int cBase = (o / geom.outPerGroup()) * cinPg;
        final int[] cin = new int[n];
        for (int j = 0; j < n; j++) {
            cin[j] = cBase + (channels == null ? j : channels[j]);
        }
        final float[] acc = new float[n];
        for (int kh = 0; kh < kH; kh++) {
            for (int kw = 0; kw < kW; kw++) {
                weightGradTap(arena, xOff, xZero, gOff, geom, o, kh, kw, cin, acc);
                int row = (kh * kW + kw) * n;
                for (int j = 0; j < n; j++) {
                    setF(arena, wsOff + 4 * (row + j), acc[j]);
                }
            }
        }
        return kH * kW * n;
    }

    /**
     * Whole weight gradient, written as floats at {@code dwOff} in the weight's own layout
     * ({@link ConvGeom#weightIndex}); entries of non-trainable channels are set to +0. Each trainable entry
     * has exactly the bits {@link #convWeightGradChannel} gives it.
     *
     * @param arena    the arena
     * @param xOff     byte offset of the saved int8 conv input
     * @param xZero    input zero point
     * @param gOff     byte offset of g'
     * @param geom     conv geometry
     * @param channels trainable channels (input channels within the group for a dense/grouped conv,
     *                 channels for a depthwise conv), or null for all
     * @param dwOff    byte offset of dW ({@link ConvGeom#weightCount} floats)
     */
    public static void convWeightGrad(byte[] arena, int xOff, int xZero, int gOff, ConvGeom geom, int[] channels,
                                      int dwOff) {
        final int kH = geom.kH(), kW = geom.kW();
        for (int i = 0; i < geom.weightCount(); i++) {
            setF(arena, dwOff + 4 * i, 0.0f);
        }
        if (geom.depthwise()) {
            int n = channels == null ? geom.outC() : channels.length;
            for (int j = 0; j < n; j++) {
                int c = channels == null ? j : channels[j];
                for (int kh = 0; kh < kH; kh++) {
                    for (int kw = 0; kw < kW; kw++) {
                        setF(arena, dwOff + 4 * geom.weightIndex(c, kh, kw, 0),
                                weightGradElement(arena, xOff, xZero, gOff, geom, c, kh, kw, c));
                    }
                }
            }
            return;
        }
        final int cinPg = geom.inPerGroup();
        final int n = channels == null ? cinPg : channels.length;
        for (int o = 0; o < geom.outC(); o++) {
            int cBase = (o / geom.outPerGroup()) * cinPg;
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    for (int j = 0; j < n; j++) {
                        int ci = channels == null ? j : channels[j];
                        setF(arena, dwOff + 4 * geom.weightIndex(o, kh, kw, ci),
                                weightGradElement(arena, xOff, xZero, gOff, geom, o, kh, kw, cBase + ci));
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------- residual add

    /**
     * Quantized add backward (straight-through rounding): for i = 0..n-1, {@code t = g[i] / sy},
     * {@code dx1[i] = t * s1}, {@code dx2[i] = t * s2} (two float32 roundings each, in that order).
     * A negative destination offset skips that output.
     *
     * @param arena  the arena
     * @param gOff   byte offset of g (already masked by the add's clamp mask)
     * @param n      number of elements
     * @param sy     {@code fl32(residual.y_scale)}
     * @param s1     {@code fl32(residual.x_scale)} (shortcut operand)
     * @param s2     {@code fl32(pointwise2.y_scale)} (conv-branch operand)
     * @param dx1Off byte offset of dx1, or negative to skip
     * @param dx2Off byte offset of dx2, or negative to skip
     */
    public static void addBackward(byte[] arena, int gOff, int n, float sy, float s1, float s2, int dx1Off, int dx2Off) {
        for (int i = 0; i < n; i++) {
            float t = getF(arena, gOff + 4 * i) / sy;
            float d1 = t * s1;
            float d2 = t * s2;
            if (dx1Off >= 0) {
                setF(arena, dx1Off + 4 * i, d1);
            }
            if (dx2Off >= 0) {
                setF(arena, dx2Off + 4 * i, d2);
            }
        }
    }

    // ---------------------------------------------------------------------------------- pooling, head

    /**
     * Global average pool backward: {@code dx[y, x, c] = g[c] / (float)(h*w)} (a float32 division, as the
     * reference does; not a multiplication by the reciprocal).
     *
     * @param arena      the arena
     * @param gOff       byte offset of g (c floats)
     * @param h          input height
     * @param w          input width
     * @param c          channels
     * @param dxOff      byte offset of dx (h*w*c floats, NHWC)
     * @param accumulate true to add into the existing dx
     */
    public static void avgPoolBackward(byte[] arena, int gOff, int h, int w, int c, int dxOff, boolean accumulate) {
        float area = (float) (h * w);
        for (int p = 0; p < h * w; p++) {
            for (int ch = 0; ch < c; ch++) {
                float v = getF(arena, gOff + 4 * ch) / area;
                int e = dxOff + 4 * (p * c + ch);
                setF(arena, e, accumulate ? getF(arena, e) + v : v);
            }
        }
    }

    /**
     * Dequantize backward ({@code real = (q - zero) * scale}): {@code dq[i] = dreal[i] * xScale}.
     * In place allowed.
     *
     * @param arena  the arena
     * @param gOff   byte offset of the gradient w.r.t. the real value
     * @param n      number of elements
     * @param xScale {@code fl32(x_scale)}
     * @param dstOff byte offset of the gradient w.r.t. the integer value
     */
    public static void dequantizeBackward(byte[] arena, int gOff, int n, float xScale, int dstOff) {
        for (int i = 0; i < n; i++) {
            setF(arena, dstOff + 4 * i, getF(arena, gOff + 4 * i) * xScale);
        }
    }

    /**
     * Float linear layer {@code y[j] = sum_i W[j, i] x[i] + b[j]}, input gradient:
     * {@code dx[i]: acc = +0; for j = 0..out-1: acc = acc + g[j] * W[j*in + i]}.
     *
     * @param arena  the arena
     * @param gOff   byte offset of g (out floats)
     * @param weight weight, row-major {@code [out][in]}
     * @param out    output features
     * @param in     input features
     * @param dxOff  byte offset of dx (in floats)
     */
    public static void linearInputGrad(byte[] arena, int gOff, float[] weight, int out, int in, int dxOff) {
        for (int i = 0; i < in; i++) {
            float acc = 0.0f;
            for (int j = 0; j < out; j++) {
                acc = acc + getF(arena, gOff + 4 * j) * weight[j * in + i];
            }
            setF(arena, dxOff + 4 * i, acc);
        }
    }

    /**
     * Float linear layer, weight gradient of one output row (the fusion unit):
     * {@code ws[i] = g[j] * x[i]} for i = 0..in-1 (one product each).
     *
     * @param arena the arena
     * @param gOff  byte offset of g
     * @param xOff  byte offset of the float input x
     * @param in    input features
     * @param j     output row
     * @param wsOff byte offset of the row workspace (in floats)
     */
    public static void linearWeightGradRow(byte[] arena, int gOff, int xOff, int in, int j, int wsOff) {
        float gj = getF(arena, gOff + 4 * j);
        for (int i = 0; i < in; i++) {
            setF(arena, wsOff + 4 * i, gj * getF(arena, xOff + 4 * i));
        }
    }

    /**
     * Float linear layer, whole weight gradient {@code dW[j*in + i] = g[j] * x[i]} (outer product).
     *
     * @param arena the arena
     * @param gOff  byte offset of g (out floats)
     * @param xOff  byte offset of x (in floats)
     * @param out   output features
     * @param in    input features
     * @param dwOff byte offset of dW (out*in floats, row-major)
     */
    public static void linearWeightGrad(byte[] arena, int gOff, int xOff, int out, int in, int dwOff) {
        for (int j = 0; j < out; j++) {
            linearWeightGradRow(arena, gOff, xOff, in, j, dwOff + 4 * j * in);
        }
    }

}

package dev.tinytrain.backend.jvm.kernels;

import dev.tinytrain.planner.DepthwiseInPlace;
import java.util.Arrays;

/**
 * Forward int8 reference kernels of the JVM backend, bit-exact to the numerics contract
 * ({@code models/FORMAT.md} §3, {@code design/ARCHITECTURE.md} §3).
 *
 * <p>Conventions shared by every kernel:
 * <ul>
 *   <li>All activations live in one {@code byte[] arena}. An int8 tensor is a run of bytes at a byte offset;
 *       a float32 tensor is a run of little-endian words at a 4-aligned byte offset (see {@link ArenaAccess}).</li>
 *   <li>Activations are NHWC with batch 1: element {@code (y, x, c)} of an {@code H x W x C} tensor has index
 *       {@code (y * W + x) * C + c}.</li>
 *   <li>A clamp mask (optional, {@code maskOff < 0} means none) has one bit per output element, at the same
 *       index as the output: bit {@code (i & 7)} of byte {@code maskOff + (i >> 3)}. The bit is 1 iff the
 *       pre-clamp value {@code v + y_zero} lies in [-128, 127] inclusive. Every bit of the
 *       {@code ceil(count / 8)} mask bytes is written; the unused high bits of the last byte are 0.</li>
 *   <li>Requantization is done in {@code float} (IEEE binary32, no fused multiply-add) and rounds with
 *       {@link Math#rint} (ties to even).</li>
 *   <li>Arguments are checked up front; a bad argument throws {@link IllegalArgumentException} whose message
 *       names it, and nothing is written.</li>
 * </ul>
 */
public final class ForwardKernels {

    private static final int INT8_MIN = -128;
    private static final int INT8_MAX = 127;

    /**
     * Bound applied to the rounded value {@code v} before the zero point is added, so that the addition cannot
     * overflow. Any {@code |v| >= 2^24} is far outside [-128 - 127, 127 + 128], so neither the clamped output
     * nor the mask bit changes.
     */
    private static final double V_BOUND = 1 << 24;

    /**
     * Largest number of terms per output for which an int32 conv sum is exact: each term
     * {@code (x - xZero) * w} has magnitude at most {@code 255 * 128}, and {@code 65793 * 32640 < 2^31}.
     */
    static final int MAX_INT_TERMS = Integer.MAX_VALUE / (255 * 128);

    private ForwardKernels() {
    }

    // ------------------------------------------------------------------------------------------------------------
    // conv2d
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Quantized 2-D convolution, {@code FORMAT.md} §3.2.
     *
     * <p>For every output element {@code (y, x, o)}:
     * <pre>
     *   acc = sum over i, j, c of (in[y*stride + i - padTop, x*stride + j - padLeft, g*cpg + c] - xZero) * w[...]
     *   t   = (float) acc + bias[o]                 (float32 add)
     *   v   = rint(t * eff[o])                      (float32 multiply, ties to even)
     *   out = clamp(v + yZero, -128, 127)
     * </pre>
     * where {@code cpg = inC / groups} and {@code g} is the group of {@code o}. {@code acc} is computed as an
     * exact integer. Input positions outside {@code [0, inH) x [0, inW)} are padding with the value
     * {@code xZero}, i.e. they contribute 0. Padding at the bottom and right is implied by {@code outH} and
     * {@code outW}: any tap that falls beyond the input is padding.
     *
     * <p>Weight layouts:
     * <ul>
     *   <li>{@code groups == inC == outC} (depthwise; including the 1-channel case): CMSIS-NN layout
     *       {@code [1][kH][kW][C]}, element {@code (i, j, c)} at {@code (i * kW + j) * C + c}; output channel
     *       {@code c} reads only input channel {@code c}.</li>
     *   <li>otherwise (dense {@code groups == 1}, or grouped): OHWI {@code [outC][kH][kW][inC / groups]},
     *       element {@code (o, i, j, c)} at {@code ((o * kH + i) * kW + j) * cpg + c}; output channel {@code o}
     *       belongs to group {@code o / (outC / groups)} and reads input channels
     *       {@code [g * cpg, (g + 1) * cpg)}.</li>
     * </ul>
     *
     * <p>If {@code t * eff[o]} is NaN (only possible with a non-finite bias or scale), {@code v} is taken as 0.
     *
     * <p>Implementation: int32 sums when a sum has at most {@value #MAX_INT_TERMS} terms (then exact), long sums
     * otherwise. Each call allocates temporary int copies of the weights (and, for depthwise, of the input minus
     * its zero point) so the inner loops vectorize; the arena is only read and written at the described ranges.
     *
     * @param arena   the activation arena
     * @param inOff   byte offset of the int8 input {@code [inH][inW][inC]}
     * @param inH     input height (&gt;= 1)
     * @param inW     input width (&gt;= 1)
     * @param inC     input channels (&gt;= 1)
     * @param xZero   input zero point, in [-128, 127]
     * @param weight  int8 weights, length {@code outC * kH * kW * (inC / groups)}, layout as above
     * @param kH      kernel height (&gt;= 1)
     * @param kW      kernel width (&gt;= 1)
     * @param stride  stride in both dimensions (&gt;= 1)
     * @param padTop  padding rows above the input (&gt;= 0)
     * @param padLeft padding columns left of the input (&gt;= 0)
     * @param groups  number of groups (&gt;= 1, divides {@code inC} and {@code outC})
     * @param bias    float32 bias added to the accumulator, length {@code outC}
     * @param eff     float32 effective scales ({@link Requant#effectiveScale}), length {@code outC}
     * @param yZero   output zero point, in [-128, 127]
     * @param outOff  byte offset of the int8 output {@code [outH][outW][outC]}; must not overlap the input, except
     *                for a depthwise conv whose output starts at least
     *                {@link DepthwiseInPlace#minimumLead the minimum lead} before it (in place)
     * @param outH    output height (&gt;= 1)
     * @param outW    output width (&gt;= 1)
     * @param outC    output channels (&gt;= 1)
     * @param maskOff byte offset of the clamp mask ({@code ceil(outH*outW*outC / 8)} bytes), or negative for none;
     *                must not overlap the input or output
     * @throws IllegalArgumentException if an argument is inconsistent; the message names it
     */
    public static void conv2d(byte[] arena, int inOff, int inH, int inW, int inC, int xZero,
                              byte[] weight, int kH, int kW, int stride, int padTop, int padLeft, int groups,
                              float[] bias, float[] eff, int yZero,
                              int outOff, int outH, int outW, int outC, int maskOff) {
        requireNonNull(arena, "arena");
        requireNonNull(weight, "weight");
        requireNonNull(bias, "bias");
        requireNonNull(eff, "eff");
        requirePositive(inH, "inH");
        requirePositive(inW, "inW");
        requirePositive(inC, "inC");
        requirePositive(kH, "kH");
        requirePositive(kW, "kW");
        requirePositive(stride, "stride");
        requirePositive(groups, "groups");
        requirePositive(outH, "outH");
        requirePositive(outW, "outW");
        requirePositive(outC, "outC");
        requireNonNegative(padTop, "padTop");
        requireNonNegative(padLeft, "padLeft");
        requireZeroPoint(xZero, "xZero");
        requireZeroPoint(yZero, "yZero");
        if (inC % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide inC (" + inC + ")");
        }
        if (outC % groups != 0) {
            throw new IllegalArgumentException("groups (" + groups + ") must divide outC (" + outC + ")");
        }
        int cpg = inC / groups;
        long wantWeight = (long) outC * kH * kW * cpg;
        if (weight.length != wantWeight) {
            throw new IllegalArgumentException("weight has length " + weight.length + ", expected outC*kH*kW*(inC/groups) = "
                    + wantWeight);
        }
        requireLength(bias.length, outC, "bias");
        requireLength(eff.length, outC, "eff");
        // Keep every intermediate index below 2^31: rows/columns touched lie in [-pad, (out-1)*stride + k).
        if ((long) (outH - 1) * stride + kH > Integer.MAX_VALUE || (long) inH + padTop > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("outH/stride/kH/padTop describe rows beyond int range");
        }
        if ((long) (outW - 1) * stride + kW > Integer.MAX_VALUE || (long) inW + padLeft > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("outW/stride/kW/padLeft describe columns beyond int range");
        }
        long inLen = (long) inH * inW * inC;
        long outLen = (long) outH * outW * outC;
        requireRange(arena, inOff, inLen, "inOff");
        requireRange(arena, outOff, outLen, "outOff");
        boolean depthwise = groups == inC && groups == outC;
        boolean overlap = inOff < outOff + outLen && outOff < inOff + inLen;
        if (depthwise && overlap) {
            // in place (memory-planner's DepthwiseInPlace): the output may start `lead` bytes before the input
            long lead = DepthwiseInPlace.minimumLead(inH, inW, inC, kH, kW, stride, padTop, padLeft, outH, outW);
            if ((long) inOff - outOff < lead) {
                throw new IllegalArgumentException("depthwise output at " + outOff + " overlaps input at " + inOff
                        + ": in place it must start at least " + lead + " bytes before the input");
            }
        } else {
            requireDisjoint(inOff, inLen, "input", outOff, outLen, "output");
        }
        if (maskOff >= 0) {
            long maskLen = (outLen + 7) >>> 3;
            requireRange(arena, maskOff, maskLen, "maskOff");
            requireDisjoint(maskOff, maskLen, "mask", inOff, inLen, "input");
            requireDisjoint(maskOff, maskLen, "mask", outOff, outLen, "output");
            clearMask(arena, maskOff, (int) outLen);
        }

        if ((long) kH * kW * cpg <= MAX_INT_TERMS) {
            if (depthwise) {
                depthwise(arena, inOff, inH, inW, inC, xZero, weight, kH, kW, stride, padTop, padLeft,
                        bias, eff, yZero, outOff, outH, outW, maskOff);
            } else {
                denseOrGrouped(arena, inOff, inH, inW, inC, xZero, weight, kH, kW, stride, padTop, padLeft, groups,
                        bias, eff, yZero, outOff, outH, outW, outC, maskOff);
            }
        } else {
            // So many terms per output that an int32 sum could overflow: same arithmetic with long sums.
            if (depthwise) {
                depthwiseWide(arena, inOff, inH, inW, inC, xZero, weight, kH, kW, stride, padTop, padLeft,
                        bias, eff, yZero, outOff, outH, outW, maskOff);
            } else {
                denseOrGroupedWide(arena, inOff, inH, inW, inC, xZero, weight, kH, kW, stride, padTop, padLeft,
                        groups, bias, eff, yZero, outOff, outH, outW, outC, maskOff);
            }
        }
    }

    /** The int8 values as ints (the kernels' inner loops multiply ints). */
    private static int[] widen(byte[] v) {
        int[] out = new int[v.length];
        for (int k = 0; k < v.length; k++) {
            out[k] = v[k];
        }
        return out;
    }

    /**
     * Dense / grouped conv, int32 sums (exact: at most {@link #MAX_INT_TERMS} terms per output). Arguments already
     * validated.
     *
     * <p>Outer-product order, so the innermost loop runs over contiguous output channels and vectorizes: for each
     * output pixel and each valid tap {@code (i, j, c)}, {@code acc[o] += (x - xZero) * w[o, i, j, c]} for all
     * {@code o} of the group. The weights are first copied, as ints, into the layout
     * {@code [g][i][j][c][o within group]}. Integer sums are exact, so the order does not affect the result.
     */
    private static void denseOrGrouped(byte[] arena, int inOff, int inH, int inW, int inC, int xZero,
                                       byte[] weight, int kH, int kW, int stride, int padTop, int padLeft,
                                       int groups, float[] bias, float[] eff, int yZero,
                                       int outOff, int outH, int outW, int outC, int maskOff) {
        final int cpg = inC / groups;
        final int opg = outC / groups;
        final int tapStride = cpg * opg;            // one (i, j) tap of one group in the transposed weights
        final int groupStride = kH * kW * tapStride;
        final int[] wt = new int[weight.length];
        for (int g = 0, src = 0; g < groups; g++) {
            for (int o = 0; o < opg; o++) {
                for (int tap = 0; tap < kH * kW; tap++) {
                    final int dst = g * groupStride + tap * tapStride + o;
                    for (int c = 0; c < cpg; c++, src++) {
                        wt[dst + c * opg] = weight[src];
                    }
                }
            }
        }
        final int inRowStride = inW * inC;
        final int[] acc = new int[outC];
        int outIndex = 0;
        for (int oy = 0; oy < outH; oy++) {
            final int iy0 = oy * stride - padTop;
            final int i0 = Math.max(0, -iy0);
            final int i1 = Math.min(kH, inH - iy0);
            for (int ox = 0; ox < outW; ox++) {
                final int ix0 = ox * stride - padLeft;
                final int j0 = Math.max(0, -ix0);
                final int j1 = Math.min(kW, inW - ix0);
                // byte index of input element (iy0, ix0, 0); only dereferenced at valid taps
                final int pixelBase = inOff + iy0 * inRowStride + ix0 * inC;
                Arrays.fill(acc, 0);
                for (int g = 0; g < groups; g++) {
                    final int accBase = g * opg;
                    for (int i = i0; i < i1; i++) {
                        for (int j = j0; j < j1; j++) {
                            final int p = pixelBase + i * inRowStride + j * inC + g * cpg;
                            int q = g * groupStride + (i * kW + j) * tapStride;
                            for (int c = 0; c < cpg; c++, q += opg) {
                                final int xv = arena[p + c] - xZero;
                                for (int o = 0; o < opg; o++) {
                                    acc[accBase + o] += xv * wt[q + o];
                                }
                            }
                        }
                    }
                }
                for (int o = 0; o < outC; o++, outIndex++) {
                    store(arena, outOff, maskOff, outIndex, requantPreClamp(acc[o], bias[o], eff[o], yZero));
                }
            }
        }
    }

    /**
     * Depthwise conv, {@code [1][kH][kW][C]} weights, int32 sums (exact: at most {@link #MAX_INT_TERMS} terms per
     * output). Arguments already validated. The input (minus the zero point) and the weights are first widened to
     * int arrays so the loop over contiguous channels vectorizes.
     */
    private static void depthwise(byte[] arena, int inOff, int inH, int inW, int ch, int xZero,
                                  byte[] weight, int kH, int kW, int stride, int padTop, int padLeft,
                                  float[] bias, float[] eff, int yZero,
                                  int outOff, int outH, int outW, int maskOff) {
        final int inRowStride = inW * ch;
        final int[] xs = new int[inH * inRowStride];
        for (int k = 0; k < xs.length; k++) {
            xs[k] = arena[inOff + k] - xZero;
        }
        final int[] wi = widen(weight);
        final int[] acc = new int[ch];
        int outIndex = 0;
        for (int oy = 0; oy < outH; oy++) {
            final int iy0 = oy * stride - padTop;
            final int i0 = Math.max(0, -iy0);
            final int i1 = Math.min(kH, inH - iy0);
            for (int ox = 0; ox < outW; ox++) {
                final int ix0 = ox * stride - padLeft;
                final int j0 = Math.max(0, -ix0);
                final int j1 = Math.min(kW, inW - ix0);
                final int pixelBase = iy0 * inRowStride + ix0 * ch; // index into xs of (iy0, ix0, 0)
                Arrays.fill(acc, 0);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        final int p = pixelBase + i * inRowStride + j * ch;
                        final int q = (i * kW + j) * ch;
                        for (int c = 0; c < ch; c++) {
                            acc[c] += xs[p + c] * wi[q + c];
                        }
                    }
                }
                for (int c = 0; c < ch; c++, outIndex++) {
                    store(arena, outOff, maskOff, outIndex, requantPreClamp(acc[c], bias[c], eff[c], yZero));
                }
            }
        }
    }

    /** Dense / grouped conv with long sums, straight OHWI loops (any size). Arguments already validated. */
    private static void denseOrGroupedWide(byte[] arena, int inOff, int inH, int inW, int inC, int xZero,
                                       byte[] weight, int kH, int kW, int stride, int padTop, int padLeft,
                                       int groups, float[] bias, float[] eff, int yZero,
                                       int outOff, int outH, int outW, int outC, int maskOff) {
        final int cpg = inC / groups;
        final int opg = outC / groups;
        final int wPerOut = kH * kW * cpg;
        final int wRowStride = kW * cpg;
        final int inRowStride = inW * inC;
        int outIndex = 0;
        for (int oy = 0; oy < outH; oy++) {
            final int iy0 = oy * stride - padTop;
            final int i0 = Math.max(0, -iy0);
            final int i1 = Math.min(kH, inH - iy0);
            for (int ox = 0; ox < outW; ox++) {
                final int ix0 = ox * stride - padLeft;
                final int j0 = Math.max(0, -ix0);
                final int j1 = Math.min(kW, inW - ix0);
                // byte index of input element (iy0, ix0, 0); only dereferenced at valid taps
                final int pixelBase = inOff + iy0 * inRowStride + ix0 * inC;
                for (int o = 0; o < outC; o++, outIndex++) {
                    final int chBase = pixelBase + (o / opg) * cpg;
                    final int wBase = o * wPerOut;
                    long acc = 0;
                    for (int i = i0; i < i1; i++) {
                        final int inRow = chBase + i * inRowStride;
                        final int wRow = wBase + i * wRowStride;
                        for (int j = j0; j < j1; j++) {
                            final int p = inRow + j * inC;
                            final int q = wRow + j * cpg;
                            for (int c = 0; c < cpg; c++) {
                                acc += (arena[p + c] - xZero) * weight[q + c];
                            }
                        }
                    }
                    store(arena, outOff, maskOff, outIndex, requantPreClamp(acc, bias[o], eff[o], yZero));
                }
            }
        }
    }

    /** Depthwise conv with long sums, {@code [1][kH][kW][C]} weights (any size). Arguments already validated. */
    private static void depthwiseWide(byte[] arena, int inOff, int inH, int inW, int ch, int xZero,
                                      byte[] weight, int kH, int kW, int stride, int padTop, int padLeft,
                                      float[] bias, float[] eff, int yZero,
                                      int outOff, int outH, int outW, int maskOff) {
        final int inRowStride = inW * ch;
        final long[] acc = new long[ch];
        int outIndex = 0;
        for (int oy = 0; oy < outH; oy++) {
            final int iy0 = oy * stride - padTop;
            final int i0 = Math.max(0, -iy0);
            final int i1 = Math.min(kH, inH - iy0);
            for (int ox = 0; ox < outW; ox++) {
                final int ix0 = ox * stride - padLeft;
                final int j0 = Math.max(0, -ix0);
                final int j1 = Math.min(kW, inW - ix0);
                final int pixelBase = inOff + iy0 * inRowStride + ix0 * ch;
                Arrays.fill(acc, 0L);
                for (int i = i0; i < i1; i++) {
                    final int inRow = pixelBase + i * inRowStride;
                    final int wRow = i * kW * ch;
                    for (int j = j0; j < j1; j++) {
                        final int p = inRow + j * ch;
                        final int q = wRow + j * ch;
                        for (int c = 0; c < ch; c++) {
                            acc[c] += (arena[p + c] - xZero) * weight[q + c];
                        }
                    }
                }
                for (int c = 0; c < ch; c++, outIndex++) {
                    store(arena, outOff, maskOff, outIndex, requantPreClamp(acc[c], bias[c], eff[c], yZero));
                }
            }
        }
    }

    /**
     * The requantization step shared by the int8-output ops, {@code FORMAT.md} §3.2 steps 4–5 plus the zero
     * point: returns the pre-clamp value {@code rint(((float) acc + bias) * eff) + yZero}, in float32
     * arithmetic with ties to even. {@code (float) acc} rounds the exact accumulator to nearest (ties to even)
     * as {@code fl32(acc)} does. The rounded value is first bounded to {@code ±2^24} (this changes neither the
     * clamped result nor the mask) and NaN becomes 0.
     */
    private static int requantPreClamp(long acc, float bias, float eff, int yZero) {
        float t = (float) acc + bias;
        float scaled = t * eff;
        return roundBounded(scaled) + yZero;
    }

    /** {@code rint(x)} (ties to even) bounded to {@code ±2^24}; NaN gives 0. */
    private static int roundBounded(float x) {
        // rint of a float is an integer-valued float; computing it on the exactly widened double is the same.
        double v = Math.rint(x);
        if (v > V_BOUND) {
            v = V_BOUND;
        } else if (v < -V_BOUND) {
            v = -V_BOUND;
        }
        return (int) v; // NaN -> 0
    }

    /** Saturates {@code pre} to int8, stores it at {@code outOff + index}, and sets the mask bit if it passed. */
    private static void store(byte[] arena, int outOff, int maskOff, int index, int pre) {
        int clamped = Math.max(INT8_MIN, Math.min(INT8_MAX, pre));
        arena[outOff + index] = (byte) clamped;
        if (maskOff >= 0) {
            // branch-free: the pass/clamp pattern of real data is not predictable
            int pass = clamped == pre ? 1 : 0;
            arena[maskOff + (index >> 3)] |= (byte) (pass << (index & 7));
        }
    }

    private static void clearMask(byte[] arena, int maskOff, int count) {
        Arrays.fill(arena, maskOff, maskOff + ArenaAccess.maskBytes(count), (byte) 0);
    }

    // ------------------------------------------------------------------------------------------------------------
    // quantizedAdd
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Quantized element-wise add (the residual add), {@code FORMAT.md} §3.3. For each {@code i < count}:
     * <pre>
     *   a   = (float) (A[i] - aZero) * aScale          (float32)
     *   b   = (float) (B[i] - bZero) * bScale          (float32)
     *   v   = rint((a + b) / yScale)                   (float32 add and divide, ties to even)
     *   out = clamp(v + yZero, -128, 127)
     * </pre>
     * The scales are the float32 values {@code fl32(scale)} of the model's float64 scales. The output may be
     * the very same tensor as either operand (in place); any other overlap is rejected.
     *
     * @param arena   the activation arena
     * @param aOff    byte offset of the int8 operand A ({@code count} bytes)
     * @param aZero   zero point of A, in [-128, 127]
     * @param aScale  float32 scale of A
     * @param bOff    byte offset of the int8 operand B ({@code count} bytes)
     * @param bZero   zero point of B, in [-128, 127]
     * @param bScale  float32 scale of B
     * @param count   number of elements (&gt;= 0)
     * @param yZero   output zero point, in [-128, 127]
     * @param yScale  float32 output scale
     * @param outOff  byte offset of the int8 output ({@code count} bytes)
     * @param maskOff byte offset of the clamp mask ({@code ceil(count / 8)} bytes), or negative for none
     * @throws IllegalArgumentException if an argument is inconsistent; the message names it
     */
    public static void quantizedAdd(byte[] arena, int aOff, int aZero, float aScale, int bOff, int bZero, float bScale,
                                    int count, int yZero, float yScale, int outOff, int maskOff) {
        requireNonNull(arena, "arena");
        requireNonNegative(count, "count");
        requireZeroPoint(aZero, "aZero");
        requireZeroPoint(bZero, "bZero");
        requireZeroPoint(yZero, "yZero");
        requireRange(arena, aOff, count, "aOff");
        requireRange(arena, bOff, count, "bOff");
        requireRange(arena, outOff, count, "outOff");
        if (outOff != aOff) {
            requireDisjoint(outOff, count, "output", aOff, count, "operand A");
        }
        if (outOff != bOff) {
            requireDisjoint(outOff, count, "output", bOff, count, "operand B");
        }
        if (maskOff >= 0) {
            long maskLen = ArenaAccess.maskBytes(count);
            requireRange(arena, maskOff, maskLen, "maskOff");
            requireDisjoint(maskOff, maskLen, "mask", aOff, count, "operand A");
            requireDisjoint(maskOff, maskLen, "mask", bOff, count, "operand B");
            requireDisjoint(maskOff, maskLen, "mask", outOff, count, "output");
            clearMask(arena, maskOff, count);
        }
        for (int i = 0; i < count; i++) {
            float a = (float) (arena[aOff + i] - aZero) * aScale;
            float b = (float) (arena[bOff + i] - bZero) * bScale;
            float sum = a + b;
            int pre = roundBounded(sum / yScale) + yZero;
            store(arena, outOff, maskOff, i, pre);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // globalAvgPool
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Global average pool, {@code FORMAT.md} §3.4. For each channel {@code c}:
     * <pre>
     *   s      = sum over y, x of in[y, x, c]           (exact integer sum of the raw int8 values)
     *   out[c] = clamp(rint((float) s / (float) (h * w)), -128, 127)     (float32 divide, ties to even)
     * </pre>
     * The scale and zero point are unchanged by the pool, so no zero point enters. The output has no clamp
     * mask (the mean of int8 values never leaves [-128, 127]).
     *
     * @param arena  the activation arena
     * @param inOff  byte offset of the int8 input {@code [h][w][c]}
     * @param h      input height (&gt;= 1)
     * @param w      input width (&gt;= 1)
     * @param c      channels (&gt;= 1)
     * @param outOff byte offset of the int8 output {@code [c]} ({@code c} bytes); must not overlap the input
     * @throws IllegalArgumentException if an argument is inconsistent; the message names it
     */
    public static void globalAvgPool(byte[] arena, int inOff, int h, int w, int c, int outOff) {
        requireNonNull(arena, "arena");
        requirePositive(h, "h");
        requirePositive(w, "w");
        requirePositive(c, "c");
        long inLen = (long) h * w * c;
        requireRange(arena, inOff, inLen, "inOff");
        requireRange(arena, outOff, c, "outOff");
        requireDisjoint(inOff, inLen, "input", outOff, c, "output");
        final int pixels = h * w; // <= arena length, so no overflow
        final long[] sum = new long[c];
        int p = inOff;
        for (int k = 0; k < pixels; k++) {
            for (int ch = 0; ch < c; ch++) {
                sum[ch] += arena[p + ch];
            }
            p += c;
        }
        final float divisor = (float) pixels;
        for (int ch = 0; ch < c; ch++) {
            int v = roundBounded((float) sum[ch] / divisor);
            arena[outOff + ch] = (byte) (v < INT8_MIN ? INT8_MIN : (v > INT8_MAX ? INT8_MAX : v));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // dequantize
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Dequantize int8 to float32: {@code out[i] = (float) (q[i] - zero) * scale} (one float32 multiply), written
     * little-endian at {@code outOff + 4 * i}. Used for the transfer head's input
     * {@code (pooled_q - x_zero) * fl32(x_scale)}.
     *
     * @param arena  the activation arena
     * @param inOff  byte offset of the int8 input ({@code count} bytes)
     * @param count  number of elements (&gt;= 0)
     * @param zero   zero point, in [-128, 127]
     * @param scale  float32 scale ({@code fl32(x_scale)})
     * @param outOff byte offset of the float32 output ({@code 4 * count} bytes), a multiple of 4; must not overlap
     *               the input
     * @throws IllegalArgumentException if an argument is inconsistent; the message names it
     */
    public static void dequantize(byte[] arena, int inOff, int count, int zero, float scale, int outOff) {
        requireNonNull(arena, "arena");
        requireNonNegative(count, "count");
        requireZeroPoint(zero, "zero");
        requireAligned(outOff, "outOff");
        requireRange(arena, inOff, count, "inOff");
        requireRange(arena, outOff, 4L * count, "outOff");
        requireDisjoint(inOff, count, "input", outOff, 4L * count, "output");
        for (int i = 0; i < count; i++) {
            ArenaAccess.putFloat(arena, outOff + 4 * i, (float) (arena[inOff + i] - zero) * scale);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // linear
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Float32 fully connected layer (the transfer head):
     * <pre>
     *   acc = +0.0f
     *   for kk = 0 .. k-1:  acc = acc + in[kk] * weight[nn * k + kk]     (float32 multiply, then float32 add)
     *   out[nn] = acc + bias[nn]
     * </pre>
     * Products and sums are rounded separately (no fused multiply-add), in increasing {@code kk}; the bias is
     * added last.
     *
     * @param arena  the activation arena
     * @param inOff  byte offset of the float32 input {@code [k]}, a multiple of 4
     * @param k      input features (&gt;= 0)
     * @param weight row-major float32 weights {@code [n][k]}, length {@code n * k}
     * @param bias   float32 bias, length {@code n}
     * @param n      output features (&gt;= 0)
     * @param outOff byte offset of the float32 output {@code [n]}, a multiple of 4; must not overlap the input
     * @throws IllegalArgumentException if an argument is inconsistent; the message names it
     */
    public static void linear(byte[] arena, int inOff, int k, float[] weight, float[] bias, int n, int outOff) {
        requireNonNull(arena, "arena");
        requireNonNull(weight, "weight");
        requireNonNull(bias, "bias");
        requireNonNegative(k, "k");
        requireNonNegative(n, "n");
        if (weight.length != (long) n * k) {
            throw new IllegalArgumentException("weight has length " + weight.length + ", expected n*k = " + (long) n * k);
        }
        requireLength(bias.length, n, "bias");
        requireAligned(inOff, "inOff");
        requireAligned(outOff, "outOff");
        requireRange(arena, inOff, 4L * k, "inOff");
        requireRange(arena, outOff, 4L * n, "outOff");
        requireDisjoint(inOff, 4L * k, "input", outOff, 4L * n, "output");
        final float[] in = new float[k];
        for (int kk = 0; kk < k; kk++) {
            in[kk] = ArenaAccess.getFloat(arena, inOff + 4 * kk);
        }
        for (int nn = 0; nn < n; nn++) {
            final int row = nn * k;
            float acc = 0.0f;
            for (int kk = 0; kk < k; kk++) {
                acc += in[kk] * weight[row + kk];
            }
            ArenaAccess.putFloat(arena, outOff + 4 * nn, acc + bias[nn]);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // argument checks
    // ------------------------------------------------------------------------------------------------------------

    private static void requireNonNull(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    private static void requirePositive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be >= 1, was " + value);
        }
    }

    private static void requireNonNegative(int value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, was " + value);
        }
    }

    private static void requireZeroPoint(int value, String name) {
        if (value < INT8_MIN || value > INT8_MAX) {
            throw new IllegalArgumentException(name + " must be in [-128, 127], was " + value);
        }
    }

    private static void requireLength(int actual, int expected, String name) {
        if (actual != expected) {
            throw new IllegalArgumentException(name + " has length " + actual + ", expected " + expected);
        }
    }

    private static void requireAligned(int offset, String name) {
        if ((offset & 3) != 0) {
            throw new IllegalArgumentException(name + " (" + offset + ") must be a multiple of 4 for a float32 tensor");
        }
    }

    /** {@code [offset, offset + length)} must lie inside the arena. */
    private static void requireRange(byte[] arena, int offset, long length, String name) {
        if (offset < 0 || offset + length > arena.length) {
            throw new IllegalArgumentException(name + " (" + offset + ") with length " + length
                    + " does not fit in the arena of " + arena.length + " bytes");
        }
    }

    private static void requireDisjoint(long offA, long lenA, String nameA, long offB, long lenB, String nameB) {
        if (lenA > 0 && lenB > 0 && offA < offB + lenB && offB < offA + lenA) {
            throw new IllegalArgumentException(nameA + " [" + offA + ", " + (offA + lenA) + ") overlaps " + nameB
                    + " [" + offB + ", " + (offB + lenB) + ")");
        }
    }
}

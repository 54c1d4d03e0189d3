package dev.tinytrain.backend.jvm.fast;

import dev.tinytrain.backend.jvm.kernels.ForwardKernels;
import dev.tinytrain.planner.DepthwiseInPlace;
import java.util.Arrays;

/**
 * One conv node of a generated JVM program, lowered once with its constants: the geometry, zero points, bias and
 * scales are fixed when the program is generated, and so are the weights of a layer that no step updates (they
 * are widened and transposed then; a trained layer's are widened again at a run when they changed). Gives exactly the bytes
 * of {@link ForwardKernels#conv2d} (output and clamp mask), which remains the reference it is tested against.
 *
 * <ul>
 *   <li>Dense conv: a matrix multiply vectorized over output pixels (the input gathered to one row per window
 *       element, im2col) or, for a 1x1 conv that expands (at least as many output as input channels) or has
 *       more output channels than pixels, over output channels (the weights transposed to one row per input
 *       channel), four window elements per pass. The raw int8 inputs
 *       are multiplied (the input zero point is folded into a per-channel constant computed with the weights,
 *       {@code sum (x - z) w = sum x w - z sum w}) in float: every product is an integer of magnitude at most
 *       2^14 and there are at most {@value #FLOAT_EXACT_TERMS} per sum, so every partial sum is an integer of
 *       magnitude at most 2^24, exact in float in any order.</li>
 *   <li>Depthwise: one output row at a time; for each tap the inputs under the row are gathered into a row
 *       aligned with the output (from the input row's column phases at a stride above 1, so one copy per tap)
 *       and multiplied by the tap's weights tiled along the row, so the inner loop is
 *       one long multiply-add over pixels and channels, in float: a product is at most 255 * 128 in magnitude
 *       and a window has at most {@value #FLOAT_EXACT_TAPS} taps, so every partial sum is exact.</li>
 *   <li>The requantization runs in float over whole rows ({@link Int8Rows#roundSaturating}), then the bytes
 *       and mask bits are stored.</li>
 *   <li>Anything else (grouped convs, very long sums): the reference kernel.</li>
 * </ul>
 *
 * <p>The vectorized loops index every array with the loop variable itself: C2 (JDK 17) does not vectorize a loop
 * that reads an array at an invariant offset, so rows are separate arrays.
 *
 * <p>The scratch arrays come from the program's {@link Scratch}, so one instance runs on one thread at a time (a
 * generated program is run by one thread).
 */
public final class FastConv2d {
    /**
     * Row slots of {@link Scratch} that only this class uses (the backward kernels use slots 0 to 4): the column
     * phases of a strided depthwise conv's input row, and a dense conv's sums per output row on centered rows.
     */
    static final int PHASE_ROWS = 5, ROW_SUMS = 6;
    /** Most window elements ({@code kH * kW * inC}) of a dense conv whose sums are exact in float (see above). */
    static final int FLOAT_EXACT_TERMS = 1 << 10;
    /** Largest depthwise window whose sums of {@code (x - xZero) * w} (each at most 255 * 128) are exact in float. */
    static final int FLOAT_EXACT_TAPS = (1 << 24) / (255 * 128);

    private enum Kind { DENSE_PIXELS, POINTWISE_CHANNELS, DEPTHWISE, REFERENCE }

    private final int inH, inW, inC, xZero, kH, kW, stride, padTop, padLeft, groups, yZero, outH, outW, outC;
    private final byte[] weight;
    private final float[] bias, eff;
    private final boolean weightsFixed;
    /**
     * A trained layer's weights as they were when last widened (null for fixed weights): a run re-widens them only
     * when they differ (a step updates them; between inferences they stay), and the comparison is a vectorized
     * scan that costs a fraction of the widening.
     */
    private final byte[] widenedWeights;
    private final Kind kind;
    /**
     * Dense: weights as floats, {@code [o][window element]} (pixel-major) or rows {@code [c][o]} (channel-major); a
     * fixed 1x1 pixel-major conv has both, for {@link #runCenteredRows}.
     */
    private float[] wByOutput;
    private float[][] wRows;
    /** Dense: {@code xZero * sum w[o][..]} per output channel, as float (exact: at most 2^24 in magnitude). */
    private float[] zeroSum;
    /** Depthwise: one row of weights per tap, the tap's channels tiled along the output row. */
    private float[][] wTaps;
    /**
     * Scratch (slots of {@link Scratch}): depthwise, flat 0 the widened input, 1 the gathered tap row, 2 the
     * sums, 3 and 4 the bias and scale tiled along the row, rows {@link #PHASE_ROWS} an input row's column
     * phases (stride above 1);
     * dense pixel-major, rows 0 the im2col input {@code [window element][pixel]}, flat 0 the sums of one output
     * channel, flat 1 the rounded outputs in NHWC order, rows {@link #ROW_SUMS} (centered rows) the sums of each
     * output row;
     * channel-major, flat 0 the sums of one pixel, 1 those of an output row, 2, 3 and 4 the zero-point sums, bias
     * and scale tiled along an output row.
     */
    private final Scratch scratch;
    /**
     * Whether {@link #runCenteredRows} may run: fixed weights, and constants under which no requantization is NaN
     * (see {@link #CENTERED_BOUND}), and dense sums of centered inputs that stay exact in float.
     */
    private final boolean centeredRows;
    /** Depthwise on centered rows: the bias and scale tiled along an output row (fixed weights: tiled once). */
    private float[] biasTiled, effTiled;

    /**
     * Lowers one conv; the arguments are those of {@link ForwardKernels#conv2d} without the arena offsets.
     *
     * @param weightsFixed true when no step updates {@code weight} (it is then read once, here)
     * @throws IllegalArgumentException if the geometry is inconsistent (checked as the reference kernel does)
     */
    public FastConv2d(int inH, int inW, int inC, int xZero, byte[] weight, int kH, int kW, int stride, int padTop,
                      int padLeft, int groups, float[] bias, float[] eff, int yZero, int outH, int outW, int outC,
                      boolean weightsFixed, Scratch scratch) {
        this.inH = inH;
        this.inW = inW;
        this.inC = inC;
        this.xZero = xZero;
        this.weight = weight;
        this.kH = kH;
        this.kW = kW;
        this.stride = stride;
        this.padTop = padTop;
        this.padLeft = padLeft;
        this.groups = groups;
        this.bias = bias;
        this.eff = eff;
        this.yZero = yZero;
        this.outH = outH;
        this.outW = outW;
        this.outC = outC;
        this.weightsFixed = weightsFixed;
        this.scratch = scratch;
        // the reference checks every argument; a run on an arena of exactly the tensors' size does it once here
        int inLen = Math.multiplyExact(Math.multiplyExact(inH, inW), inC);
        int outLen = Math.multiplyExact(Math.multiplyExact(outH, outW), outC);
        ForwardKernels.conv2d(new byte[inLen + outLen], 0, inH, inW, inC, xZero, weight, kH, kW, stride, padTop,
                padLeft, groups, bias, eff, yZero, inLen, outH, outW, outC, -1);
        boolean depthwise = groups == inC && groups == outC;
        int pixels = outH * outW;
        if (depthwise && (long) kH * kW <= FLOAT_EXACT_TAPS) {
            kind = Kind.DEPTHWISE;
            wTaps = new float[kH * kW][outW * inC];
            scratch.floats(0, inLen);
            for (int slot = 1; slot <= 4; slot++) {
                scratch.floats(slot, outW * inC);
            }
            if (stride > 1) {
                scratch.rows(PHASE_ROWS, stride, ceilDiv(inW, stride) * inC);
            }
        } else if (!depthwise && groups == 1 && (long) kH * kW * inC <= FLOAT_EXACT_TERMS
                && (pixels >= outC || kH * kW == 1)) {
            // A 1x1 conv with at least as many output as input channels (an expansion), or with fewer pixels
            // than output channels, is vectorized over its output channels: per pixel the longer vector, and no
            // im2col gather of the input or transposition of the output (measured faster on every such layer of
            // the shipped models); others over output pixels.
            kind = kH * kW == 1 && (outC >= inC || pixels < outC) ? Kind.POINTWISE_CHANNELS : Kind.DENSE_PIXELS;
            zeroSum = new float[outC];
            if (kind == Kind.DENSE_PIXELS) {
                wByOutput = new float[outC * kH * kW * inC];
                if (kH * kW == 1 && weightsFixed) {
                    // centered rows (a band region) run a 1x1 projection over channels, see runCenteredRows
                    wRows = new float[inC][outC];
                }
                scratch.rows(0, kH * kW * inC, pixels);
                scratch.floats(0, pixels);
                scratch.floats(1, pixels * outC);
            } else {
                wRows = new float[inC][outC];
                scratch.floats(0, outC);
                for (int slot = 1; slot <= 4; slot++) {
                    scratch.floats(slot, outW * outC);
                }
            }
        } else {
            kind = Kind.REFERENCE;
        }
        prepareWeights();
        widenedWeights = weightsFixed || kind == Kind.REFERENCE ? null : weight.clone();
        centeredRows = weightsFixed && kind != Kind.REFERENCE && centeredSafe(bias, eff)
                && (kind == Kind.DEPTHWISE || (long) kH * kW * inC <= FLOAT_EXACT_TAPS);
        if (centeredRows) {
            // the band region runs only frozen layers: bias and scales never change, so they are tiled once
            biasTiled = new float[outW * outC];
            effTiled = new float[outW * outC];
            tile(bias, biasTiled, outW);
            tile(eff, effTiled, outW);
            if (kind == Kind.DENSE_PIXELS) {
                scratch.rows(ROW_SUMS, 1, outW * outC); // a window of more rows (bands above 1) grows it once
            }
        }
    }

    /** Copies {@code channels} {@code times} times along {@code into}. */
    private static void tile(float[] channels, float[] into, int times) {
        for (int k = 0, n = channels.length; k < times * n; k += n) {
            System.arraycopy(channels, 0, into, k, n);
        }
    }

    /**
     * Largest bias magnitude {@link #runCenteredRows} takes: with a finite scale, {@code (sum + bias) * scale} is
     * then finite or infinite but never NaN (a sum is at most 2^24), so the requantization needs no NaN case.
     */
    static final float CENTERED_BOUND = 0x1p100f;

    private static boolean centeredSafe(float[] bias, float[] eff) {
        for (int o = 0; o < bias.length; o++) {
            if (!(Math.abs(bias[o]) <= CENTERED_BOUND) || !Float.isFinite(eff[o])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@link #runCenteredRows} is available: weights fixed, a fast kernel, constants under which the
     * requantization is never NaN, and sums of centered inputs exact in float. That path reads the bias and scales
     * once, here (tiled along an output row): it is for a band region, whose layers no step updates.
     */
    public boolean runsCenteredRows() {
        return centeredRows;
    }

    /** The input's zero point. */
    int xZero() {
        return xZero;
    }

    /** The output's zero point. */
    int yZero() {
        return yZero;
    }

    /** Which kernel this conv runs: dense_pixels, pointwise_channels, depthwise or reference. */
    public String kernel() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Runs the conv: the input at {@code inOff}, the output at {@code outOff}, the clamp mask at {@code maskOff}
     * (negative: none), with the placement rules of {@link ForwardKernels#conv2d}.
     */
    public void run(byte[] arena, int inOff, int outOff, int maskOff) {
        runWindow(arena, inOff, inH, padTop, outOff, outH, maskOff);
    }

    /**
     * Runs the conv on a row window (a band region's step, {@code BandProgram.Window}): the kernel sees
     * {@code inRows} input rows at {@code inOff} with {@code windowPadTop} padding rows above them, and writes
     * {@code outRows} output rows at {@code outOff}; rows it sees outside the window are padding, so the window must
     * hold every input row its output rows read. Each output byte is the one the whole-tensor {@link #run} gives for
     * the same row: {@link #run} is this call with the whole input.
     */
    public void runRows(byte[] arena, int inOff, int inRows, int windowPadTop, int outOff, int outRows) {
        if (inRows < 1 || inRows > inH || windowPadTop < 0 || windowPadTop > padTop || outRows < 1 || outRows > outH) {
            throw new IllegalArgumentException("conv row window of " + inRows + " input rows, pad " + windowPadTop
                    + ", " + outRows + " output rows does not fit the layer's " + inH + " rows, pad " + padTop + ", "
                    + outH + " output rows");
        }
        runWindow(arena, inOff, inRows, windowPadTop, outOff, outRows, -1);
    }

    /**
     * Runs the conv on a row window of centered float rows: the band region's line buffers kept as floats
     * ({@link BandRegionKernel}). Input row {@code r} of the window is {@code in[inRow0 + r]}, {@code inW * inC}
     * values {@code x - xZero} in NHWC order, seen with {@code windowPadTop} padding rows above as in
     * {@link #runRows}; output row {@code r} is written to {@code out[outRow0 + r]} as {@code y - yZero}, where
     * {@code y} is the byte {@link #runRows} writes. No byte is converted: the sums of {@code (x - xZero) * w} are the
     * reference's exact integer sums, and the output stage is its requantization and clamp in float. A 1x1 conv runs
     * over output channels here whatever its whole-tensor kernel: a window of a band is a row or a few, too few
     * pixels for a loop over pixels, and this needs no transposition in or out.
     *
     * @throws IllegalStateException if {@link #runsCenteredRows} is false
     */
    public void runCenteredRows(float[][] in, int inRow0, int inRows, int windowPadTop, float[][] out, int outRow0,
                                int outRows) {
        if (!centeredRows) {
            throw new IllegalStateException("this conv (" + kernel() + ") does not run on centered rows");
        }
        if (inRows < 1 || inRows > inH || windowPadTop < 0 || windowPadTop > padTop || outRows < 1 || outRows > outH
                || inRow0 < 0 || inRow0 + inRows > in.length || outRow0 < 0 || outRow0 + outRows > out.length) {
            throw new IllegalArgumentException("conv row window of " + inRows + " input rows from " + inRow0 + ", pad "
                    + windowPadTop + ", " + outRows + " output rows from " + outRow0 + " does not fit the layer's "
                    + inH + " rows, pad " + padTop + ", " + outH + " output rows or the buffers");
        }
        float lo = -128 - yZero;
        float hi = 127 - yZero;
        switch (kind) {
            case DENSE_PIXELS -> {
                if (wRows != null) {
                    pointwiseChannelsRows(in, inRow0, inRows, windowPadTop, out, outRow0, outRows, lo, hi);
                } else {
                    densePixelsRows(in, inRow0, inRows, windowPadTop, out, outRow0, outRows, lo, hi);
                }
            }
            case POINTWISE_CHANNELS -> pointwiseChannelsRows(in, inRow0, inRows, windowPadTop, out, outRow0, outRows,
                    lo, hi);
            default -> depthwiseRows(in, inRow0, inRows, windowPadTop, out, outRow0, outRows, lo, hi);
        }
    }

    private void runWindow(byte[] arena, int inOff, int inH, int padTop, int outOff, int outH, int maskOff) {
        if (kind == Kind.REFERENCE) {
            ForwardKernels.conv2d(arena, inOff, inH, inW, inC, xZero, weight, kH, kW, stride, padTop, padLeft, groups,
                    bias, eff, yZero, outOff, outH, outW, outC, maskOff);
            return;
        }
        checkPlacement(arena, inOff, outOff, maskOff, inH, outH);
        if (widenedWeights != null && !Arrays.equals(weight, widenedWeights)) {
            prepareWeights();
            System.arraycopy(weight, 0, widenedWeights, 0, weight.length);
        }
        if (maskOff >= 0) {
            Arrays.fill(arena, maskOff, maskOff + ((outH * outW * outC + 7) >>> 3), (byte) 0);
        }
        switch (kind) {
            case DENSE_PIXELS -> densePixels(arena, inOff, outOff, maskOff, inH, padTop, outH);
            case POINTWISE_CHANNELS -> pointwiseChannels(arena, inOff, outOff, maskOff, inH, padTop, outH);
            default -> depthwise(arena, inOff, outOff, maskOff, inH, padTop, outH);
        }
    }

    private void prepareWeights() {
        switch (kind) {
            case DENSE_PIXELS, POINTWISE_CHANNELS -> {
                int terms = kH * kW * inC; // OHWI: one output channel's weights are its window, in patch order
                for (int o = 0; o < outC; o++) {
                    int sum = 0;
                    for (int c = o * terms; c < (o + 1) * terms; c++) {
                        sum += weight[c];
                    }
                    zeroSum[o] = xZero * sum;
                }
                if (wByOutput != null) {
                    for (int k = 0; k < wByOutput.length; k++) {
                        wByOutput[k] = weight[k];
                    }
                }
                if (wRows != null) { // row by row: each row is written in order
                    for (int c = 0; c < terms; c++) {
                        final float[] row = wRows[c];
                        for (int o = 0, at = c; o < outC; o++, at += terms) {
                            row[o] = weight[at];
                        }
                    }
                }
            }
            case DEPTHWISE -> {
                for (int t = 0; t < kH * kW; t++) { // the tap's channels, then copies of them along the row
                    float[] row = wTaps[t];
                    for (int c = 0; c < inC; c++) {
                        row[c] = weight[t * inC + c];
                    }
                    for (int k = inC; k < row.length; k += inC) {
                        System.arraycopy(row, 0, row, k, inC);
                    }
                }
            }
            case REFERENCE -> {
            }
        }
    }

    private void checkPlacement(byte[] arena, int inOff, int outOff, int maskOff, int inH, int outH) {
        long inLen = (long) inH * inW * inC;
        long outLen = (long) outH * outW * outC;
        long maskLen = (outLen + 7) >>> 3;
        if (inOff < 0 || inOff + inLen > arena.length || outOff < 0 || outOff + outLen > arena.length
                || (maskOff >= 0 && maskOff + maskLen > arena.length)) {
            throw new IllegalArgumentException("conv input " + inOff + ", output " + outOff + " or mask " + maskOff
                    + " does not fit in the arena of " + arena.length + " bytes");
        }
        boolean overlap = inOff < outOff + outLen && outOff < inOff + inLen;
        if (overlap && (kind != Kind.DEPTHWISE || (long) inOff - outOff < DepthwiseInPlace.minimumLead(inH, inW,
                inC, kH, kW, stride, padTop, padLeft, outH, outW))) {
            throw new IllegalArgumentException("conv output at " + outOff + " overlaps its input at " + inOff);
        }
        if (maskOff >= 0 && ((maskOff < outOff + outLen && outOff < maskOff + maskLen)
                || (maskOff < inOff + inLen && inOff < maskOff + maskLen))) {
            throw new IllegalArgumentException("conv mask at " + maskOff + " overlaps its input or output");
        }
    }

    /** The input byte offset of output pixel {@code (oy, ox)}'s 1x1 window, or -1 when it falls in the padding. */
    private int pointwiseInput(int inOff, int oy, int ox, int inH, int padTop) {
        int iy = oy * stride - padTop;
        int ix = ox * stride - padLeft;
        return iy >= 0 && iy < inH && ix >= 0 && ix < inW ? inOff + (iy * inW + ix) * inC : -1;
    }

    /**
     * Dense conv (groups 1), vectorized over output pixels: the input gathered to one row per window element
     * ({@code [(i * kW + j) * inC + c][pixel]}, im2col; a padding position reads the zero point, so it adds 0),
     * then per output channel {@code acc[p] += w[o][t] * x[t][p]}, four window elements per pass.
     */
    private void densePixels(byte[] arena, int inOff, int outOff, int maskOff, int inH, int padTop, int outH) {
        final int pixels = outH * outW;
        final int inC = this.inC;
        final int terms = kH * kW * inC;
        final float[][] x = scratch.rows(0, terms, pixels);
        final float[] acc = scratch.floats(0, pixels);
        final float[] rounded = scratch.floats(1, pixels * outC);
        for (int oy = 0, p = 0; oy < outH; oy++, p += outW) {
            for (int i = 0; i < kH; i++) {
                final int iy = oy * stride - padTop + i;
                final boolean inside = iy >= 0 && iy < inH;
                for (int j = 0; j < kW; j++) {
                    final int t0 = (i * kW + j) * inC;
                    final int ox0 = inside ? Math.min(outW, Math.max(0, ceilDiv(padLeft - j, stride))) : outW;
                    final int ox1 = inside ? Math.max(ox0, Math.min(outW,
                            Math.floorDiv(inW - 1 + padLeft - j, stride) + 1)) : outW;
                    final int base = inOff + (iy * inW + ox0 * stride + j - padLeft) * inC;
                    for (int c = 0; c < inC; c++) {
                        final float[] xr = x[t0 + c];
                        // padding reads the zero point, so it adds 0 (plain loops: Arrays.fill's shared profile
                        // would learn these short runs and slow the other kernels' long fills)
                        for (int ox = 0; ox < ox0; ox++) {
                            xr[p + ox] = xZero;
                        }
                        for (int ox = ox0, at = base + c; ox < ox1; ox++, at += stride * inC) {
                            xr[p + ox] = arena[at];
                        }
                        for (int ox = ox1; ox < outW; ox++) {
                            xr[p + ox] = xZero;
                        }
                    }
                }
            }
        }
        final float[] w = wByOutput;
        for (int o = 0; o < outC; o++) {
            sumPixels(acc, w, o * terms, x, terms, pixels);
            // (float) of the reference's exact int sum: one rounding of the exact difference of two exact floats
            final float zs = zeroSum[o], b = bias[o], e = eff[o];
            for (int p = 0; p < pixels; p++) {
                acc[p] = Int8Rows.roundSaturating(((acc[p] - zs) + b) * e);
            }
            for (int p = 0, k = o; p < pixels; p++, k += outC) {
                rounded[k] = acc[p];
            }
        }
        Int8Rows.storeRounded(rounded, pixels * outC, yZero, arena, outOff, 0, maskOff);
    }

    /**
     * 1x1 conv with few pixels and many output channels, vectorized over output channels: per pixel
     * {@code acc[o] += x[c] * w[c][o]}, four input channels per pass.
     */
    private void pointwiseChannels(byte[] arena, int inOff, int outOff, int maskOff, int inH, int padTop,
                                   int outH) {
        final int rowLen = outW * outC;
        final float[] acc = scratch.floats(0, outC);
        final float[] sums = scratch.floats(1, rowLen);
        final float[] zs = scratch.floats(2, rowLen);
        final float[] b = scratch.floats(3, rowLen);
        final float[] e = scratch.floats(4, rowLen);
        tile(zeroSum, zs, outW);
        tile(bias, b, outW); // a trained layer's bias changes from run to run
        tile(eff, e, outW);
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                final int base = pointwiseInput(inOff, oy, ox, inH, padTop);
                if (base < 0) { // all padding: the sum is 0
                    System.arraycopy(zeroSum, 0, sums, ox * outC, outC);
                    continue;
                }
                pointwiseSums(acc, arena, base);
                System.arraycopy(acc, 0, sums, ox * outC, outC);
            }
            // (float) of the reference's exact int sum: one rounding of the exact difference of two exact floats
            for (int k = 0; k < rowLen; k++) {
                sums[k] = Int8Rows.roundSaturating(((sums[k] - zs[k]) + b[k]) * e[k]);
            }
            Int8Rows.storeRounded(sums, rowLen, yZero, arena, outOff, oy * rowLen, maskOff);
        }
    }

    /**
     * {@code acc[o] = sum over c of x[c] * w[c][o]} for one pixel's raw int8 inputs at {@code arena[base ..]}, four
     * channels per pass, the first assigning.
     */
    private void pointwiseSums(float[] acc, byte[] arena, int base) {
        final float[][] w = wRows;
        int c;
        if (inC >= 4) {
            final float x0 = arena[base], x1 = arena[base + 1], x2 = arena[base + 2], x3 = arena[base + 3];
            final float[] w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
            for (int o = 0; o < outC; o++) {
                acc[o] = x0 * w0[o] + x1 * w1[o] + x2 * w2[o] + x3 * w3[o];
            }
            c = 4;
        } else {
            final float x0 = arena[base];
            final float[] w0 = w[0];
            for (int o = 0; o < outC; o++) {
                acc[o] = x0 * w0[o];
            }
            c = 1;
        }
        for (; c + 4 <= inC; c += 4) {
            final float x0 = arena[base + c], x1 = arena[base + c + 1];
            final float x2 = arena[base + c + 2], x3 = arena[base + c + 3];
            final float[] w0 = w[c], w1 = w[c + 1], w2 = w[c + 2], w3 = w[c + 3];
            for (int o = 0; o < outC; o++) {
                acc[o] += x0 * w0[o] + x1 * w1[o] + x2 * w2[o] + x3 * w3[o];
            }
        }
        for (; c < inC; c++) {
            final float x0 = arena[base + c];
            final float[] w0 = w[c];
            for (int o = 0; o < outC; o++) {
                acc[o] += x0 * w0[o];
            }
        }
    }

    /**
     * Depthwise conv, one output row at a time: for each tap the inputs under the row are gathered (one copy for
     * stride 1, one per pixel otherwise) into a row aligned with the output, then {@code acc[k] += x[k] * w[k]}
     * over the whole row with the tap's weights tiled along it.
     */
    private void depthwise(byte[] arena, int inOff, int outOff, int maskOff, int inH, int padTop, int outH) {
        final int inLen = inH * inW * inC;
        final int rowLen = outW * inC;
        final float[] xs = scratch.floats(0, inLen);
        final float[] acc = scratch.floats(2, rowLen);
        final float[] b = scratch.floats(3, rowLen);
        final float[] e = scratch.floats(4, rowLen);
        for (int k = 0; k < inLen; k++) {
            xs[k] = arena[inOff + k] - xZero; // a copy first also makes an in-place output safe
        }
        final int ch = inC;
        for (int k = 0; k < rowLen; k += ch) { // the bias of a trained layer changes from run to run
            System.arraycopy(bias, 0, b, k, ch);
            System.arraycopy(eff, 0, e, k, ch);
        }
        final int inRowLen = inW * ch;
        for (int oy = 0; oy < outH; oy++) {
            Arrays.fill(acc, 0, rowLen, 0f);
            for (int i = 0; i < kH; i++) {
                final int iy = oy * stride + i - padTop;
                if (iy >= 0 && iy < inH) {
                    depthwiseKernelRow(acc, xs, iy * inRowLen, i);
                }
            }
            for (int k = 0; k < rowLen; k++) {
                acc[k] = Int8Rows.roundSaturating((acc[k] + b[k]) * e[k]);
            }
            Int8Rows.storeRounded(acc, rowLen, yZero, arena, outOff, oy * rowLen, maskOff);
        }
    }

    /**
     * Adds kernel row {@code i}'s taps to one output row: {@code acc[ox * C + c] += x[iy][ox * stride + j - padLeft][c]
     * * w[i][j][c]} over the taps {@code j}, the input row (centered) at {@code src[base ..]}. Each tap's inputs are
     * gathered into a row aligned with the output over the columns where it falls inside the input: one copy at
     * stride 1; at a larger stride the input row is first split into its column phases ({@code ix mod stride}), so a
     * tap is again one copy from its phase. Then one multiply-add pass over those columns.
     */
    private void depthwiseKernelRow(float[] acc, float[] src, int base, int i) {
        final int ch = inC;
        final int rowLen = outW * ch;
        final float[] x = scratch.floats(1, rowLen);
        float[][] phases = null;
        if (stride > 1) {
            final int phaseLen = ceilDiv(inW, stride) * ch;
            phases = scratch.rows(PHASE_ROWS, stride, phaseLen);
            for (int ix = 0; ix < inW; ix++) {
                System.arraycopy(src, base + ix * ch, phases[ix % stride], (ix / stride) * ch, ch);
            }
        }
        for (int j = 0; j < kW; j++) {
            // output columns whose tap (i, j) falls inside the input: 0 <= ox * stride + j - padLeft < inW
            final int ox0 = Math.max(0, ceilDiv(padLeft - j, stride));
            final int ox1 = Math.min(outW, Math.floorDiv(inW - 1 + padLeft - j, stride) + 1);
            if (ox0 >= ox1) {
                continue;
            }
            final int from = ox0 * ch;
            final int to = ox1 * ch;
            final int ix0 = ox0 * stride + j - padLeft;
            if (stride == 1) {
                System.arraycopy(src, base + ix0 * ch, x, from, to - from);
            } else {
                System.arraycopy(phases[ix0 % stride], (ix0 / stride) * ch, x, from, to - from);
            }
            final float[] w = wTaps[i * kW + j];
            for (int k = from; k < to; k++) {
                acc[k] += x[k] * w[k];
            }
        }
    }

    /** {@link #densePixels} on centered rows: padding gathers 0, outputs scattered into the NHWC output rows. */
    private void densePixelsRows(float[][] in, int inRow0, int inH, int padTop, float[][] out, int outRow0, int outH,
                                 float lo, float hi) {
        final int pixels = outH * outW;
        final int inC = this.inC;
        final int terms = kH * kW * inC;
        final float[][] x = scratch.rows(0, terms, pixels);
        final float[] acc = scratch.floats(0, pixels);
        for (int oy = 0, p = 0; oy < outH; oy++, p += outW) {
            for (int i = 0; i < kH; i++) {
                final int iy = oy * stride - padTop + i;
                final float[] row = iy >= 0 && iy < inH ? in[inRow0 + iy] : null;
                for (int j = 0; j < kW; j++) {
                    final int t0 = (i * kW + j) * inC;
                    final int ox0 = row != null ? Math.min(outW, Math.max(0, ceilDiv(padLeft - j, stride))) : outW;
                    final int ox1 = row != null ? Math.max(ox0, Math.min(outW,
                            Math.floorDiv(inW - 1 + padLeft - j, stride) + 1)) : outW;
                    final int base = (ox0 * stride + j - padLeft) * inC;
                    for (int c = 0; c < inC; c++) {
                        final float[] xr = x[t0 + c];
                        for (int ox = 0; ox < ox0; ox++) { // see densePixels
                            xr[p + ox] = 0f;
                        }
                        for (int ox = ox0, at = base + c; ox < ox1; ox++, at += stride * inC) {
                            xr[p + ox] = row[at];
                        }
                        for (int ox = ox1; ox < outW; ox++) {
                            xr[p + ox] = 0f;
                        }
                    }
                }
            }
        }
        final float[] w = wByOutput;
        final float[][] sums = scratch.rows(ROW_SUMS, outH, outW * outC);
        for (int o = 0; o < outC; o++) {
            sumPixels(acc, w, o * terms, x, terms, pixels);
            for (int oy = 0, p = 0; oy < outH; oy++) {
                final float[] row = sums[oy];
                for (int ox = 0, k = o; ox < outW; ox++, p++, k += outC) {
                    row[k] = acc[p];
                }
            }
        }
        final int rowLen = outW * outC;
        final float[] b = biasTiled;
        final float[] e = effTiled;
        for (int oy = 0; oy < outH; oy++) {
            final float[] s = sums[oy];
            final float[] row = out[outRow0 + oy];
            for (int k = 0; k < rowLen; k++) {
                row[k] = Math.max(lo, Math.min(hi, Int8Rows.roundSaturating((s[k] + b[k]) * e[k])));
            }
        }
    }

    /**
     * {@code acc[p] = sum over t of w[q + t] * x[t][p]} ({@code terms >= 1}), four terms per pass, the first pass
     * assigning (exact sums: any order). Serves both directions of a matrix product: pixels of an im2col row set
     * ({@code w} the weights), or output channels of one pixel ({@code w} the pixel's inputs, {@code x} the weight
     * rows).
     */
    private static void sumPixels(float[] acc, float[] w, int q, float[][] x, int terms, int pixels) {
        int c;
        if (terms >= 4) {
            final float w0 = w[q], w1 = w[q + 1], w2 = w[q + 2], w3 = w[q + 3];
            final float[] x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
            for (int p = 0; p < pixels; p++) {
                acc[p] = w0 * x0[p] + w1 * x1[p] + w2 * x2[p] + w3 * x3[p];
            }
            c = 4;
        } else {
            final float w0 = w[q];
            final float[] x0 = x[0];
            for (int p = 0; p < pixels; p++) {
                acc[p] = w0 * x0[p];
            }
            c = 1;
        }
        for (; c + 4 <= terms; c += 4) {
            final float w0 = w[q + c], w1 = w[q + c + 1], w2 = w[q + c + 2], w3 = w[q + c + 3];
            final float[] x0 = x[c], x1 = x[c + 1], x2 = x[c + 2], x3 = x[c + 3];
            for (int p = 0; p < pixels; p++) {
                acc[p] += w0 * x0[p] + w1 * x1[p] + w2 * x2[p] + w3 * x3[p];
            }
        }
        for (; c < terms; c++) {
            final float w0 = w[q + c];
            final float[] x0 = x[c];
            for (int p = 0; p < pixels; p++) {
                acc[p] += w0 * x0[p];
            }
        }
    }

    /** {@link #pointwiseChannels} on centered rows: a padding pixel's sum is 0. */
    private void pointwiseChannelsRows(float[][] in, int inRow0, int inH, int padTop, float[][] out, int outRow0,
                                       int outH, float lo, float hi) {
        final int rowLen = outW * outC;
        final float[] acc = scratch.floats(0, outC);
        final float[] sums = scratch.floats(1, rowLen);
        final float[] b = biasTiled;
        final float[] e = effTiled;
        for (int oy = 0; oy < outH; oy++) {
            final int iy = oy * stride - padTop;
            final float[] row = iy >= 0 && iy < inH ? in[inRow0 + iy] : null;
            for (int ox = 0; ox < outW; ox++) {
                final int ix = ox * stride - padLeft;
                if (row != null && ix >= 0 && ix < inW) {
                    pointwiseRowSums(acc, row, ix * inC);
                } else {
                    Arrays.fill(acc, 0, outC, 0f);
                }
                System.arraycopy(acc, 0, sums, ox * outC, outC);
            }
            final float[] o = out[outRow0 + oy];
            for (int k = 0; k < rowLen; k++) {
                o[k] = Math.max(lo, Math.min(hi, Int8Rows.roundSaturating((sums[k] + b[k]) * e[k])));
            }
        }
    }

    /** {@link #pointwiseSums} of one pixel's centered inputs at {@code row[base ..]}. */
    private void pointwiseRowSums(float[] acc, float[] row, int base) {
        sumPixels(acc, row, base, wRows, inC, outC);
    }

    /**
     * {@link #depthwise} on centered rows: the taps' inputs are gathered straight from the input rows (no copy
     * or conversion of the window first); padding taps are skipped (they add 0).
     */
    private void depthwiseRows(float[][] in, int inRow0, int inH, int padTop, float[][] out, int outRow0, int outH,
                               float lo, float hi) {
        final int rowLen = outW * inC;
        final float[] acc = scratch.floats(2, rowLen);
        final float[] b = biasTiled;
        final float[] e = effTiled;
        for (int oy = 0; oy < outH; oy++) {
            Arrays.fill(acc, 0, rowLen, 0f);
            for (int i = 0; i < kH; i++) {
                final int iy = oy * stride + i - padTop;
                if (iy >= 0 && iy < inH) {
                    depthwiseKernelRow(acc, in[inRow0 + iy], 0, i);
                }
            }
            final float[] o = out[outRow0 + oy];
            for (int k = 0; k < rowLen; k++) {
                o[k] = Math.max(lo, Math.min(hi, Int8Rows.roundSaturating((acc[k] + b[k]) * e[k])));
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

}

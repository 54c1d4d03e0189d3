package dev.tinytrain.ir.ops;

/**
 * How far a depthwise convolution's output must start before its input for the two to share bytes (defined here,
 * in the IR, because both the planner's in-place depthwise and a band region's in-place line buffers rely on it).
 *
 * <p>The contract with the backends' depthwise kernels ({@code ForwardKernels.conv2d} on the JVM, {@code tt_conv2d}
 * in C): outputs are produced in NHWC order, element {@code e = (oy * outW + ox) * C + c} after element
 * {@code e - 1}, and element {@code e} reads only the taps {@code (iy, ix, c)} of its own window, all before it is
 * written. With the output at byte offset {@code o} and the input at {@code o + lead}, input element {@code r} sits
 * where output element {@code r + lead} is written, so a read of {@code r} while computing {@code e} finds the
 * input intact iff {@code r + lead >= e}. The smallest safe lead is therefore
 * {@code max(0, max over e of (e - firstRead(e)))}, where {@code firstRead(e)} is the lowest input index the
 * window of {@code e} touches; {@code c} cancels, so it is {@code C} times a maximum over output pixels.
 *
 * <p>Typical values: a stride-2 3x3 conv with "same" padding needs no lead (its output rows fall on input rows
 * already consumed); a stride-1 kxk conv needs {@code (p * inW + p) * C} bytes with {@code p = (k - 1) / 2},
 * about {@code p} input rows instead of a whole second tensor.
 */
public final class DepthwiseLead {

    private DepthwiseLead() {
    }

    /**
     * The smallest lead, in elements (= bytes, int8), of the output before the input that keeps every read of
     * the kernel ahead of its writes.
     *
     * @param inH input height
     * @param inW input width
     * @param channels channels (input = output)
     * @param kH kernel height
     * @param kW kernel width
     * @param stride stride in both dimensions
     * @param padTop padding rows above
     * @param padLeft padding columns left
     * @param outH output height
     * @param outW output width
     * @return the lead in elements, {@code >= 0}
     * @throws IllegalArgumentException if a size is not positive or a padding negative
     */
    public static long minimumLead(int inH, int inW, int channels, int kH, int kW, int stride, int padTop,
                                   int padLeft, int outH, int outW) {
        if (inH < 1 || inW < 1 || channels < 1 || kH < 1 || kW < 1 || stride < 1 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("depthwise geometry needs positive sizes and stride, got in " + inH
                    + "x" + inW + "x" + channels + " k " + kH + "x" + kW + " stride " + stride + " out " + outH + "x"
                    + outW);
        }
        if (padTop < 0 || padLeft < 0) {
            throw new IllegalArgumentException("depthwise padding must be >= 0, got top " + padTop + " left "
                    + padLeft);
        }
        long worst = 0;
        for (int oy = 0; oy < outH; oy++) {
            long iy0 = (long) oy * stride - padTop;
            long firstRow = Math.max(iy0, 0);
            if (firstRow >= Math.min(iy0 + kH, inH)) {
                continue; // window entirely in padding rows: no reads
            }
            for (int ox = 0; ox < outW; ox++) {
                long ix0 = (long) ox * stride - padLeft;
                long firstCol = Math.max(ix0, 0);
                if (firstCol >= Math.min(ix0 + kW, inW)) {
                    continue;
                }
                worst = Math.max(worst, ((long) oy * outW + ox) - (firstRow * inW + firstCol));
            }
        }
        return worst * channels;
    }
}

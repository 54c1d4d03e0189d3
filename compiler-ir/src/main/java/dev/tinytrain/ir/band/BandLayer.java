package dev.tinytrain.ir.band;

import java.util.List;

/**
 * The row geometry of one layer of a band region, all the band program needs to know about it.
 *
 * <p>Tensors are numbered within the region: 0 is the region's input, {@code i + 1} the output of layer {@code i}.
 * A {@link Kind#CONV} layer reads one tensor through a window of {@code kernel} rows at {@code stride} with
 * {@code padTop} padding rows above (bottom padding is implied by the heights); a {@link Kind#ELEMENTWISE} layer
 * reads the same rows of each of its tensors (the residual add).
 *
 * @param kind how output rows map to input rows
 * @param inputs the region tensors the layer reads (one for a conv, two for the add), each lower than its own
 *     output's number {@code i + 1}
 * @param kernel kernel height (1 for elementwise)
 * @param stride vertical stride (1 for elementwise)
 * @param padTop padding rows above the input (0 for elementwise)
 * @param outHeight output rows
 * @param outRowBytes bytes of one output row ({@code W * C} for int8 NHWC)
 * @param scratchInRowBytes bytes of kernel scratch per input row a call sees (0: the kernel needs none; a depthwise
 *     conv with a fused 1x1 expansion recomputes the window's expanded rows for one channel group there)
 * @param scratchOutRowBytes bytes of kernel scratch per output row a call writes (0: none; the fused layer's
 *     depthwise output of one channel group, before it is scattered into the output rows)
 * @param inPlaceLead for a depthwise conv, the bytes its output row must start before the first row of its input
 *     window to be written over that window (every window of one output row: {@code DepthwiseLead}); -1 when the
 *     layer cannot write over its input
 */
public record BandLayer(Kind kind, List<Integer> inputs, int kernel, int stride, int padTop, int outHeight,
                        int outRowBytes, int scratchInRowBytes, int scratchOutRowBytes, int inPlaceLead) {

    /** How a layer's output rows depend on its input rows. */
    public enum Kind {
        /** Output row {@code y} reads input rows {@code [y * stride - padTop, y * stride - padTop + kernel)}. */
        CONV,
        /** Output row {@code y} reads row {@code y} of every input. */
        ELEMENTWISE
    }

    /** Copies the list and validates the ranges. */
    public BandLayer {
        inputs = List.copyOf(inputs);
        if (inputs.isEmpty() || kernel < 1 || stride < 1 || padTop < 0 || outHeight < 1 || outRowBytes < 1
                || scratchInRowBytes < 0 || scratchOutRowBytes < 0 || inPlaceLead < -1) {
            throw new IllegalArgumentException("band layer needs inputs, kernel, stride, height and row bytes >= 1"
                    + " and padTop and scratch >= 0, got " + this);
        }
        if (kind == Kind.CONV && inputs.size() != 1) {
            throw new IllegalArgumentException("a conv band layer reads one tensor, got " + inputs);
        }
    }

    /** A conv layer reading tensor {@code input}. */
    public static BandLayer conv(int input, int kernel, int stride, int padTop, int outHeight, int outRowBytes) {
        return new BandLayer(Kind.CONV, List.of(input), kernel, stride, padTop, outHeight, outRowBytes, 0, 0, -1);
    }

    /**
     * A depthwise conv layer reading tensor {@code input} that may write its output row over its input window,
     * starting {@code inPlaceLead} bytes before it.
     */
    public static BandLayer depthwise(int input, int kernel, int stride, int padTop, int outHeight, int outRowBytes,
                                      int inPlaceLead) {
        return new BandLayer(Kind.CONV, List.of(input), kernel, stride, padTop, outHeight, outRowBytes, 0, 0,
                inPlaceLead);
    }

    /**
     * A conv layer reading tensor {@code input} whose kernel needs scratch rows: {@code scratchInRowBytes} per input
     * row it sees and {@code scratchOutRowBytes} per output row it writes (a depthwise conv with its 1x1 expansion
     * fused in, whose input is the expansion's input).
     */
    public static BandLayer convWithScratch(int input, int kernel, int stride, int padTop, int outHeight,
                                            int outRowBytes, int scratchInRowBytes, int scratchOutRowBytes) {
        return new BandLayer(Kind.CONV, List.of(input), kernel, stride, padTop, outHeight, outRowBytes,
                scratchInRowBytes, scratchOutRowBytes, -1);
    }

    /** An elementwise layer (the residual add) reading {@code inputs}. */
    public static BandLayer elementwise(List<Integer> inputs, int outHeight, int outRowBytes) {
        return new BandLayer(Kind.ELEMENTWISE, inputs, 1, 1, 0, outHeight, outRowBytes, 0, 0, -1);
    }

    /** The first input row output row {@code y} reads (may be negative: padding). */
    public int firstInputRow(int y) {
        return y * stride - padTop;
    }

    /** One past the last input row output rows up to {@code y1 - 1} read, clipped to {@code inHeight}. */
    public int inputRowsEnd(int y1, int inHeight) {
        return Math.min(inHeight, (y1 - 1) * stride - padTop + kernel);
    }
}

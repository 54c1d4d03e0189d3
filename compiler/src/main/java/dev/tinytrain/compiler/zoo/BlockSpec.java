package dev.tinytrain.compiler.zoo;

/**
 * One MobileNetV2-style inverted-residual block: an optional 1x1 expansion ({@code pointwise1}), a k x k
 * depthwise conv carrying the block's stride, a linear 1x1 projection ({@code pointwise2}) and an optional
 * identity residual add.
 *
 * @param expand output channels of {@code pointwise1}, or 0 when the block has none (block 0)
 * @param kernel depthwise kernel size (square)
 * @param stride depthwise stride
 * @param out output channels of {@code pointwise2}
 * @param residual whether the block input is added to the projection (stride 1 and equal channels only)
 */
public record BlockSpec(int expand, int kernel, int stride, int out, boolean residual) {

    /** Validates the sizes. */
    public BlockSpec {
        if (expand < 0 || kernel < 1 || kernel % 2 == 0 || stride < 1 || out < 1) {
            throw new IllegalArgumentException("bad block: expand " + expand + ", kernel " + kernel + ", stride "
                    + stride + ", out " + out);
        }
        if (residual && stride != 1) {
            throw new IllegalArgumentException("a residual block must have stride 1, got " + stride);
        }
    }

    /** A block with a 1x1 expansion to {@code expand} channels. */
    static BlockSpec mb(int expand, int kernel, int stride, int out, boolean residual) {
        return new BlockSpec(expand, kernel, stride, out, residual);
    }

    /** Number of convs in the block (2 without an expansion, 3 with). */
    public int convs() {
        return expand == 0 ? 2 : 3;
    }
}

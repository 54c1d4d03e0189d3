package dev.tinytrain.ir.ops;

import dev.tinytrain.ir.Shape;
import dev.tinytrain.ir.Value;

/**
 * The geometry of a window sliding over the spatial axes of an {@code nhwc} tensor, shared by the convolutions and
 * the pools: its size, strides and padding (validated by the op that owns it).
 *
 * @param height window (kernel) height
 * @param width window (kernel) width
 * @param strideH stride along the height
 * @param strideW stride along the width
 * @param padTop rows of padding above
 * @param padLeft columns of padding left
 * @param padBottom rows of padding below
 * @param padRight columns of padding right
 */
record Window(int height, int width, int strideH, int strideW, int padTop, int padLeft, int padBottom,
              int padRight) {

    /**
     * The {@code nhwc} shape of sliding this window over {@code x}: the input's batch, the output rows and columns,
     * and {@code channels}.
     *
     * @param what names the window in the error ("kernel", "window")
     * @throws dev.tinytrain.ir.IrVerificationException if the window does not fit the padded input
     */
    Shape outputShape(String node, Value x, String what, int channels) {
        Shape xs = x.type().shape();
        int hp = xs.dim(1) + padTop + padBottom;
        int wp = xs.dim(2) + padLeft + padRight;
        if (hp < height || wp < width) {
            Checks.fail(node, "shape", what + " " + height + "x" + width + " does not fit the padded input "
                    + hp + "x" + wp + " of %" + x.name());
        }
        return Shape.of(xs.dim(0), (hp - height) / strideH + 1, (wp - width) / strideW + 1, channels);
    }
}

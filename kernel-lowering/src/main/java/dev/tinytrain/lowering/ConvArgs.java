package dev.tinytrain.lowering;

/**
 * The positions of {@link Kernel#CONV2D}'s arguments, for the backends that read a conv call's constants (to pick a
 * fast variant, to bind a kernel object) or replace its offsets (a band region's row window).
 * {@code NodeLoweringTest} checks each against the signature's kinds.
 */
public final class ConvArgs {
    /** The input's offset, rows, columns, channels and zero point. */
    public static final int IN_OFF = 1, IN_H = 2, IN_W = 3, IN_C = 4, X_ZERO = 5;
    /** The int8 weight ({@code [out_c][k_h][k_w][in_c]}, depthwise {@code [1][k_h][k_w][c]}). */
    public static final int WEIGHT = 6;
    /** The window, stride, padding and groups. */
    public static final int K_H = 7, K_W = 8, STRIDE = 9, PAD_TOP = 10, PAD_LEFT = 11, GROUPS = 12;
    /** The bias, the effective scales and the output's zero point. */
    public static final int BIAS = 13, EFF = 14, Y_ZERO = 15;
    /** The output's offset, rows, columns and channels, and the clamp mask's offset. */
    public static final int OUT_OFF = 16, OUT_H = 17, OUT_W = 18, OUT_C = 19, MASK = 20;

    private ConvArgs() {
    }
}

package dev.tinytrain.backend.jvm.tflite;

import static dev.tinytrain.backend.jvm.kernels.ArenaAccess.getFloat;
import static dev.tinytrain.backend.jvm.kernels.ArenaAccess.putFloat;

import java.util.Arrays;

/**
 * The backward kernels of the TFLite op kinds that have no native counterpart (the conv, add, ReLU and mean reuse
 * the native backward kernels): float32 gradients in the arena at byte offsets, NHWC, batch 1. {@code tt_tflite.c}
 * of backend-cmsis-c mirrors this class line by line (same loop order, same float32 operations).
 */
public final class TfliteBackwardKernels {
    private TfliteBackwardKernels() {
    }

    /**
     * Gradient of {@code PAD}: {@code dx[y, x, c] = g[y + top, x + left, c]} for the {@code outH x outW} input.
     *
     * @param gOff the gradient of the padded tensor, {@code gH x gW x channels} floats
     * @param outOff the input's gradient, {@code outH x outW x channels} floats (not overlapping g)
     */
    public static void padBackward(byte[] arena, int gOff, int gH, int gW, int channels, int top, int left,
                                   int outOff, int outH, int outW) {
        int row = 4 * outW * channels;
        for (int y = 0; y < outH; y++) {
            System.arraycopy(arena, gOff + 4 * (((y + top) * gW + left) * channels), arena, outOff + y * row, row);
        }
    }

    /**
     * Gradient of {@code MAX_POOL_2D} / {@code AVERAGE_POOL_2D} (straight-through rounding), from the saved input x:
     * for every output position (rows, columns, channels in order) whose pooled value, recomputed as
     * {@link TfliteKernels#pool} computes it ({@code TfliteKernels.poolWindow}), lies inside {@code [actMin, actMax]}: a max pool adds its gradient to
     * the FIRST maximum of the window in scan order (rows, then columns); an average pool adds
     * {@code fl32(g / count)} to each of the {@code count} elements the window read. Other positions pass nothing.
     *
     * @param xOff the pool's int8 input, {@code inH x inW x channels}
     * @param gOff the pool's output gradient, {@code outH x outW x channels} floats
     * @param dxOff the input gradient, {@code inH x inW x channels} floats (zeroed first; not overlapping g or x)
     */
    public static void poolBackward(byte[] arena, int xOff, int inH, int inW, int channels, boolean max,
                                    int filterH, int filterW, int strideH, int strideW, int padTop, int padLeft,
                                    int actMin, int actMax, int gOff, int outH, int outW, int dxOff) {
        Arrays.fill(arena, dxOff, dxOff + 4 * inH * inW * channels, (byte) 0);
        for (int oy = 0; oy < outH; oy++) {
            int iy0 = oy * strideH - padTop;
            int fy0 = Math.max(0, -iy0);
            int fy1 = Math.min(filterH, inH - iy0);
            for (int ox = 0; ox < outW; ox++) {
                int ix0 = ox * strideW - padLeft;
                int fx0 = Math.max(0, -ix0);
                int fx1 = Math.min(filterW, inW - ix0);
                for (int c = 0; c < channels; c++) {
                    long window = TfliteKernels.poolWindow(arena, xOff, inW, channels, max, iy0, fy0, fy1, ix0, fx0,
                            fx1, c);
                    int acc = (int) (window >> 32);
                    if (acc < actMin || acc > actMax) {
                        continue; // clamped by the fused activation: the straight-through gradient is 0
                    }
                    float g = getFloat(arena, gOff + 4 * ((oy * outW + ox) * channels + c));
                    if (max) {
                        int first = (int) window; // the element index of the first maximum
                        putFloat(arena, dxOff + 4 * first, getFloat(arena, dxOff + 4 * first) + g);
                        continue;
                    }
                    float share = g / (float) (int) window; // the number of taps
                    for (int fy = fy0; fy < fy1; fy++) {
                        for (int fx = fx0; fx < fx1; fx++) {
                            int at = dxOff + 4 * (((iy0 + fy) * inW + ix0 + fx) * channels + c);
                            putFloat(arena, at, getFloat(arena, at) + share);
                        }
                    }
                }
            }
        }
    }

    /**
     * Gradient of one operand of {@code CONCATENATION}: per outer index {@code i}, the {@code length} floats at
     * {@code i * rowLength + start} of g.
     *
     * @param outOff the operand's gradient, {@code outer x length} floats (not overlapping g)
     */
    public static void concatBackward(byte[] arena, int gOff, int outer, int rowLength, int start, int length,
                                      int outOff) {
        for (int i = 0; i < outer; i++) {
            System.arraycopy(arena, gOff + 4 * (i * rowLength + start), arena, outOff + 4 * i * length, 4 * length);
        }
    }
}

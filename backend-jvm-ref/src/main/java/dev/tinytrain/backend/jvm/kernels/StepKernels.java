package dev.tinytrain.backend.jvm.kernels;

/**
 * Kernels of the training step that compose the per-element and per-channel kernels of
 * {@link BackwardKernels} and {@link UpdateKernels} into whole IR ops: one call per scheduled op.
 * Loop orders are documented because the C backend reproduces them.
 */
public final class StepKernels {
    private StepKernels() {
    }

    /** {@code out = a + b} elementwise (float32). */
    public static void add(byte[] arena, int aOff, int bOff, int n, int outOff) {
        for (int i = 0; i < n; i++) {
            ArenaAccess.putFloat(arena, outOff + 4 * i,
                    ArenaAccess.getFloat(arena, aOff + 4 * i) + ArenaAccess.getFloat(arena, bOff + 4 * i));
        }
    }

    /** Gradient of one add operand: {@code dx = (mask ? g : 0) / sy * sx}, elementwise. */
    public static void addGrad(byte[] arena, int gOff, int maskOff, int n, float sy, float sx, int dxOff) {
        for (int i = 0; i < n; i++) {
            float g = ArenaAccess.getMaskBit(arena, maskOff, i) ? ArenaAccess.getFloat(arena, gOff + 4 * i) : 0.0f;
            ArenaAccess.putFloat(arena, dxOff + 4 * i, g / sy * sx);
        }
    }

    /** Copies the listed channels of an NHWC tensor ({@code positions} pixels of {@code c} bytes). */
    public static void channelSlice(byte[] arena, int inOff, int positions, int c, int[] channels, int outOff) {
        int k = channels.length;
        for (int p = 0; p < positions; p++) {
            for (int j = 0; j < k; j++) {
                arena[outOff + p * k + j] = arena[inOff + p * c + channels[j]];
            }
        }
    }

    /**
     * Weight gradient in the compact layout of {@code ConvGradWeight}: a dense conv's {@code [O][KH][KW][k]}
     * (with {@code geom} describing the sliced input: {@code inC = k}), or a depthwise conv's {@code [k][KH][KW]}
     * for channels {@code channels} (null = all). Output channels in increasing order, each by
     * {@link BackwardKernels#convWeightGradChannel}.
     */
    public static void convWeightGrad(byte[] arena, int xOff, int xZero, int gOff, BackwardKernels.ConvGeom geom,
                                      int[] channels, int dwOff) {
        if (geom.depthwise()) {
            int n = channels == null ? geom.outC() : channels.length;
            int per = geom.kH() * geom.kW();
            for (int j = 0; j < n; j++) {
                int c = channels == null ? j : channels[j];
                BackwardKernels.convWeightGradChannel(arena, xOff, xZero, gOff, geom, c, null, dwOff + 4 * j * per);
            }
            return;
        }
        int per = geom.kH() * geom.kW() * geom.inPerGroup();
        for (int o = 0; o < geom.outC(); o++) {
            BackwardKernels.convWeightGradChannel(arena, xOff, xZero, gOff, geom, o, null, dwOff + 4 * o * per);
        }
    }

    /**
     * Applies a compact weight gradient (see {@link #convWeightGrad}) to an int8 weight, output channel by output
     * channel, through {@link UpdateKernels#updateConvWeightChannel}.
     *
     * @param geom the conv's full geometry (the weight's)
     * @param channels trainable channels (input channels of a dense conv, channels of a depthwise conv), null = all
     */
    public static void updateConvWeight(byte[] arena, int dwOff, BackwardKernels.ConvGeom geom, int[] channels,
                                        byte[] weight, float[] master, float[] qasDivisors, float lr,
                                        RoundingMode mode, int rngKey) {
        if (geom.depthwise()) {
            int n = channels == null ? geom.outC() : channels.length;
            int per = geom.kH() * geom.kW();
            for (int j = 0; j < n; j++) {
                int c = channels == null ? j : channels[j];
                UpdateKernels.updateConvWeightChannel(arena, dwOff + 4 * j * per, geom, c, null, weight, master,
                        qasDivisors == null ? 1.0f : qasDivisors[c], lr, mode, rngKey);
            }
            return;
        }
        int k = channels == null ? geom.inPerGroup() : channels.length;
        int per = geom.kH() * geom.kW() * k;
        for (int o = 0; o < geom.outC(); o++) {
            UpdateKernels.updateConvWeightChannel(arena, dwOff + 4 * o * per, geom, o, channels, weight, master,
                    qasDivisors == null ? 1.0f : qasDivisors[o], lr, mode, rngKey);
        }
    }

    /**
     * Updates an int32 conv bias ({@link UpdateKernels#updateBias}) and refreshes the float32 values the forward
     * adds: the master copy in {@code FLOAT_MASTER} mode (the authors' simulator adds the unrounded bias), else
     * {@code (float) bias}.
     */
    public static void updateConvBias(byte[] arena, int dbOff, int n, int[] bias, float[] master, float[] view,
                                      float[] qasDivisors, float lr, RoundingMode mode, int rngKey) {
        UpdateKernels.updateBias(arena, dbOff, n, bias, master, qasDivisors, lr, mode, rngKey);
        for (int o = 0; o < n; o++) {
            view[o] = mode == RoundingMode.FLOAT_MASTER ? master[o] : (float) bias[o];
        }
    }

    /** Computes the loss and its gradient and stores the loss (float32) at {@code lossOff}. */
    public static void softmaxCrossEntropy(byte[] arena, int xOff, int n, int labelOff, int dOff, int lossOff) {
        int label = ArenaAccess.getInt(arena, labelOff);
        if (label < 0 || label >= n) {
            throw new IllegalArgumentException("label " + label + " is outside the head's " + n + " classes");
        }
        ArenaAccess.putFloat(arena, lossOff, LossKernels.softmaxCrossEntropy(arena, xOff, n, label, dOff));
    }

    /** The stochastic-rounding key of one parameter at the current step ({@code state = {step, seed}}). */
    public static int rngKey(int[] state, int paramId) {
        return CounterRng.key(state[1], state[0], paramId);
    }
}

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

    /**
     * A conv's weight gradient fused with its update: for each output channel (each listed channel of a depthwise
     * conv) in increasing order, {@link BackwardKernels#convWeightGradChannel} into the one-channel workspace at
     * {@code wsOff}, then {@link UpdateKernels#updateConvWeightChannel} from it — the same bits as
     * {@link #convWeightGrad} followed by {@link #updateConvWeight}, without a weight-gradient tensor.
     *
     * @param gradGeom geometry of the (possibly channel-sliced) saved input, as for {@link #convWeightGrad}
     * @param geom the conv's full geometry (the weight's)
     */
    public static void convWeightGradUpdate(byte[] arena, int xOff, int xZero, int gOff,
                                            BackwardKernels.ConvGeom gradGeom, BackwardKernels.ConvGeom geom,
                                            int[] channels, int wsOff, byte[] weight, float[] master,
                                            float[] qasDivisors, float lr, RoundingMode mode, int rngKey) {
        if (geom.depthwise()) {
            int n = channels == null ? geom.outC() : channels.length;
            for (int j = 0; j < n; j++) {
                int c = channels == null ? j : channels[j];
                BackwardKernels.convWeightGradChannel(arena, xOff, xZero, gOff, gradGeom, c, null, wsOff);
                UpdateKernels.updateConvWeightChannel(arena, wsOff, geom, c, null, weight, master,
                        qasDivisors == null ? 1.0f : qasDivisors[c], lr, mode, rngKey);
            }
            return;
        }
        for (int o = 0; o < geom.outC(); o++) {
            BackwardKernels.convWeightGradChannel(arena, xOff, xZero, gOff, gradGeom, o, null, wsOff);
            UpdateKernels.updateConvWeightChannel(arena, wsOff, geom, o, channels, weight, master,
                    qasDivisors == null ? 1.0f : qasDivisors[o], lr, mode, rngKey);
        }
    }

    /**
     * A conv's bias gradient fused with its update, channel by channel: {@link BackwardKernels#convBiasGradChannel}
     * then {@link UpdateKernels#updateBiasChannel}, and the forward's float32 view refreshed.
     */
    public static void convBiasGradUpdate(byte[] arena, int gOff, int positions, int channels, int[] bias,
                                          float[] master, float[] view, float[] qasDivisors, float lr,
                                          RoundingMode mode, int rngKey) {
        for (int o = 0; o < channels; o++) {
            float g = BackwardKernels.convBiasGradChannel(arena, gOff, positions, channels, o);
            UpdateKernels.updateBiasChannel(g, o, bias, master, qasDivisors == null ? 1.0f : qasDivisors[o], lr, mode,
                    rngKey);
            view[o] = mode == RoundingMode.FLOAT_MASTER ? master[o] : (float) bias[o];
        }
    }

    /**
     * The head's weight gradient fused with its update: {@code W[j][k] = fma(-lr, dy[j] * x[k], W[j][k])}, the
     * same bits as {@link BackwardKernels#linearWeightGrad} then {@link UpdateKernels#sgdFloat}.
     */
    public static void linearWeightGradUpdate(byte[] arena, int gOff, int xOff, int out, int in, float[] weight,
                                              float lr) {
        for (int j = 0; j < out; j++) {
            float gj = ArenaAccess.getFloat(arena, gOff + 4 * j);
            for (int k = 0; k < in; k++) {
                float g = gj * ArenaAccess.getFloat(arena, xOff + 4 * k);
                weight[j * in + k] = Math.fma(-lr, g, weight[j * in + k]);
            }
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

    /**
     * The stochastic-rounding key of one parameter at the current step
     * ({@code state = {step, seed, lrScaleBits}}).
     */
    public static int rngKey(int[] state, int paramId) {
        return CounterRng.key(state[1], state[0], paramId);
    }

    /**
     * The learning rate of one update at the current step: {@code lr * scale} in float32 (one rounded multiply,
     * the generated C's {@code tt__lr}), {@code scale} being the float whose raw bits are {@code state[2]}. A scale of
     * 1 gives {@code lr} exactly.
     */
    public static float scaledLr(float lr, int[] state) {
        return lr * Float.intBitsToFloat(state[2]);
    }
}

package dev.tinytrain.backend.jvm.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Parameter updates: QAS (quantization-aware scaling), SGD and the store back into int8 weights / int32
 * biases under a {@link RoundingMode}.
 *
 * <p>Per element, in this order (float32, each step rounded once):
 * <pre>
 *   g_qas = g / divisor                    (divisor from {@link #qasWeightDivisor} / {@link #qasBiasDivisor}; 1 = no QAS)
 *   p     = FLOAT_MASTER ? master : (float) stored integer
 *   p'    = fma(-lr, g_qas, p)             (one rounding, as PyTorch's CPU {@code add_(grad, alpha=-lr)})
 *   store p' according to the rounding mode
 * </pre>
 * With {@code FLOAT_MASTER} and a float32 copy of the initial integer values this is bit for bit what the
 * authors' simulator stores in its float parameters (checked against the goldens).
 *
 * <p>Weights and biases are separate arrays (not in the arena): int8 weights in the layout of
 * {@link BackwardKernels.ConvGeom#weightIndex}, int32 biases, and float32 master copies with the same
 * indexing. Gradients are read from the arena (float32 little-endian).
 */
public final class UpdateKernels {

    private static final VarHandle F32 =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    private UpdateKernels() {
    }

    private static float getF(byte[] a, int off) {
        return (float) F32.get(a, off);
    }

    // ------------------------------------------------------------------------------------------- QAS

    /**
     * QAS divisor of a bias gradient, exactly as the reference ({@code SGDScale.pre_step}:
     * {@code bias.grad / (effective_scale * y_scale) ** 2} on float32 tensors with a Python-float y_scale):
     * {@code t = eff * fl32(yScale); return t * t}. Mathematically {@code (x_scale * w_scale)^2}.
     *
     * @param eff    float32 effective scale of the output channel
     * @param yScale the conv's output scale (float64 from the model; rounded to float32 first)
     * @return the divisor
     */
    public static float qasBiasDivisor(float eff, double yScale) {
        return dev.tinytrain.ir.ops.SgdUpdate.qasBiasDivisors(new float[] {eff}, yScale)[0];
    }

    /**
     * QAS divisor of a weight gradient, exactly as the reference
     * ({@code w_scale = effective_scale * y_scale / x_scale; weight.grad / w_scale ** 2}):
     * {@code t = (eff * fl32(yScale)) / fl32(xScale); return t * t}. Mathematically {@code w_scale^2}.
     *
     * @param eff    float32 effective scale of the output channel
     * @param yScale output scale (rounded to float32 first)
     * @param xScale input scale (rounded to float32 first)
     * @return the divisor
     */
    public static float qasWeightDivisor(float eff, double yScale, double xScale) {
        return dev.tinytrain.ir.ops.SgdUpdate.qasWeightDivisors(new float[] {eff}, yScale, xScale)[0];
    }

    /**
     * {@link #qasBiasDivisor} for every output channel.
     *
     * @param eff    effective scales
     * @param yScale output scale
     * @return divisors
     */
    public static float[] qasBiasDivisors(float[] eff, double yScale) {
        return dev.tinytrain.ir.ops.SgdUpdate.qasBiasDivisors(eff, yScale);
    }

    /**
     * {@link #qasWeightDivisor} for every output channel.
     *
     * @param eff    effective scales
     * @param yScale output scale
     * @param xScale input scale
     * @return divisors
     */
    public static float[] qasWeightDivisors(float[] eff, double yScale, double xScale) {
        return dev.tinytrain.ir.ops.SgdUpdate.qasWeightDivisors(eff, yScale, xScale);
    }

    /**
     * Applies QAS to one gradient value: {@code g / divisor} (a float32 division, not a multiplication by
     * the reciprocal, which would differ from the reference in many elements).
     *
     * @param g       raw gradient
     * @param divisor QAS divisor
     * @return scaled gradient
     */
    public static float qas(float g, float divisor) {
        return g / divisor;
    }

    // ------------------------------------------------------------------------------------- rounding

    /**
     * int8 weight store, nearest-even: {@code q = rint(p)} (ties to even), then {@code q > 127 -> 127},
     * {@code q < -127 -> -127}; NaN stores 0.
     *
     * @param p updated float value
     * @return the int8 weight
     */
    public static byte roundWeightNearestEven(float p) {
        if (p != p) {
            return 0;
        }
        float q = (float) Math.rint(p);
        if (q > 127.0f) {
            return 127;
        }
        if (q < -127.0f) {
            return -127;
        }
        return (byte) (int) q;
    }

    /**
     * int8 weight store, stochastic: {@code fl = floor(p)}, {@code frac = p - fl} (float32; exact for
     * {@code p >= 0}), {@code q = (u < frac) ? fl + 1 : fl}, then saturation to [-127, 127]; NaN stores 0.
     * With u uniform on the 2^24-point grid of [0, 1), {@code P(round up) = ceil(frac * 2^24) / 2^24}.
     *
     * @param p updated float value
     * @param u uniform in [0, 1) ({@link CounterRng#uniform})
     * @return the int8 weight
     */
    public static byte roundWeightStochastic(float p, float u) {
        if (p != p) {
            return 0;
        }
        float q = stochastic(p, u);
        if (q > 127.0f) {
            return 127;
        }
        if (q < -127.0f) {
            return -127;
        }
        return (byte) (int) q;
    }

    /**
     * int32 bias store, nearest-even: {@code q = rint(p)}; {@code q >= 2^31 -> 2^31-1},
     * {@code q <= -2^31 -> -2^31}; NaN stores 0 (C must do these checks explicitly before converting).
     * A bias of magnitude above 2^24 first loses its low bits when converted to float, as in the reference.
     *
     * @param p updated float value
     * @return the int32 bias
     */
    public static int roundBiasNearestEven(float p) {
        return saturateInt32((float) Math.rint(p));
    }

    /**
     * int32 bias store, stochastic (same rule as {@link #roundWeightStochastic}, then int32 saturation as
     * {@link #roundBiasNearestEven}).
     *
     * @param p updated float value
     * @param u uniform in [0, 1)
     * @return the int32 bias
     */
    public static int roundBiasStochastic(float p, float u) {
        if (p != p) {
            return 0;
        }
        return saturateInt32(stochastic(p, u));
    }

    private static float stochastic(float p, float u) {
        float fl = (float) Math.floor(p);
        float frac = p - fl;
        return u < frac ? fl + 1.0f : fl;
    }

    private static int saturateInt32(float q) {
        if (q != q) {
            return 0;
        }
        if (q >= 0x1p31f) {
            return Integer.MAX_VALUE;
        }
        if (q <= -0x1p31f) {
            return Integer.MIN_VALUE;
        }
        return (int) q;
    }

    /** Reads p, updates, stores one weight element. */
    private static void updateWeightElement(byte[] weight, float[] master, int idx, float g, float qasDivisor,
                                            float lr, RoundingMode mode, int rngKey) {
        float gq = g / qasDivisor;
        switch (mode) {
            case NEAREST_EVEN -> weight[idx] = roundWeightNearestEven(Math.fma(-lr, gq, (float) weight[idx]));
            case STOCHASTIC -> weight[idx] = roundWeightStochastic(Math.fma(-lr, gq, (float) weight[idx]),
                    CounterRng.uniform(rngKey, idx));
            case FLOAT_MASTER -> {
                float p = Math.fma(-lr, gq, master[idx]);
                master[idx] = p;
                weight[idx] = roundWeightNearestEven(p);
            }
        }
    }

    private static void checkMaster(float[] master, RoundingMode mode) {
        if (mode == RoundingMode.FLOAT_MASTER) {
            Objects.requireNonNull(master, "FLOAT_MASTER needs a float master array");
        }
    }

    // -------------------------------------------------------------------------------- conv weights

    /**
     * Applies one output channel's update right after its gradient was computed into a workspace by
     * {@link BackwardKernels#convWeightGradChannel} (same {@code geom}, {@code o}, {@code channels}, same
     * workspace layout). For each workspace entry j, in workspace order, with weight index
     * {@code idx = geom.weightIndex(o, kh, kw, ci)}: {@code g = ws[j] / qasDivisor},
     * {@code p' = fma(-lr, g, p)} and the store of the {@link RoundingMode}: NEAREST_EVEN
     * {@link #roundWeightNearestEven}; STOCHASTIC {@link #roundWeightStochastic} with
     * {@code u = CounterRng.uniform(rngKey, idx)}; FLOAT_MASTER {@code master[idx] = p'} and
     * {@code weight[idx] = roundWeightNearestEven(p')}.
     *
     * @param arena      the arena
     * @param wsOff      byte offset of the channel's raw gradient workspace
     * @param geom       conv geometry
     * @param o          output channel
     * @param channels   trainable input channels (as for the gradient), or null; ignored for depthwise
     * @param weight     int8 weights (updated in place)
     * @param master     float master copy, same indexing (required for FLOAT_MASTER, else unused/null)
     * @param qasDivisor {@link #qasWeightDivisor} of channel o (1 for no QAS)
     * @param lr         learning rate
     * @param mode       rounding mode
     * @param rngKey     {@link CounterRng#key}(seed, step, paramId) (STOCHASTIC only)
     */
    public static void updateConvWeightChannel(byte[] arena, int wsOff, BackwardKernels.ConvGeom geom, int o,
                                               int[] channels, byte[] weight, float[] master, float qasDivisor,
                                               float lr, RoundingMode mode, int rngKey) {
        checkMaster(master, mode);
        final int kH = geom.kH(), kW = geom.kW();
        if (geom.depthwise()) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    float g = getF(arena, wsOff + 4 * (kh * kW + kw));
                    updateWeightElement(weight, master, geom.weightIndex(o, kh, kw, 0), g, qasDivisor, lr, mode, rngKey);
                }
            }
            return;
        }
        final int n = channels == null ? geom.inPerGroup() : channels.length;
        for (int kh = 0; kh < kH; kh++) {
            for (int kw = 0; kw < kW; kw++) {
                int row = (kh * kW + kw) * n;
                for (int j = 0; j < n; j++) {
                    int ci = channels == null ? j : channels[j];
                    float g = getF(arena, wsOff + 4 * (row + j));
                    updateWeightElement(weight, master, geom.weightIndex(o, kh, kw, ci), g, qasDivisor, lr, mode, rngKey);
                }
            }
        }
    }

    /**
     * Whole-tensor weight update from a gradient in the weight's own layout (as written by
     * {@link BackwardKernels#convWeightGrad}); only the trainable entries are touched, each exactly as in
     * {@link #updateConvWeightChannel}.
     *
     * @param arena       the arena
     * @param dwOff       byte offset of dW ({@code geom.weightCount()} floats)
     * @param geom        conv geometry
     * @param channels    trainable channels (input channels within the group for dense/grouped, channels
     *                    for depthwise), or null for all
     * @param weight      int8 weights
     * @param master      float master (FLOAT_MASTER)
     * @param qasDivisors per-output-channel divisors ({@link #qasWeightDivisors}), or null for no QAS
     * @param lr          learning rate
     * @param mode        rounding mode
     * @param rngKey      stream key (STOCHASTIC)
     */
    public static void updateConvWeight(byte[] arena, int dwOff, BackwardKernels.ConvGeom geom, int[] channels,
                                        byte[] weight, float[] master, float[] qasDivisors, float lr,
                                        RoundingMode mode, int rngKey) {
        checkMaster(master, mode);
        final int kH = geom.kH(), kW = geom.kW();
        if (geom.depthwise()) {
            int n = channels == null ? geom.outC() : channels.length;
            for (int j = 0; j < n; j++) {
                int c = channels == null ? j : channels[j];
                float div = qasDivisors == null ? 1.0f : qasDivisors[c];
                for (int kh = 0; kh < kH; kh++) {
                    for (int kw = 0; kw < kW; kw++) {
                        int idx = geom.weightIndex(c, kh, kw, 0);
                        updateWeightElement(weight, master, idx, getF(arena, dwOff + 4 * idx), div, lr, mode, rngKey);
                    }
                }
            }
            return;
        }
        final int n = channels == null ? geom.inPerGroup() : channels.length;
        for (int o = 0; o < geom.outC(); o++) {
            float div = qasDivisors == null ? 1.0f : qasDivisors[o];
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    for (int j = 0; j < n; j++) {
                        int idx = geom.weightIndex(o, kh, kw, channels == null ? j : channels[j]);
                        updateWeightElement(weight, master, idx, getF(arena, dwOff + 4 * idx), div, lr, mode, rngKey);
                    }
                }
            }
        }
    }

    // -------------------------------------------------------------------------------------- biases

    /**
     * Updates one int32 bias: {@code g_qas = grad / qasDivisor}, {@code p' = fma(-lr, g_qas, p)} with
     * {@code p = (float) bias[o]} (NEAREST_EVEN, STOCHASTIC) or {@code master[o]} (FLOAT_MASTER), then
     * NEAREST_EVEN: {@code bias[o] = roundBiasNearestEven(p')}; STOCHASTIC:
     * {@code bias[o] = roundBiasStochastic(p', CounterRng.uniform(rngKey, o))}; FLOAT_MASTER:
     * {@code master[o] = p'} (the forward adds the float master unrounded) and, when {@code bias} is not
     * null, {@code bias[o] = roundBiasNearestEven(p')} as an exportable integer copy.
     *
     * @param grad       raw bias gradient of channel o
     * @param o          output channel
     * @param bias       int32 biases (may be null for FLOAT_MASTER)
     * @param master     float master (FLOAT_MASTER)
     * @param qasDivisor {@link #qasBiasDivisor} of channel o (1 for no QAS)
     * @param lr         learning rate
     * @param mode       rounding mode
     * @param rngKey     stream key (STOCHASTIC)
     */
    public static void updateBiasChannel(float grad, int o, int[] bias, float[] master, float qasDivisor, float lr,
                                         RoundingMode mode, int rngKey) {
        float gq = grad / qasDivisor;
        switch (mode) {
            case NEAREST_EVEN -> bias[o] = roundBiasNearestEven(Math.fma(-lr, gq, (float) bias[o]));
            case STOCHASTIC -> bias[o] = roundBiasStochastic(Math.fma(-lr, gq, (float) bias[o]),
                    CounterRng.uniform(rngKey, o));
            case FLOAT_MASTER -> {
                Objects.requireNonNull(master, "FLOAT_MASTER needs a float master array");
                float p = Math.fma(-lr, gq, master[o]);
                master[o] = p;
                if (bias != null) {
                    bias[o] = roundBiasNearestEven(p);
                }
            }
        }
    }

    /**
     * {@link #updateBiasChannel} for o = 0..n-1 with the gradient read from the arena.
     *
     * @param arena       the arena
     * @param dbOff       byte offset of the raw bias gradient (n floats)
     * @param n           number of channels
     * @param bias        int32 biases
     * @param master      float master (FLOAT_MASTER)
     * @param qasDivisors per-channel divisors ({@link #qasBiasDivisors}), or null for no QAS
     * @param lr          learning rate
     * @param mode        rounding mode
     * @param rngKey      stream key (STOCHASTIC)
     */
    public static void updateBias(byte[] arena, int dbOff, int n, int[] bias, float[] master, float[] qasDivisors,
                                  float lr, RoundingMode mode, int rngKey) {
        for (int o = 0; o < n; o++) {
            updateBiasChannel(getF(arena, dbOff + 4 * o), o, bias, master,
                    qasDivisors == null ? 1.0f : qasDivisors[o], lr, mode, rngKey);
        }
    }

    // -------------------------------------------------------------------------------- float params

    /**
     * Plain SGD on a float32 parameter (the transfer head; no QAS):
     * {@code param[pOff + i] = fma(-lr, g[i], param[pOff + i])} for i = 0..n-1. Used per row right after
     * {@link BackwardKernels#linearWeightGradRow}, or on a whole tensor.
     *
     * @param param float parameter
     * @param pOff  first element
     * @param arena the arena
     * @param gOff  byte offset of the gradient (n floats)
     * @param n     number of elements
     * @param lr    learning rate
     */
    public static void sgdFloat(float[] param, int pOff, byte[] arena, int gOff, int n, float lr) {
        for (int i = 0; i < n; i++) {
            param[pOff + i] = Math.fma(-lr, getF(arena, gOff + 4 * i), param[pOff + i]);
        }
    }

    /**
     * Float32 master copy of int8 weights ({@code (float) w}, exact).
     *
     * @param weight int8 weights
     * @return master copy
     */
    public static float[] masterOf(byte[] weight) {
        float[] m = new float[weight.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = weight[i];
        }
        return m;
    }

    /**
     * Float32 master copy of int32 biases ({@code (float) b}, round to nearest even above 2^24, as the
     * reference's {@code .float()}).
     *
     * @param bias int32 biases
     * @return master copy
     */
    public static float[] masterOf(int[] bias) {
        float[] m = new float[bias.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = bias[i];
        }
        return m;
    }
}

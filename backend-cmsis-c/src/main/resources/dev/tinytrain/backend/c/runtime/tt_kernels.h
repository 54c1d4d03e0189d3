/*
 * tinytrain portable C99 kernels (numerics contract v1, design/ARCHITECTURE.md section 3).
 *
 * Every function here reproduces one JVM reference kernel of backend-jvm-ref
 * (dev.tinytrain.backend.jvm.kernels.*) byte for byte: same argument meaning, same loop orders, same float32
 * operation order. The Java name of each counterpart is given in its comment; the module's tests run both on
 * random inputs and compare the bytes (host gcc and Cortex-M7 under QEMU).
 *
 * Memory conventions (identical to the JVM backend):
 *  - All activations, masks and gradients live in one arena, `int8_t *arena`, addressed by byte offsets
 *    (int32_t). int8 tensors are plain bytes. float32 / int32 tensors are little-endian words at 4-aligned
 *    offsets; they are read and written with memcpy (tt_get_f32 and friends), so the arena itself needs no
 *    particular alignment and no strict-aliasing rule is broken.
 *  - Activations are NHWC with batch 1: element (y, x, c) of an H x W x C tensor has index (y*W + x)*C + c.
 *  - Conv weights use the CMSIS-NN layouts: OHWI [outC][kH][kW][inC/groups] for dense and grouped convs,
 *    [1][kH][kW][C] for depthwise convs (groups == inC == outC).
 *  - A clamp mask (BIT tensor) stores element i as bit (i & 7) of byte mask_off + (i >> 3), LSB first; 1 means
 *    the pre-clamp value was inside [-128, 127] and the gradient passes. A negative mask offset means "none".
 *  - Parameters (weights, biases, effective scales, master copies) are separate arrays, not in the arena,
 *    exactly as in the Java kernels (the generated model tables: const in Flash or mutable in SRAM).
 *
 * Arithmetic rules (why these kernels are bit-exact everywhere):
 *  - float32 only: no double anywhere (the STM32F746 FPU is single precision), -Wdouble-promotion clean.
 *  - Compile with -ffp-contract=off (and never -ffast-math): a*b+c is two roundings, as in Java.
 *    The only fused multiply-add is the explicit fmaf() of the SGD step (Java Math.fma), correctly rounded
 *    on both sides (inlined as vfma.f32 on the Cortex-M7, glibc fmaf on the host).
 *  - Round half to even: rintf() in the default rounding mode (inlined as vrintx.f32 on the Cortex-M7).
 *    We chose rintf over a hand-written rne because it is exact by IEEE 754 definition in every libm and
 *    compiles to a single instruction on the target; nearbyintf would do as well. floorf() (exact, vrintm.f32)
 *    is used by stochastic rounding. No other libm function is used: exp and log are tinytrain's own
 *    (tt_expf / tt_logf, identical to Float32Math), because newlib's and glibc's differ by 1 ulp.
 *  - Every float reduction is a single accumulator starting at +0.0f, adding its terms in the one documented
 *    order. Integer conv sums are exact (int32 while at most TT_MAX_INT_TERMS terms, int64 beyond), so
 *    their order is free; that is the property that lets an integrator swap in optimized kernels.
 *  - The FPU must run with the reset defaults: round to nearest even, no flush-to-zero, no default-NaN
 *    requirement (NaN payloads and signs are not part of the contract; no kernel produces NaN from finite
 *    inputs except where the Java kernel does too).
 *
 * Swapping in CMSIS-NN: the forward kernels use the CMSIS-NN data layouts and argument conventions
 * (input_offset = -x_zero, output_offset = y_zero, activation range [-128, 127]); the CMSIS-NN function each
 * one corresponds to is named in its comment. Note that CMSIS-NN requantizes in fixed point (multiplier +
 * shift, int32 bias) and rounds pooling half away from zero, so results differ from the float32 contract by
 * up to 1 LSB unless the compiler is run in a (future) fixed-point requantization mode; and CMSIS-NN writes no
 * clamp mask, so it can only replace the forward pass of inference (tt_infer), not of a training step.
 *
 * Preconditions: arguments are the ones the compiler generated and are trusted; the Java kernels' argument
 * checks become TT_ASSERT() (compiled out unless TT_CHECKS is defined, in which case the application must
 * provide tt_check_failed()).
 */
#ifndef TT_KERNELS_H
#define TT_KERNELS_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest number of terms of an int8 conv sum that int32 holds exactly: INT32_MAX / (255 * 128) = 65793. */
#define TT_MAX_INT_TERMS 65793

/* ======================================================================================================== */
/* Arena access (Java: ArenaAccess)                                                                         */
/* ======================================================================================================== */

/** ArenaAccess.getFloat: the little-endian float32 at arena[off .. off+3] (bit pattern preserved). */
static inline float tt_get_f32(const int8_t *arena, int32_t off)
{
    float v;
    memcpy(&v, arena + off, sizeof v);
    return v;
}

/** ArenaAccess.putFloat: writes v as little-endian float32 at arena[off .. off+3]. */
static inline void tt_put_f32(int8_t *arena, int32_t off, float v)
{
    memcpy(arena + off, &v, sizeof v);
}

/** ArenaAccess.getInt: the little-endian int32 at arena[off .. off+3]. */
static inline int32_t tt_get_i32(const int8_t *arena, int32_t off)
{
    int32_t v;
    memcpy(&v, arena + off, sizeof v);
    return v;
}

/** ArenaAccess.putInt: writes v as little-endian int32 at arena[off .. off+3]. */
static inline void tt_put_i32(int8_t *arena, int32_t off, int32_t v)
{
    memcpy(arena + off, &v, sizeof v);
}

/** ArenaAccess.getMaskBit: bit (index & 7) of byte mask_off + (index >> 3); 1 = the gradient passes. */
static inline int tt_get_mask_bit(const int8_t *arena, int32_t mask_off, int32_t index)
{
    return (((const uint8_t *)arena)[mask_off + (index >> 3)] >> (index & 7)) & 1;
}

/** ArenaAccess.maskBytes: bytes of a clamp mask of count elements, ceil(count / 8). */
static inline int32_t tt_mask_bytes(int32_t count)
{
    return (int32_t)(((uint32_t)count + 7u) >> 3);
}

/* ======================================================================================================== */
/* Parameter storage of a generated model (C only; the JVM keeps one whole array per parameter)             */
/* ======================================================================================================== */

/**
 * An int8 conv weight as a generated model stores it. Its last axis -- the input channel (within the group) of a
 * dense or grouped conv, OHWI [out_c][k_h][k_w][C]; the channel of a depthwise conv, [1][k_h][k_w][C] -- may be
 * SPLIT between a frozen part, const in Flash, and a trainable part in SRAM. Each part holds its channels
 * contiguously in the weight's own layout with a narrower last axis: [rows][n_frozen] and [rows][n_trained],
 * rows = out_c*k_h*k_w (dense) or k_h*k_w (depthwise). So only the trainable channels cost SRAM.
 *
 * Not split (slot == NULL): the whole weight is `frozen` (a frozen weight, trained == NULL) or `trained` (every
 * channel trains, frozen == NULL); n_frozen, n_trained, frozen_ch and trained_ch are then unused.
 * Split: slot[c] >= 0 is channel c's position in `trained`, slot[c] < 0 means position -1 - slot[c] in `frozen`;
 * trained_ch / frozen_ch list the channels of each part in increasing order (n_trained / n_frozen of them).
 *
 * The JVM backend keeps whole arrays; the values are identical, and every kernel taking a tt_weight (the `_p`
 * variants and the training-step kernels) is byte-identical to its whole-array Java counterpart: integer conv
 * sums are exact, so visiting the two parts one after the other changes nothing, and every float reduction keeps
 * the Java loop order. Master copies (TT_ROUND_FLOAT_MASTER) use the layout of `trained`; stochastic rounding
 * keys each element by its index in the WHOLE weight, as the JVM does.
 */
typedef struct tt_weight {
    const int8_t *frozen;       /* frozen channels (Flash), or the whole frozen weight */
    int8_t *trained;            /* trainable channels (SRAM), or the whole trainable weight */
    int32_t n_frozen;           /* channels in `frozen` (split weights) */
    int32_t n_trained;          /* channels in `trained` (split weights) */
    const int32_t *frozen_ch;   /* the channels `frozen` holds, increasing (split weights) */
    const int32_t *trained_ch;  /* the channels `trained` holds, increasing (split weights) */
    const int32_t *slot;        /* per channel: >= 0 position in trained, < 0: -1 - position in frozen; NULL = whole */
} tt_weight;

/** Initializer of a whole frozen weight (const, Flash). */
#define TT_WEIGHT_FROZEN(array) { (array), 0, 0, 0, 0, 0, 0 }
/** Initializer of a whole trainable weight (SRAM). */
#define TT_WEIGHT_TRAINED(array) { 0, (array), 0, 0, 0, 0, 0 }

/* ======================================================================================================== */
/* Forward (Java: ForwardKernels). FORMAT.md section 3.                                                     */
/* ======================================================================================================== */

/**
 * ForwardKernels.conv2d: quantized 2-D convolution with an optional 1-bit clamp mask.
 *
 *   acc = sum over i, j, c of (in[y*stride + i - pad_top, x*stride + j - pad_left, g*cpg + c] - x_zero) * w
 *   out = clamp(rint(((float) acc + bias[o]) * eff[o]) + y_zero, -128, 127)     (float32, ties to even)
 *
 * Taps outside the input are padding (contribute 0); bottom/right padding is implied by out_h/out_w.
 * Depthwise when groups == in_c == out_c (weights [1][k_h][k_w][C]); otherwise OHWI
 * [out_c][k_h][k_w][in_c/groups]. mask_off < 0: no mask; else every bit of ceil(n/8) bytes is written
 * (bit = pre-clamp value in [-128, 127]). Output and mask must not overlap the input, with one exception:
 * a depthwise output may start `lead` bytes or more before its input (the planner's in-place depthwise,
 * DepthwiseInPlace.minimumLead). That relies on this kernel's order: outputs in NHWC order, each element's
 * taps read before it is written. Keep that order when optimising the depthwise loop.
 *
 * CMSIS-NN: dense -> arm_convolve_s8 (arm_convolve_wrapper_s8 picks arm_convolve_1x1_s8_fast for 1x1);
 * depthwise -> arm_depthwise_conv_s8 (arm_depthwise_conv_wrapper_s8, arm_depthwise_conv_3x3_s8), but not for
 * an in-place depthwise: CMSIS-NN makes no promise about its read/write order;
 * grouped -> only where your CMSIS-NN release supports groups in arm_convolve_s8. Same layouts; see the
 * header comment on requantization and masks.
 */
void tt_conv2d(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t in_c, int32_t x_zero,
               const int8_t *weight, int32_t k_h, int32_t k_w, int32_t stride, int32_t pad_top, int32_t pad_left,
               int32_t groups, const float *bias, const float *eff, int32_t y_zero,
               int32_t out_off, int32_t out_h, int32_t out_w, int32_t out_c, int32_t mask_off);

/**
 * tt_conv2d on a generated model's parameter storage: the weight as a tt_weight (whole or split) and the bias
 * either as int32 (bias_q, used as (float) bias_q[o], which is exactly the JVM's float32 view of an int32 bias)
 * or as float32 (bias_f, e.g. the master copy of a trained bias in TT_ROUND_FLOAT_MASTER mode); exactly one of
 * bias_q / bias_f is non-NULL. Byte-identical to ForwardKernels.conv2d on the whole weight.
 */
void tt_conv2d_p(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t in_c, int32_t x_zero,
                 const tt_weight *weight, int32_t k_h, int32_t k_w, int32_t stride, int32_t pad_top, int32_t pad_left,
                 int32_t groups, const int32_t *bias_q, const float *bias_f, const float *eff, int32_t y_zero,
                 int32_t out_off, int32_t out_h, int32_t out_w, int32_t out_c, int32_t mask_off);

/**
 * Fast variant of tt_conv2d_p for a dense 1x1 conv without padding (any stride), weight [out_c][in_c] whole or split
 * (in_c <= TT_MAX_INT_TERMS): byte-identical to tt_conv2d_p / ForwardKernels.conv2d with k_h = k_w = 1,
 * pad 0, groups 1 and in_h = (out_h - 1) * stride + 1 or more. A register-blocked matrix multiply, two output
 * channels by two positions per pass (SMLAD on cores with the DSP extension, the same blocking in portable C
 * elsewhere); mask bits are written in runs of up to 16.
 *
 * zw: NULL, or zw[o] = x_zero * sum_c w[o][c] for a weight that does not change (the compiler computes the table):
 * then the sums are sum x * w - zw[o], which is sum (x - x_zero) * w exactly (int32, at most TT_MAX_INT_TERMS
 * terms), and the inner loop subtracts no zero point. With NULL (a trained weight) the inner loop subtracts it
 * (nothing when x_zero is 0). A split weight (slot != NULL) takes NULL and sums each part through its channel list.
 */
void tt_conv1x1(int8_t *arena, int32_t in_off, int32_t in_w, int32_t in_c, int32_t x_zero,
                const tt_weight *weight, const int32_t *zw, int32_t stride, const int32_t *bias_q,
                const float *bias_f, const float *eff, int32_t y_zero, int32_t out_off, int32_t out_h, int32_t out_w,
                int32_t out_c, int32_t mask_off);

/** The largest k_h * k_w * in_c patch tt_conv_im2col gathers (two of them live on its stack). */
#define TT_IM2COL_MAX_PATCH 64

/**
 * Fast variant of tt_conv2d_p for a small dense conv (groups 1, k_h * k_w * in_c <= TT_IM2COL_MAX_PATCH: the
 * 3-channel first conv), weight [out_c][k_h][k_w][in_c] not split: byte-identical to tt_conv2d_p /
 * ForwardKernels.conv2d. Gathers the patches of two positions (taps in the padding read x_zero, which adds 0), then
 * the blocked matrix multiply of tt_conv1x1 over rows of k_h * k_w * in_c; zw as there (the sum over the whole row).
 */
void tt_conv_im2col(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t in_c, int32_t x_zero,
                    const tt_weight *weight, const int32_t *zw, int32_t k_h, int32_t k_w, int32_t stride,
                    int32_t pad_top, int32_t pad_left, const int32_t *bias_q, const float *bias_f, const float *eff,
                    int32_t y_zero, int32_t out_off, int32_t out_h, int32_t out_w, int32_t out_c, int32_t mask_off);

/**
 * Fast variant of tt_conv2d_p for a depthwise conv (groups == in_c == out_c == c), weight [1][k_h][k_w][c]
 * (k_h * k_w <= TT_MAX_INT_TERMS): byte-identical to tt_conv2d_p / ForwardKernels.conv2d, including the in-place
 * order (outputs in NHWC order, each written after its taps were read). Four channels per pass, read as one word per
 * tap (channel-pair SIMD with SMLABB/SMLATT on cores with the DSP extension); mask bits in runs of 4. A split weight
 * is summed channel by channel through its parts.
 */
void tt_depthwise_conv(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t c, int32_t x_zero,
                       const tt_weight *weight, int32_t k_h, int32_t k_w, int32_t stride, int32_t pad_top,
                       int32_t pad_left, const int32_t *bias_q, const float *bias_f, const float *eff, int32_t y_zero,
                       int32_t out_off, int32_t out_h, int32_t out_w, int32_t mask_off);

/**
 * ForwardKernels.quantizedAdd: residual add, FORMAT.md 3.3. For i < count:
 *   a = (float)(A[i] - a_zero) * a_scale;  b = (float)(B[i] - b_zero) * b_scale;
 *   out = clamp(rint((a + b) / y_scale) + y_zero, -128, 127)
 * out_off may equal a_off or b_off (in place). Optional clamp mask as for tt_conv2d.
 * CMSIS-NN: arm_elementwise_add_s8.
 */
void tt_quantized_add(int8_t *arena, int32_t a_off, int32_t a_zero, float a_scale,
                      int32_t b_off, int32_t b_zero, float b_scale, int32_t count,
                      int32_t y_zero, float y_scale, int32_t out_off, int32_t mask_off);

/**
 * ForwardKernels.globalAvgPool: out[c] = clamp(rint((float) sum_{y,x} in[y,x,c] / (float)(h*w)), -128, 127).
 * CMSIS-NN: arm_avgpool_s8 with a filter the size of the input (which rounds ties away from zero).
 */
void tt_global_avg_pool(int8_t *arena, int32_t in_off, int32_t h, int32_t w, int32_t c, int32_t out_off);

/**
 * ForwardKernels.dequantize: out[i] = (float)(q[i] - zero) * scale, float32 at out_off + 4*i.
 * CMSIS-NN: none (it is the transfer head's input conversion).
 */
void tt_dequantize(int8_t *arena, int32_t in_off, int32_t count, int32_t zero, float scale, int32_t out_off);

/**
 * ForwardKernels.linear: float32 fully connected layer (the transfer head), weight row-major [n][k]:
 *   acc = +0; for kk < k: acc = acc + in[kk] * weight[nn*k + kk];  out[nn] = acc + bias[nn]
 * CMSIS-NN: none for float32 (CMSIS-DSP arm_mat_vec_mult_f32 sums in another order: not bit-identical).
 */
void tt_linear(int8_t *arena, int32_t in_off, int32_t k, const float *weight, const float *bias, int32_t n,
               int32_t out_off);

/* ======================================================================================================== */
/* Conv geometry (Java: BackwardKernels.ConvGeom)                                                           */
/* ======================================================================================================== */

/** BackwardKernels.ConvGeom: batch 1, NHWC; out = (in + 2*pad - k) / stride + 1. */
typedef struct tt_conv_geom {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w; /* on both sides (one more at the bottom/right allowed: ConvGeom.outputFits) */
    int32_t groups;
} tt_conv_geom;

/** ConvGeom.of: square kernel k, pad (k-1)/2, same stride in both dimensions, output size derived. */
tt_conv_geom tt_conv_geom_of(int32_t in_h, int32_t in_w, int32_t in_c, int32_t out_c, int32_t k, int32_t stride,
                             int32_t groups);
/** The ConvGeom constructor's checks: 1 if the geometry is valid, 0 otherwise. */
int tt_conv_geom_valid(const tt_conv_geom *g);
/** ConvGeom.depthwise: groups == in_c == out_c. */
int tt_conv_geom_depthwise(const tt_conv_geom *g);
/** ConvGeom.inPerGroup. */
int32_t tt_conv_geom_in_per_group(const tt_conv_geom *g);
/** ConvGeom.outPerGroup. */
int32_t tt_conv_geom_out_per_group(const tt_conv_geom *g);
/** ConvGeom.weightCount. */
int32_t tt_conv_geom_weight_count(const tt_conv_geom *g);
/** ConvGeom.outPositions: out_h * out_w. */
int32_t tt_conv_geom_out_positions(const tt_conv_geom *g);
/** ConvGeom.weightIndex: (kh*KW + kw)*C + o (depthwise) or ((o*KH + kh)*KW + kw)*(inC/groups) + i. */
int32_t tt_conv_geom_weight_index(const tt_conv_geom *g, int32_t o, int32_t kh, int32_t kw, int32_t i);
/** ConvGeom.channelWorkspaceFloats: channels == NULL means all (n_channels ignored). */
int32_t tt_conv_geom_channel_workspace_floats(const tt_conv_geom *g, const int32_t *channels, int32_t n_channels);

/* ======================================================================================================== */
/* Backward (Java: BackwardKernels). float32, no FMA, documented reduction orders.                          */
/* Where the Java kernel takes `int[] channels` (null = all), C takes (channels, n_channels), NULL = all.   */
/* ======================================================================================================== */

/** BackwardKernels.applyClampMask (both overloads; in place: dst_off == src_off): dst[i] = bit(i) ? src[i] : +0. */
void tt_apply_clamp_mask(int8_t *arena, int32_t src_off, int32_t mask_off, int32_t dst_off, int32_t n);

/** BackwardKernels.maskAndScaleOutputGrad: g'[p, o] = bit(p*C + o) ? g[p, o] * eff[o] : +0. In place allowed. */
void tt_mask_and_scale_output_grad(int8_t *arena, int32_t g_off, int32_t mask_off, const float *eff,
                                   int32_t positions, int32_t channels, int32_t dst_off);

/**
 * BackwardKernels.convInputGrad: dx = conv_transpose(W, g'). Per input element (NHWC order): acc = +0; kh, kw
 * ascending (taps that hit no output skipped); o ascending over the group's output channels:
 * acc = acc + (float) W[o, kh, kw, ci] * g'[oy, ox, o]. dx = accumulate ? dx + acc : acc.
 */
void tt_conv_input_grad(int8_t *arena, int32_t g_off, const int8_t *weight, const tt_conv_geom *geom,
                        int32_t dx_off, int accumulate);

/** tt_conv_input_grad with the weight as a tt_weight (whole or split): byte-identical, same loop order. */
void tt_conv_input_grad_p(int8_t *arena, int32_t g_off, const tt_weight *weight, const tt_conv_geom *geom,
                          int32_t dx_off, int accumulate);

/**
 * Fast variant of tt_conv_input_grad_p for a dense 1x1 conv without padding (any stride), weight whole or split:
 * byte-identical (each dx sums over o ascending as the reference; two positions by four channels per pass share
 * their loads and conversions).
 */
void tt_conv1x1_input_grad(int8_t *arena, int32_t g_off, const tt_weight *weight, const tt_conv_geom *geom,
                           int32_t dx_off, int accumulate);

/**
 * Fast variant of tt_conv_input_grad_p for a depthwise conv, weight whole or split: byte-identical (each dx sums its
 * taps in the reference's order; four channels per pass share the tap arithmetic and read g contiguously).
 */
void tt_depthwise_input_grad(int8_t *arena, int32_t g_off, const tt_weight *weight, const tt_conv_geom *geom,
                             int32_t dx_off, int accumulate);

/** BackwardKernels.convBiasGradChannel: acc = +0; for p ascending: acc = acc + g'[p, o]. */
float tt_conv_bias_grad_channel(const int8_t *arena, int32_t g_off, int32_t positions, int32_t channels, int32_t o);

/** BackwardKernels.convBiasGrad: tt_conv_bias_grad_channel for every o, floats at db_off. */
void tt_conv_bias_grad(int8_t *arena, int32_t g_off, int32_t positions, int32_t channels, int32_t db_off);

/**
 * BackwardKernels.convWeightGradChannel: one output channel's weight gradient into a float workspace
 * ([KH][KW][n] for dense/grouped, [KH][KW] for depthwise); each element sums over oy, ox ascending
 * (oy outer) (float)(x - x_zero) * g'. Returns the number of floats written.
 */
int32_t tt_conv_weight_grad_channel(int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off,
                                    const tt_conv_geom *geom, int32_t o, const int32_t *channels,
                                    int32_t n_channels, int32_t ws_off);

/** BackwardKernels.convWeightGrad: whole dW in the weight's own layout; untrained entries are +0. */
void tt_conv_weight_grad(int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off, const tt_conv_geom *geom,
                         const int32_t *channels, int32_t n_channels, int32_t dw_off);

/** BackwardKernels.addBackward: t = g[i] / sy; dx1[i] = t * s1; dx2[i] = t * s2; negative offset = skip. */
void tt_add_backward(int8_t *arena, int32_t g_off, int32_t n, float sy, float s1, float s2, int32_t dx1_off,
                     int32_t dx2_off);

/** BackwardKernels.avgPoolBackward: dx[y, x, c] = g[c] / (float)(h*w) (a division); optionally accumulated. */
void tt_avg_pool_backward(int8_t *arena, int32_t g_off, int32_t h, int32_t w, int32_t c, int32_t dx_off,
                          int accumulate);

/** BackwardKernels.dequantizeBackward: dq[i] = dreal[i] * x_scale. In place allowed. */
void tt_dequantize_backward(int8_t *arena, int32_t g_off, int32_t n, float x_scale, int32_t dst_off);

/** BackwardKernels.linearInputGrad: dx[i]: acc = +0; for j ascending: acc = acc + g[j] * W[j*in + i]. */
void tt_linear_input_grad(int8_t *arena, int32_t g_off, const float *weight, int32_t out, int32_t in,
                          int32_t dx_off);

/** BackwardKernels.linearWeightGradRow: ws[i] = g[j] * x[i]. */
void tt_linear_weight_grad_row(int8_t *arena, int32_t g_off, int32_t x_off, int32_t in, int32_t j, int32_t ws_off);

/** BackwardKernels.linearWeightGrad: dW[j*in + i] = g[j] * x[i]. */
void tt_linear_weight_grad(int8_t *arena, int32_t g_off, int32_t x_off, int32_t out, int32_t in, int32_t dw_off);

/* ======================================================================================================== */
/* Loss (Java: LossKernels) and transcendentals (Java: Float32Math)                                          */
/* ======================================================================================================== */

/**
 * LossKernels.softmaxCrossEntropy: returns the loss, writes dloss/dlogits at d_off (may equal x_off).
 * xl = x[label]; m = max; s = sum exp(x[i] - m) (d[i] = e_i first); loss = -((xl - m) - log(s));
 * d[i] = d[i] / s, minus 1 at the label.
 */
float tt_softmax_cross_entropy(int8_t *arena, int32_t x_off, int32_t n, int32_t label, int32_t d_off);

/** Float32Math.exp: tinytrain's float32 e^x (only + - * / and bit manipulation). */
float tt_expf(float x);

/** Float32Math.log: tinytrain's float32 natural logarithm. */
float tt_logf(float x);

/* ======================================================================================================== */
/* Counter RNG (Java: CounterRng)                                                                           */
/* ======================================================================================================== */

/** CounterRng.fmix32: MurmurHash3 finalizer. */
uint32_t tt_rng_fmix32(uint32_t h);
/** CounterRng.key: fmix32(fmix32(fmix32(seed ^ 0x9E3779B9) ^ step) ^ param_id). */
uint32_t tt_rng_key(uint32_t seed, uint32_t step, uint32_t param_id);
/** CounterRng.bits: fmix32(fmix32(key ^ index) + key). */
uint32_t tt_rng_bits(uint32_t key, uint32_t index);
/** CounterRng.uniform: (float)(bits >> 8) * 2^-24, in [0, 1). */
float tt_rng_uniform(uint32_t key, uint32_t index);

/* ======================================================================================================== */
/* Updates (Java: UpdateKernels, RoundingMode)                                                              */
/* ======================================================================================================== */

/** RoundingMode. */
typedef enum tt_rounding_mode {
    TT_ROUND_NEAREST_EVEN = 0, /* rint, saturate (int8 weights to [-127, 127], int32 biases) */
    TT_ROUND_STOCHASTIC = 1,   /* floor + (u < frac), u from tt_rng_uniform, then saturate */
    TT_ROUND_FLOAT_MASTER = 2  /* float32 master copy updated; int8 weight = rint(master) saturated */
} tt_rounding_mode;

/** UpdateKernels.qasBiasDivisor: t = eff * y_scale; t * t. y_scale is fl32 of the model's float64 scale. */
float tt_qas_bias_divisor(float eff, float y_scale);
/** UpdateKernels.qasWeightDivisor: t = (eff * y_scale) / x_scale; t * t (scales as fl32). */
float tt_qas_weight_divisor(float eff, float y_scale, float x_scale);
/** UpdateKernels.qasBiasDivisors: out[o] = tt_qas_bias_divisor(eff[o], y_scale), o < n. */
void tt_qas_bias_divisors(const float *eff, int32_t n, float y_scale, float *out);
/** UpdateKernels.qasWeightDivisors: out[o] = tt_qas_weight_divisor(eff[o], y_scale, x_scale), o < n. */
void tt_qas_weight_divisors(const float *eff, int32_t n, float y_scale, float x_scale, float *out);
/** UpdateKernels.qas: g / divisor (a division, not a reciprocal multiply). */
float tt_qas(float g, float divisor);
/** UpdateKernels.roundWeightNearestEven: rint, saturate to [-127, 127]; NaN -> 0. */
int8_t tt_round_weight_nearest_even(float p);
/** UpdateKernels.roundWeightStochastic: floor(p) + (u < p - floor(p)), saturate to [-127, 127]; NaN -> 0. */
int8_t tt_round_weight_stochastic(float p, float u);
/** UpdateKernels.roundBiasNearestEven: rint, saturate to int32; NaN -> 0. */
int32_t tt_round_bias_nearest_even(float p);
/** UpdateKernels.roundBiasStochastic: stochastic rounding, saturate to int32; NaN -> 0. */
int32_t tt_round_bias_stochastic(float p, float u);

/**
 * UpdateKernels.updateConvWeightChannel: applies one output channel's update from the workspace written by
 * tt_conv_weight_grad_channel (same geom, o, channels). master is required for TT_ROUND_FLOAT_MASTER
 * (else may be NULL); rng_key = tt_rng_key(seed, step, param_id) for TT_ROUND_STOCHASTIC.
 */
void tt_update_conv_weight_channel(const int8_t *arena, int32_t ws_off, const tt_conv_geom *geom, int32_t o,
                                   const int32_t *channels, int32_t n_channels, int8_t *weight, float *master,
                                   float qas_divisor, float lr, tt_rounding_mode mode, uint32_t rng_key);

/**
 * tt_update_conv_weight_channel on a tt_weight: writes only `trained` (every channel it updates must be trainable),
 * master in the layout of `trained`; the stochastic-rounding counter is the element's index in the whole weight.
 */
void tt_update_conv_weight_channel_p(const int8_t *arena, int32_t ws_off, const tt_conv_geom *geom, int32_t o,
                                     const int32_t *channels, int32_t n_channels, const tt_weight *weight,
                                     float *master, float qas_divisor, float lr, tt_rounding_mode mode,
                                     uint32_t rng_key);

/** UpdateKernels.updateConvWeight: whole-tensor update from dW in the weight's layout; qas_divisors may be NULL. */
void tt_update_conv_weight(const int8_t *arena, int32_t dw_off, const tt_conv_geom *geom, const int32_t *channels,
                           int32_t n_channels, int8_t *weight, float *master, const float *qas_divisors, float lr,
                           tt_rounding_mode mode, uint32_t rng_key);

/**
 * UpdateKernels.updateBiasChannel: g = grad / qas_divisor, p' = fmaf(-lr, g, p), stored per the mode.
 * bias may be NULL only for TT_ROUND_FLOAT_MASTER (then only the master is updated).
 */
void tt_update_bias_channel(float grad, int32_t o, int32_t *bias, float *master, float qas_divisor, float lr,
                            tt_rounding_mode mode, uint32_t rng_key);

/** UpdateKernels.updateBias: tt_update_bias_channel for o < n, gradient from the arena; qas_divisors may be NULL. */
void tt_update_bias(const int8_t *arena, int32_t db_off, int32_t n, int32_t *bias, float *master,
                    const float *qas_divisors, float lr, tt_rounding_mode mode, uint32_t rng_key);

/** UpdateKernels.sgdFloat: param[p_off + i] = fmaf(-lr, g[i], param[p_off + i]). */
void tt_sgd_float(float *param, int32_t p_off, const int8_t *arena, int32_t g_off, int32_t n, float lr);

/** UpdateKernels.masterOf(byte[]): master[i] = (float) weight[i] (exact). */
void tt_master_of_weights(const int8_t *weight, int32_t n, float *master);

/** UpdateKernels.masterOf(int[]): master[i] = (float) bias[i] (round to nearest even above 2^24). */
void tt_master_of_biases(const int32_t *bias, int32_t n, float *master);

/* ======================================================================================================== */
/* Training-step ops (Java: StepKernels): one call per scheduled IR op of a generated model                  */
/* ======================================================================================================== */

/** StepKernels.add (the IR's accumulate op): out[i] = a[i] + b[i] (float32). out may equal a or b. */
void tt_add_f32(int8_t *arena, int32_t a_off, int32_t b_off, int32_t n, int32_t out_off);

/** StepKernels.addGrad: dx[i] = (bit(i) ? g[i] : +0) / sy * sx, evaluated left to right. In place allowed. */
void tt_add_grad(int8_t *arena, int32_t g_off, int32_t mask_off, int32_t n, float sy, float sx, int32_t dx_off);

/** StepKernels.channelSlice: out[p*k + j] = in[p*c + channels[j]] (int8 NHWC, k = n_channels). */
void tt_channel_slice(int8_t *arena, int32_t in_off, int32_t positions, int32_t c, const int32_t *channels,
                      int32_t n_channels, int32_t out_off);

/**
 * StepKernels.convWeightGrad: the compact weight gradient of the IR's conv_grad_weight, output channel by output
 * channel through tt_conv_weight_grad_channel: dense [O][KH][KW][k] (geom describes the sliced input, in_c = k),
 * depthwise [k][KH][KW] for channels (NULL = all).
 */
void tt_conv_weight_grad_compact(int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off,
                                 const tt_conv_geom *geom, const int32_t *channels, int32_t n_channels,
                                 int32_t dw_off);

/**
 * StepKernels.updateConvWeight: applies a compact gradient (tt_conv_weight_grad_compact's layout) to a tt_weight
 * output channel by output channel through tt_update_conv_weight_channel_p. geom is the conv's full geometry;
 * channels are the trainable ones (NULL = all); qas_divisors may be NULL.
 */
void tt_update_conv_weight_compact(const int8_t *arena, int32_t dw_off, const tt_conv_geom *geom,
                                   const int32_t *channels, int32_t n_channels, const tt_weight *weight,
                                   float *master, const float *qas_divisors, float lr, tt_rounding_mode mode,
                                   uint32_t rng_key);

/**
 * StepKernels.updateConvBias: tt_update_bias on an int32 conv bias (and its master in TT_ROUND_FLOAT_MASTER mode).
 * The JVM also refreshes a float32 "view" the forward adds; C has none: tt_conv2d_p reads (float) bias, or the
 * master in TT_ROUND_FLOAT_MASTER mode, which are exactly the view's values.
 */
void tt_update_conv_bias(const int8_t *arena, int32_t db_off, int32_t n, int32_t *bias, float *master,
                         const float *qas_divisors, float lr, tt_rounding_mode mode, uint32_t rng_key);

/**
 * StepKernels.convWeightGradUpdate: a conv's weight gradient fused with its update. For each output channel (each
 * listed channel of a depthwise conv) in increasing order: tt_conv_weight_grad_channel(grad_geom) into the
 * one-channel workspace at ws_off, then tt_update_conv_weight_channel_p(geom). No weight-gradient tensor.
 */
void tt_conv_weight_grad_update(int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off,
                                const tt_conv_geom *grad_geom, const tt_conv_geom *geom, const int32_t *channels,
                                int32_t n_channels, int32_t ws_off, const tt_weight *weight, float *master,
                                const float *qas_divisors, float lr, tt_rounding_mode mode, uint32_t rng_key);

/**
 * Fast variant of tt_conv_weight_grad_update for a dense 1x1 conv without padding (grad_geom: the sliced input,
 * in_c = the trained channels): byte-identical weights, masters and workspace (each gradient element sums over the
 * positions in the reference's order; four input by four output channels per pass share the conversions of x and
 * the loads of g; each element is updated as the reference updates it, as soon as its gradient is complete, and
 * the workspace is left holding the last output channel's gradient, as the reference leaves it).
 */
void tt_conv1x1_weight_grad_update(int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off,
                                   const tt_conv_geom *grad_geom, const tt_conv_geom *geom, const int32_t *channels,
                                   int32_t n_channels, int32_t ws_off, const tt_weight *weight, float *master,
                                   const float *qas_divisors, float lr, tt_rounding_mode mode, uint32_t rng_key);

/**
 * StepKernels.convBiasGradUpdate: per output channel, tt_conv_bias_grad_channel then tt_update_bias_channel
 * (no view to refresh, see tt_update_conv_bias).
 */
void tt_conv_bias_grad_update(int8_t *arena, int32_t g_off, int32_t positions, int32_t channels, int32_t *bias,
                              float *master, const float *qas_divisors, float lr, tt_rounding_mode mode,
                              uint32_t rng_key);

/** StepKernels.linearWeightGradUpdate: W[j*in + k] = fmaf(-lr, g[j] * x[k], W[j*in + k]), j then k ascending. */
void tt_linear_weight_grad_update(int8_t *arena, int32_t g_off, int32_t x_off, int32_t out, int32_t in,
                                  float *weight, float lr);

/**
 * StepKernels.softmaxCrossEntropy: reads the int32 label at label_off, writes the loss (float32) at loss_off and
 * dloss/dlogits at d_off. Returns 0, or -1 without touching the arena when the label is outside [0, n) (the Java
 * kernel throws).
 */
int tt_softmax_cross_entropy_at(int8_t *arena, int32_t x_off, int32_t n, int32_t label_off, int32_t d_off,
                                int32_t loss_off);

/** StepKernels.rngKey: tt_rng_key(state[1], state[0], param_id) for the step state {step, seed}. */
uint32_t tt_step_rng_key(const uint32_t state[2], uint32_t param_id);

/* ======================================================================================================== */
/* Channel-streamed backward (Java: StreamedKernels): an inverted-residual block's backward channel by      */
/* channel of its expanded tensor, the same bits as the whole-tensor kernels.                               */
/* ======================================================================================================== */

/** StreamedKernels.Update: how one parameter of a region updates (its rate and key are arguments). */
typedef struct tt_stream_update {
    int32_t *bias;              /* the int32 bias of a bias update, 0 for a weight */
    float *master;              /* the float32 master copy (TT_ROUND_FLOAT_MASTER), else 0 */
    const float *qas_divisors;  /* per-output-channel QAS divisors, or 0 */
    const int32_t *channels;    /* trained channels (depthwise: channels; expansion: input channels), 0 = all */
    int32_t n_channels;
    tt_rounding_mode mode;
} tt_stream_update;

/** StreamedKernels.Region: one region's constants; a part the region lacks has a null pointer / offset -1. */
typedef struct tt_stream_region {
    int32_t proj_out, g_off;            /* O; g' at the projection's accumulator, [H2][W2][O] floats */
    const tt_weight *proj;              /* [O][1][1][C] */
    tt_conv_geom depthwise;             /* H1 x W1 x C -> H2 x W2 x C */
    int32_t dw_mask_off;
    const float *dw_eff;
    const tt_weight *dw;                /* [1][KH][KW][C] */
    const tt_stream_update *dw_bias, *dw_weight_update;
    int32_t dw_x_off, dw_x_zero;        /* the depthwise conv's saved input, [H1][W1][C] (weight update only) */
    int32_t deep;                       /* 1: the region goes on to the expansion */
    tt_conv_geom expansion;             /* H1 x W1 x Cin -> H1 x W1 x C, 1x1 stride 1 (deep only) */
    int32_t exp_mask_off;
    const float *exp_eff;
    const tt_weight *exp;               /* [C][1][1][Cin] */
    const tt_stream_update *exp_bias, *exp_weight_update;
    int32_t exp_x_off, exp_x_zero;      /* the expansion's saved input, its k trained channels, [H1][W1][k] */
    int32_t dx_off;                     /* the expansion's input gradient [H1][W1][Cin] floats, -1 without */
    int32_t plane_off, plane_in_off, vector_off; /* scratch: group*H2*W2, group*H1*W1, max(group*O, KH*KW,
                                                    group*Cin) floats */
    int32_t group;                      /* expanded channels per pass (their input planes are kept together) */
} tt_stream_region;

/**
 * StreamedKernels.streamedBackward: per expanded channel c ascending, the projection's input-gradient plane of c,
 * its depthwise mask and scale, (deep) the depthwise input-gradient plane of c, the depthwise bias and weight
 * updates of c, (deep) the expansion's mask and scale, c's term of dx (accumulated in memory from +0, c ascending:
 * the order of the whole-tensor sum), the expansion's bias and weight updates of c. Rates and keys: depthwise bias,
 * depthwise weight, expansion bias, expansion weight.
 */
void tt_streamed_backward(int8_t *arena, const tt_stream_region *r, float dw_bias_lr, uint32_t dw_bias_key,
                          float dw_weight_lr, uint32_t dw_weight_key, float exp_bias_lr, uint32_t exp_bias_key,
                          float exp_weight_lr, uint32_t exp_weight_key);

/* ======================================================================================================== */
/* Fused expansion + depthwise conv of a band region (Java: ExpandDepthwise, FastExpandDepthwise; issue 15): */
/* the expanded rows a window needs, recomputed per channel group instead of kept in a line buffer.          */
/* ======================================================================================================== */

/** ExpandDepthwise: a 1x1 expansion and the depthwise conv that alone reads its output, fused. */
typedef struct tt_expand_dw {
    int32_t in_w, in_c, x_zero;         /* the expansion's input: in_w columns, in_c channels */
    const tt_weight *exp;               /* [channels][in_c], whole (not split) */
    const int32_t *exp_zw;              /* x_zero * sum_c exp[o][c] per channel (tt_conv1x1's zw), or 0 */
    const int32_t *exp_bias_q;          /* exactly one of the int32 bias and its float32 view */
    const float *exp_bias_f;
    const float *exp_eff;
    int32_t mid_zero;                   /* the expanded tensor's zero point */
    const int8_t *dw_grouped;           /* the depthwise weight regrouped: per group [k_h][k_w][n] (n its channels) */
    int32_t k_h, k_w, stride, pad_left;
    const int32_t *dw_bias_q;           /* exactly one of the int32 bias and its float32 view */
    const float *dw_bias_f;
    const float *dw_eff;
    int32_t y_zero, out_w;
    int32_t channels, group;            /* expanded channels; channels per pass (the last group may be narrower) */
} tt_expand_dw;

/**
 * FastExpandDepthwise.runRows, byte-identical to ExpandDepthwise.referenceRows (the expansion then the depthwise
 * conv, ForwardKernels.conv2d twice, on the row window): per group of f->group expanded channels, tt_conv1x1 of the
 * group's channels of the in_rows input rows at in_off into the scratch at scratch_off (in_rows x in_w x n bytes),
 * tt_depthwise_conv of the group on them (pad_top padding rows above, out_rows rows) into the scratch at
 * scratch_out_off (out_rows x out_w x n), scattered into the group's channels of the output rows at out_off.
 */
void tt_expand_depthwise_rows(int8_t *arena, const tt_expand_dw *f, int32_t in_off, int32_t in_rows,
                              int32_t pad_top, int32_t out_off, int32_t out_rows, int32_t scratch_off,
                              int32_t scratch_out_off);

#ifdef TT_CHECKS
/** Called when a TT_ASSERT precondition fails (TT_CHECKS builds only); provided by the application. */
void tt_check_failed(const char *expr, const char *file, int line);
#endif

#ifdef __cplusplus
}
#endif

#endif /* TT_KERNELS_H */

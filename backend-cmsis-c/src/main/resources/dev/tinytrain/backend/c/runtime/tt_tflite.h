/*
 * tinytrain TFLite integer numerics (imported .tflite models): the C twins of
 * dev.tinytrain.backend.jvm.tflite.TfliteKernels, line by line and byte for byte. They follow TensorFlow Lite's
 * reference int8 kernels: gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT (TFLite's
 * "double rounding" MultiplyByQuantizedMultiplier), integer pooling rounding, the quantized mean's folded
 * multiplier. The forward kernels are integer only (no float, no libm); the backward kernels of the TFLite ops without
 * a native counterpart (tt_tfl_*_backward, float32 gradients) follow tt_kernels.c's float rules. Memory conventions as in tt_kernels.h (arena + byte offsets,
 * NHWC, batch 1, weights as tt_weight).
 */
#ifndef TT_TFLITE_H
#define TT_TFLITE_H

#include <stdint.h>

#include "tt_kernels.h"

/* TfliteKernels.saturatingRoundingDoublingHighMul: round(a * b / 2^31), ties away from zero, saturating. */
int32_t tt_tfl_srdhm(int32_t a, int32_t b);

/* TfliteKernels.roundingDivideByPot: x / 2^exponent rounded half away from zero (exponent 0..31). */
int32_t tt_tfl_rdbpot(int32_t x, int32_t exponent);

/* TfliteKernels.multiplyByQuantizedMultiplier: wrapping left shift, Q31 high product, rounding right shift. */
int32_t tt_tfl_mbqm(int32_t x, int32_t multiplier, int32_t shift);

/* TfliteKernels.conv2d: conv / depthwise conv / fully connected with per-channel multipliers and a clamp; with
 * mask_off >= 0 also the clamp mask (bit = requantized value in [act_min, act_max]; so for the other kernels
 * taking a mask_off). */
void tt_tfl_conv2d(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t in_c, int32_t x_zero,
                   const tt_weight *weight, int32_t k_h, int32_t k_w, int32_t stride_h, int32_t stride_w,
                   int32_t pad_top, int32_t pad_left, int32_t groups, const int32_t *bias,
                   const int32_t *multiplier, const int32_t *shift, int32_t y_zero, int32_t act_min,
                   int32_t act_max, int32_t out_off, int32_t out_h, int32_t out_w, int32_t out_c, int32_t mask_off);

/* TfliteKernels.roundScaled: round_half_away(double(acc) * significand * 2^exponent), the product rounded to
 * binary64 first, computed exactly with integers; saturated to int32. */
int32_t tt_tfl_round_scaled(int32_t acc, int64_t significand, int32_t exponent);

/* TfliteKernels.fullyConnected: per-channel FULLY_CONNECTED with binary64 scales (significand, exponent). */
void tt_tfl_fully_connected(int8_t *arena, int32_t in_off, int32_t depth, int32_t x_zero, const tt_weight *weight,
                            const int32_t *bias, const int64_t *significand, const int32_t *exponent,
                            int32_t y_zero, int32_t act_min, int32_t act_max, int32_t out_off, int32_t out_c,
                            int32_t mask_off);

/* TfliteKernels.add: int8 ADD of two same-shaped tensors (left shift `left_shift`, TFLite: 20). */
void tt_tfl_add(int8_t *arena, int32_t a_off, int32_t a_zero, int32_t a_multiplier, int32_t a_shift,
                int32_t b_off, int32_t b_zero, int32_t b_multiplier, int32_t b_shift, int32_t count,
                int32_t out_multiplier, int32_t out_shift, int32_t y_zero, int32_t act_min, int32_t act_max,
                int32_t out_off, int32_t left_shift, int32_t mask_off);

/* TfliteKernels.pad: height/width padding with `value`. */
void tt_tfl_pad(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t channels, int32_t top,
                int32_t left, int32_t value, int32_t out_off, int32_t out_h, int32_t out_w);

/* TfliteKernels.mean: spatial mean per channel (integer division, or the folded multiplier). */
void tt_tfl_mean(int8_t *arena, int32_t in_off, int32_t positions, int32_t channels, int32_t requantize,
                 int32_t x_zero, int32_t multiplier, int32_t shift, int32_t y_zero, int32_t out_off);

/* TfliteKernels.pool: max (is_max != 0) or average pool, windows clipped to the input. */
void tt_tfl_pool(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t channels, int32_t is_max,
                 int32_t filter_h, int32_t filter_w, int32_t stride_h, int32_t stride_w, int32_t pad_top,
                 int32_t pad_left, int32_t act_min, int32_t act_max, int32_t out_off, int32_t out_h, int32_t out_w);

/* TfliteKernels.concat: per outer index, a_chunk bytes of a then b_chunk bytes of b. */
void tt_tfl_concat(int8_t *arena, int32_t a_off, int32_t a_chunk, int32_t b_off, int32_t b_chunk, int32_t outer,
                   int32_t out_off);

/* TfliteKernels.relu: requantize, clamp to [act_min, 127]. */
void tt_tfl_relu(int8_t *arena, int32_t in_off, int32_t count, int32_t x_zero, int32_t multiplier, int32_t shift,
                 int32_t y_zero, int32_t act_min, int32_t out_off, int32_t mask_off);

/* TfliteKernels.expOnNegativeValues: gemmlowp exp of a Q5.26 value <= 0, Q0.31. */
int32_t tt_tfl_exp_on_negative_values(int32_t a);

/* TfliteKernels.oneOverOnePlusX: gemmlowp 1 / (1 + x) for Q0.31 x in [0, 1), Q0.31. */
int32_t tt_tfl_one_over_one_plus_x(int32_t a);

/* TfliteKernels.softmax: int8 softmax over rows of `depth` (output scale 1/256, zero point -128). */
void tt_tfl_softmax(int8_t *arena, int32_t in_off, int32_t rows, int32_t depth, int32_t input_multiplier,
                    int32_t input_left_shift, int32_t diff_min, int32_t out_off);

/* TfliteKernels.quantize: float32 to int8, round_half_away(x / scale) + zero saturated (NaN: the zero point). */
void tt_tfl_quantize(int8_t *arena, int32_t in_off, int32_t count, float scale, int32_t zero, int32_t out_off);

/* TfliteBackwardKernels.padBackward: dx[y, x, c] = g[y + top, x + left, c]. */
void tt_tfl_pad_backward(int8_t *arena, int32_t g_off, int32_t g_h, int32_t g_w, int32_t channels, int32_t top,
                         int32_t left, int32_t out_off, int32_t out_h, int32_t out_w);

/* TfliteBackwardKernels.poolBackward: max pool to the first maximum, average pool spread over the taps read;
 * positions the fused activation clamped pass nothing. */
void tt_tfl_pool_backward(int8_t *arena, int32_t x_off, int32_t in_h, int32_t in_w, int32_t channels,
                          int32_t is_max, int32_t filter_h, int32_t filter_w, int32_t stride_h, int32_t stride_w,
                          int32_t pad_top, int32_t pad_left, int32_t act_min, int32_t act_max, int32_t g_off,
                          int32_t out_h, int32_t out_w, int32_t dx_off);

/* TfliteBackwardKernels.concatBackward: per outer index, length floats at i * row_length + start of g. */
void tt_tfl_concat_backward(int8_t *arena, int32_t g_off, int32_t outer, int32_t row_length, int32_t start,
                            int32_t length, int32_t out_off);

#endif /* TT_TFLITE_H */

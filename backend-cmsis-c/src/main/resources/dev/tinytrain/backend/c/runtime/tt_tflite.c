/* tinytrain TFLite integer numerics: see tt_tflite.h. Mirrors TfliteKernels.java line by line. */
#include "tt_tflite.h"

#include <string.h>

int32_t tt_tfl_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31)); /* C division truncates toward zero, as Java's */
}

int32_t tt_tfl_rdbpot(int32_t x, int32_t exponent)
{
    int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    /* arithmetic right shift of a negative int32: implementation-defined in C99, arithmetic on gcc/arm-gcc */
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t tt_tfl_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
    int32_t left = shift > 0 ? shift : 0;
    int32_t right = shift > 0 ? 0 : -shift;
    /* wrapping product, as Java's int and TFLite's unsanitized int32 */
    int32_t shifted = (int32_t)((uint32_t)x * ((uint32_t)1 << left));
    return tt_tfl_rdbpot(tt_tfl_srdhm(shifted, multiplier), right);
}

static int32_t tt_tfl_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* element `c` of row `row` of a weight whose last axis has `channels` entries, whole or split (tt_kernels.h) */
static int32_t tt_tfl_weight_at(const tt_weight *w, int32_t row, int32_t c, int32_t channels)
{
    if (w->slot == NULL) {
        const int8_t *d = w->frozen != NULL ? w->frozen : w->trained;
        return d[row * channels + c];
    }
    int32_t s = w->slot[c];
    return s >= 0 ? w->trained[row * w->n_trained + s] : w->frozen[row * w->n_frozen + (-1 - s)];
}

void tt_tfl_conv2d(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t in_c, int32_t x_zero,
                   const tt_weight *weight, int32_t k_h, int32_t k_w, int32_t stride_h, int32_t stride_w,
                   int32_t pad_top, int32_t pad_left, int32_t groups, const int32_t *bias,
                   const int32_t *multiplier, const int32_t *shift, int32_t y_zero, int32_t act_min,
                   int32_t act_max, int32_t out_off, int32_t out_h, int32_t out_w, int32_t out_c)
{
    int depthwise = groups == in_c && groups == out_c && groups > 1;
    int32_t cpg = in_c / groups;
    int32_t opg = out_c / groups;
    for (int32_t oy = 0; oy < out_h; oy++) {
        int32_t iy0 = oy * stride_h - pad_top;
        for (int32_t ox = 0; ox < out_w; ox++) {
            int32_t ix0 = ox * stride_w - pad_left;
            for (int32_t oc = 0; oc < out_c; oc++) {
                int32_t c0 = (oc / opg) * cpg;
                int32_t acc = 0;
                for (int32_t fy = 0; fy < k_h; fy++) {
                    int32_t iy = iy0 + fy;
                    if (iy < 0 || iy >= in_h) {
                        continue;
                    }
                    for (int32_t fx = 0; fx < k_w; fx++) {
                        int32_t ix = ix0 + fx;
                        if (ix < 0 || ix >= in_w) {
                            continue;
                        }
                        int32_t x_base = in_off + (iy * in_w + ix) * in_c + c0;
                        for (int32_t ic = 0; ic < cpg; ic++) {
                            int32_t w = depthwise ? tt_tfl_weight_at(weight, fy * k_w + fx, oc, out_c)
                                    : tt_tfl_weight_at(weight, (oc * k_h + fy) * k_w + fx, ic, cpg);
                            acc += w * (arena[x_base + ic] - x_zero);
                        }
                    }
                }
                acc += bias[oc];
                acc = tt_tfl_mbqm(acc, multiplier[oc], shift[oc]) + y_zero;
                arena[out_off + (oy * out_w + ox) * out_c + oc] = (int8_t)tt_tfl_clamp(acc, act_min, act_max);
            }
        }
    }
}

void tt_tfl_add(int8_t *arena, int32_t a_off, int32_t a_zero, int32_t a_multiplier, int32_t a_shift,
                int32_t b_off, int32_t b_zero, int32_t b_multiplier, int32_t b_shift, int32_t count,
                int32_t out_multiplier, int32_t out_shift, int32_t y_zero, int32_t act_min, int32_t act_max,
                int32_t out_off, int32_t left_shift)
{
    for (int32_t i = 0; i < count; i++) {
        int32_t a = (arena[a_off + i] - a_zero) * (1 << left_shift);
        int32_t b = (arena[b_off + i] - b_zero) * (1 << left_shift);
        int32_t sum = tt_tfl_mbqm(a, a_multiplier, a_shift) + tt_tfl_mbqm(b, b_multiplier, b_shift);
        int32_t y = tt_tfl_mbqm(sum, out_multiplier, out_shift) + y_zero;
        arena[out_off + i] = (int8_t)tt_tfl_clamp(y, act_min, act_max);
    }
}

void tt_tfl_pad(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t channels, int32_t top,
                int32_t left, int32_t value, int32_t out_off, int32_t out_h, int32_t out_w)
{
    for (int32_t y = 0; y < out_h; y++) {
        int32_t iy = y - top;
        for (int32_t x = 0; x < out_w; x++) {
            int32_t ix = x - left;
            int32_t o = out_off + (y * out_w + x) * channels;
            if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) {
                memset(arena + o, (int8_t)value, (size_t)channels);
            } else {
                memmove(arena + o, arena + in_off + (iy * in_w + ix) * channels, (size_t)channels);
            }
        }
    }
}

void tt_tfl_mean(int8_t *arena, int32_t in_off, int32_t positions, int32_t channels, int32_t requantize,
                 int32_t x_zero, int32_t multiplier, int32_t shift, int32_t y_zero, int32_t out_off)
{
    for (int32_t c = 0; c < channels; c++) {
        int32_t sum = 0;
        for (int32_t p = 0; p < positions; p++) {
            sum += arena[in_off + p * channels + c];
        }
        int32_t y = requantize ? tt_tfl_mbqm(sum - x_zero * positions, multiplier, shift) + y_zero
                : sum / positions;
        arena[out_off + c] = (int8_t)tt_tfl_clamp(y, -128, 127);
    }
}

void tt_tfl_pool(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t channels, int32_t is_max,
                 int32_t filter_h, int32_t filter_w, int32_t stride_h, int32_t stride_w, int32_t pad_top,
                 int32_t pad_left, int32_t act_min, int32_t act_max, int32_t out_off, int32_t out_h, int32_t out_w)
{
    for (int32_t oy = 0; oy < out_h; oy++) {
        int32_t iy0 = oy * stride_h - pad_top;
        int32_t fy0 = iy0 < 0 ? -iy0 : 0;
        int32_t fy1 = filter_h < in_h - iy0 ? filter_h : in_h - iy0;
        for (int32_t ox = 0; ox < out_w; ox++) {
            int32_t ix0 = ox * stride_w - pad_left;
            int32_t fx0 = ix0 < 0 ? -ix0 : 0;
            int32_t fx1 = filter_w < in_w - ix0 ? filter_w : in_w - ix0;
            for (int32_t c = 0; c < channels; c++) {
                int32_t acc = is_max ? -128 : 0;
                int32_t count = 0;
                for (int32_t fy = fy0; fy < fy1; fy++) {
                    for (int32_t fx = fx0; fx < fx1; fx++) {
                        int32_t v = arena[in_off + ((iy0 + fy) * in_w + ix0 + fx) * channels + c];
                        acc = is_max ? (v > acc ? v : acc) : acc + v;
                        count++;
                    }
                }
                if (!is_max) {
                    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                }
                arena[out_off + (oy * out_w + ox) * channels + c] = (int8_t)tt_tfl_clamp(acc, act_min, act_max);
            }
        }
    }
}

void tt_tfl_concat(int8_t *arena, int32_t a_off, int32_t a_chunk, int32_t b_off, int32_t b_chunk, int32_t outer,
                   int32_t out_off)
{
    for (int32_t i = 0; i < outer; i++) {
        int32_t o = out_off + i * (a_chunk + b_chunk);
        memmove(arena + o, arena + a_off + i * a_chunk, (size_t)a_chunk);
        memmove(arena + o + a_chunk, arena + b_off + i * b_chunk, (size_t)b_chunk);
    }
}

void tt_tfl_relu(int8_t *arena, int32_t in_off, int32_t count, int32_t x_zero, int32_t multiplier, int32_t shift,
                 int32_t y_zero, int32_t act_min, int32_t out_off)
{
    for (int32_t i = 0; i < count; i++) {
        int32_t y = y_zero + tt_tfl_mbqm(arena[in_off + i] - x_zero, multiplier, shift);
        arena[out_off + i] = (int8_t)tt_tfl_clamp(y, act_min, 127);
    }
}

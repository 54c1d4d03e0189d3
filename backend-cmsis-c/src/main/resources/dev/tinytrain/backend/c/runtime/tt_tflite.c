/* tinytrain TFLite integer numerics: see tt_tflite.h. Mirrors TfliteKernels.java line by line. */
#include "tt_tflite.h"

#include <float.h>
#include <string.h>

#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0
#error "tinytrain kernels need FLT_EVAL_METHOD == 0 (the backward kernels' float expressions evaluated in float)"
#endif
#if defined(__FAST_MATH__)
#error "tinytrain kernels must not be compiled with -ffast-math (results would no longer be bit-exact)"
#endif

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

/* TfliteKernels.store: pre clamped to [lo, hi] at element index; with mask_off >= 0 the element's clamp-mask bit
 * set when pre passed unchanged (the mask cleared by tt_tfl_clear_mask) */
static void tt_tfl_store(int8_t *arena, int32_t out_off, int32_t mask_off, int32_t index, int32_t pre, int32_t lo,
                         int32_t hi)
{
    int32_t clamped = tt_tfl_clamp(pre, lo, hi);
    arena[out_off + index] = (int8_t)clamped;
    if (mask_off >= 0) {
        uint8_t *m = (uint8_t *)arena + mask_off + (index >> 3);
        uint32_t pass = clamped == pre ? 1u : 0u;
        *m = (uint8_t)(*m | (pass << (index & 7)));
    }
}

/* TfliteKernels.clearMask */
static void tt_tfl_clear_mask(int8_t *arena, int32_t mask_off, int32_t count)
{
    if (mask_off >= 0) {
        memset(arena + mask_off, 0, (size_t)tt_mask_bytes(count));
    }
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
                   int32_t act_max, int32_t out_off, int32_t out_h, int32_t out_w, int32_t out_c, int32_t mask_off)
{
    tt_tfl_clear_mask(arena, mask_off, out_h * out_w * out_c);
    int depthwise = groups == in_c && groups == out_c && groups > 1;
    int32_t cpg = in_c / groups;
    int32_t opg = out_c / groups;
    /* a whole (not split) weight is read directly; a split one through tt_tfl_weight_at (same values) */
    const int8_t *whole = weight->slot != NULL ? NULL : (weight->frozen != NULL ? weight->frozen : weight->trained);
    for (int32_t oy = 0; oy < out_h; oy++) {
        int32_t iy0 = oy * stride_h - pad_top;
        int32_t fy0 = iy0 < 0 ? -iy0 : 0;
        int32_t fy1 = k_h < in_h - iy0 ? k_h : in_h - iy0;
        for (int32_t ox = 0; ox < out_w; ox++) {
            int32_t ix0 = ox * stride_w - pad_left;
            int32_t fx0 = ix0 < 0 ? -ix0 : 0;
            int32_t fx1 = k_w < in_w - ix0 ? k_w : in_w - ix0;
            for (int32_t oc = 0; oc < out_c; oc++) {
                int32_t acc = 0;
                if (depthwise) { /* weight [1][kH][kW][C]: one tap per window position */
                    for (int32_t fy = fy0; fy < fy1; fy++) {
                        for (int32_t fx = fx0; fx < fx1; fx++) {
                            int32_t row = fy * k_w + fx;
                            int32_t w = whole != NULL ? whole[row * out_c + oc]
                                    : tt_tfl_weight_at(weight, row, oc, out_c);
                            acc += w * (arena[in_off + ((iy0 + fy) * in_w + ix0 + fx) * in_c + oc] - x_zero);
                        }
                    }
                } else { /* weight [O][kH][kW][inC/groups]: a contiguous dot product per window position */
                    int32_t c0 = (oc / opg) * cpg;
                    for (int32_t fy = fy0; fy < fy1; fy++) {
                        for (int32_t fx = fx0; fx < fx1; fx++) {
                            int32_t row = (oc * k_h + fy) * k_w + fx;
                            const int8_t *x = arena + in_off + ((iy0 + fy) * in_w + ix0 + fx) * in_c + c0;
                            if (whole != NULL) {
                                const int8_t *w = whole + row * cpg;
                                for (int32_t ic = 0; ic < cpg; ic++) {
                                    acc += w[ic] * (x[ic] - x_zero);
                                }
                            } else {
                                for (int32_t ic = 0; ic < cpg; ic++) {
                                    acc += tt_tfl_weight_at(weight, row, ic, cpg) * (x[ic] - x_zero);
                                }
                            }
                        }
                    }
                }
                acc += bias[oc];
                acc = tt_tfl_mbqm(acc, multiplier[oc], shift[oc]) + y_zero;
                tt_tfl_store(arena, out_off, mask_off, (oy * out_w + ox) * out_c + oc, acc, act_min, act_max);
            }
        }
    }
}

static int32_t tt_tfl_bit_length(uint64_t v)
{
    int32_t n = 0;
    while (v != 0) {
        v >>= 1;
        n++;
    }
    return n;
}

int32_t tt_tfl_round_scaled(int32_t acc, int64_t significand, int32_t exponent)
{
    if (acc == 0 || significand == 0) {
        return 0;
    }
    uint64_t a = acc < 0 ? (uint64_t)(-(int64_t)acc) : (uint64_t)acc; /* <= 2^31 */
    uint64_t m = (uint64_t)significand;
    uint64_t t1 = a * (m & 0xFFFFFFFFu);                                /* < 2^63 */
    uint64_t t2 = a * (m >> 32);                                        /* < 2^52 */
    uint64_t lo = (t2 << 32) + t1; /* the exact product a * significand as hi:lo, < 2^85 */
    uint64_t hi = (t2 >> 32) + (lo < t1 ? 1u : 0u);
    int32_t bits = hi != 0 ? 64 + tt_tfl_bit_length(hi) : tt_tfl_bit_length(lo);
    int32_t drop = bits - 53; /* bits below binary64 precision, at most 32 */
    uint64_t p = lo;
    if (drop > 0) {
        uint64_t rem = lo & (((uint64_t)1 << drop) - 1);
        uint64_t half = (uint64_t)1 << (drop - 1);
        p = (hi << (64 - drop)) | (lo >> drop);
        if (rem > half || (rem == half && (p & 1u) != 0)) {
            p++;
        }
    } else {
        drop = 0;
    }
    int32_t k = -(exponent + drop); /* value = p / 2^k */
    uint64_t q;
    if (k <= 0) {
        q = -k >= 31 || p > ((uint64_t)INT32_MAX >> -k) ? ((uint64_t)1 << 31) : p << -k;
    } else if (k > 62) {
        q = 0;
    } else {
        q = (p >> k) + ((p & (((uint64_t)1 << k) - 1)) >= ((uint64_t)1 << (k - 1)) ? 1u : 0u);
    }
    uint64_t limit = acc < 0 ? (uint64_t)1 << 31 : (uint64_t)INT32_MAX;
    q = q < limit ? q : limit;
    return acc < 0 ? (int32_t)(-(int64_t)q) : (int32_t)q;
}

void tt_tfl_fully_connected(int8_t *arena, int32_t in_off, int32_t depth, int32_t x_zero, const tt_weight *weight,
                            const int32_t *bias, const int64_t *significand, const int32_t *exponent,
                            int32_t y_zero, int32_t act_min, int32_t act_max, int32_t out_off, int32_t out_c,
                            int32_t mask_off)
{
    tt_tfl_clear_mask(arena, mask_off, out_c);
    for (int32_t o = 0; o < out_c; o++) {
        int32_t acc = 0;
        for (int32_t d = 0; d < depth; d++) {
            acc += tt_tfl_weight_at(weight, o, d, depth) * (arena[in_off + d] - x_zero);
        }
        acc += bias[o];
        int32_t y = tt_tfl_round_scaled(acc, significand[o], exponent[o]) + y_zero;
        tt_tfl_store(arena, out_off, mask_off, o, y, act_min, act_max);
    }
}

void tt_tfl_add(int8_t *arena, int32_t a_off, int32_t a_zero, int32_t a_multiplier, int32_t a_shift,
                int32_t b_off, int32_t b_zero, int32_t b_multiplier, int32_t b_shift, int32_t count,
                int32_t out_multiplier, int32_t out_shift, int32_t y_zero, int32_t act_min, int32_t act_max,
                int32_t out_off, int32_t left_shift, int32_t mask_off)
{
    tt_tfl_clear_mask(arena, mask_off, count);
    for (int32_t i = 0; i < count; i++) {
        int32_t a = (arena[a_off + i] - a_zero) * (1 << left_shift);
        int32_t b = (arena[b_off + i] - b_zero) * (1 << left_shift);
        int32_t sum = tt_tfl_mbqm(a, a_multiplier, a_shift) + tt_tfl_mbqm(b, b_multiplier, b_shift);
        int32_t y = tt_tfl_mbqm(sum, out_multiplier, out_shift) + y_zero;
        tt_tfl_store(arena, out_off, mask_off, i, y, act_min, act_max);
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

/* TfliteKernels.poolWindow: the pooled value before the clamp in the high 32 bits, the element index of the first
 * maximum (max pool) or the number of taps (average pool) in the low 32 bits */
static int64_t tt_tfl_pool_window(const int8_t *arena, int32_t in_off, int32_t in_w, int32_t channels, int32_t is_max,
                                  int32_t iy0, int32_t fy0, int32_t fy1, int32_t ix0, int32_t fx0, int32_t fx1,
                                  int32_t c)
{
    int32_t acc = is_max ? -128 : 0;
    int32_t count = 0;
    int32_t first = -1;
    for (int32_t fy = fy0; fy < fy1; fy++) {
        for (int32_t fx = fx0; fx < fx1; fx++) {
            int32_t e = ((iy0 + fy) * in_w + ix0 + fx) * channels + c;
            int32_t v = arena[in_off + e];
            if (!is_max) {
                acc += v;
            } else if (first < 0 || v > acc) {
                acc = v;
                first = e;
            }
            count++;
        }
    }
    if (!is_max) {
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
    }
    return (int64_t)(((uint64_t)(uint32_t)acc << 32) | (uint32_t)(is_max ? first : count));
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
                int64_t window = tt_tfl_pool_window(arena, in_off, in_w, channels, is_max, iy0, fy0, fy1, ix0, fx0,
                                                    fx1, c);
                int32_t acc = (int32_t)(window >> 32);
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
                 int32_t y_zero, int32_t act_min, int32_t out_off, int32_t mask_off)
{
    tt_tfl_clear_mask(arena, mask_off, count);
    for (int32_t i = 0; i < count; i++) {
        int32_t y = y_zero + tt_tfl_mbqm(arena[in_off + i] - x_zero, multiplier, shift);
        tt_tfl_store(arena, out_off, mask_off, i, y, act_min, 127);
    }
}

/* gemmlowp's saturating left shift of a fixed-point raw value by `exponent` (1..30) */
static int32_t tt_tfl_saturating_shift_left(int32_t x, int32_t exponent)
{
    int32_t threshold = (int32_t)(((uint32_t)1 << (31 - exponent)) - 1u);
    if (x > threshold) {
        return INT32_MAX;
    }
    if (x < -threshold) {
        return INT32_MIN;
    }
    return (int32_t)((uint32_t)x << exponent);
}

/* exp(a) for Q0.31 a in [-1/4, 0): Taylor expansion around -1/8, Q0.31 */
static int32_t tt_tfl_exp_on_quarter_interval(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0.31 */
    const int32_t one_third = 715827883;             /* 1/3 in Q0.31 */
    int32_t x = a + (1 << 28);                       /* a + 1/8 */
    int32_t x2 = tt_tfl_srdhm(x, x);
    int32_t x3 = tt_tfl_srdhm(x2, x);
    int32_t x4 = tt_tfl_srdhm(x2, x2);
    int32_t x4_over_4 = tt_tfl_rdbpot(x4, 2);
    int32_t poly = tt_tfl_rdbpot(tt_tfl_srdhm(x4_over_4 + x3, one_third) + x2, 1);
    return exp_minus_one_eighth + tt_tfl_srdhm(exp_minus_one_eighth, x + poly);
}

/* Q31 values of exp(-2^k) for k = -2..4 (gemmlowp's barrel shifter) */
static const int32_t tt_tfl_exp_of_minus_powers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535,
                                                       720401, 242};

#define TT_TFL_SOFTMAX_DIFF_INTEGER_BITS 5 /* TfliteRequant.SOFTMAX_DIFF_INTEGER_BITS: Q5.26 differences */

int32_t tt_tfl_exp_on_negative_values(int32_t a)
{
    const int32_t fractional_bits = 31 - TT_TFL_SOFTMAX_DIFF_INTEGER_BITS;
    const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
    int32_t a_mod_quarter_minus_quarter = (a & (one_quarter - 1)) - one_quarter;
    int32_t result = tt_tfl_exp_on_quarter_interval(
            tt_tfl_saturating_shift_left(a_mod_quarter_minus_quarter, TT_TFL_SOFTMAX_DIFF_INTEGER_BITS));
    int32_t remainder = a_mod_quarter_minus_quarter - a;
    for (int32_t k = -2; k <= 4; k++) {
        if (TT_TFL_SOFTMAX_DIFF_INTEGER_BITS > k
                && (remainder & (int32_t)((uint32_t)1 << (fractional_bits + k))) != 0) {
            result = tt_tfl_srdhm(result, tt_tfl_exp_of_minus_powers[k + 2]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

int32_t tt_tfl_one_over_one_plus_x(int32_t a)
{
    int64_t sum = (int64_t)a + INT32_MAX;
    int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t forty_eight_over_17 = 1515870810;      /* Q2.29 */
    const int32_t minus_thirty_two_over_17 = -1010580540; /* Q2.29 */
    const int32_t one = (int32_t)1 << 29;                /* 1 in Q2.29 */
    int32_t x = forty_eight_over_17 + tt_tfl_srdhm(half_denominator, minus_thirty_two_over_17);
    for (int32_t i = 0; i < 3; i++) {
        int32_t one_minus_half_denominator_times_x = one - tt_tfl_srdhm(half_denominator, x);
        x = x + tt_tfl_saturating_shift_left(tt_tfl_srdhm(x, one_minus_half_denominator_times_x), 2);
    }
    return tt_tfl_saturating_shift_left(x, 1); /* x/2 in Q1.30 read as Q0.31 */
}

static int32_t tt_tfl_leading_zeros(uint32_t v)
{
    int32_t n = 0;
    if (v == 0) {
        return 32;
    }
    while ((v & 0x80000000u) == 0) {
        v <<= 1;
        n++;
    }
    return n;
}

void tt_tfl_softmax(int8_t *arena, int32_t in_off, int32_t rows, int32_t depth, int32_t input_multiplier,
                    int32_t input_left_shift, int32_t diff_min, int32_t out_off)
{
    const int32_t accumulation_integer_bits = 12;
    for (int32_t r = 0; r < rows; r++) {
        int32_t base = r * depth;
        int32_t max = -128;
        for (int32_t c = 0; c < depth; c++) {
            int32_t v = arena[in_off + base + c];
            max = v > max ? v : max;
        }
        int32_t sum_of_exps = 0; /* Q12.19 */
        for (int32_t c = 0; c < depth; c++) {
            int32_t diff = arena[in_off + base + c] - max;
            if (diff >= diff_min) {
                int32_t scaled = tt_tfl_srdhm((int32_t)((uint32_t)diff * ((uint32_t)1 << input_left_shift)),
                                              input_multiplier);
                sum_of_exps += tt_tfl_rdbpot(tt_tfl_exp_on_negative_values(scaled), accumulation_integer_bits);
            }
        }
        int32_t headroom_plus_one = tt_tfl_leading_zeros((uint32_t)sum_of_exps);
        int32_t bits_over_unit = accumulation_integer_bits - headroom_plus_one;
        int32_t shifted_sum_minus_one =
                (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - ((uint32_t)1 << 31));
        int32_t shifted_scale = tt_tfl_one_over_one_plus_x(shifted_sum_minus_one);
        int32_t exponent = bits_over_unit + 31 - 8;
        for (int32_t c = 0; c < depth; c++) {
            int32_t diff = arena[in_off + base + c] - max;
            int32_t y = -128;
            if (diff >= diff_min) {
                int32_t scaled = tt_tfl_srdhm((int32_t)((uint32_t)diff * ((uint32_t)1 << input_left_shift)),
                                              input_multiplier);
                int32_t unsat = tt_tfl_rdbpot(tt_tfl_srdhm(shifted_scale, tt_tfl_exp_on_negative_values(scaled)),
                                              exponent);
                y = tt_tfl_clamp(unsat - 128, -128, 127);
            }
            arena[out_off + base + c] = (int8_t)y;
        }
    }
}

/* std::round of a float32 (half away from zero), exact without a wider type or libm */
static float tt_tfl_round_half_away(float v)
{
    float a = v < 0.0f ? -v : v;
    if (!(a < 8388608.0f)) { /* 2^23: already integral (or NaN, infinite) */
        return v;
    }
    float f = (float)(int32_t)a;
    if (a - f >= 0.5f) {
        f += 1.0f;
    }
    return v < 0.0f ? -f : f;
}

void tt_tfl_quantize(int8_t *arena, int32_t in_off, int32_t count, float scale, int32_t zero, int32_t out_off)
{
    for (int32_t i = 0; i < count; i++) {
        float r = tt_tfl_round_half_away(tt_get_f32(arena, in_off + 4 * i) / scale);
        float bounded = r != r ? 0.0f : (r < -1024.0f ? -1024.0f : (r > 1024.0f ? 1024.0f : r));
        arena[out_off + i] = (int8_t)tt_tfl_clamp((int32_t)bounded + zero, -128, 127);
    }
}

/* ======================================================================================================== */
/* Backward (float32 gradients; TfliteBackwardKernels.java)                                                 */
/* ======================================================================================================== */

void tt_tfl_pad_backward(int8_t *arena, int32_t g_off, int32_t g_h, int32_t g_w, int32_t channels, int32_t top,
                         int32_t left, int32_t out_off, int32_t out_h, int32_t out_w)
{
    (void)g_h;
    int32_t row = 4 * out_w * channels;
    for (int32_t y = 0; y < out_h; y++) {
        memmove(arena + out_off + y * row, arena + g_off + 4 * (((y + top) * g_w + left) * channels), (size_t)row);
    }
}

void tt_tfl_pool_backward(int8_t *arena, int32_t x_off, int32_t in_h, int32_t in_w, int32_t channels,
                          int32_t is_max, int32_t filter_h, int32_t filter_w, int32_t stride_h, int32_t stride_w,
                          int32_t pad_top, int32_t pad_left, int32_t act_min, int32_t act_max, int32_t g_off,
                          int32_t out_h, int32_t out_w, int32_t dx_off)
{
    memset(arena + dx_off, 0, (size_t)4 * (size_t)(in_h * in_w * channels));
    for (int32_t oy = 0; oy < out_h; oy++) {
        int32_t iy0 = oy * stride_h - pad_top;
        int32_t fy0 = iy0 < 0 ? -iy0 : 0;
        int32_t fy1 = filter_h < in_h - iy0 ? filter_h : in_h - iy0;
        for (int32_t ox = 0; ox < out_w; ox++) {
            int32_t ix0 = ox * stride_w - pad_left;
            int32_t fx0 = ix0 < 0 ? -ix0 : 0;
            int32_t fx1 = filter_w < in_w - ix0 ? filter_w : in_w - ix0;
            for (int32_t c = 0; c < channels; c++) {
                int64_t window = tt_tfl_pool_window(arena, x_off, in_w, channels, is_max, iy0, fy0, fy1, ix0, fx0,
                                                    fx1, c);
                int32_t acc = (int32_t)(window >> 32);
                if (acc < act_min || acc > act_max) {
                    continue; /* clamped by the fused activation: the straight-through gradient is 0 */
                }
                float g = tt_get_f32(arena, g_off + 4 * ((oy * out_w + ox) * channels + c));
                if (is_max) {
                    int32_t first = (int32_t)(uint32_t)window; /* the element index of the first maximum */
                    tt_put_f32(arena, dx_off + 4 * first, tt_get_f32(arena, dx_off + 4 * first) + g);
                    continue;
                }
                float share = g / (float)(int32_t)(uint32_t)window; /* the number of taps */
                for (int32_t fy = fy0; fy < fy1; fy++) {
                    for (int32_t fx = fx0; fx < fx1; fx++) {
                        int32_t at = dx_off + 4 * (((iy0 + fy) * in_w + ix0 + fx) * channels + c);
                        tt_put_f32(arena, at, tt_get_f32(arena, at) + share);
                    }
                }
            }
        }
    }
}

void tt_tfl_concat_backward(int8_t *arena, int32_t g_off, int32_t outer, int32_t row_length, int32_t start,
                            int32_t length, int32_t out_off)
{
    for (int32_t i = 0; i < outer; i++) {
        memmove(arena + out_off + 4 * i * length, arena + g_off + 4 * (i * row_length + start), (size_t)(4 * length));
    }
}

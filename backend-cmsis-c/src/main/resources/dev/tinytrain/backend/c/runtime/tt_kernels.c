/*
 * tinytrain portable C99 kernels: see tt_kernels.h for the conventions and the numerics rules.
 *
 * Each function is a line-by-line port of its Java counterpart (named in tt_kernels.h); loops run in the
 * same order and float32 expressions keep the same parenthesisation, because with -ffp-contract=off that
 * is what makes the results bit-identical. Build: C99, no heap, no VLAs, no double.
 */
#include "tt_kernels.h"

#include <float.h>
#include <math.h>

#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0
#error "tinytrain kernels need FLT_EVAL_METHOD == 0 (float expressions evaluated in float, e.g. SSE or VFP)"
#endif
#if defined(__FAST_MATH__)
#error "tinytrain kernels must not be compiled with -ffast-math (results would no longer be bit-exact)"
#endif

#ifdef TT_CHECKS
#define TT_ASSERT(cond) \
    do { \
        if (!(cond)) { \
            tt_check_failed(#cond, __FILE__, __LINE__); \
        } \
    } while (0)
#else
#define TT_ASSERT(cond) ((void)0)
#endif

#define TT_INT8_MIN (-128)
#define TT_INT8_MAX 127

/* ======================================================================================================== */
/* Forward                                                                                                  */
/* ======================================================================================================== */

/* rint(x) (ties to even) bounded to +-2^24; NaN gives 0 (ForwardKernels.roundBounded). */
static int32_t tt__round_bounded(float x)
{
    float v = rintf(x);
    if (v != v) {
        return 0;
    }
    if (v > 16777216.0f) {
        v = 16777216.0f;
    } else if (v < -16777216.0f) {
        v = -16777216.0f;
    }
    return (int32_t)v;
}

/* Saturates pre to int8, stores it, and sets the mask bit when it passed (ForwardKernels.store). */
static void tt__store(int8_t *arena, int32_t out_off, int32_t mask_off, int32_t index, int32_t pre)
{
    int32_t clamped = pre < TT_INT8_MIN ? TT_INT8_MIN : (pre > TT_INT8_MAX ? TT_INT8_MAX : pre);
    arena[out_off + index] = (int8_t)clamped;
    if (mask_off >= 0) {
        uint8_t *m = (uint8_t *)arena + mask_off + (index >> 3);
        uint32_t pass = clamped == pre ? 1u : 0u;
        *m = (uint8_t)(*m | (pass << (index & 7)));
    }
}

static void tt__clear_mask(int8_t *arena, int32_t mask_off, int32_t count)
{
    memset(arena + mask_off, 0, (size_t)tt_mask_bytes(count));
}

/* requantPreClamp for an exact int32 sum: rint(((float) acc + bias) * eff) + y_zero. */
static int32_t tt__requant32(int32_t acc, float bias, float eff, int32_t y_zero)
{
    float t = (float)acc + bias;
    float scaled = t * eff;
    return tt__round_bounded(scaled) + y_zero;
}

/* The same for an exact int64 sum ((float) of an int64 rounds to nearest even, as Java's (float) long). */
static int32_t tt__requant64(int64_t acc, float bias, float eff, int32_t y_zero)
{
    float t = (float)acc + bias;
    float scaled = t * eff;
    return tt__round_bounded(scaled) + y_zero;
}

/*
 * sum over c < n of (x[c] - x_zero) * w[c], exact in int32 (the caller guarantees at most TT_MAX_INT_TERMS terms
 * per output, so no partial sum can overflow): the inner loop of dense convs. On cores with the DSP extension
 * (Cortex-M4/M7: __ARM_FEATURE_SIMD32) four terms at a time, as CMSIS-NN does: two 32-bit loads, sign extension to
 * 16-bit pairs (SXTB16), the zero point subtracted pairwise (SSUB16: |x - x_zero| <= 255 fits), two dual
 * multiply-accumulates (SMLAD). Integer sums are exact, so the result equals the portable loop's bit for bit
 * (define TT_PORTABLE to use the portable loop everywhere).
 */
#if defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32 && !defined(TT_PORTABLE)
#include <arm_acle.h>
#define TT_DSP 1
#endif

/* Whether the fast kernels get copies for the common shapes as constants (row lengths, windows) and unrolled loops:
   where the DSP path runs; elsewhere one copy each (the results are the same, and the host build stays quick to
   compile). */
#ifdef TT_DSP
#define TT_SPECIALISE 1
#define TT_UNROLL_DSP(n) TT_UNROLL(n)
#else
#define TT_SPECIALISE 0
#define TT_UNROLL_DSP(n)
#endif

static int32_t tt__dot_s8(const int8_t *x, const int8_t *w, int32_t n, int32_t x_zero)
{
    int32_t acc = 0;
    int32_t c = 0;
#ifdef TT_DSP
    const uint32_t zz = ((uint32_t)x_zero & 0xFFFFu) | ((uint32_t)x_zero << 16);
    for (; c + 4 <= n; c += 4) {
        uint32_t xv, wv;
        memcpy(&xv, x + c, 4);
        memcpy(&wv, w + c, 4);
        {
            const int16x2_t xe = __ssub16(__sxtb16(xv), (int16x2_t)zz);
            const int16x2_t xo = __ssub16(__sxtb16((xv >> 8) | (xv << 24)), (int16x2_t)zz);
            acc = __smlad(xe, __sxtb16(wv), acc);
            acc = __smlad(xo, __sxtb16((wv >> 8) | (wv << 24)), acc);
        }
    }
#endif
    for (; c < n; c++) {
        acc += ((int32_t)x[c] - x_zero) * w[c];
    }
    return acc;
}

/* The whole weight of an unsplit tt_weight. */
static const int8_t *tt__whole(const tt_weight *w)
{
    return w->trained != 0 ? (const int8_t *)w->trained : w->frozen;
}

/* Where channel c of a weight's last axis lives: its first element (row 0) and the row width. */
static const int8_t *tt__channel_base(const tt_weight *w, int32_t c, int32_t whole_width, int32_t *width)
{
    int32_t s;
    if (w->slot == 0) {
        *width = whole_width;
        return tt__whole(w) + c;
    }
    s = w->slot[c];
    if (s >= 0) {
        *width = w->n_trained;
        return w->trained + s;
    }
    *width = w->n_frozen;
    return w->frozen + (-1 - s);
}

/* sum over the channels of one part: (x[ch[t]] - x_zero) * w[t], exact in int64. */
static int64_t tt__dot_part(const int8_t *px, int32_t x_zero, const int8_t *w, const int32_t *ch, int32_t n)
{
    int64_t acc = 0;
    int32_t t;
    for (t = 0; t < n; t++) {
        acc += ((int32_t)px[ch[t]] - x_zero) * w[t];
    }
    return acc;
}

void tt_conv2d(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t in_c, int32_t x_zero,
               const int8_t *weight, int32_t k_h, int32_t k_w, int32_t stride, int32_t pad_top, int32_t pad_left,
               int32_t groups, const float *bias, const float *eff, int32_t y_zero,
               int32_t out_off, int32_t out_h, int32_t out_w, int32_t out_c, int32_t mask_off)
{
    tt_weight w;
    w.frozen = weight;
    w.trained = 0;
    w.n_frozen = 0;
    w.n_trained = 0;
    w.frozen_ch = 0;
    w.trained_ch = 0;
    w.slot = 0;
    tt_conv2d_p(arena, in_off, in_h, in_w, in_c, x_zero, &w, k_h, k_w, stride, pad_top, pad_left, groups, 0, bias,
                eff, y_zero, out_off, out_h, out_w, out_c, mask_off);
}

void tt_conv2d_p(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t in_c, int32_t x_zero,
                 const tt_weight *weight, int32_t k_h, int32_t k_w, int32_t stride, int32_t pad_top, int32_t pad_left,
                 int32_t groups, const int32_t *bias_q, const float *bias_f, const float *eff, int32_t y_zero,
                 int32_t out_off, int32_t out_h, int32_t out_w, int32_t out_c, int32_t mask_off)
{
    const int8_t *in = arena + in_off;
    const int8_t *whole;
    int32_t cpg, opg, w_per_out, in_row, depthwise, wide, split, oy, ox, o, i, j, c, out_index;

    TT_ASSERT(arena != 0 && weight != 0 && eff != 0 && (bias_q == 0) != (bias_f == 0));
    TT_ASSERT(weight->slot != 0 || (weight->frozen == 0) != (weight->trained == 0));
    TT_ASSERT(in_h >= 1 && in_w >= 1 && in_c >= 1 && k_h >= 1 && k_w >= 1 && stride >= 1 && groups >= 1);
    TT_ASSERT(out_h >= 1 && out_w >= 1 && out_c >= 1 && pad_top >= 0 && pad_left >= 0);
    TT_ASSERT(x_zero >= TT_INT8_MIN && x_zero <= TT_INT8_MAX && y_zero >= TT_INT8_MIN && y_zero <= TT_INT8_MAX);
    TT_ASSERT(in_c % groups == 0 && out_c % groups == 0);

    cpg = in_c / groups;
    opg = out_c / groups;
    w_per_out = k_h * k_w * cpg;
    in_row = in_w * in_c;
    depthwise = groups == in_c && groups == out_c;
    wide = (int64_t)k_h * k_w * cpg > TT_MAX_INT_TERMS; /* int32 sums are exact up to TT_MAX_INT_TERMS terms */
    split = weight->slot != 0;
    whole = split ? 0 : tt__whole(weight);

    if (mask_off >= 0) {
        tt__clear_mask(arena, mask_off, out_h * out_w * out_c);
    }
    out_index = 0;
    for (oy = 0; oy < out_h; oy++) {
        const int32_t iy0 = oy * stride - pad_top;
        const int32_t i0 = iy0 < 0 ? -iy0 : 0;
        const int32_t i1 = k_h < in_h - iy0 ? k_h : in_h - iy0;
        for (ox = 0; ox < out_w; ox++) {
            const int32_t ix0 = ox * stride - pad_left;
            const int32_t j0 = ix0 < 0 ? -ix0 : 0;
            const int32_t j1 = k_w < in_w - ix0 ? k_w : in_w - ix0;
            if (depthwise) {
                /* weights [1][k_h][k_w][C] (or a split part [1][k_h][k_w][n]); channel c reads input channel c only */
                for (c = 0; c < in_c; c++, out_index++) {
                    const float b = bias_f != 0 ? bias_f[c] : (float)bias_q[c];
                    const float e = eff[c];
                    int32_t ws;
                    const int8_t *wc = tt__channel_base(weight, c, in_c, &ws);
                    if (!wide) {
                        int32_t acc = 0;
                        for (i = i0; i < i1; i++) {
                            const int8_t *px = in + (iy0 + i) * in_row + c;
                            const int8_t *wp = wc + i * k_w * ws;
                            for (j = j0; j < j1; j++) {
                                acc += ((int32_t)px[(ix0 + j) * in_c] - x_zero) * wp[j * ws];
                            }
                        }
                        tt__store(arena, out_off, mask_off, out_index, tt__requant32(acc, b, e, y_zero));
                    } else { /* more than 65793 taps: int64 sums */
                        int64_t acc = 0;
                        for (i = i0; i < i1; i++) {
                            const int8_t *px = in + (iy0 + i) * in_row + c;
                            const int8_t *wp = wc + i * k_w * ws;
                            for (j = j0; j < j1; j++) {
                                acc += ((int32_t)px[(ix0 + j) * in_c] - x_zero) * wp[j * ws];
                            }
                        }
                        tt__store(arena, out_off, mask_off, out_index, tt__requant64(acc, b, e, y_zero));
                    }
                }
            } else if (split) {
                /* OHWI split along the input channel: each part [out_c][k_h][k_w][n], gathered through its channel
                   list. The integer sum is exact, so adding the trained part first changes nothing. */
                for (o = 0; o < out_c; o++, out_index++) {
                    const int32_t ch0 = (o / opg) * cpg;
                    const float b = bias_f != 0 ? bias_f[o] : (float)bias_q[o];
                    int64_t acc = 0;
                    for (i = i0; i < i1; i++) {
                        const int8_t *row = in + (iy0 + i) * in_row + ch0;
                        for (j = j0; j < j1; j++) {
                            const int8_t *px = row + (ix0 + j) * in_c;
                            const int32_t r = (o * k_h + i) * k_w + j;
                            acc += tt__dot_part(px, x_zero, weight->trained + r * weight->n_trained,
                                                weight->trained_ch, weight->n_trained);
                            acc += tt__dot_part(px, x_zero, weight->frozen + r * weight->n_frozen,
                                                weight->frozen_ch, weight->n_frozen);
                        }
                    }
                    tt__store(arena, out_off, mask_off, out_index, tt__requant64(acc, b, eff[o], y_zero));
                }
            } else {
                /* OHWI [out_c][k_h][k_w][cpg]; output channel o reads channels [g*cpg, (g+1)*cpg) */
                for (o = 0; o < out_c; o++, out_index++) {
                    const int8_t *wo = whole + o * w_per_out;
                    const int32_t ch0 = (o / opg) * cpg;
                    const float b = bias_f != 0 ? bias_f[o] : (float)bias_q[o];
                    if (!wide) {
                        int32_t acc = 0;
                        for (i = i0; i < i1; i++) {
                            const int8_t *row = in + (iy0 + i) * in_row + ch0;
                            for (j = j0; j < j1; j++) {
                                acc += tt__dot_s8(row + (ix0 + j) * in_c, wo + (i * k_w + j) * cpg, cpg, x_zero);
                            }
                        }
                        tt__store(arena, out_off, mask_off, out_index, tt__requant32(acc, b, eff[o], y_zero));
                    } else {
                        int64_t acc = 0;
                        for (i = i0; i < i1; i++) {
                            const int8_t *row = in + (iy0 + i) * in_row + ch0;
                            for (j = j0; j < j1; j++) {
                                const int8_t *px = row + (ix0 + j) * in_c;
                                const int8_t *wp = wo + (i * k_w + j) * cpg;
                                for (c = 0; c < cpg; c++) {
                                    acc += ((int32_t)px[c] - x_zero) * wp[c];
                                }
                            }
                        }
                        tt__store(arena, out_off, mask_off, out_index, tt__requant64(acc, b, eff[o], y_zero));
                    }
                }
            }
        }
    }
}

/* ======================================================================================================== */
/* Fast forward variants: byte-identical to tt_conv2d_p on the shapes the emitter selects them for           */
/* ======================================================================================================== */

/*
 * ORs n <= 24 mask bits (bit k of `bits` = element index + k) into a cleared mask: one read-modify-write per mask
 * byte touched instead of one per element.
 */
static void tt__or_mask_bits(int8_t *arena, int32_t mask_off, int32_t index, uint32_t bits, int32_t n)
{
    uint8_t *m = (uint8_t *)arena + mask_off + (index >> 3);
    uint32_t v = bits << (index & 7);
    int32_t bytes = ((index & 7) + n + 7) >> 3;
    int32_t k;
    for (k = 0; k < bytes; k++, v >>= 8) {
        m[k] = (uint8_t)(m[k] | (v & 0xFFu));
    }
}

/*
 * tt__requant32 then the store of tt__store without the mask; returns the mask bit: 1 when the pre-clamp value was in
 * [-128, 127].
 *
 * DSP path, without branches: VCVTR rounds with the FPSCR mode (round to nearest even, the contract's mode), as
 * rintf does, and converts saturating, with NaN -> 0; QADD adds the zero point saturating and SSAT clamps to int8.
 * Every case gives the reference's bits: in range exactly; beyond +-2^24 (where the reference bounds the value) the
 * pre-clamp value is out of [-128, 127] either way, so the output saturates and the bit is 0; NaN is 0 + y_zero.
 */
#ifdef TT_DSP
static inline uint32_t tt__requant_scaled(int8_t *y, float scaled, int32_t y_zero)
{
    float r;
    int32_t rounded, pre, out;
    __asm__("vcvtr.s32.f32 %0, %1" : "=t"(r) : "t"(scaled));
    memcpy(&rounded, &r, sizeof rounded);
    pre = __qadd(rounded, y_zero);
    out = __ssat(pre, 8);
    *y = (int8_t)out;
    return out == pre ? 1u : 0u;
}
#else
static inline uint32_t tt__requant_scaled(int8_t *y, float scaled, int32_t y_zero)
{
    const float v = rintf(scaled);
    int32_t pre;
    uint32_t pass;
    if (fabsf(v) <= 16777216.0f) { /* one test for the rare cases: beyond +-2^24 (bounded) and NaN */
        pre = (int32_t)v + y_zero;
    } else {
        pre = tt__round_bounded(v) + y_zero;
    }
    pass = (uint32_t)(pre + 128) <= 255u;
    *y = (int8_t)(pass ? pre : (pre < 0 ? TT_INT8_MIN : TT_INT8_MAX));
    return pass;
}
#endif

static inline uint32_t tt__requant_store(int8_t *y, int32_t acc, float bias, float eff, int32_t y_zero)
{
    return tt__requant_scaled(y, ((float)acc + bias) * eff, y_zero);
}

/*
 * tt__requant_store(y, acc, (float) bias, eff, y_zero) given sum = acc + bias, for |acc| <= 2^24 and |bias| <= 2^24:
 * both convert to float32 exactly, so their float32 sum is the exact sum rounded once, which is (float) sum. The
 * caller adds an int32 bias to its int32 sum instead of converting the bias and adding it in float.
 */
static inline uint32_t tt__requant_store_summed(int8_t *y, int32_t sum, float eff, int32_t y_zero)
{
    return tt__requant_scaled(y, (float)sum * eff, y_zero);
}

/* Largest number of int8 conv terms whose exact sum stays within +-2^24: 514 * 255 * 128 <= 2^24. */
#define TT_EXACT_F32_TERMS 514

/*
 * Whether the int32 biases of the n can be summed in int32 (tt__requant_store_summed): 0 no (a bias beyond +-2^30,
 * or none), 1 every bias within +-2^24 (each is exact in float32 and is added as it is), 2 some beyond +-2^24 (each is
 * added as (int32_t) (float) bias: the reference adds the float32 (float) bias, an integer of at most 2^30, to the
 * exact (float) acc, |acc| <= 2^24; the float sum of two exact values is their exact sum rounded once, which is
 * (float) (acc + (int32_t) (float) bias), an int32 sum that cannot overflow).
 */
static int tt__biases_summable(const int32_t *bias_q, int32_t n)
{
    int32_t i;
    int mode = 1;
    if (bias_q == 0) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (bias_q[i] > 1073741824 || bias_q[i] < -1073741824) {
            return 0;
        }
        if (bias_q[i] > 16777216 || bias_q[i] < -16777216) {
            mode = 2;
        }
    }
    return mode;
}

/* A bias as tt__requant_store_summed adds it in summable mode (tt__biases_summable). */
static inline int32_t tt__summed_bias(int32_t bias, int mode)
{
    return mode == 2 ? (int32_t)(float)bias : bias;
}

#ifdef TT_DSP
/* SXTB16 of x rotated right by 8 bits: bytes 1 and 3 sign-extended to 16-bit lanes, in one instruction (gcc 12
   does not fold the rotation into SXTB16's operand by itself) */
static inline int16x2_t tt__sxtb16_ror8(uint32_t x)
{
    int16x2_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
#endif

/*
 * The four sums of a 2 x 2 block of a dense conv: s_ij = sum over c < n of (xi[c] - x_zero) * wj[c] for the inputs
 * x0, x1 (two positions) and the weight rows w0, w1 (two output channels). With fold != 0 the zero point is left to
 * the caller (sum x * w; the caller subtracts x_zero * sum w, exact in int32). Integer sums are exact, so the DSP
 * loop (SXTB16 and SMLAD, four terms per instruction pair) and the portable loop give the same bits.
 */
static inline void tt__dot_2x2(const int8_t *x0, const int8_t *x1, const int8_t *w0, const int8_t *w1, int32_t n,
                               int32_t x_zero, int fold, int32_t *s00, int32_t *s01, int32_t *s10, int32_t *s11)
{
    int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
    int32_t c = 0;
    const int32_t z = fold ? 0 : x_zero;
#ifdef TT_DSP
    const int16x2_t zz = (int16x2_t)(((uint32_t)z & 0xFFFFu) | ((uint32_t)z << 16));
    for (; c + 4 <= n; c += 4) {
        uint32_t xv, wv;
        int16x2_t xa_e, xa_o, xb_e, xb_o, w_e, w_o;
        memcpy(&xv, x0 + c, 4);
        xa_e = __sxtb16(xv);
        xa_o = tt__sxtb16_ror8(xv);
        memcpy(&xv, x1 + c, 4);
        xb_e = __sxtb16(xv);
        xb_o = tt__sxtb16_ror8(xv);
        if (!fold) {
            xa_e = __ssub16(xa_e, zz);
            xa_o = __ssub16(xa_o, zz);
            xb_e = __ssub16(xb_e, zz);
            xb_o = __ssub16(xb_o, zz);
        }
        memcpy(&wv, w0 + c, 4);
        w_e = __sxtb16(wv);
        w_o = tt__sxtb16_ror8(wv);
        a00 = __smlad(xa_e, w_e, a00);
        a00 = __smlad(xa_o, w_o, a00);
        a10 = __smlad(xb_e, w_e, a10);
        a10 = __smlad(xb_o, w_o, a10);
        memcpy(&wv, w1 + c, 4);
        w_e = __sxtb16(wv);
        w_o = tt__sxtb16_ror8(wv);
        a01 = __smlad(xa_e, w_e, a01);
        a01 = __smlad(xa_o, w_o, a01);
        a11 = __smlad(xb_e, w_e, a11);
        a11 = __smlad(xb_o, w_o, a11);
    }
#endif
    for (; c < n; c++) {
        const int32_t xa = (int32_t)x0[c] - z, xb = (int32_t)x1[c] - z;
        const int32_t wa = w0[c], wb = w1[c];
        a00 += xa * wa;
        a01 += xa * wb;
        a10 += xb * wa;
        a11 += xb * wb;
    }
    *s00 = a00;
    *s01 = a01;
    *s10 = a10;
    *s11 = a11;
}

/*
 * tt__dot_2x2 for one part of a split weight: a[i][j] += sum over t < n of (xi[ch[t]] - x_zero) * wj[t] (the part's
 * rows hold its channels contiguously; ch lists them).
 */
static void tt__dot_2x2_part(const int8_t *x0, const int8_t *x1, const int8_t *w0, const int8_t *w1,
                             const int32_t *ch, int32_t n, int32_t x_zero, int32_t a[4])
{
    int32_t a00 = a[0], a01 = a[1], a10 = a[2], a11 = a[3];
    int32_t t;
    for (t = 0; t < n; t++) {
        const int32_t c = ch[t];
        const int32_t xa = (int32_t)x0[c] - x_zero, xb = (int32_t)x1[c] - x_zero;
        const int32_t wa = w0[t], wb = w1[t];
        a00 += xa * wa;
        a01 += xa * wb;
        a10 += xb * wa;
        a11 += xb * wb;
    }
    a[0] = a00;
    a[1] = a01;
    a[2] = a10;
    a[3] = a11;
}

/* What tt__dense_pair needs besides the two input rows: the weight, the output and its requantization. */
typedef struct tt__dense_args {
    int8_t *arena;
    const tt_weight *weight; /* rows [out_c][n], whole or split (along n) */
    const int32_t *zw;       /* x_zero * sum of each row (fold), or NULL */
    int32_t n, x_zero, out_c, y_zero, out_off, mask_off;
    int summed_bias; /* int32 biases added to the int32 sums: tt__biases_summable */
    const int32_t *bias_q;
    const float *bias_f;
    const float *eff;
} tt__dense_args;

/*
 * Outputs p and q (q == p: p alone) of a dense conv whose inputs at these positions are the rows x0, x1 of n bytes
 * (the input itself for a 1x1 conv, a patch for tt_conv_im2col): two output channels by two positions per pass,
 * requantized and stored with their mask bits in runs of up to 16.
 */
#if defined(__GNUC__)
#define TT_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define TT_ALWAYS_INLINE inline
#endif
#if defined(__GNUC__)
#define TT_NOINLINE __attribute__((noinline))
#else
#define TT_NOINLINE
#endif

/* Full unrolling of a loop whose trip count is a small constant where it is inlined (gcc 8+; elsewhere nothing). */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8
#define TT_PRAGMA(x) _Pragma(#x)
#define TT_UNROLL(n) TT_PRAGMA(GCC unroll n)
#else
#define TT_UNROLL(n)
#endif

/*
 * The body of tt__dense_pair for a row length n, split, fold, masked and summed that the caller may pass as
 * constants: inlined once per common row length, so that the compiler drops the loops' tails and the branches on the
 * storage, the mask and the bias. split: 0 a whole weight, 1 a split weight summed through its channel lists, 2 a
 * split weight whose input rows x0, x1 were gathered in its parts' channel order (tt__dense_pair_split).
 */
static TT_ALWAYS_INLINE void tt__dense_pair_body(const tt__dense_args *d, const int8_t *x0, const int8_t *x1,
                                                 int32_t p, int32_t q, int32_t n, int split, int fold, int masked,
                                                 int summed)
{
    const tt_weight *weight = d->weight;
    const int8_t *w = split ? 0 : tt__whole(weight);
    const int32_t out_c = d->out_c, x_zero = d->x_zero, y_zero = d->y_zero;
    const int two = q != p;
    const int32_t *zw = d->zw;
    const int32_t *bias_q = d->bias_q;
    const float *bias_f = d->bias_f;
    const float *eff = d->eff;
    int8_t *y0 = d->arena + d->out_off + p * out_c;
    int8_t *y1 = d->arena + d->out_off + q * out_c;
    uint32_t bits0 = 0, bits1 = 0;
    int32_t run0 = 0, o;
    for (o = 0; o < out_c; o += 2) {
        /* two output channels per pass (the last one alone: then both weight rows are row o, one is stored) */
        const int pair = o + 1 < out_c;
        const int32_t o1 = pair ? o + 1 : o;
        const float b0 = summed ? 0.0f : bias_f != 0 ? bias_f[o] : (float)bias_q[o];
        const float b1 = summed ? 0.0f : bias_f != 0 ? bias_f[o1] : (float)bias_q[o1];
        int32_t a00, a01, a10, a11;
        if (split == 2) { /* x0, x1 gathered in the parts' channel order (tt__dense_pair_split): two SIMD sums */
            const int32_t nt = weight->n_trained, nf = weight->n_frozen;
            int32_t f00, f01, f10, f11;
            tt__dot_2x2(x0, x1, weight->trained + o * nt, weight->trained + o1 * nt, nt, x_zero, 0, &a00, &a01, &a10,
                        &a11);
            tt__dot_2x2(x0 + nt, x1 + nt, weight->frozen + o * nf, weight->frozen + o1 * nf, nf, x_zero, 0, &f00, &f01,
                        &f10, &f11);
            a00 += f00;
            a01 += f01;
            a10 += f10;
            a11 += f11;
        } else if (split) { /* each part [out_c][n] holds its channels contiguously; the sum is exact in any order */
            int32_t a[4] = {0, 0, 0, 0};
            const int32_t nt = weight->n_trained, nf = weight->n_frozen;
            tt__dot_2x2_part(x0, x1, weight->trained + o * nt, weight->trained + o1 * nt, weight->trained_ch, nt,
                             x_zero, a);
            tt__dot_2x2_part(x0, x1, weight->frozen + o * nf, weight->frozen + o1 * nf, weight->frozen_ch, nf,
                             x_zero, a);
            a00 = a[0];
            a01 = a[1];
            a10 = a[2];
            a11 = a[3];
        } else if (fold) {
            tt__dot_2x2(x0, x1, w + o * n, w + o1 * n, n, x_zero, 1, &a00, &a01, &a10, &a11);
            if (zw != 0) {
                a00 -= zw[o];
                a01 -= zw[o1];
                a10 -= zw[o];
                a11 -= zw[o1];
            }
        } else {
            tt__dot_2x2(x0, x1, w + o * n, w + o1 * n, n, x_zero, 0, &a00, &a01, &a10, &a11);
        }
        if (summed) { /* the exact int32 biases into the exact int32 sums (tt__requant_store_summed) */
            const int32_t k0 = tt__summed_bias(bias_q[o], d->summed_bias);
            const int32_t k1 = tt__summed_bias(bias_q[o1], d->summed_bias);
            a00 += k0;
            a10 += k0;
            a01 += k1;
            a11 += k1;
        }
        /* the mask bits only when there is a mask (masked is a constant: without one they are not computed) */
        {
            const uint32_t m00 = summed ? tt__requant_store_summed(y0 + o, a00, eff[o], y_zero)
                                        : tt__requant_store(y0 + o, a00, b0, eff[o], y_zero);
            if (masked) {
                bits0 |= m00 << (o - run0);
            }
        }
        if (two) {
            const uint32_t m10 = summed ? tt__requant_store_summed(y1 + o, a10, eff[o], y_zero)
                                        : tt__requant_store(y1 + o, a10, b0, eff[o], y_zero);
            if (masked) {
                bits1 |= m10 << (o - run0);
            }
        }
        if (pair) {
            const uint32_t m01 = summed ? tt__requant_store_summed(y0 + o1, a01, eff[o1], y_zero)
                                        : tt__requant_store(y0 + o1, a01, b1, eff[o1], y_zero);
            if (masked) {
                bits0 |= m01 << (o1 - run0);
            }
            if (two) {
                const uint32_t m11 = summed ? tt__requant_store_summed(y1 + o1, a11, eff[o1], y_zero)
                                            : tt__requant_store(y1 + o1, a11, b1, eff[o1], y_zero);
                if (masked) {
                    bits1 |= m11 << (o1 - run0);
                }
            }
        }
        if (masked && (o + 2 - run0 >= 16 || o + 2 >= out_c)) {
            const int32_t bits = o1 + 1 - run0;
            tt__or_mask_bits(d->arena, d->mask_off, p * out_c + run0, bits0, bits);
            if (two) {
                tt__or_mask_bits(d->arena, d->mask_off, q * out_c + run0, bits1, bits);
            }
            bits0 = 0;
            bits1 = 0;
            run0 += bits;
        }
    }
}

/* tt__dense_pair_body for the common layer, a frozen one (no clamp mask) with int32 biases summed in int32, the
   common row lengths as constants. */
static TT_ALWAYS_INLINE void tt__dense_pair_rows(const tt__dense_args *d, const int8_t *x0, const int8_t *x1,
                                                 int32_t p, int32_t q)
{
    if (d->zw != 0 || d->x_zero == 0) { /* no zero point to subtract in the inner loop */
        switch (d->n) {
        case 8:
            tt__dense_pair_body(d, x0, x1, p, q, 8, 0, 1, 0, 1);
            break;
        case 16:
            tt__dense_pair_body(d, x0, x1, p, q, 16, 0, 1, 0, 1);
            break;
        case 24:
            tt__dense_pair_body(d, x0, x1, p, q, 24, 0, 1, 0, 1);
            break;
        case 27: /* the 3x3 first conv of an RGB image (tt_conv_im2col) */
            tt__dense_pair_body(d, x0, x1, p, q, 27, 0, 1, 0, 1);
            break;
        case 32:
            tt__dense_pair_body(d, x0, x1, p, q, 32, 0, 1, 0, 1);
            break;
        default:
            tt__dense_pair_body(d, x0, x1, p, q, d->n, 0, 1, 0, 1);
            break;
        }
    } else {
        tt__dense_pair_body(d, x0, x1, p, q, d->n, 0, 0, 0, 1);
    }
}

/*
 * The sums of a 2 x 2 block added to the accumulators, for two input rows x, x + xs (two positions: adjacent rows of
 * a stride-1 1x1 conv, xs = n, or two im2col patches) and two adjacent weight rows w, w + n:
 * a_ij += sum over c < n4 of (x[i xs + c] - z) * w[j n + c], z = 0 for a folded zero point, n4 a multiple of 4. The
 * second rows are at the first's address + xs and + n, so the loop needs two pointers and the two offsets
 * (immediate offsets where they are constants; the small loops are then unrolled). Exact integer sums, so any order
 * gives the bits of tt__dot_2x2.
 */
static TT_ALWAYS_INLINE void tt__dot_2x2_adj(const int8_t *x, int32_t xs, const int8_t *w, int32_t n, int32_t n4,
                                             int32_t z, int32_t *a00, int32_t *a01, int32_t *a10, int32_t *a11)
{
    int32_t s00 = *a00, s01 = *a01, s10 = *a10, s11 = *a11;
    const int8_t *const end = x + n4;
#ifdef TT_DSP
    /* One asm statement per four bytes: gcc's register allocation of the C form spilled the accumulators (14 live
       values); here 4 sums, 6 sign-extended halves, 2 pointers and the offset n: 20 instructions for 16 MACs. */
    const int16x2_t zz = (int16x2_t)(((uint32_t)z & 0xFFFFu) | ((uint32_t)z << 16));
    TT_UNROLL(8)
    while (x < end) {
        int16x2_t xa_e, xa_o, xb_e, xb_o, w_e, w_o;
        if (z == 0) {
            __asm__("ldr %[xbe], [%[x], %[xs]]\n\t"
                    "ldr %[xae], [%[x]], #4\n\t"
                    "ldr %[we], [%[w]]\n\t"
                    "sxtb16 %[xbo], %[xbe], ror #8\n\t"
                    "sxtb16 %[xbe], %[xbe]\n\t"
                    "sxtb16 %[xao], %[xae], ror #8\n\t"
                    "sxtb16 %[xae], %[xae]\n\t"
                    : [xae] "=&r"(xa_e), [xao] "=&r"(xa_o), [xbe] "=&r"(xb_e), [xbo] "=&r"(xb_o), [we] "=&r"(w_e),
                      [x] "+r"(x)
                    : [w] "r"(w), [xs] "rI"(xs)
                    : "memory");
        } else {
            __asm__("ldr %[xbe], [%[x], %[xs]]\n\t"
                    "ldr %[xae], [%[x]], #4\n\t"
                    "ldr %[we], [%[w]]\n\t"
                    "sxtb16 %[xbo], %[xbe], ror #8\n\t"
                    "sxtb16 %[xbe], %[xbe]\n\t"
                    "sxtb16 %[xao], %[xae], ror #8\n\t"
                    "sxtb16 %[xae], %[xae]\n\t"
                    "ssub16 %[xbo], %[xbo], %[zz]\n\t"
                    "ssub16 %[xbe], %[xbe], %[zz]\n\t"
                    "ssub16 %[xao], %[xao], %[zz]\n\t"
                    "ssub16 %[xae], %[xae], %[zz]\n\t"
                    : [xae] "=&r"(xa_e), [xao] "=&r"(xa_o), [xbe] "=&r"(xb_e), [xbo] "=&r"(xb_o), [we] "=&r"(w_e),
                      [x] "+r"(x)
                    : [w] "r"(w), [xs] "rI"(xs), [zz] "r"(zz)
                    : "memory");
        }
        __asm__("sxtb16 %[wo], %[we], ror #8\n\t"
                "sxtb16 %[we], %[we]\n\t"
                "smlad %[s00], %[xae], %[we], %[s00]\n\t"
                "smlad %[s00], %[xao], %[wo], %[s00]\n\t"
                "smlad %[s10], %[xbe], %[we], %[s10]\n\t"
                "smlad %[s10], %[xbo], %[wo], %[s10]\n\t"
                "ldr %[we], [%[w], %[n]]\n\t"
                "add %[w], %[w], #4\n\t"
                "sxtb16 %[wo], %[we], ror #8\n\t"
                "sxtb16 %[we], %[we]\n\t"
                "smlad %[s01], %[xae], %[we], %[s01]\n\t"
                "smlad %[s01], %[xao], %[wo], %[s01]\n\t"
                "smlad %[s11], %[xbe], %[we], %[s11]\n\t"
                "smlad %[s11], %[xbo], %[wo], %[s11]\n\t"
                : [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11), [we] "+&r"(w_e),
                  [wo] "=&r"(w_o), [w] "+r"(w)
                : [xae] "r"(xa_e), [xao] "r"(xa_o), [xbe] "r"(xb_e), [xbo] "r"(xb_o), [n] "rI"(n)
                : "memory");
    }
#else
    for (; x < end; x++, w++) {
        const int32_t xa = (int32_t)x[0] - z, xb = (int32_t)x[xs] - z;
        const int32_t wa = w[0], wb = w[n];
        s00 += xa * wa;
        s01 += xa * wb;
        s10 += xb * wa;
        s11 += xb * wb;
    }
#endif
    *a00 = s00;
    *a01 = s01;
    *a10 = s10;
    *a11 = s11;
}

/*
 * The output channels [o0, o1) of the positions p and p + 1 of a dense conv in the common case: a whole weight with
 * int32 biases summed in int32 (mode: tt__biases_summable, a constant), rows of n bytes (a constant where inlined),
 * the positions' input rows at x0 and x0 + xs (adjacent rows of a stride-1 1x1 conv, or two im2col patches). Each
 * pass starts the four sums of two output channels at their start value: kb[o - o0] when given (the caller's table of
 * bias - x_zero * sum w), else bias - zw (fold: the folded zero point; else the zero point is subtracted in the
 * loop); sums the first n & ~3 bytes with SMLAD and the rest one by one, reads the channels' scales before the stores
 * (a store through int8_t may alias them), and writes the mask bits, when masked, in runs of up to 24 per position.
 */
static TT_ALWAYS_INLINE void tt__dense_two(const tt__dense_args *d, const int8_t *x0, int32_t xs, int32_t p,
                                           int32_t n, int32_t o0, int32_t o1, const int32_t *kb, int fold,
                                           int masked, int mode)
{
    const int8_t *w = tt__whole(d->weight) + o0 * n;
    const int32_t out_c = d->out_c, y_zero = d->y_zero, n4 = n & ~3;
    const int32_t z = kb != 0 || fold ? 0 : d->x_zero;
    const int32_t *const zw = kb == 0 && fold ? d->zw : 0;
    const int32_t *const bias_q = d->bias_q;
    const float *const eff = d->eff;
    int8_t *const y0 = d->arena + d->out_off + p * out_c;
    int8_t *const y1 = y0 + out_c;
    uint32_t bits0 = 0, bits1 = 0;
    int32_t run0 = o0, o, c;
    for (o = o0; o + 2 <= o1; o += 2, w += 2 * n) {
        const float e0 = eff[o], e1 = eff[o + 1];
        int32_t a00, a01, a10, a11, k0, k1;
        uint32_t m0, m1;
        if (kb != 0) {
            k0 = kb[o - o0];
            k1 = kb[o + 1 - o0];
        } else {
            k0 = tt__summed_bias(bias_q[o], mode);
            k1 = tt__summed_bias(bias_q[o + 1], mode);
            if (zw != 0) {
                k0 -= zw[o];
                k1 -= zw[o + 1];
            }
        }
        a00 = k0;
        a10 = k0;
        a01 = k1;
        a11 = k1;
        tt__dot_2x2_adj(x0, xs, w, n, n4, z, &a00, &a01, &a10, &a11);
        for (c = n4; c < n; c++) { /* n % 4 bytes: a constant, none for most layers */
            const int32_t xa = (int32_t)x0[c] - z, xb = (int32_t)x0[xs + c] - z;
            a00 += xa * w[c];
            a10 += xb * w[c];
            a01 += xa * w[n + c];
            a11 += xb * w[n + c];
        }
        m0 = tt__requant_store_summed(y0 + o, a00, e0, y_zero);
        m0 |= tt__requant_store_summed(y0 + o + 1, a01, e1, y_zero) << 1;
        m1 = tt__requant_store_summed(y1 + o, a10, e0, y_zero);
        m1 |= tt__requant_store_summed(y1 + o + 1, a11, e1, y_zero) << 1;
        if (masked) {
            bits0 |= m0 << (o - run0);
            bits1 |= m1 << (o - run0);
            if (o + 2 - run0 >= 24 || o + 4 > o1) { /* a full run, or the last pair (an odd channel follows) */
                tt__or_mask_bits(d->arena, d->mask_off, p * out_c + run0, bits0, o + 2 - run0);
                tt__or_mask_bits(d->arena, d->mask_off, (p + 1) * out_c + run0, bits1, o + 2 - run0);
                bits0 = 0;
                bits1 = 0;
                run0 = o + 2;
            }
        }
    }
    if (o < o1) { /* an odd last channel */
        int32_t k0, a00, a10;
        uint32_t m0, m1;
        if (kb != 0) {
            k0 = kb[o - o0];
        } else {
            k0 = tt__summed_bias(bias_q[o], mode);
            if (zw != 0) {
                k0 -= zw[o];
            }
        }
        a00 = k0;
        a10 = k0;
        for (c = 0; c < n; c++) {
            a00 += ((int32_t)x0[c] - z) * w[c];
            a10 += ((int32_t)x0[xs + c] - z) * w[c];
        }
        m0 = tt__requant_store_summed(y0 + o, a00, eff[o], y_zero);
        m1 = tt__requant_store_summed(y1 + o, a10, eff[o], y_zero);
        if (masked) {
            tt__or_mask_bits(d->arena, d->mask_off, p * out_c + o, m0, 1);
            tt__or_mask_bits(d->arena, d->mask_off, (p + 1) * out_c + o, m1, 1);
        }
    }
}

/* Output channels per table of start values (tt__dense_pairs_whole): 256 bytes of stack. */
#define TT_DENSE_CHUNK 64

/*
 * A stride-1 1x1 conv's position pairs (0, 1), (2, 3), ... below `positions` (even) through tt__dense_two, the output
 * channels in chunks of TT_DENSE_CHUNK: first a table of their start values, bias - x_zero * sum w (zw[o] when the
 * compiler gave it, else summed here: a trained weight changes every step), so that the loop needs neither the bias
 * nor the zero point; then every pair.
 */
static TT_ALWAYS_INLINE void tt__dense_pairs_whole(const tt__dense_args *d, const int8_t *in, int32_t positions,
                                                   int32_t n, int masked, int mode)
{
    const int8_t *const w = tt__whole(d->weight);
    const int32_t out_c = d->out_c, x_zero = d->x_zero;
    int32_t kb[TT_DENSE_CHUNK];
    int32_t o0, o, p, c;
    for (o0 = 0; o0 < out_c; o0 += TT_DENSE_CHUNK) {
        const int32_t o1 = out_c - o0 < TT_DENSE_CHUNK ? out_c : o0 + TT_DENSE_CHUNK;
        for (o = o0; o < o1; o++) {
            int32_t k = tt__summed_bias(d->bias_q[o], mode);
            if (d->zw != 0) {
                k -= d->zw[o];
            } else if (x_zero != 0) {
                int32_t sum = 0;
                for (c = 0; c < n; c++) {
                    sum += w[o * n + c];
                }
                k -= x_zero * sum;
            }
            kb[o - o0] = k;
        }
        for (p = 0; p < positions; p += 2) {
            tt__dense_two(d, in + p * n, n, p, n, o0, o1, kb, 1, masked, mode);
        }
    }
}

/* tt__dense_pairs_whole with the common row lengths as constants. */
static void tt__dense_pairs_whole_rows(const tt__dense_args *d, const int8_t *in, int32_t positions, int masked)
{
#define TT__PAIRS_WHOLE(n_)                                                                                        \
    do {                                                                                                           \
        if (masked) {                                                                                              \
            tt__dense_pairs_whole(d, in, positions, (n_), 1, d->summed_bias);                                      \
        } else {                                                                                                   \
            tt__dense_pairs_whole(d, in, positions, (n_), 0, d->summed_bias);                                      \
        }                                                                                                          \
    } while (0)
    switch (TT_SPECIALISE ? d->n : 0) {
    case 8:
        TT__PAIRS_WHOLE(8);
        break;
    case 16:
        TT__PAIRS_WHOLE(16);
        break;
    case 24:
        TT__PAIRS_WHOLE(24);
        break;
    case 32:
        TT__PAIRS_WHOLE(32);
        break;
    default:
        TT__PAIRS_WHOLE(d->n);
        break;
    }
#undef TT__PAIRS_WHOLE
}

/* Rows up to this long of a split weight are gathered (2 x this many bytes of stack), longer ones summed in place. */
#define TT_SPLIT_GATHER 256

/*
 * tt__dense_pair for a split weight: the two input rows gathered once in the parts' channel order (the trained
 * channels, then the frozen ones), so that every output channel sums them with the SIMD loop of a whole weight.
 */
static void tt__dense_pair_split(const tt__dense_args *d, const int8_t *x0, const int8_t *x1, int32_t p, int32_t q)
{
    const tt_weight *w = d->weight;
    int8_t g[2][TT_SPLIT_GATHER];
    int split = 1;
    if (d->n <= TT_SPLIT_GATHER) {
        const int32_t nt = w->n_trained, nf = w->n_frozen;
        int32_t t;
        for (t = 0; t < nt; t++) {
            g[0][t] = x0[w->trained_ch[t]];
            g[1][t] = x1[w->trained_ch[t]];
        }
        for (t = 0; t < nf; t++) {
            g[0][nt + t] = x0[w->frozen_ch[t]];
            g[1][nt + t] = x1[w->frozen_ch[t]];
        }
        x0 = g[0];
        x1 = g[1];
        split = 2;
    }
    if (d->mask_off >= 0) {
        tt__dense_pair_body(d, x0, x1, p, q, d->n, split, 0, 1, 0);
    } else {
        tt__dense_pair_body(d, x0, x1, p, q, d->n, split, 0, 0, 0);
    }
}

static void tt__dense_pair(const tt__dense_args *d, const int8_t *x0, const int8_t *x1, int32_t p, int32_t q)
{
    const int fold = d->zw != 0 || d->x_zero == 0;
    if (d->weight->slot != 0) {
        tt__dense_pair_split(d, x0, x1, p, q);
    } else if (d->mask_off >= 0) { /* a trained layer, one of a few: one body for every row length */
        tt__dense_pair_body(d, x0, x1, p, q, d->n, 0, fold, 1, 0);
    } else if (d->summed_bias) {
        tt__dense_pair_rows(d, x0, x1, p, q);
    } else { /* float or large biases: one body */
        tt__dense_pair_body(d, x0, x1, p, q, d->n, 0, fold, 0, 0);
    }
}

/* Fills the tt__dense_args of a dense conv with rows of n bytes and clears its mask. */
static void tt__dense_start(tt__dense_args *d, int8_t *arena, const tt_weight *weight, const int32_t *zw, int32_t n,
                            int32_t x_zero, const int32_t *bias_q, const float *bias_f, const float *eff,
                            int32_t y_zero, int32_t out_off, int32_t positions, int32_t out_c, int32_t mask_off)
{
    d->arena = arena;
    d->weight = weight;
    d->zw = zw;
    d->n = n;
    d->x_zero = x_zero;
    d->out_c = out_c;
    d->y_zero = y_zero;
    d->out_off = out_off;
    d->mask_off = mask_off;
    d->bias_q = bias_q;
    d->bias_f = bias_f;
    d->eff = eff;
    d->summed_bias = n <= TT_EXACT_F32_TERMS ? tt__biases_summable(bias_q, out_c) : 0;
    if (mask_off >= 0) {
        tt__clear_mask(arena, mask_off, positions * out_c);
    }
}

void tt_conv1x1(int8_t *arena, int32_t in_off, int32_t in_w, int32_t in_c, int32_t x_zero,
                const tt_weight *weight, const int32_t *zw, int32_t stride, const int32_t *bias_q,
                const float *bias_f, const float *eff, int32_t y_zero, int32_t out_off, int32_t out_h, int32_t out_w,
                int32_t out_c, int32_t mask_off)
{
    const int8_t *in = arena + in_off;
    const int32_t positions = out_h * out_w;
    tt__dense_args d;
    int32_t p;

    TT_ASSERT(arena != 0 && weight != 0 && eff != 0 && (bias_q == 0) != (bias_f == 0));
    TT_ASSERT(zw == 0 || weight->slot == 0);
    TT_ASSERT(in_c >= 1 && in_c <= TT_MAX_INT_TERMS && out_c >= 1 && stride >= 1 && out_h >= 1 && out_w >= 1);
    TT_ASSERT(x_zero >= TT_INT8_MIN && x_zero <= TT_INT8_MAX && y_zero >= TT_INT8_MIN && y_zero <= TT_INT8_MAX);

    tt__dense_start(&d, arena, weight, zw, in_c, x_zero, bias_q, bias_f, eff, y_zero, out_off, positions, out_c,
                    mask_off);
    p = 0;
    if (weight->slot == 0 && d.summed_bias && stride == 1 && (in_c & 3) == 0) {
        /* the common case: every position pair in one specialised loop, the odd last position below */
        p = positions & ~1;
        tt__dense_pairs_whole_rows(&d, in, p, mask_off >= 0);
    }
    for (; p < positions; p += 2) {
        /* two positions per pass (the last one alone) */
        const int32_t q = p + 1 < positions ? p + 1 : p;
        tt__dense_pair(&d, in + ((p / out_w) * stride * in_w + (p % out_w) * stride) * in_c,
                       in + ((q / out_w) * stride * in_w + (q % out_w) * stride) * in_c, p, q);
    }
}

/*
 * The k_h x k_w x in_c patch of output position p in NHWC tap order (the weight's [k_h][k_w][in_c] row order);
 * taps in the padding read x_zero, so they add (x_zero - x_zero) * w = 0 like the reference's skipped taps.
 */
static void tt__patch(const int8_t *in, int32_t in_h, int32_t in_w, int32_t in_c, int32_t x_zero, int32_t k_h,
                      int32_t k_w, int32_t stride, int32_t pad_top, int32_t pad_left, int32_t out_w, int32_t p,
                      int8_t *patch)
{
    const int32_t iy0 = (p / out_w) * stride - pad_top;
    const int32_t ix0 = (p % out_w) * stride - pad_left;
    const int32_t row = k_w * in_c;
    int32_t i, j;
    if (ix0 >= 0 && ix0 + k_w <= in_w) { /* no padding column: a window row is k_w * in_c contiguous input bytes */
        for (i = 0; i < k_h; i++, patch += row) {
            const int32_t iy = iy0 + i;
            if (iy >= 0 && iy < in_h) {
                if (row == 9) { /* a 3x3 RGB window's row: a constant size the compiler copies inline */
                    memcpy(patch, in + (iy * in_w + ix0) * in_c, 9);
                } else {
                    memcpy(patch, in + (iy * in_w + ix0) * in_c, (size_t)row);
                }
            } else {
                memset(patch, x_zero, (size_t)row);
            }
        }
        return;
    }
    for (i = 0; i < k_h; i++) {
        const int32_t iy = iy0 + i;
        for (j = 0; j < k_w; j++, patch += in_c) {
            const int32_t ix = ix0 + j;
            if (iy >= 0 && iy < in_h && ix >= 0 && ix < in_w) {
                memcpy(patch, in + (iy * in_w + ix) * in_c, (size_t)in_c);
            } else {
                memset(patch, x_zero, (size_t)in_c);
            }
        }
    }
}

/* Both positions of an im2col pass through tt__dense_two (a frozen layer without a mask, zero point folded, summed
   biases), the 3x3 RGB window's 27-byte rows as a constant. */
static void tt__im2col_two(const tt__dense_args *d, const int8_t *patches, int32_t p)
{
    if (TT_SPECIALISE && d->n == 27 && d->summed_bias == 1) {
        tt__dense_two(d, patches, TT_IM2COL_MAX_PATCH, p, 27, 0, d->out_c, 0, 1, 0, 1);
    } else {
        tt__dense_two(d, patches, TT_IM2COL_MAX_PATCH, p, d->n, 0, d->out_c, 0, 1, 0, d->summed_bias);
    }
}

void tt_conv_im2col(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t in_c, int32_t x_zero,
                    const tt_weight *weight, const int32_t *zw, int32_t k_h, int32_t k_w, int32_t stride,
                    int32_t pad_top, int32_t pad_left, const int32_t *bias_q, const float *bias_f, const float *eff,
                    int32_t y_zero, int32_t out_off, int32_t out_h, int32_t out_w, int32_t out_c, int32_t mask_off)
{
    const int8_t *in = arena + in_off;
    const int32_t positions = out_h * out_w;
    int8_t patch[2][TT_IM2COL_MAX_PATCH];
    tt__dense_args d;
    int32_t p;

    TT_ASSERT(arena != 0 && weight != 0 && weight->slot == 0 && eff != 0 && (bias_q == 0) != (bias_f == 0));
    TT_ASSERT(in_c >= 1 && k_h >= 1 && k_w >= 1 && k_h * k_w * in_c <= TT_IM2COL_MAX_PATCH && out_c >= 1);
    TT_ASSERT(stride >= 1 && pad_top >= 0 && pad_left >= 0 && out_h >= 1 && out_w >= 1);
    TT_ASSERT(x_zero >= TT_INT8_MIN && x_zero <= TT_INT8_MAX && y_zero >= TT_INT8_MIN && y_zero <= TT_INT8_MAX);

    tt__dense_start(&d, arena, weight, zw, k_h * k_w * in_c, x_zero, bias_q, bias_f, eff, y_zero, out_off, positions,
                    out_c, mask_off);
    for (p = 0; p < positions; p += 2) {
        const int32_t q = p + 1 < positions ? p + 1 : p;
        tt__patch(in, in_h, in_w, in_c, x_zero, k_h, k_w, stride, pad_top, pad_left, out_w, p, patch[0]);
        tt__patch(in, in_h, in_w, in_c, x_zero, k_h, k_w, stride, pad_top, pad_left, out_w, q, patch[1]);
        if (q != p && mask_off < 0 && d.summed_bias != 0 && (zw != 0 || x_zero == 0)) {
            tt__im2col_two(&d, patch[0], p);
        } else {
            tt__dense_pair(&d, patch[0], patch[1], p, q);
        }
    }
}

/*
 * Four channels c .. c+3 of one depthwise output: a[k] = sum over the window of (x - x_zero) * w for channel c + k.
 * px: the input at the window's first valid tap (row i0, column j0), channel c; pw: the weight at that tap;
 * rows x cols valid taps; in_row / w_row: bytes from one window row to the next; ch: bytes from one tap to the next.
 * The DSP path sign-extends the even and odd channels into 16-bit lanes (SXTB16), subtracts the zero point pairwise
 * (SSUB16) and multiply-accumulates each lane into its own sum (SMLABB / SMLATT).
 */
static TT_ALWAYS_INLINE void tt__dw_4(const int8_t *px, const int8_t *pw, int32_t rows, int32_t cols,
                                      int32_t in_row, int32_t w_row, int32_t ch, int32_t x_zero, int flip,
                                      int32_t a[4])
{
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    int32_t i, j;
#ifdef TT_DSP
    /* one asm statement per tap (gcc spilled the sums of the C form): the tap's input and weight words at the same
       offset j * ch from the row's first tap. flip (x_zero == -128, a constant where inlined): x - x_zero = x + 128
       is the byte x ^ 0x80 read unsigned, so one EOR and two UXTB16 replace two SXTB16 and two SSUB16. */
    const int16x2_t zz = (int16x2_t)(((uint32_t)x_zero & 0xFFFFu) | ((uint32_t)x_zero << 16));
    (void)flip;
    TT_UNROLL(7)
    for (i = 0; i < rows; i++, px += in_row, pw += w_row) {
        TT_UNROLL(7)
        for (j = 0; j < cols; j++) {
            const int32_t off = j * ch;
            int16x2_t xe, xo, we, wo;
            if (flip) {
                __asm__("ldr %[xo], [%[x], %[off]]\n\t"
                        "ldr %[wo], [%[w], %[off]]\n\t"
                        "eor %[xo], %[xo], #0x80808080\n\t"
                        "uxtb16 %[xe], %[xo]\n\t"
                        "uxtb16 %[xo], %[xo], ror #8\n\t"
                        : [xe] "=&r"(xe), [xo] "=&r"(xo), [wo] "=&r"(wo)
                        : [x] "r"(px), [w] "r"(pw), [off] "rI"(off)
                        : "memory");
            } else {
                __asm__("ldr %[xo], [%[x], %[off]]\n\t"
                        "ldr %[wo], [%[w], %[off]]\n\t"
                        "sxtb16 %[xe], %[xo]\n\t"
                        "sxtb16 %[xo], %[xo], ror #8\n\t"
                        "ssub16 %[xe], %[xe], %[zz]\n\t"
                        "ssub16 %[xo], %[xo], %[zz]\n\t"
                        : [xe] "=&r"(xe), [xo] "=&r"(xo), [wo] "=&r"(wo)
                        : [x] "r"(px), [w] "r"(pw), [off] "rI"(off), [zz] "r"(zz)
                        : "memory");
            }
            __asm__("sxtb16 %[we], %[wo]\n\t"
                    "sxtb16 %[wo], %[wo], ror #8\n\t"
                    "smlabb %[a0], %[xe], %[we], %[a0]\n\t"
                    "smlatt %[a2], %[xe], %[we], %[a2]\n\t"
                    "smlabb %[a1], %[xo], %[wo], %[a1]\n\t"
                    "smlatt %[a3], %[xo], %[wo], %[a3]\n\t"
                    : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [we] "=&r"(we), [wo] "+&r"(wo)
                    : [xe] "r"(xe), [xo] "r"(xo));
        }
    }
#else
    (void)flip;
    for (i = 0; i < rows; i++, px += in_row, pw += w_row) {
        const int8_t *x = px;
        const int8_t *w = pw;
        for (j = 0; j < cols; j++, x += ch, w += ch) {
            a0 += ((int32_t)x[0] - x_zero) * w[0];
            a1 += ((int32_t)x[1] - x_zero) * w[1];
            a2 += ((int32_t)x[2] - x_zero) * w[2];
            a3 += ((int32_t)x[3] - x_zero) * w[3];
        }
    }
#endif
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
}

/* What tt__dw_blocks needs besides the window: the layer's constants. */
typedef struct tt__dw_args {
    int8_t *arena;
    int32_t c, blocked, in_row, w_row, x_zero, y_zero, mask_off;
    int summed_bias; /* int32 biases added to the int32 sums: tt__biases_summable */
    const int32_t *bias_q;
    const float *bias_f;
    const float *eff;
} tt__dw_args;

/*
 * Channels [0, blocked) of one depthwise output position, four per pass: the window's rows x cols valid taps start
 * at px (input) and pw (weight); y is the output position, out_index its first element's index.
 */
static TT_ALWAYS_INLINE void tt__dw_blocks(const tt__dw_args *d, const int8_t *px, const int8_t *pw, int32_t rows,
                                           int32_t cols, int8_t *y, int32_t out_index, int masked, int summed,
                                           int flip)
{
    int32_t ch;
    for (ch = 0; ch < d->blocked; ch += 4) {
        int32_t a[4];
        uint32_t bits;
        tt__dw_4(px + ch, pw + ch, rows, cols, d->in_row, d->w_row, d->c, d->x_zero, flip, a);
        if (summed) { /* int32 biases into the exact int32 sums; summed: the tt__biases_summable mode (a constant) */
            const int32_t k0 = tt__summed_bias(d->bias_q[ch], summed);
            const int32_t k1 = tt__summed_bias(d->bias_q[ch + 1], summed);
            const int32_t k2 = tt__summed_bias(d->bias_q[ch + 2], summed);
            const int32_t k3 = tt__summed_bias(d->bias_q[ch + 3], summed);
            bits = tt__requant_store_summed(y + ch, a[0] + k0, d->eff[ch], d->y_zero);
            bits |= tt__requant_store_summed(y + ch + 1, a[1] + k1, d->eff[ch + 1], d->y_zero) << 1;
            bits |= tt__requant_store_summed(y + ch + 2, a[2] + k2, d->eff[ch + 2], d->y_zero) << 2;
            bits |= tt__requant_store_summed(y + ch + 3, a[3] + k3, d->eff[ch + 3], d->y_zero) << 3;
        } else if (d->bias_f != 0) {
            bits = tt__requant_store(y + ch, a[0], d->bias_f[ch], d->eff[ch], d->y_zero);
            bits |= tt__requant_store(y + ch + 1, a[1], d->bias_f[ch + 1], d->eff[ch + 1], d->y_zero) << 1;
            bits |= tt__requant_store(y + ch + 2, a[2], d->bias_f[ch + 2], d->eff[ch + 2], d->y_zero) << 2;
            bits |= tt__requant_store(y + ch + 3, a[3], d->bias_f[ch + 3], d->eff[ch + 3], d->y_zero) << 3;
        } else {
            bits = tt__requant_store(y + ch, a[0], (float)d->bias_q[ch], d->eff[ch], d->y_zero);
            bits |= tt__requant_store(y + ch + 1, a[1], (float)d->bias_q[ch + 1], d->eff[ch + 1], d->y_zero) << 1;
            bits |= tt__requant_store(y + ch + 2, a[2], (float)d->bias_q[ch + 2], d->eff[ch + 2], d->y_zero) << 2;
            bits |= tt__requant_store(y + ch + 3, a[3], (float)d->bias_q[ch + 3], d->eff[ch + 3], d->y_zero) << 3;
        }
        if (masked) { /* a constant: without a mask the bits are not computed */
            tt__or_mask_bits(d->arena, d->mask_off, out_index + ch, bits, 4);
        }
    }
}

/* The blocked channels of one output position with the window's valid rows x cols as constants for the whole
   3x3, 5x5 and 7x7 windows and the border windows of a 3x3 (2 or 3 rows by 2 or 3 columns), and with x_zero == -128
   (the common input of a depthwise conv, after a ReLU) as a constant. */
static TT_ALWAYS_INLINE void tt__dw_position_z(const tt__dw_args *d, const int8_t *px, const int8_t *pw,
                                               int32_t rows, int32_t cols, int8_t *y, int32_t out_index, int masked,
                                               int summed, int flip)
{
    if (rows == 3 && cols == 3) {
        tt__dw_blocks(d, px, pw, 3, 3, y, out_index, masked, summed, flip);
    } else if (rows == 5 && cols == 5) {
        tt__dw_blocks(d, px, pw, 5, 5, y, out_index, masked, summed, flip);
    } else if (rows == 7 && cols == 7) {
        tt__dw_blocks(d, px, pw, 7, 7, y, out_index, masked, summed, flip);
    } else if (rows == 2 && cols == 3) {
        tt__dw_blocks(d, px, pw, 2, 3, y, out_index, masked, summed, flip);
    } else if (rows == 3 && cols == 2) {
        tt__dw_blocks(d, px, pw, 3, 2, y, out_index, masked, summed, flip);
    } else if (rows == 2 && cols == 2) {
        tt__dw_blocks(d, px, pw, 2, 2, y, out_index, masked, summed, flip);
    } else {
        tt__dw_blocks(d, px, pw, rows, cols, y, out_index, masked, summed, flip);
    }
}

static TT_ALWAYS_INLINE void tt__dw_position(const tt__dw_args *d, const int8_t *px, const int8_t *pw, int32_t rows,
                                             int32_t cols, int8_t *y, int32_t out_index, int masked, int summed)
{
    if (TT_SPECIALISE && d->x_zero == -128) {
        tt__dw_position_z(d, px, pw, rows, cols, y, out_index, masked, summed, 1);
    } else { /* rare: one body for every window (Flash) */
        tt__dw_blocks(d, px, pw, rows, cols, y, out_index, masked, summed, 0);
    }
}

/* Largest window the channel-major depthwise path takes (7x7): its table of widened weights is on the stack. */
#define TT_DW_MAX_TAPS 49
/* Narrowest output row the channel-major depthwise path takes (measured: it is faster from 32 outputs a row). */
#define TT_DW_WIDE_ROW 32

/*
 * Sums of four channels over a window's rows x cols valid taps (constants where inlined), added to a[4]: px the input
 * at the first valid tap (channel 0 of the group), in_row / c bytes to the next row / tap; wt the group's widened
 * weights at the same tap (two words per tap: channels 0 and 2, then 1 and 3, as SXTB16 gives them), w_row2 words to
 * the next weight row. xmode: 0 the raw x (the zero point folded by the caller), 1 x - x_zero for x_zero == -128 (the
 * byte x ^ 0x80 read unsigned), 2 x - x_zero by SSUB16 (zz: x_zero in both halves).
 */
static TT_ALWAYS_INLINE void tt__dw4_taps(const int8_t *px, int32_t in_row, int32_t c, const int32_t *wt,
                                          int32_t w_row2, int32_t rows, int32_t cols, int xmode, int32_t zz,
                                          int32_t a[4])
{
    int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    int32_t i, j;
    TT_UNROLL_DSP(7)
    for (i = 0; i < rows; i++, px += in_row, wt += w_row2) {
        const int32_t *w = wt;
        TT_UNROLL_DSP(7)
        for (j = 0; j < cols; j++) {
            const int32_t off = j * c;
#ifdef TT_DSP
            int32_t xe, xo, we, wo;
            if (xmode == 0) {
                __asm__("ldr %[xo], [%[x], %[off]]\n\t"
                        "sxtb16 %[xe], %[xo]\n\t"
                        "sxtb16 %[xo], %[xo], ror #8\n\t"
                        : [xe] "=&r"(xe), [xo] "=&r"(xo)
                        : [x] "r"(px), [off] "rI"(off)
                        : "memory");
            } else if (xmode == 1) {
                __asm__("ldr %[xo], [%[x], %[off]]\n\t"
                        "eor %[xo], %[xo], #0x80808080\n\t"
                        "uxtb16 %[xe], %[xo]\n\t"
                        "uxtb16 %[xo], %[xo], ror #8\n\t"
                        : [xe] "=&r"(xe), [xo] "=&r"(xo)
                        : [x] "r"(px), [off] "rI"(off)
                        : "memory");
            } else {
                __asm__("ldr %[xo], [%[x], %[off]]\n\t"
                        "sxtb16 %[xe], %[xo]\n\t"
                        "sxtb16 %[xo], %[xo], ror #8\n\t"
                        "ssub16 %[xe], %[xe], %[zz]\n\t"
                        "ssub16 %[xo], %[xo], %[zz]\n\t"
                        : [xe] "=&r"(xe), [xo] "=&r"(xo)
                        : [x] "r"(px), [off] "rI"(off), [zz] "r"(zz)
                        : "memory");
            }
            __asm__("ldrd %[we], %[wo], [%[w]], #8\n\t"
                    "smlabb %[a0], %[xe], %[we], %[a0]\n\t"
                    "smlatt %[a2], %[xe], %[we], %[a2]\n\t"
                    "smlabb %[a1], %[xo], %[wo], %[a1]\n\t"
                    "smlatt %[a3], %[xo], %[wo], %[a3]\n\t"
                    : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [we] "=&r"(we), [wo] "=&r"(wo),
                      [w] "+r"(w)
                    : [xe] "r"(xe), [xo] "r"(xo)
                    : "memory");
#else
            const int8_t *x = px + off;
            const int32_t z = xmode == 0 ? 0 : (int32_t)(int16_t)(zz & 0xFFFF);
            a0 += ((int32_t)x[0] - z) * (int32_t)(int16_t)(w[0] & 0xFFFF);
            a2 += ((int32_t)x[2] - z) * (int32_t)(int16_t)((uint32_t)w[0] >> 16);
            a1 += ((int32_t)x[1] - z) * (int32_t)(int16_t)(w[1] & 0xFFFF);
            a3 += ((int32_t)x[3] - z) * (int32_t)(int16_t)((uint32_t)w[1] >> 16);
            w += 2;
#endif
        }
    }
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
}

/* tt__dw4_taps with the common windows as constants: whole 3x3, 5x5, 7x7 windows and the border windows of a 3x3. */
static TT_ALWAYS_INLINE void tt__dw4_window(const int8_t *px, int32_t in_row, int32_t c, const int32_t *wt,
                                            int32_t w_row2, int32_t rows, int32_t cols, int xmode, int32_t zz,
                                            int32_t a[4])
{
    if (!TT_SPECIALISE) {
        tt__dw4_taps(px, in_row, c, wt, w_row2, rows, cols, xmode, zz, a);
    } else if (rows == 3 && cols == 3) {
        tt__dw4_taps(px, in_row, c, wt, w_row2, 3, 3, xmode, zz, a);
    } else if (rows == 5 && cols == 5) {
        tt__dw4_taps(px, in_row, c, wt, w_row2, 5, 5, xmode, zz, a);
    } else if (rows == 7 && cols == 7) {
        tt__dw4_taps(px, in_row, c, wt, w_row2, 7, 7, xmode, zz, a);
    } else if (rows == 2 && cols == 3) {
        tt__dw4_taps(px, in_row, c, wt, w_row2, 2, 3, xmode, zz, a);
    } else if (rows == 3 && cols == 2) {
        tt__dw4_taps(px, in_row, c, wt, w_row2, 3, 2, xmode, zz, a);
    } else if (rows == 2 && cols == 2) {
        tt__dw4_taps(px, in_row, c, wt, w_row2, 2, 2, xmode, zz, a);
    } else {
        tt__dw4_taps(px, in_row, c, wt, w_row2, rows, cols, xmode, zz, a);
    }
}

/* The four sums of a group at one position requantized and stored (summed biases), with their mask bits when
   mask_off >= 0; the layer's constants as arguments, so that they are not read again after each store. */
static TT_ALWAYS_INLINE void tt__dw4_store(int8_t *arena, int32_t mask_off, int32_t y_zero, const int32_t a[4],
                                           const float e[4], int8_t *y, int32_t out_index)
{
    uint32_t bits = tt__requant_store_summed(y, a[0], e[0], y_zero);
    bits |= tt__requant_store_summed(y + 1, a[1], e[1], y_zero) << 1;
    bits |= tt__requant_store_summed(y + 2, a[2], e[2], y_zero) << 2;
    bits |= tt__requant_store_summed(y + 3, a[3], e[3], y_zero) << 3;
    if (mask_off >= 0) {
        tt__or_mask_bits(arena, mask_off, out_index, bits, 4);
    }
}

/* A run of n positions of one output row whose windows are whole (k_h x k_w, constants where inlined): the zero
   point folded into kf, the input window moving by step bytes per position. */
static TT_ALWAYS_INLINE void tt__dw4_run(const tt__dw_args *d, const int8_t *px, int32_t step, const int32_t *wx,
                                         int32_t k_h, int32_t k_w, const int32_t kf[4], const float e[4], int8_t *y,
                                         int32_t out_index, int32_t n)
{
    const int32_t c = d->c, in_row = d->in_row, mask_off = d->mask_off, y_zero = d->y_zero;
    int8_t *const arena = d->arena;
    const int32_t kf0 = kf[0], kf1 = kf[1], kf2 = kf[2], kf3 = kf[3];
    int32_t k;
    for (k = 0; k < n; k++, px += step, y += c, out_index += c) {
        int32_t a[4];
        a[0] = kf0;
        a[1] = kf1;
        a[2] = kf2;
        a[3] = kf3;
        tt__dw4_taps(px, in_row, c, wx, 2 * k_w, k_h, k_w, 0, 0, a);
        tt__dw4_store(arena, mask_off, y_zero, a, e, y, out_index);
    }
}

/*
 * The channels [0, d->blocked) of a depthwise conv with a whole weight and summed biases (mode: tt__biases_summable,
 * a constant), channel group by channel group: each group's weights widened once into a table on the stack, its
 * biases, scales and x_zero * sum w read once; then every output position in order, each row's whole windows in one
 * run that sums the raw x from bias - x_zero * sum w (the folded zero point, exact in int32), its border windows
 * subtracting the zero point per tap (flip: x_zero == -128). windows: the common window sizes as constants (unrolled
 * taps). The caller checked that this order reads what the NHWC order reads.
 */
static TT_ALWAYS_INLINE void tt__dw_channel_major(const tt__dw_args *d, const int8_t *in, const int8_t *w,
                                                  int32_t in_h, int32_t in_w, int32_t k_h, int32_t k_w,
                                                  int32_t stride, int32_t pad_top, int32_t pad_left, int32_t out_off,
                                                  int32_t out_h, int32_t out_w, int mode, int flip, int windows)
{
    const int32_t c = d->c, in_row = d->in_row, taps = k_h * k_w, x_zero = d->x_zero;
    const int32_t zz = (int32_t)(((uint32_t)x_zero & 0xFFFFu) | ((uint32_t)x_zero << 16));
    /* the output columns whose windows lie inside the input's columns: [ox_lo, ox_hi) */
    const int32_t ox_lo = (pad_left + stride - 1) / stride;
    const int32_t ox_hi_raw = in_w - k_w + pad_left >= 0 ? (in_w - k_w + pad_left) / stride + 1 : 0;
    const int32_t ox_hi = ox_hi_raw < out_w ? ox_hi_raw : out_w;
    int32_t wx[2 * TT_DW_MAX_TAPS];
    int32_t ch;
    for (ch = 0; ch < d->blocked; ch += 4) {
        int32_t k[4], kf[4], t, j, oy, ox;
        float e[4];
        for (j = 0; j < 4; j++) {
            int32_t sum = 0;
            for (t = 0; t < taps; t++) {
                sum += w[t * c + ch + j];
            }
            k[j] = tt__summed_bias(d->bias_q[ch + j], mode);
            kf[j] = k[j] - x_zero * sum;
            e[j] = d->eff[ch + j];
        }
        for (t = 0; t < taps; t++) {
            const int8_t *wt = w + t * c + ch;
            wx[2 * t] = (int32_t)(((uint32_t)(uint16_t)(int16_t)wt[0]) | ((uint32_t)(int32_t)wt[2] << 16));
            wx[2 * t + 1] = (int32_t)(((uint32_t)(uint16_t)(int16_t)wt[1]) | ((uint32_t)(int32_t)wt[3] << 16));
        }
        for (oy = 0; oy < out_h; oy++) {
            const int32_t iy0 = oy * stride - pad_top;
            const int32_t i0 = iy0 < 0 ? -iy0 : 0;
            const int32_t i1 = k_h < in_h - iy0 ? k_h : in_h - iy0;
            const int32_t rows = i1 > i0 ? i1 - i0 : 0;
            const int whole_rows = rows == k_h;
            for (ox = 0; ox < out_w; ox++) {
                const int32_t ix0 = ox * stride - pad_left;
                const int32_t out_index = (oy * out_w + ox) * c + ch;
                int8_t *y = d->arena + out_off + out_index;
                if (whole_rows && ox == ox_lo && ox_lo < ox_hi) { /* the row's whole windows in one run */
                    const int8_t *px = in + iy0 * in_row + ix0 * c + ch;
                    const int32_t n = ox_hi - ox_lo;
                    if (!windows) {
                        tt__dw4_run(d, px, stride * c, wx, k_h, k_w, kf, e, y, out_index, n);
                    } else if (k_h == 3 && k_w == 3) {
                        tt__dw4_run(d, px, stride * c, wx, 3, 3, kf, e, y, out_index, n);
                    } else if (k_h == 5 && k_w == 5) {
                        tt__dw4_run(d, px, stride * c, wx, 5, 5, kf, e, y, out_index, n);
                    } else if (k_h == 7 && k_w == 7) {
                        tt__dw4_run(d, px, stride * c, wx, 7, 7, kf, e, y, out_index, n);
                    } else {
                        tt__dw4_run(d, px, stride * c, wx, k_h, k_w, kf, e, y, out_index, n);
                    }
                    ox = ox_hi - 1;
                } else {
                    const int32_t j0 = ix0 < 0 ? -ix0 : 0;
                    const int32_t j1 = k_w < in_w - ix0 ? k_w : in_w - ix0;
                    const int32_t cols = j1 > j0 ? j1 - j0 : 0;
                    const int8_t *px = in + (iy0 + i0) * in_row + (ix0 + j0) * c + ch;
                    int32_t a[4];
                    a[0] = k[0];
                    a[1] = k[1];
                    a[2] = k[2];
                    a[3] = k[3];
                    if (windows) {
                        tt__dw4_window(px, in_row, c, wx + 2 * (i0 * k_w + j0), 2 * k_w, rows, cols, flip ? 1 : 2,
                                       zz, a);
                    } else {
                        tt__dw4_taps(px, in_row, c, wx + 2 * (i0 * k_w + j0), 2 * k_w, rows, cols, flip ? 1 : 2, zz,
                                     a);
                    }
                    tt__dw4_store(d->arena, d->mask_off, d->y_zero, a, e, y, out_index);
                }
            }
        }
    }
}

/* The channels [d->blocked, c) of a depthwise conv one by one, every output position in order (after
   tt__dw_channel_major): the reference's sums and requantization. */
static void tt__dw_last_channels(const tt__dw_args *d, const tt_weight *weight, const int8_t *in, int32_t in_h,
                                 int32_t in_w, int32_t k_h, int32_t k_w, int32_t stride, int32_t pad_top,
                                 int32_t pad_left, int32_t out_off, int32_t out_h, int32_t out_w);

/*
 * The whole depthwise conv channel-major when that order pays and is allowed; 0 (nothing done) otherwise. Channel
 * group by channel group reads what the NHWC order reads when the output does not overlap the input, or overlaps it a
 * whole number of positions away (in_off - out_off a multiple of c): every output byte then lands on an input byte
 * of its own channel, so each channel sees the NHWC order's reads and writes. It pays on wide rows (long runs of
 * whole windows); on small maps the NHWC order's work shared by a position's channels wins. Out of line, with the
 * arguments by value: inlined, or given the caller's tt__dw_args by address, it slowed down tt_depthwise_conv's NHWC
 * loop (whose arguments could then no longer stay in registers across the stores).
 */
static TT_NOINLINE int tt__dw_channel_major_z(tt__dw_args args, const tt_weight *weight, int32_t in_off,
                                              int32_t in_h, int32_t in_w, int32_t k_h, int32_t k_w, int32_t stride,
                                              int32_t pad_top, int32_t pad_left, int32_t out_off, int32_t out_h,
                                              int32_t out_w)
{
    const tt__dw_args *const d = &args;
    const int32_t c = d->c, in_bytes = in_h * in_w * c, out_bytes = out_h * out_w * c;
    const int disjoint = out_off + out_bytes <= in_off || in_off + in_bytes <= out_off;
    const int8_t *in = d->arena + in_off;
    const int8_t *w;
    if (d->blocked == 0 || d->summed_bias == 0 || k_h * k_w > TT_DW_MAX_TAPS || out_w < TT_DW_WIDE_ROW ||
        !(disjoint || (in_off - out_off) % c == 0)) {
        return 0;
    }
    w = tt__whole(weight);
    if (TT_SPECIALISE && d->summed_bias == 1 && d->x_zero == -128) { /* the common layer: its windows as constants */
        tt__dw_channel_major(d, in, w, in_h, in_w, k_h, k_w, stride, pad_top, pad_left, out_off, out_h, out_w, 1, 1, 1);
    } else { /* one body for the rest (Flash) */
        tt__dw_channel_major(d, in, w, in_h, in_w, k_h, k_w, stride, pad_top, pad_left, out_off, out_h, out_w,
                             d->summed_bias, d->x_zero == -128, 0);
    }
    if (d->blocked < c) {
        tt__dw_last_channels(d, weight, in, in_h, in_w, k_h, k_w, stride, pad_top, pad_left, out_off, out_h, out_w);
    }
    return 1;
}

static void tt__dw_last_channels(const tt__dw_args *d, const tt_weight *weight, const int8_t *in, int32_t in_h,
                                 int32_t in_w, int32_t k_h, int32_t k_w, int32_t stride, int32_t pad_top,
                                 int32_t pad_left, int32_t out_off, int32_t out_h, int32_t out_w)
{
    const int32_t c = d->c, in_row = d->in_row;
    int32_t oy, ox, ch;
    for (oy = 0; oy < out_h; oy++) {
        const int32_t iy0 = oy * stride - pad_top;
        const int32_t i0 = iy0 < 0 ? -iy0 : 0;
        const int32_t i1 = k_h < in_h - iy0 ? k_h : in_h - iy0;
        for (ox = 0; ox < out_w; ox++) {
            const int32_t ix0 = ox * stride - pad_left;
            const int32_t j0 = ix0 < 0 ? -ix0 : 0;
            const int32_t j1 = k_w < in_w - ix0 ? k_w : in_w - ix0;
            const int32_t out_index = (oy * out_w + ox) * c;
            for (ch = d->blocked; ch < c; ch++) {
                const float b = d->bias_f != 0 ? d->bias_f[ch] : (float)d->bias_q[ch];
                int32_t ws, acc = 0, i, j;
                const int8_t *wc = tt__channel_base(weight, ch, c, &ws); /* tap t of channel ch: wc[t * ws] */
                uint32_t bit;
                for (i = i0; i < i1; i++) {
                    for (j = j0; j < j1; j++) {
                        acc += ((int32_t)in[(iy0 + i) * in_row + (ix0 + j) * c + ch] - d->x_zero) *
                               wc[(i * k_w + j) * ws];
                    }
                }
                bit = tt__requant_store(d->arena + out_off + out_index + ch, acc, b, d->eff[ch], d->y_zero);
                if (d->mask_off >= 0) {
                    tt__or_mask_bits(d->arena, d->mask_off, out_index + ch, bit, 1);
                }
            }
        }
    }
}

void tt_depthwise_conv(int8_t *arena, int32_t in_off, int32_t in_h, int32_t in_w, int32_t c, int32_t x_zero,
                       const tt_weight *weight, int32_t k_h, int32_t k_w, int32_t stride, int32_t pad_top,
                       int32_t pad_left, const int32_t *bias_q, const float *bias_f, const float *eff, int32_t y_zero,
                       int32_t out_off, int32_t out_h, int32_t out_w, int32_t mask_off)
{
    const int8_t *in = arena + in_off;
    /* a split weight's channels live in two parts: every channel goes through the one-channel loop */
    const int32_t blocked = weight->slot == 0 ? c & ~3 : 0;
    const int8_t *w = weight->slot == 0 ? tt__whole(weight) : 0;
    const int32_t in_row = in_w * c;
    const int32_t w_row = k_w * c;
    int32_t oy, ox, ch, out_index = 0;
    tt__dw_args d;

    TT_ASSERT(arena != 0 && weight != 0 && eff != 0 && (bias_q == 0) != (bias_f == 0));
    TT_ASSERT(in_h >= 1 && in_w >= 1 && c >= 1 && k_h >= 1 && k_w >= 1 && stride >= 1 && pad_top >= 0);
    TT_ASSERT(pad_left >= 0 && out_h >= 1 && out_w >= 1 && (int64_t)k_h * k_w <= TT_MAX_INT_TERMS);
    TT_ASSERT(x_zero >= TT_INT8_MIN && x_zero <= TT_INT8_MAX && y_zero >= TT_INT8_MIN && y_zero <= TT_INT8_MAX);

    d.arena = arena;
    d.c = c;
    d.blocked = blocked;
    d.in_row = in_row;
    d.w_row = w_row;
    d.x_zero = x_zero;
    d.y_zero = y_zero;
    d.mask_off = mask_off;
    d.bias_q = bias_q;
    d.bias_f = bias_f;
    d.eff = eff;
    d.summed_bias = k_h * k_w <= TT_EXACT_F32_TERMS ? tt__biases_summable(bias_q, c) : 0;
    if (mask_off >= 0) {
        tt__clear_mask(arena, mask_off, out_h * out_w * c);
    }
    if (tt__dw_channel_major_z(d, weight, in_off, in_h, in_w, k_h, k_w, stride, pad_top, pad_left, out_off, out_h,
                               out_w)) {
        return;
    }
    /* outputs in NHWC order, each block of channels written after its taps were read: the order an in-place
       depthwise relies on (see tt_conv2d) */
    for (oy = 0; oy < out_h; oy++) {
        const int32_t iy0 = oy * stride - pad_top;
        const int32_t i0 = iy0 < 0 ? -iy0 : 0;
        const int32_t i1 = k_h < in_h - iy0 ? k_h : in_h - iy0;
        for (ox = 0; ox < out_w; ox++) {
            const int32_t ix0 = ox * stride - pad_left;
            const int32_t j0 = ix0 < 0 ? -ix0 : 0;
            const int32_t j1 = k_w < in_w - ix0 ? k_w : in_w - ix0;
            const int32_t rows = i1 > i0 ? i1 - i0 : 0;
            const int32_t cols = j1 > j0 ? j1 - j0 : 0;
            const int8_t *px = in + (iy0 + i0) * in_row + (ix0 + j0) * c;
            int8_t *y = arena + out_off + out_index;
            if (blocked > 0) {
                const int8_t *pw = w + i0 * w_row + j0 * c;
                if (mask_off >= 0) {
                    tt__dw_position(&d, px, pw, rows, cols, y, out_index, 1, 0);
                } else if (d.summed_bias != 0) { /* the mode (1, or 2: a bias beyond +-2^24) read per channel */
                    tt__dw_position(&d, px, pw, rows, cols, y, out_index, 0, d.summed_bias);
                } else {
                    tt__dw_blocks(&d, px, pw, rows, cols, y, out_index, 0, 0, 0); /* float or large biases */
                }
            }
            ch = blocked;
            for (; ch < c; ch++) { /* the last c % 4 channels (all of a split weight) one by one */
                const float b = bias_f != 0 ? bias_f[ch] : (float)bias_q[ch];
                int32_t ws, acc = 0, i, j;
                const int8_t *wc = tt__channel_base(weight, ch, c, &ws); /* tap t of channel ch: wc[t * ws] */
                uint32_t bit;
                for (i = 0; i < rows; i++) {
                    for (j = 0; j < cols; j++) {
                        acc += ((int32_t)px[i * in_row + j * c + ch] - x_zero) * wc[((i0 + i) * k_w + j0 + j) * ws];
                    }
                }
                bit = tt__requant_store(y + ch, acc, b, eff[ch], y_zero);
                if (mask_off >= 0) {
                    tt__or_mask_bits(arena, mask_off, out_index + ch, bit, 1);
                }
            }
            out_index += c;
        }
    }
}

void tt_quantized_add(int8_t *arena, int32_t a_off, int32_t a_zero, float a_scale,
                      int32_t b_off, int32_t b_zero, float b_scale, int32_t count,
                      int32_t y_zero, float y_scale, int32_t out_off, int32_t mask_off)
{
    int32_t i;
    TT_ASSERT(arena != 0 && count >= 0);
    TT_ASSERT(a_zero >= TT_INT8_MIN && a_zero <= TT_INT8_MAX && b_zero >= TT_INT8_MIN && b_zero <= TT_INT8_MAX);
    TT_ASSERT(y_zero >= TT_INT8_MIN && y_zero <= TT_INT8_MAX);
    if (mask_off >= 0) {
        tt__clear_mask(arena, mask_off, count);
    }
    /* tt__round_bounded(sum / y_scale) + y_zero stored by tt__store is tt__requant_scaled(sum / y_scale); the mask
       bits in runs of up to 24 */
    if (mask_off < 0) {
        for (i = 0; i < count; i++) {
            const float a = (float)((int32_t)arena[a_off + i] - a_zero) * a_scale;
            const float b = (float)((int32_t)arena[b_off + i] - b_zero) * b_scale;
            (void)tt__requant_scaled(arena + out_off + i, (a + b) / y_scale, y_zero);
        }
        return;
    }
    {
        uint32_t bits = 0;
        int32_t run = 0;
        for (i = 0; i < count; i++) {
            const float a = (float)((int32_t)arena[a_off + i] - a_zero) * a_scale;
            const float b = (float)((int32_t)arena[b_off + i] - b_zero) * b_scale;
            bits |= tt__requant_scaled(arena + out_off + i, (a + b) / y_scale, y_zero) << (i - run);
            if (i + 1 - run == 24 || i + 1 == count) {
                tt__or_mask_bits(arena, mask_off, run, bits, i + 1 - run);
                bits = 0;
                run = i + 1;
            }
        }
    }
}

void tt_global_avg_pool(int8_t *arena, int32_t in_off, int32_t h, int32_t w, int32_t c, int32_t out_off)
{
    const int32_t pixels = h * w;
    const float divisor = (float)pixels;
    int32_t ch, k;
    TT_ASSERT(arena != 0 && h >= 1 && w >= 1 && c >= 1);
    for (ch = 0; ch < c; ch++) {
        const int8_t *p = arena + in_off + ch;
        float mean;
        int32_t v;
        if (pixels <= 16777216) { /* |sum| <= 128 * 2^24 = 2^31: exact in int32 */
            int32_t sum = 0;
            for (k = 0; k < pixels; k++) {
                sum += p[k * c];
            }
            mean = (float)sum / divisor;
        } else {
            int64_t sum = 0;
            for (k = 0; k < pixels; k++) {
                sum += p[k * c];
            }
            mean = (float)sum / divisor;
        }
        v = tt__round_bounded(mean);
        arena[out_off + ch] = (int8_t)(v < TT_INT8_MIN ? TT_INT8_MIN : (v > TT_INT8_MAX ? TT_INT8_MAX : v));
    }
}

void tt_dequantize(int8_t *arena, int32_t in_off, int32_t count, int32_t zero, float scale, int32_t out_off)
{
    int32_t i;
    TT_ASSERT(arena != 0 && count >= 0 && (out_off & 3) == 0);
    for (i = 0; i < count; i++) {
        tt_put_f32(arena, out_off + 4 * i, (float)((int32_t)arena[in_off + i] - zero) * scale);
    }
}

void tt_linear(int8_t *arena, int32_t in_off, int32_t k, const float *weight, const float *bias, int32_t n,
               int32_t out_off)
{
    int32_t nn, kk;
    TT_ASSERT(arena != 0 && weight != 0 && bias != 0 && k >= 0 && n >= 0);
    TT_ASSERT((in_off & 3) == 0 && (out_off & 3) == 0);
    for (nn = 0; nn < n; nn++) {
        const float *row = weight + nn * k;
        float acc = 0.0f;
        for (kk = 0; kk < k; kk++) {
            acc += tt_get_f32(arena, in_off + 4 * kk) * row[kk];
        }
        tt_put_f32(arena, out_off + 4 * nn, acc + bias[nn]);
    }
}

/* ======================================================================================================== */
/* Conv geometry                                                                                            */
/* ======================================================================================================== */

tt_conv_geom tt_conv_geom_of(int32_t in_h, int32_t in_w, int32_t in_c, int32_t out_c, int32_t k, int32_t stride,
                             int32_t groups)
{
    tt_conv_geom g;
    const int32_t p = (k - 1) / 2;
    g.in_h = in_h;
    g.in_w = in_w;
    g.in_c = in_c;
    g.out_h = (in_h + 2 * p - k) / stride + 1;
    g.out_w = (in_w + 2 * p - k) / stride + 1;
    g.out_c = out_c;
    g.k_h = k;
    g.k_w = k;
    g.stride_h = stride;
    g.stride_w = stride;
    g.pad_h = p;
    g.pad_w = p;
    g.groups = groups;
    return g;
}

/* ConvGeom.outputFits: the padding the last window reads beyond the input lies in (pad - stride, pad + 1] */
static int tt__output_fits(int32_t in, int32_t out, int32_t k, int32_t stride, int32_t pad)
{
    int64_t end = (int64_t)(out - 1) * stride + k - pad - in;
    return out >= 1 && end > pad - stride && end <= pad + 1;
}

int tt_conv_geom_valid(const tt_conv_geom *g)
{
    if (g->in_h <= 0 || g->in_w <= 0 || g->in_c <= 0 || g->out_c <= 0 || g->k_h <= 0 || g->k_w <= 0
            || g->stride_h <= 0 || g->stride_w <= 0 || g->pad_h < 0 || g->pad_w < 0 || g->groups <= 0) {
        return 0;
    }
    if (g->in_c % g->groups != 0 || g->out_c % g->groups != 0) {
        return 0;
    }
    if (g->in_h + 2 * g->pad_h < g->k_h || g->in_w + 2 * g->pad_w < g->k_w) {
        return 0;
    }
    return tt__output_fits(g->in_h, g->out_h, g->k_h, g->stride_h, g->pad_h)
           && tt__output_fits(g->in_w, g->out_w, g->k_w, g->stride_w, g->pad_w);
}

int tt_conv_geom_depthwise(const tt_conv_geom *g)
{
    return g->groups == g->in_c && g->groups == g->out_c;
}

int32_t tt_conv_geom_in_per_group(const tt_conv_geom *g)
{
    return g->in_c / g->groups;
}

int32_t tt_conv_geom_out_per_group(const tt_conv_geom *g)
{
    return g->out_c / g->groups;
}

int32_t tt_conv_geom_weight_count(const tt_conv_geom *g)
{
    return tt_conv_geom_depthwise(g) ? g->k_h * g->k_w * g->in_c : g->out_c * g->k_h * g->k_w * (g->in_c / g->groups);
}

int32_t tt_conv_geom_out_positions(const tt_conv_geom *g)
{
    return g->out_h * g->out_w;
}

int32_t tt_conv_geom_weight_index(const tt_conv_geom *g, int32_t o, int32_t kh, int32_t kw, int32_t i)
{
    if (tt_conv_geom_depthwise(g)) {
        return (kh * g->k_w + kw) * g->out_c + o;
    }
    return ((o * g->k_h + kh) * g->k_w + kw) * (g->in_c / g->groups) + i;
}

int32_t tt_conv_geom_channel_workspace_floats(const tt_conv_geom *g, const int32_t *channels, int32_t n_channels)
{
    if (tt_conv_geom_depthwise(g)) {
        return g->k_h * g->k_w;
    }
    return g->k_h * g->k_w * (channels == 0 ? g->in_c / g->groups : n_channels);
}

/* ======================================================================================================== */
/* Backward                                                                                                 */
/* ======================================================================================================== */

void tt_apply_clamp_mask(int8_t *arena, int32_t src_off, int32_t mask_off, int32_t dst_off, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        tt_put_f32(arena, dst_off + 4 * i, tt_get_mask_bit(arena, mask_off, i) ? tt_get_f32(arena, src_off + 4 * i) : 0.0f);
    }
}

void tt_mask_and_scale_output_grad(int8_t *arena, int32_t g_off, int32_t mask_off, const float *eff,
                                   int32_t positions, int32_t channels, int32_t dst_off)
{
    int32_t p, o;
    for (p = 0; p < positions; p++) {
        const int32_t base = p * channels;
        for (o = 0; o < channels; o++) {
            const int32_t i = base + o;
            const float v = tt_get_mask_bit(arena, mask_off, i) ? tt_get_f32(arena, g_off + 4 * i) * eff[o] : 0.0f;
            tt_put_f32(arena, dst_off + 4 * i, v);
        }
    }
}

void tt_conv_input_grad(int8_t *arena, int32_t g_off, const int8_t *weight, const tt_conv_geom *geom,
                        int32_t dx_off, int accumulate)
{
    tt_weight w;
    w.frozen = weight;
    w.trained = 0;
    w.n_frozen = 0;
    w.n_trained = 0;
    w.frozen_ch = 0;
    w.trained_ch = 0;
    w.slot = 0;
    tt_conv_input_grad_p(arena, g_off, &w, geom, dx_off, accumulate);
}

void tt_conv_input_grad_p(int8_t *arena, int32_t g_off, const tt_weight *weight, const tt_conv_geom *geom,
                          int32_t dx_off, int accumulate)
{
    const int32_t in_w = geom->in_w, in_c = geom->in_c, out_h = geom->out_h, out_w = geom->out_w;
    const int32_t out_c = geom->out_c, k_h = geom->k_h, k_w = geom->k_w;
    const int32_t s_h = geom->stride_h, s_w = geom->stride_w;
    const int32_t cin_pg = tt_conv_geom_in_per_group(geom), cout_pg = tt_conv_geom_out_per_group(geom);
    const int dw = tt_conv_geom_depthwise(geom);
    int32_t iy, ix, c, kh, kw, o;
    TT_ASSERT(tt_conv_geom_valid(geom));
    for (iy = 0; iy < geom->in_h; iy++) {
        for (ix = 0; ix < in_w; ix++) {
            const int32_t dx_base = (iy * in_w + ix) * in_c;
            for (c = 0; c < in_c; c++) {
                const int32_t gr = c / cin_pg;
                const int32_t ci = c - gr * cin_pg;
                const int32_t o_first = dw ? c : gr * cout_pg;
                const int32_t o_end = dw ? c + 1 : o_first + cout_pg;
                /* W[o, kh, kw, ci] = wc[((o*KH + kh)*KW + kw) * width] (dense), wc[(kh*KW + kw) * width] (depthwise) */
                int32_t width, w_stride;
                const int8_t *wc = tt__channel_base(weight, dw ? c : ci, dw ? in_c : cin_pg, &width);
                float acc = 0.0f;
                int32_t e;
                w_stride = k_h * k_w * width; /* W[o, kh, kw, ci] -> W[o+1, kh, kw, ci] */
                for (kh = 0; kh < k_h; kh++) {
                    const int32_t ty = iy + geom->pad_h - kh;
                    int32_t oy;
                    if (ty < 0 || ty % s_h != 0) {
                        continue;
                    }
                    oy = ty / s_h;
                    if (oy >= out_h) {
                        continue;
                    }
                    for (kw = 0; kw < k_w; kw++) {
                        const int32_t tx = ix + geom->pad_w - kw;
                        int32_t ox, g_base, wi;
                        if (tx < 0 || tx % s_w != 0) {
                            continue;
                        }
                        ox = tx / s_w;
                        if (ox >= out_w) {
                            continue;
                        }
                        g_base = g_off + 4 * ((oy * out_w + ox) * out_c);
                        wi = (dw ? kh * k_w + kw : (o_first * k_h + kh) * k_w + kw) * width;
                        for (o = o_first; o < o_end; o++, wi += w_stride) {
                            acc = acc + (float)wc[wi] * tt_get_f32(arena, g_base + 4 * o);
                        }
                    }
                }
                e = dx_off + 4 * (dx_base + c);
                tt_put_f32(arena, e, accumulate ? tt_get_f32(arena, e) + acc : acc);
            }
        }
    }
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Fast backward variants: each float sum keeps the reference's order; only independent outputs are blocked.    */
/* ------------------------------------------------------------------------------------------------------------ */

/* Where channels c .. c+3 of a weight's last axis live (tt__channel_base each: split weights have two parts). */
static void tt__channel_bases4(const tt_weight *w, int32_t c, int32_t whole_width, const int8_t *base[4],
                               int32_t width[4])
{
    int32_t k;
    for (k = 0; k < 4; k++) {
        base[k] = tt__channel_base(w, c + k, whole_width, &width[k]);
    }
}

/* dx = accumulate ? dx + acc : acc, the reference's store. */
static inline void tt__put_grad(int8_t *arena, int32_t off, float acc, int accumulate)
{
    tt_put_f32(arena, off, accumulate ? tt_get_f32(arena, off) + acc : acc);
}

/* tt__put_grad of four consecutive floats at off. */
static inline void tt__put_grad4(int8_t *arena, int32_t off, float a0, float a1, float a2, float a3, int accumulate)
{
    tt__put_grad(arena, off, a0, accumulate);
    tt__put_grad(arena, off + 4, a1, accumulate);
    tt__put_grad(arena, off + 8, a2, accumulate);
    tt__put_grad(arena, off + 12, a3, accumulate);
}

/*
 * The float32 at p, an arena address whose offset is a multiple of 4 (every float tensor and scratch of a planned
 * arena is; the arena itself is 8-aligned): read and written with memcpy like tt_get_f32, but the compiler may
 * load it straight into a floating-point register (one VLDR instead of LDR and VMOV).
 */
#if defined(__GNUC__)
#define TT_ALIGNED4(p) __builtin_assume_aligned((p), 4)
#else
#define TT_ALIGNED4(p) (p)
#endif
static inline float tt__ldf(const int8_t *p)
{
    float v;
    memcpy(&v, TT_ALIGNED4(p), sizeof v);
    return v;
}

static inline void tt__stf(int8_t *p, float v)
{
    memcpy(TT_ALIGNED4(p), &v, sizeof v);
}

/*
 * acc + a * b with two roundings, the product's and the sum's, exactly as written. On the Cortex-M7 this is one
 * VMLA.F32: ARMv7's floating-point multiply-accumulate is not fused (unlike VFMA) -- it rounds the product, then
 * adds it to acc -- so it gives the bits of VMUL then VADD in one instruction; gcc's Cortex-M7 tuning never emits
 * it by itself. TT_PORTABLE (and every other target) keeps the C expression.
 */
#if defined(__ARM_FP) && (__ARM_FP & 4) && defined(__thumb2__) && !defined(TT_PORTABLE)
#define TT_VMLA 1
#endif
static inline float tt__mla(float acc, float a, float b)
{
#ifdef TT_VMLA
    __asm__("vmla.f32 %0, %1, %2" : "+t"(acc) : "t"(a), "t"(b));
    return acc;
#else
    return acc + a * b;
#endif
}

void tt_conv1x1_input_grad(int8_t *arena, int32_t g_off, const tt_weight *weight, const tt_conv_geom *geom,
                           int32_t dx_off, int accumulate)
{
    const int32_t in_h = geom->in_h, in_w = geom->in_w, in_c = geom->in_c;
    const int32_t out_h = geom->out_h, out_w = geom->out_w, out_c = geom->out_c;
    const int32_t s_h = geom->stride_h, s_w = geom->stride_w;
    const int32_t positions = out_h * out_w;
    int32_t iy, ix, p, c, o;

    TT_ASSERT(tt_conv_geom_valid(geom) && geom->k_h == 1 && geom->k_w == 1 && geom->groups == 1);
    TT_ASSERT(geom->pad_h == 0 && geom->pad_w == 0);
    /* inputs no output reads (stride > 1) get the reference's empty sum, +0 */
    if (s_h > 1 || s_w > 1 || (out_h - 1) * s_h + 1 < in_h || (out_w - 1) * s_w + 1 < in_w) {
        for (iy = 0; iy < in_h; iy++) {
            for (ix = 0; ix < in_w; ix++) {
                if (iy % s_h != 0 || ix % s_w != 0 || iy / s_h >= out_h || ix / s_w >= out_w) {
                    for (c = 0; c < in_c; c++) {
                        tt__put_grad(arena, dx_off + 4 * ((iy * in_w + ix) * in_c + c), 0.0f, accumulate);
                    }
                }
            }
        }
    }
    /* dx[p, c] = sum over o ascending of (float) w[o, c] * g[p, o]: four positions by four channels per pass
       (16 accumulators; fewer positions at the end repeat the last one, which is then not stored) */
    for (p = 0; p < positions; p += 4) {
        const int32_t np = positions - p < 4 ? positions - p : 4;
        int32_t gr[4], d[4], k;
        for (k = 0; k < 4; k++) {
            const int32_t q = p + (k < np ? k : np - 1);
            gr[k] = g_off + 4 * q * out_c;
            d[k] = dx_off + 4 * (((q / out_w) * s_h * in_w + (q % out_w) * s_w) * in_c);
        }
        for (c = 0; c + 4 <= in_c; c += 4) {
            const int8_t *wb[4];
            int32_t ww[4];
            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, b0 = 0.0f, b1 = 0.0f, b2 = 0.0f, b3 = 0.0f;
            float c0 = 0.0f, c1 = 0.0f, c2 = 0.0f, c3 = 0.0f, e0 = 0.0f, e1 = 0.0f, e2 = 0.0f, e3 = 0.0f;
            tt__channel_bases4(weight, c, in_c, wb, ww);
            for (o = 0; o < out_c; o++) {
                const float w0 = (float)wb[0][o * ww[0]], w1 = (float)wb[1][o * ww[1]];
                const float w2 = (float)wb[2][o * ww[2]], w3 = (float)wb[3][o * ww[3]];
                const float ga = tt__ldf(arena + gr[0] + 4 * o), gb = tt__ldf(arena + gr[1] + 4 * o);
                const float gc = tt__ldf(arena + gr[2] + 4 * o), ge = tt__ldf(arena + gr[3] + 4 * o);
                a0 = tt__mla(a0, w0, ga);
                a1 = tt__mla(a1, w1, ga);
                a2 = tt__mla(a2, w2, ga);
                a3 = tt__mla(a3, w3, ga);
                b0 = tt__mla(b0, w0, gb);
                b1 = tt__mla(b1, w1, gb);
                b2 = tt__mla(b2, w2, gb);
                b3 = tt__mla(b3, w3, gb);
                c0 = tt__mla(c0, w0, gc);
                c1 = tt__mla(c1, w1, gc);
                c2 = tt__mla(c2, w2, gc);
                c3 = tt__mla(c3, w3, gc);
                e0 = tt__mla(e0, w0, ge);
                e1 = tt__mla(e1, w1, ge);
                e2 = tt__mla(e2, w2, ge);
                e3 = tt__mla(e3, w3, ge);
            }
            tt__put_grad4(arena, d[0] + 4 * c, a0, a1, a2, a3, accumulate);
            if (np > 1) {
                tt__put_grad4(arena, d[1] + 4 * c, b0, b1, b2, b3, accumulate);
            }
            if (np > 2) {
                tt__put_grad4(arena, d[2] + 4 * c, c0, c1, c2, c3, accumulate);
            }
            if (np > 3) {
                tt__put_grad4(arena, d[3] + 4 * c, e0, e1, e2, e3, accumulate);
            }
        }
        for (; c < in_c; c++) { /* the last in_c % 4 channels, one position at a time */
            int32_t width;
            const int8_t *wc = tt__channel_base(weight, c, in_c, &width);
            for (k = 0; k < np; k++) {
                float a = 0.0f;
                for (o = 0; o < out_c; o++) {
                    a = a + (float)wc[o * width] * tt_get_f32(arena, gr[k] + 4 * o);
                }
                tt__put_grad(arena, d[k] + 4 * c, a, accumulate);
            }
        }
    }
}

/* Taps of the depthwise windows whose weights tt_depthwise_input_grad keeps as floats (5x5: 400 B of stack). */
#define TT_DW_GRAD_TAPS 25

/*
 * The taps k (ascending, step s) whose output o = (t - k) / s exists, for t = input index + padding: k = t - o*s
 * with 0 <= k < kernel, 0 <= o < outputs. Returns the first (the range is empty when it exceeds *last).
 */
static int32_t tt__tap_range(int32_t t, int32_t s, int32_t kernel, int32_t outputs, int32_t *last)
{
    int32_t lo = t - (outputs - 1) * s;
    if (lo < 0) {
        lo = 0;
    }
    *last = t < kernel - 1 ? t : kernel - 1;
    return s == 1 ? lo : lo + (t - lo) % s; /* the first k >= lo with (t - k) divisible by s */
}

void tt_depthwise_input_grad(int8_t *arena, int32_t g_off, const tt_weight *weight, const tt_conv_geom *geom,
                             int32_t dx_off, int accumulate)
{
    const int32_t in_h = geom->in_h, in_w = geom->in_w, c = geom->in_c;
    const int32_t out_h = geom->out_h, out_w = geom->out_w, k_h = geom->k_h, k_w = geom->k_w;
    const int32_t s_h = geom->stride_h, s_w = geom->stride_w;
    const int32_t taps = k_h * k_w;
    /* a block's weights as floats, [tap][4], when the window has at most TT_DW_GRAD_TAPS taps */
    float wf[TT_DW_GRAD_TAPS][4];
    int32_t iy, ix, ch, kh, kw, k, t;

    TT_ASSERT(tt_conv_geom_valid(geom) && tt_conv_geom_depthwise(geom));
    for (ch = 0; ch < c; ch += 4) {
        /* four channels per pass (fewer at the end) over the whole input */
        const int32_t nc = c - ch < 4 ? c - ch : 4;
        const int8_t *wb[4];
        int32_t ww[4];
        const int cached = nc == 4 && taps <= TT_DW_GRAD_TAPS;
        for (k = 0; k < nc; k++) {
            wb[k] = tt__channel_base(weight, ch + k, c, &ww[k]);
        }
        if (cached) {
            for (t = 0; t < taps; t++) {
                for (k = 0; k < 4; k++) {
                    wf[t][k] = (float)wb[k][t * ww[k]];
                }
            }
        }
        for (iy = 0; iy < in_h; iy++) {
            const int32_t ty = iy + geom->pad_h;
            int32_t kh_last;
            const int32_t kh_first = tt__tap_range(ty, s_h, k_h, out_h, &kh_last);
            for (ix = 0; ix < in_w; ix++) {
                const int32_t tx = ix + geom->pad_w;
                int32_t kw_last;
                const int32_t kw_first = tt__tap_range(tx, s_w, k_w, out_w, &kw_last);
                const int32_t dx = dx_off + 4 * ((iy * in_w + ix) * c + ch);
                float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
                /* the valid taps in the reference's order: kh, then kw, ascending */
                for (kh = kh_first; kh <= kh_last; kh += s_h) {
                    const int32_t oy = (ty - kh) / s_h;
                    for (kw = kw_first; kw <= kw_last; kw += s_w) {
                        const int32_t gp = g_off + 4 * ((oy * out_w + (tx - kw) / s_w) * c + ch);
                        const int32_t tap = kh * k_w + kw;
                        if (cached) {
                            a0 = a0 + wf[tap][0] * tt_get_f32(arena, gp);
                            a1 = a1 + wf[tap][1] * tt_get_f32(arena, gp + 4);
                            a2 = a2 + wf[tap][2] * tt_get_f32(arena, gp + 8);
                            a3 = a3 + wf[tap][3] * tt_get_f32(arena, gp + 12);
                        } else {
                            a0 = a0 + (float)wb[0][tap * ww[0]] * tt_get_f32(arena, gp);
                            if (nc > 1) {
                                a1 = a1 + (float)wb[1][tap * ww[1]] * tt_get_f32(arena, gp + 4);
                            }
                            if (nc > 2) {
                                a2 = a2 + (float)wb[2][tap * ww[2]] * tt_get_f32(arena, gp + 8);
                            }
                            if (nc > 3) {
                                a3 = a3 + (float)wb[3][tap * ww[3]] * tt_get_f32(arena, gp + 12);
                            }
                        }
                    }
                }
                tt__put_grad(arena, dx, a0, accumulate);
                if (nc > 1) {
                    tt__put_grad(arena, dx + 4, a1, accumulate);
                }
                if (nc > 2) {
                    tt__put_grad(arena, dx + 8, a2, accumulate);
                }
                if (nc > 3) {
                    tt__put_grad(arena, dx + 12, a3, accumulate);
                }
            }
        }
    }
}

static TT_ALWAYS_INLINE void tt__update_weight_element(int8_t *weight, float *master, int32_t store, int32_t idx,
                                                       float g, float qas_divisor, float lr, tt_rounding_mode mode,
                                                       uint32_t rng_key);

void tt_conv1x1_weight_grad_update(int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off,
                                   const tt_conv_geom *grad_geom, const tt_conv_geom *geom, const int32_t *channels,
                                   int32_t n_channels, int32_t ws_off, const tt_weight *weight, float *master,
                                   const float *qas_divisors, float lr, tt_rounding_mode mode, uint32_t rng_key)
{
    const int32_t in_w = grad_geom->in_w, n = grad_geom->in_c, out_c = grad_geom->out_c;
    const int32_t out_h = grad_geom->out_h, out_w = grad_geom->out_w;
    const int32_t s_h = grad_geom->stride_h, s_w = grad_geom->stride_w;
    const int32_t whole_c = geom->in_c; /* the weight's input channels (n of them train) */
    int8_t *dst = weight->trained;
    int32_t o, j, oy, ox, k, m;

    TT_ASSERT(tt_conv_geom_valid(grad_geom) && grad_geom->k_h == 1 && grad_geom->k_w == 1);
    TT_ASSERT(grad_geom->groups == 1 && grad_geom->pad_h == 0 && grad_geom->pad_w == 0 && geom->groups == 1);
    TT_ASSERT(dst != 0 && (mode != TT_ROUND_FLOAT_MASTER || master != 0));
    TT_ASSERT(n == (channels == 0 ? whole_c : n_channels));
    (void)n_channels; /* the sliced input's channel count, grad_geom->in_c */
    /*
     * Element (o, j) of the gradient is sum over (oy, ox) ascending of (float)(x[oy*s, ox*s, j] - x_zero) * g[oy, ox, o]
     * (the reference's sum); four j by four o per pass share the conversions of x and the loads of g, and each
     * element is applied as soon as it is summed (every element's update depends on its own gradient only). The
     * workspace ends as the reference leaves it: the gradient of the last output channel.
     */
    for (j = 0; j < n; j += 4) {
        const int32_t nj = n - j < 4 ? n - j : 4;
        int32_t jj[4];
        for (k = 0; k < 4; k++) {
            jj[k] = j + (k < nj ? k : nj - 1); /* missing ones repeat the last: summed, not stored */
        }
        for (o = 0; o < out_c; o += 4) {
            const int32_t no = out_c - o < 4 ? out_c - o : 4;
            int32_t oo[4];
            /* a<j><o>: 16 accumulators in registers (the M7 has 32 single-precision registers) */
            float a00 = 0.0f, a01 = 0.0f, a02 = 0.0f, a03 = 0.0f, a10 = 0.0f, a11 = 0.0f, a12 = 0.0f, a13 = 0.0f;
            float a20 = 0.0f, a21 = 0.0f, a22 = 0.0f, a23 = 0.0f, a30 = 0.0f, a31 = 0.0f, a32 = 0.0f, a33 = 0.0f;
            float acc[4][4];
            int32_t gp = g_off;
            for (k = 0; k < 4; k++) {
                oo[k] = 4 * (o + (k < no ? k : no - 1));
            }
            for (oy = 0; oy < out_h; oy++) {
                const int8_t *xr = arena + x_off + oy * s_h * in_w * n;
                for (ox = 0; ox < out_w; ox++, gp += 4 * out_c) {
                    const int8_t *xp = xr + ox * s_w * n;
                    const float x0 = (float)((int32_t)xp[jj[0]] - x_zero), x1 = (float)((int32_t)xp[jj[1]] - x_zero);
                    const float x2 = (float)((int32_t)xp[jj[2]] - x_zero), x3 = (float)((int32_t)xp[jj[3]] - x_zero);
                    const float g0 = tt_get_f32(arena, gp + oo[0]), g1 = tt_get_f32(arena, gp + oo[1]);
                    const float g2 = tt_get_f32(arena, gp + oo[2]), g3 = tt_get_f32(arena, gp + oo[3]);
                    a00 = a00 + x0 * g0;
                    a01 = a01 + x0 * g1;
                    a02 = a02 + x0 * g2;
                    a03 = a03 + x0 * g3;
                    a10 = a10 + x1 * g0;
                    a11 = a11 + x1 * g1;
                    a12 = a12 + x1 * g2;
                    a13 = a13 + x1 * g3;
                    a20 = a20 + x2 * g0;
                    a21 = a21 + x2 * g1;
                    a22 = a22 + x2 * g2;
                    a23 = a23 + x2 * g3;
                    a30 = a30 + x3 * g0;
                    a31 = a31 + x3 * g1;
                    a32 = a32 + x3 * g2;
                    a33 = a33 + x3 * g3;
                }
            }
            acc[0][0] = a00;
            acc[0][1] = a01;
            acc[0][2] = a02;
            acc[0][3] = a03;
            acc[1][0] = a10;
            acc[1][1] = a11;
            acc[1][2] = a12;
            acc[1][3] = a13;
            acc[2][0] = a20;
            acc[2][1] = a21;
            acc[2][2] = a22;
            acc[2][3] = a23;
            acc[3][0] = a30;
            acc[3][1] = a31;
            acc[3][2] = a32;
            acc[3][3] = a33;
            for (m = 0; m < no; m++) {
                const int32_t oc = o + m;
                const float div = qas_divisors == 0 ? 1.0f : qas_divisors[oc];
                for (k = 0; k < nj; k++) {
                    const int32_t ci = channels == 0 ? j + k : channels[j + k];
                    const int32_t idx = oc * whole_c + ci;
                    const int32_t store = weight->slot == 0 ? idx : oc * weight->n_trained + weight->slot[ci];
                    TT_ASSERT(weight->slot == 0 || weight->slot[ci] >= 0);
                    tt__update_weight_element(dst, master, store, idx, acc[k][m], div, lr, mode, rng_key);
                    if (oc == out_c - 1) {
                        tt_put_f32(arena, ws_off + 4 * (j + k), acc[k][m]);
                    }
                }
            }
        }
    }
}

float tt_conv_bias_grad_channel(const int8_t *arena, int32_t g_off, int32_t positions, int32_t channels, int32_t o)
{
    float acc = 0.0f;
    int32_t p;
    for (p = 0; p < positions; p++) {
        acc = acc + tt_get_f32(arena, g_off + 4 * (p * channels + o));
    }
    return acc;
}

void tt_conv_bias_grad(int8_t *arena, int32_t g_off, int32_t positions, int32_t channels, int32_t db_off)
{
    int32_t o;
    for (o = 0; o < channels; o++) {
        tt_put_f32(arena, db_off + 4 * o, tt_conv_bias_grad_channel(arena, g_off, positions, channels, o));
    }
}

/* One weight-gradient element dW[o, kh, kw, *] for absolute input channel cin (weightGradElement). */
static float tt__weight_grad_element(const int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off,
                                     const tt_conv_geom *geom, int32_t o, int32_t kh, int32_t kw, int32_t cin)
{
    const int32_t in_h = geom->in_h, in_w = geom->in_w, in_c = geom->in_c, out_w = geom->out_w;
    const int32_t out_c = geom->out_c;
    float acc = 0.0f;
    int32_t oy, ox;
    for (oy = 0; oy < geom->out_h; oy++) {
        const int32_t iy = oy * geom->stride_h + kh - geom->pad_h;
        if (iy < 0 || iy >= in_h) {
            continue;
        }
        for (ox = 0; ox < out_w; ox++) {
            const int32_t ix = ox * geom->stride_w + kw - geom->pad_w;
            float xv;
            if (ix < 0 || ix >= in_w) {
                continue;
            }
            xv = (float)((int32_t)arena[x_off + (iy * in_w + ix) * in_c + cin] - x_zero);
            acc = acc + xv * tt_get_f32(arena, g_off + 4 * ((oy * out_w + ox) * out_c + o));
        }
    }
    return acc;
}

int32_t tt_conv_weight_grad_channel(int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off,
                                    const tt_conv_geom *geom, int32_t o, const int32_t *channels,
                                    int32_t n_channels, int32_t ws_off)
{
    const int32_t k_h = geom->k_h, k_w = geom->k_w;
    int32_t kh, kw, j, n, cin_pg, c_base;
    TT_ASSERT(tt_conv_geom_valid(geom));
    if (tt_conv_geom_depthwise(geom)) {
        for (kh = 0; kh < k_h; kh++) {
            for (kw = 0; kw < k_w; kw++) {
                tt_put_f32(arena, ws_off + 4 * (kh * k_w + kw),
                           tt__weight_grad_element(arena, x_off, x_zero, g_off, geom, o, kh, kw, o));
            }
        }
        return k_h * k_w;
    }
    cin_pg = tt_conv_geom_in_per_group(geom);
    n = channels == 0 ? cin_pg : n_channels;
    c_base = (o / tt_conv_geom_out_per_group(geom)) * cin_pg;
    for (kh = 0; kh < k_h; kh++) {
        for (kw = 0; kw < k_w; kw++) {
            const int32_t row = (kh * k_w + kw) * n;
            for (j = 0; j < n; j++) {
                const int32_t ci = channels == 0 ? j : channels[j];
                tt_put_f32(arena, ws_off + 4 * (row + j),
                           tt__weight_grad_element(arena, x_off, x_zero, g_off, geom, o, kh, kw, c_base + ci));
            }
        }
    }
    return k_h * k_w * n;
}

void tt_conv_weight_grad(int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off, const tt_conv_geom *geom,
                         const int32_t *channels, int32_t n_channels, int32_t dw_off)
{
    const int32_t k_h = geom->k_h, k_w = geom->k_w;
    const int32_t count = tt_conv_geom_weight_count(geom);
    int32_t i, j, n, o, kh, kw, cin_pg;
    TT_ASSERT(tt_conv_geom_valid(geom));
    for (i = 0; i < count; i++) {
        tt_put_f32(arena, dw_off + 4 * i, 0.0f);
    }
    if (tt_conv_geom_depthwise(geom)) {
        n = channels == 0 ? geom->out_c : n_channels;
        for (j = 0; j < n; j++) {
            const int32_t c = channels == 0 ? j : channels[j];
            for (kh = 0; kh < k_h; kh++) {
                for (kw = 0; kw < k_w; kw++) {
                    tt_put_f32(arena, dw_off + 4 * tt_conv_geom_weight_index(geom, c, kh, kw, 0),
                               tt__weight_grad_element(arena, x_off, x_zero, g_off, geom, c, kh, kw, c));
                }
            }
        }
        return;
    }
    cin_pg = tt_conv_geom_in_per_group(geom);
    n = channels == 0 ? cin_pg : n_channels;
    for (o = 0; o < geom->out_c; o++) {
        const int32_t c_base = (o / tt_conv_geom_out_per_group(geom)) * cin_pg;
        for (kh = 0; kh < k_h; kh++) {
            for (kw = 0; kw < k_w; kw++) {
                for (j = 0; j < n; j++) {
                    const int32_t ci = channels == 0 ? j : channels[j];
                    tt_put_f32(arena, dw_off + 4 * tt_conv_geom_weight_index(geom, o, kh, kw, ci),
                               tt__weight_grad_element(arena, x_off, x_zero, g_off, geom, o, kh, kw, c_base + ci));
                }
            }
        }
    }
}

void tt_add_backward(int8_t *arena, int32_t g_off, int32_t n, float sy, float s1, float s2, int32_t dx1_off,
                     int32_t dx2_off)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        const float t = tt_get_f32(arena, g_off + 4 * i) / sy;
        const float d1 = t * s1;
        const float d2 = t * s2;
        if (dx1_off >= 0) {
            tt_put_f32(arena, dx1_off + 4 * i, d1);
        }
        if (dx2_off >= 0) {
            tt_put_f32(arena, dx2_off + 4 * i, d2);
        }
    }
}

void tt_avg_pool_backward(int8_t *arena, int32_t g_off, int32_t h, int32_t w, int32_t c, int32_t dx_off,
                          int accumulate)
{
    const float area = (float)(h * w);
    int32_t p, ch;
    for (p = 0; p < h * w; p++) {
        for (ch = 0; ch < c; ch++) {
            const float v = tt_get_f32(arena, g_off + 4 * ch) / area;
            const int32_t e = dx_off + 4 * (p * c + ch);
            tt_put_f32(arena, e, accumulate ? tt_get_f32(arena, e) + v : v);
        }
    }
}

void tt_dequantize_backward(int8_t *arena, int32_t g_off, int32_t n, float x_scale, int32_t dst_off)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        tt_put_f32(arena, dst_off + 4 * i, tt_get_f32(arena, g_off + 4 * i) * x_scale);
    }
}

void tt_linear_input_grad(int8_t *arena, int32_t g_off, const float *weight, int32_t out, int32_t in,
                          int32_t dx_off)
{
    int32_t i, j;
    for (i = 0; i < in; i++) {
        float acc = 0.0f;
        for (j = 0; j < out; j++) {
            acc = acc + tt_get_f32(arena, g_off + 4 * j) * weight[j * in + i];
        }
        tt_put_f32(arena, dx_off + 4 * i, acc);
    }
}

void tt_linear_weight_grad_row(int8_t *arena, int32_t g_off, int32_t x_off, int32_t in, int32_t j, int32_t ws_off)
{
    const float gj = tt_get_f32(arena, g_off + 4 * j);
    int32_t i;
    for (i = 0; i < in; i++) {
        tt_put_f32(arena, ws_off + 4 * i, gj * tt_get_f32(arena, x_off + 4 * i));
    }
}

void tt_linear_weight_grad(int8_t *arena, int32_t g_off, int32_t x_off, int32_t out, int32_t in, int32_t dw_off)
{
    int32_t j;
    for (j = 0; j < out; j++) {
        tt_linear_weight_grad_row(arena, g_off, x_off, in, j, dw_off + 4 * j * in);
    }
}

/* ======================================================================================================== */
/* Float32Math: exp and log from + - * / and bit manipulation only. Keep every parenthesisation.           */
/* ======================================================================================================== */

static float tt__bits_to_f32(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static uint32_t tt__f32_to_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* 2^e as a float, -126 <= e <= 127, from its bit pattern. */
static float tt__pow2(int32_t e)
{
    return tt__bits_to_f32((uint32_t)(e + 127) << 23);
}

#define TT_ROUND_MAGIC 0x1.8p23f
#define TT_LOG2E 0x1.715476p0f
#define TT_LN2_HI 0x1.62e4p-1f
#define TT_LN2_LO 0x1.7f7d1cp-20f
#define TT_EXP_P1 (1.0f / 6.0f)
#define TT_EXP_P2 (-1.0f / 360.0f)
#define TT_EXP_P3 (1.0f / 15120.0f)
#define TT_EXP_P4 (-1.0f / 604800.0f)
#define TT_LOG_L1 (2.0f / 3.0f)
#define TT_LOG_L2 (2.0f / 5.0f)
#define TT_LOG_L3 (2.0f / 7.0f)
#define TT_LOG_L4 (2.0f / 9.0f)
#define TT_EXP_HUGE 89.0f
#define TT_EXP_TINY (-104.0f)

float tt_expf(float x)
{
    float kf, hi, lo, r, t, c, y;
    int32_t k;
    if (x != x) {
        return x;
    }
    if (x > TT_EXP_HUGE) {
        return tt__bits_to_f32(0x7f800000u); /* +Infinity */
    }
    if (x < TT_EXP_TINY) {
        return 0.0f;
    }
    kf = (x * TT_LOG2E + TT_ROUND_MAGIC) - TT_ROUND_MAGIC;
    k = (int32_t)kf;
    hi = x - kf * TT_LN2_HI;
    lo = kf * TT_LN2_LO;
    r = hi - lo;
    t = r * r;
    c = r - t * (TT_EXP_P1 + t * (TT_EXP_P2 + t * (TT_EXP_P3 + t * TT_EXP_P4)));
    y = 1.0f - ((lo - (r * c) / (2.0f - c)) - hi);
    if (k >= -126) {
        if (k <= 127) {
            return y * tt__pow2(k);
        }
        return (y * 2.0f) * tt__pow2(127);
    }
    return (y * tt__pow2(k + 64)) * tt__pow2(-64);
}

float tt_logf(float x)
{
    int32_t k;
    uint32_t b, mb;
    float m, f, s, z, r, hfsq, dk;
    if (x != x || x < 0.0f) {
        return tt__bits_to_f32(0x7fc00000u); /* Java Float.NaN */
    }
    if (x == 0.0f) {
        return tt__bits_to_f32(0xff800000u); /* -Infinity */
    }
    if (x == tt__bits_to_f32(0x7f800000u)) {
        return x;
    }
    k = 0;
    b = tt__f32_to_bits(x);
    if (b < 0x00800000u) { /* subnormal */
        x = x * 0x1p25f;
        k = -25;
        b = tt__f32_to_bits(x);
    }
    k += (int32_t)(b >> 23) - 127;
    mb = b & 0x007fffffu;
    if (mb >= 0x3504f3u) {
        m = tt__bits_to_f32(mb | 0x3f000000u);
        k += 1;
    } else {
        m = tt__bits_to_f32(mb | 0x3f800000u);
    }
    f = m - 1.0f;
    s = f / (2.0f + f);
    z = s * s;
    r = z * (TT_LOG_L1 + z * (TT_LOG_L2 + z * (TT_LOG_L3 + z * TT_LOG_L4)));
    hfsq = (0.5f * f) * f;
    dk = (float)k;
    return dk * TT_LN2_HI - ((hfsq - (s * (hfsq + r) + dk * TT_LN2_LO)) - f);
}

/* ======================================================================================================== */
/* Loss                                                                                                     */
/* ======================================================================================================== */

float tt_softmax_cross_entropy(int8_t *arena, int32_t x_off, int32_t n, int32_t label, int32_t d_off)
{
    float xl, m, s, loss;
    int32_t i;
    TT_ASSERT(n >= 1 && label >= 0 && label < n);
    xl = tt_get_f32(arena, x_off + 4 * label);
    m = tt_get_f32(arena, x_off);
    for (i = 1; i < n; i++) {
        const float v = tt_get_f32(arena, x_off + 4 * i);
        if (v > m) {
            m = v;
        }
    }
    s = 0.0f;
    for (i = 0; i < n; i++) {
        const float e = tt_expf(tt_get_f32(arena, x_off + 4 * i) - m);
        tt_put_f32(arena, d_off + 4 * i, e);
        s = s + e;
    }
    loss = -((xl - m) - tt_logf(s));
    for (i = 0; i < n; i++) {
        float d = tt_get_f32(arena, d_off + 4 * i) / s;
        if (i == label) {
            d = d - 1.0f;
        }
        tt_put_f32(arena, d_off + 4 * i, d);
    }
    return loss;
}

/* ======================================================================================================== */
/* Counter RNG                                                                                              */
/* ======================================================================================================== */

uint32_t tt_rng_fmix32(uint32_t h)
{
    h ^= h >> 16;
    h = (uint32_t)(h * 0x85EBCA6Bu);
    h ^= h >> 13;
    h = (uint32_t)(h * 0xC2B2AE35u);
    h ^= h >> 16;
    return h;
}

uint32_t tt_rng_key(uint32_t seed, uint32_t step, uint32_t param_id)
{
    return tt_rng_fmix32(tt_rng_fmix32(tt_rng_fmix32(seed ^ 0x9E3779B9u) ^ step) ^ param_id);
}

uint32_t tt_rng_bits(uint32_t key, uint32_t index)
{
    return tt_rng_fmix32((uint32_t)(tt_rng_fmix32(key ^ index) + key));
}

float tt_rng_uniform(uint32_t key, uint32_t index)
{
    return (float)(tt_rng_bits(key, index) >> 8) * 0x1p-24f;
}

/* ======================================================================================================== */
/* Updates                                                                                                  */
/* ======================================================================================================== */

float tt_qas_bias_divisor(float eff, float y_scale)
{
    const float t = eff * y_scale;
    return t * t;
}

float tt_qas_weight_divisor(float eff, float y_scale, float x_scale)
{
    const float t = (eff * y_scale) / x_scale;
    return t * t;
}

void tt_qas_bias_divisors(const float *eff, int32_t n, float y_scale, float *out)
{
    int32_t o;
    for (o = 0; o < n; o++) {
        out[o] = tt_qas_bias_divisor(eff[o], y_scale);
    }
}

void tt_qas_weight_divisors(const float *eff, int32_t n, float y_scale, float x_scale, float *out)
{
    int32_t o;
    for (o = 0; o < n; o++) {
        out[o] = tt_qas_weight_divisor(eff[o], y_scale, x_scale);
    }
}

float tt_qas(float g, float divisor)
{
    return g / divisor;
}

/* floor(p) + (u < p - floor(p) ? 1 : 0), float32 (UpdateKernels.stochastic). floorf is exact. */
static float tt__stochastic(float p, float u)
{
    const float fl = floorf(p);
    const float frac = p - fl;
    return u < frac ? fl + 1.0f : fl;
}

static int8_t tt__saturate_weight(float q)
{
    if (q > 127.0f) {
        return 127;
    }
    if (q < -127.0f) {
        return -127;
    }
    return (int8_t)(int32_t)q;
}

static int32_t tt__saturate_int32(float q)
{
    if (q != q) {
        return 0;
    }
    if (q >= 0x1p31f) {
        return INT32_MAX;
    }
    if (q <= -0x1p31f) {
        return INT32_MIN;
    }
    return (int32_t)q;
}

int8_t tt_round_weight_nearest_even(float p)
{
    if (p != p) {
        return 0;
    }
    return tt__saturate_weight(rintf(p));
}

int8_t tt_round_weight_stochastic(float p, float u)
{
    if (p != p) {
        return 0;
    }
    return tt__saturate_weight(tt__stochastic(p, u));
}

int32_t tt_round_bias_nearest_even(float p)
{
    return tt__saturate_int32(rintf(p));
}

int32_t tt_round_bias_stochastic(float p, float u)
{
    if (p != p) {
        return 0;
    }
    return tt__saturate_int32(tt__stochastic(p, u));
}

/* Reads p, updates, stores one weight element (UpdateKernels.updateWeightElement). The element lives at `store`
   in weight (and master); the stochastic-rounding counter is its index in the whole weight, `idx`. */
static TT_ALWAYS_INLINE void tt__update_weight_element(int8_t *weight, float *master, int32_t store, int32_t idx,
                                                       float g, float qas_divisor, float lr, tt_rounding_mode mode,
                                                       uint32_t rng_key)
{
    const float gq = g / qas_divisor;
    switch (mode) {
    case TT_ROUND_NEAREST_EVEN:
        weight[store] = tt_round_weight_nearest_even(fmaf(-lr, gq, (float)weight[store]));
        break;
    case TT_ROUND_STOCHASTIC:
        weight[store] = tt_round_weight_stochastic(fmaf(-lr, gq, (float)weight[store]),
                                                   tt_rng_uniform(rng_key, (uint32_t)idx));
        break;
    case TT_ROUND_FLOAT_MASTER: {
        const float p = fmaf(-lr, gq, master[store]);
        master[store] = p;
        weight[store] = tt_round_weight_nearest_even(p);
        break;
    }
    default:
        TT_ASSERT(0 && "unknown rounding mode");
        break;
    }
}

void tt_update_conv_weight_channel(const int8_t *arena, int32_t ws_off, const tt_conv_geom *geom, int32_t o,
                                   const int32_t *channels, int32_t n_channels, int8_t *weight, float *master,
                                   float qas_divisor, float lr, tt_rounding_mode mode, uint32_t rng_key)
{
    tt_weight w;
    w.frozen = 0;
    w.trained = weight;
    w.n_frozen = 0;
    w.n_trained = 0;
    w.frozen_ch = 0;
    w.trained_ch = 0;
    w.slot = 0;
    tt_update_conv_weight_channel_p(arena, ws_off, geom, o, channels, n_channels, &w, master, qas_divisor, lr, mode,
                                    rng_key);
}

/*
 * The n elements of one weight row of a dense conv's output channel, j ascending: gradient ws[j], input channel
 * ci = channels[j] (j without a list), index base + ci, stored at base + ci or, split, at sbase + slot[ci].
 * tt__update_weight_element is inlined, with the mode a constant where the caller passes one.
 */
static TT_ALWAYS_INLINE void tt__update_weight_row(const int8_t *arena, int32_t ws_off, const int32_t *channels,
                                                   int32_t n, const int32_t *slot, int32_t base, int32_t sbase,
                                                   int8_t *dst, float *master, float qas_divisor, float lr,
                                                   tt_rounding_mode mode, uint32_t rng_key)
{
    int32_t j;
    for (j = 0; j < n; j++) {
        const int32_t ci = channels == 0 ? j : channels[j];
        const int32_t idx = base + ci;
        int32_t store = idx;
        if (slot != 0) {
            TT_ASSERT(slot[ci] >= 0);
            store = sbase + slot[ci];
        }
        tt__update_weight_element(dst, master, store, idx, tt_get_f32(arena, ws_off + 4 * j), qas_divisor, lr, mode,
                                  rng_key);
    }
}

void tt_update_conv_weight_channel_p(const int8_t *arena, int32_t ws_off, const tt_conv_geom *geom, int32_t o,
                                     const int32_t *channels, int32_t n_channels, const tt_weight *weight,
                                     float *master, float qas_divisor, float lr, tt_rounding_mode mode,
                                     uint32_t rng_key)
{
    const int32_t k_h = geom->k_h, k_w = geom->k_w;
    const int32_t *slot = weight->slot;
    const int32_t width = weight->n_trained;
    int8_t *dst = weight->trained;
    int32_t kh, kw, n;
    TT_ASSERT(dst != 0);
    TT_ASSERT(mode != TT_ROUND_FLOAT_MASTER || master != 0);
    if (tt_conv_geom_depthwise(geom)) {
        TT_ASSERT(slot == 0 || slot[o] >= 0);
        for (kh = 0; kh < k_h; kh++) {
            for (kw = 0; kw < k_w; kw++) {
                const float g = tt_get_f32(arena, ws_off + 4 * (kh * k_w + kw));
                const int32_t idx = tt_conv_geom_weight_index(geom, o, kh, kw, 0);
                const int32_t store = slot == 0 ? idx : (kh * k_w + kw) * width + slot[o];
                tt__update_weight_element(dst, master, store, idx, g, qas_divisor, lr, mode, rng_key);
            }
        }
        return;
    }
    n = channels == 0 ? tt_conv_geom_in_per_group(geom) : n_channels;
    for (kh = 0; kh < k_h; kh++) {
        for (kw = 0; kw < k_w; kw++) {
            const int32_t row = (kh * k_w + kw) * n;
            /* the elements' indices: tt_conv_geom_weight_index(geom, o, kh, kw, ci) = base + ci, and in split
               storage sbase + slot[ci] */
            const int32_t base = tt_conv_geom_weight_index(geom, o, kh, kw, 0);
            const int32_t sbase = ((o * k_h + kh) * k_w + kw) * width;
            switch (mode) { /* the mode as a constant in each loop */
            case TT_ROUND_NEAREST_EVEN:
                tt__update_weight_row(arena, ws_off + 4 * row, channels, n, slot, base, sbase, dst, master,
                                      qas_divisor, lr, TT_ROUND_NEAREST_EVEN, rng_key);
                break;
            case TT_ROUND_STOCHASTIC:
                tt__update_weight_row(arena, ws_off + 4 * row, channels, n, slot, base, sbase, dst, master,
                                      qas_divisor, lr, TT_ROUND_STOCHASTIC, rng_key);
                break;
            default:
                tt__update_weight_row(arena, ws_off + 4 * row, channels, n, slot, base, sbase, dst, master,
                                      qas_divisor, lr, mode, rng_key);
                break;
            }
        }
    }
}

void tt_update_conv_weight(const int8_t *arena, int32_t dw_off, const tt_conv_geom *geom, const int32_t *channels,
                           int32_t n_channels, int8_t *weight, float *master, const float *qas_divisors, float lr,
                           tt_rounding_mode mode, uint32_t rng_key)
{
    const int32_t k_h = geom->k_h, k_w = geom->k_w;
    int32_t kh, kw, j, n, o;
    TT_ASSERT(mode != TT_ROUND_FLOAT_MASTER || master != 0);
    if (tt_conv_geom_depthwise(geom)) {
        n = channels == 0 ? geom->out_c : n_channels;
        for (j = 0; j < n; j++) {
            const int32_t c = channels == 0 ? j : channels[j];
            const float div = qas_divisors == 0 ? 1.0f : qas_divisors[c];
            for (kh = 0; kh < k_h; kh++) {
                for (kw = 0; kw < k_w; kw++) {
                    const int32_t idx = tt_conv_geom_weight_index(geom, c, kh, kw, 0);
                    tt__update_weight_element(weight, master, idx, idx, tt_get_f32(arena, dw_off + 4 * idx), div, lr,
                                              mode, rng_key);
                }
            }
        }
        return;
    }
    n = channels == 0 ? tt_conv_geom_in_per_group(geom) : n_channels;
    for (o = 0; o < geom->out_c; o++) {
        const float div = qas_divisors == 0 ? 1.0f : qas_divisors[o];
        for (kh = 0; kh < k_h; kh++) {
            for (kw = 0; kw < k_w; kw++) {
                for (j = 0; j < n; j++) {
                    const int32_t idx = tt_conv_geom_weight_index(geom, o, kh, kw, channels == 0 ? j : channels[j]);
                    tt__update_weight_element(weight, master, idx, idx, tt_get_f32(arena, dw_off + 4 * idx), div, lr,
                                              mode, rng_key);
                }
            }
        }
    }
}

void tt_update_bias_channel(float grad, int32_t o, int32_t *bias, float *master, float qas_divisor, float lr,
                            tt_rounding_mode mode, uint32_t rng_key)
{
    const float gq = grad / qas_divisor;
    switch (mode) {
    case TT_ROUND_NEAREST_EVEN:
        TT_ASSERT(bias != 0);
        bias[o] = tt_round_bias_nearest_even(fmaf(-lr, gq, (float)bias[o]));
        break;
    case TT_ROUND_STOCHASTIC:
        TT_ASSERT(bias != 0);
        bias[o] = tt_round_bias_stochastic(fmaf(-lr, gq, (float)bias[o]), tt_rng_uniform(rng_key, (uint32_t)o));
        break;
    case TT_ROUND_FLOAT_MASTER: {
        float p;
        TT_ASSERT(master != 0);
        p = fmaf(-lr, gq, master[o]);
        master[o] = p;
        if (bias != 0) {
            bias[o] = tt_round_bias_nearest_even(p);
        }
        break;
    }
    default:
        TT_ASSERT(0 && "unknown rounding mode");
        break;
    }
}

void tt_update_bias(const int8_t *arena, int32_t db_off, int32_t n, int32_t *bias, float *master,
                    const float *qas_divisors, float lr, tt_rounding_mode mode, uint32_t rng_key)
{
    int32_t o;
    for (o = 0; o < n; o++) {
        tt_update_bias_channel(tt_get_f32(arena, db_off + 4 * o), o, bias, master,
                               qas_divisors == 0 ? 1.0f : qas_divisors[o], lr, mode, rng_key);
    }
}

void tt_sgd_float(float *param, int32_t p_off, const int8_t *arena, int32_t g_off, int32_t n, float lr)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        param[p_off + i] = fmaf(-lr, tt_get_f32(arena, g_off + 4 * i), param[p_off + i]);
    }
}

void tt_master_of_weights(const int8_t *weight, int32_t n, float *master)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        master[i] = (float)weight[i];
    }
}

void tt_master_of_biases(const int32_t *bias, int32_t n, float *master)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        master[i] = (float)bias[i];
    }
}

/* ======================================================================================================== */
/* Training-step ops (StepKernels)                                                                          */
/* ======================================================================================================== */

void tt_add_f32(int8_t *arena, int32_t a_off, int32_t b_off, int32_t n, int32_t out_off)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        tt_put_f32(arena, out_off + 4 * i, tt_get_f32(arena, a_off + 4 * i) + tt_get_f32(arena, b_off + 4 * i));
    }
}

void tt_add_grad(int8_t *arena, int32_t g_off, int32_t mask_off, int32_t n, float sy, float sx, int32_t dx_off)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        const float g = tt_get_mask_bit(arena, mask_off, i) ? tt_get_f32(arena, g_off + 4 * i) : 0.0f;
        tt_put_f32(arena, dx_off + 4 * i, g / sy * sx);
    }
}

void tt_channel_slice(int8_t *arena, int32_t in_off, int32_t positions, int32_t c, const int32_t *channels,
                      int32_t n_channels, int32_t out_off)
{
    int32_t p, j;
    for (p = 0; p < positions; p++) {
        for (j = 0; j < n_channels; j++) {
            arena[out_off + p * n_channels + j] = arena[in_off + p * c + channels[j]];
        }
    }
}

void tt_conv_weight_grad_compact(int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off,
                                 const tt_conv_geom *geom, const int32_t *channels, int32_t n_channels,
                                 int32_t dw_off)
{
    int32_t j, o, n, per;
    if (tt_conv_geom_depthwise(geom)) {
        n = channels == 0 ? geom->out_c : n_channels;
        per = geom->k_h * geom->k_w;
        for (j = 0; j < n; j++) {
            const int32_t c = channels == 0 ? j : channels[j];
            tt_conv_weight_grad_channel(arena, x_off, x_zero, g_off, geom, c, 0, 0, dw_off + 4 * j * per);
        }
        return;
    }
    per = geom->k_h * geom->k_w * tt_conv_geom_in_per_group(geom);
    for (o = 0; o < geom->out_c; o++) {
        tt_conv_weight_grad_channel(arena, x_off, x_zero, g_off, geom, o, 0, 0, dw_off + 4 * o * per);
    }
}

void tt_update_conv_weight_compact(const int8_t *arena, int32_t dw_off, const tt_conv_geom *geom,
                                   const int32_t *channels, int32_t n_channels, const tt_weight *weight,
                                   float *master, const float *qas_divisors, float lr, tt_rounding_mode mode,
                                   uint32_t rng_key)
{
    int32_t j, o, n, per;
    if (tt_conv_geom_depthwise(geom)) {
        n = channels == 0 ? geom->out_c : n_channels;
        per = geom->k_h * geom->k_w;
        for (j = 0; j < n; j++) {
            const int32_t c = channels == 0 ? j : channels[j];
            tt_update_conv_weight_channel_p(arena, dw_off + 4 * j * per, geom, c, 0, 0, weight, master,
                                            qas_divisors == 0 ? 1.0f : qas_divisors[c], lr, mode, rng_key);
        }
        return;
    }
    n = channels == 0 ? tt_conv_geom_in_per_group(geom) : n_channels;
    per = geom->k_h * geom->k_w * n;
    for (o = 0; o < geom->out_c; o++) {
        tt_update_conv_weight_channel_p(arena, dw_off + 4 * o * per, geom, o, channels, n_channels, weight, master,
                                        qas_divisors == 0 ? 1.0f : qas_divisors[o], lr, mode, rng_key);
    }
}

void tt_update_conv_bias(const int8_t *arena, int32_t db_off, int32_t n, int32_t *bias, float *master,
                         const float *qas_divisors, float lr, tt_rounding_mode mode, uint32_t rng_key)
{
    tt_update_bias(arena, db_off, n, bias, master, qas_divisors, lr, mode, rng_key);
}

void tt_conv_weight_grad_update(int8_t *arena, int32_t x_off, int32_t x_zero, int32_t g_off,
                                const tt_conv_geom *grad_geom, const tt_conv_geom *geom, const int32_t *channels,
                                int32_t n_channels, int32_t ws_off, const tt_weight *weight, float *master,
                                const float *qas_divisors, float lr, tt_rounding_mode mode, uint32_t rng_key)
{
    int32_t j, o, n;
    if (tt_conv_geom_depthwise(geom)) {
        n = channels == 0 ? geom->out_c : n_channels;
        for (j = 0; j < n; j++) {
            const int32_t c = channels == 0 ? j : channels[j];
            tt_conv_weight_grad_channel(arena, x_off, x_zero, g_off, grad_geom, c, 0, 0, ws_off);
            tt_update_conv_weight_channel_p(arena, ws_off, geom, c, 0, 0, weight, master,
                                            qas_divisors == 0 ? 1.0f : qas_divisors[c], lr, mode, rng_key);
        }
        return;
    }
    for (o = 0; o < geom->out_c; o++) {
        tt_conv_weight_grad_channel(arena, x_off, x_zero, g_off, grad_geom, o, 0, 0, ws_off);
        tt_update_conv_weight_channel_p(arena, ws_off, geom, o, channels, n_channels, weight, master,
                                        qas_divisors == 0 ? 1.0f : qas_divisors[o], lr, mode, rng_key);
    }
}

void tt_conv_bias_grad_update(int8_t *arena, int32_t g_off, int32_t positions, int32_t channels, int32_t *bias,
                              float *master, const float *qas_divisors, float lr, tt_rounding_mode mode,
                              uint32_t rng_key)
{
    int32_t o;
    for (o = 0; o < channels; o++) {
        const float g = tt_conv_bias_grad_channel(arena, g_off, positions, channels, o);
        tt_update_bias_channel(g, o, bias, master, qas_divisors == 0 ? 1.0f : qas_divisors[o], lr, mode, rng_key);
    }
}

void tt_linear_weight_grad_update(int8_t *arena, int32_t g_off, int32_t x_off, int32_t out, int32_t in,
                                  float *weight, float lr)
{
    int32_t j, k;
    for (j = 0; j < out; j++) {
        const float gj = tt_get_f32(arena, g_off + 4 * j);
        for (k = 0; k < in; k++) {
            const float g = gj * tt_get_f32(arena, x_off + 4 * k);
            weight[j * in + k] = fmaf(-lr, g, weight[j * in + k]);
        }
    }
}

int tt_softmax_cross_entropy_at(int8_t *arena, int32_t x_off, int32_t n, int32_t label_off, int32_t d_off,
                                int32_t loss_off)
{
    const int32_t label = tt_get_i32(arena, label_off);
    if (label < 0 || label >= n) {
        return -1;
    }
    tt_put_f32(arena, loss_off, tt_softmax_cross_entropy(arena, x_off, n, label, d_off));
    return 0;
}

uint32_t tt_step_rng_key(const uint32_t state[2], uint32_t param_id)
{
    return tt_rng_key(state[1], state[0], param_id);
}

/* ======================================================================================================== */
/* Channel-streamed backward (StreamedKernels): each float sum in the whole-tensor kernels' order.          */
/* ======================================================================================================== */

/* StreamedKernels.Update.trains: whether channel c is among the trained ones. */
static int tt__stream_trains(const tt_stream_update *u, int32_t c)
{
    int32_t j;
    if (u->channels == 0) {
        return 1;
    }
    for (j = 0; j < u->n_channels; j++) {
        if (u->channels[j] == c) {
            return 1;
        }
    }
    return 0;
}

/* (2), (6): plane[p] = bit(p*C + ch) ? plane[p] * eff : +0. */
static void tt__stream_mask_scale(int8_t *arena, int32_t plane_off, int32_t mask_off, int32_t ch, int32_t c,
                                  float eff, int32_t n)
{
    int32_t p;
    for (p = 0; p < n; p++) {
        const int32_t e = plane_off + 4 * p;
        tt_put_f32(arena, e, tt_get_mask_bit(arena, mask_off, p * c + ch) ? tt_get_f32(arena, e) * eff : 0.0f);
    }
}

/* (4), (8): a bias gradient, sum over p ascending of plane[p] from +0. */
static float tt__stream_sum(const int8_t *arena, int32_t plane_off, int32_t n)
{
    float acc = 0.0f;
    int32_t p;
    for (p = 0; p < n; p++) {
        acc = acc + tt_get_f32(arena, plane_off + 4 * p);
    }
    return acc;
}

static void tt__stream_bias(const tt_stream_update *u, int32_t ch, float grad, float lr, uint32_t key)
{
    tt_update_bias_channel(grad, ch, u->bias, u->master, u->qas_divisors == 0 ? 1.0f : u->qas_divisors[ch], lr,
                           u->mode, key);
}

/* The 16 float accumulators aJQ of a 4 x 4 block, from +0, and their copy to a[4J + Q]. */
#define TT__ACC16                                                                                                  \
    float a00 = 0.0f, a01 = 0.0f, a02 = 0.0f, a03 = 0.0f, a10 = 0.0f, a11 = 0.0f, a12 = 0.0f, a13 = 0.0f;          \
    float a20 = 0.0f, a21 = 0.0f, a22 = 0.0f, a23 = 0.0f, a30 = 0.0f, a31 = 0.0f, a32 = 0.0f, a33 = 0.0f
#define TT__ACC16_OUT(a)                                                                                           \
    do {                                                                                                           \
        (a)[0] = a00, (a)[1] = a01, (a)[2] = a02, (a)[3] = a03, (a)[4] = a10, (a)[5] = a11, (a)[6] = a12;          \
        (a)[7] = a13, (a)[8] = a20, (a)[9] = a21, (a)[10] = a22, (a)[11] = a23, (a)[12] = a30, (a)[13] = a31;      \
        (a)[14] = a32, (a)[15] = a33;                                                                              \
    } while (0)
/* aJQ = aJQ + xJ * yQ for J, Q < 4 (tt__mla): the 16 products of a 4 x 4 block's step. */
#define TT__MLA4X4()                                                                                               \
    do {                                                                                                           \
        a00 = tt__mla(a00, x0, y0);                                                                                \
        a01 = tt__mla(a01, x0, y1);                                                                                \
        a02 = tt__mla(a02, x0, y2);                                                                                \
        a03 = tt__mla(a03, x0, y3);                                                                                \
        a10 = tt__mla(a10, x1, y0);                                                                                \
        a11 = tt__mla(a11, x1, y1);                                                                                \
        a12 = tt__mla(a12, x1, y2);                                                                                \
        a13 = tt__mla(a13, x1, y3);                                                                                \
        a20 = tt__mla(a20, x2, y0);                                                                                \
        a21 = tt__mla(a21, x2, y1);                                                                                \
        a22 = tt__mla(a22, x2, y2);                                                                                \
        a23 = tt__mla(a23, x2, y3);                                                                                \
        a30 = tt__mla(a30, x3, y0);                                                                                \
        a31 = tt__mla(a31, x3, y1);                                                                                \
        a32 = tt__mla(a32, x3, y2);                                                                                \
        a33 = tt__mla(a33, x3, y3);                                                                                \
    } while (0)
/* n steps from the counter's value (0), four per pass so that their loads use immediate offsets: STEP(byte offset)
   for each, ADVANCE(bytes) after each pass. */
#define TT__RUN4(k, n, STEP, ADVANCE)                                                                              \
    do {                                                                                                           \
        for (; (k) + 4 <= (n); (k) += 4) {                                                                         \
            STEP(0);                                                                                               \
            STEP(4);                                                                                               \
            STEP(8);                                                                                               \
            STEP(12);                                                                                              \
            ADVANCE(16);                                                                                           \
        }                                                                                                          \
        for (; (k) < (n); (k)++) {                                                                                 \
            STEP(0);                                                                                               \
            ADVANCE(4);                                                                                            \
        }                                                                                                          \
    } while (0)
/* Four pointers one step on. */
#define TT__ADVANCE4(p0, p1, p2, p3, by)                                                                           \
    do {                                                                                                           \
        (p0) += (by), (p1) += (by), (p2) += (by), (p3) += (by);                                                    \
    } while (0)

/*
 * The 16 dot products a[4j + q] = sum over k < n ascending of v_j[k] * g_q[k], from +0, of four float rows v_j =
 * v + j * v_stride bytes and four float rows g[q]: each product rounded, then added (tt__mla). Out of line with its
 * own registers (16 accumulators, 8 pointers); four k per pass so the loads use immediate offsets.
 */
static TT_NOINLINE void tt__dot4x4_f32(const int8_t *v, int32_t v_stride, const int8_t *const g[4], int32_t n,
                                       float a[16])
{
    const int8_t *v0 = v, *v1 = v + v_stride, *v2 = v1 + v_stride, *v3 = v2 + v_stride;
    const int8_t *g0 = g[0], *g1 = g[1], *g2 = g[2], *g3 = g[3];
    TT__ACC16;
    int32_t k = 0;
#define TT__DOT4X4_STEP(off)                                                                                       \
    do {                                                                                                           \
        const float x0 = tt__ldf(v0 + (off)), x1 = tt__ldf(v1 + (off));                                            \
        const float x2 = tt__ldf(v2 + (off)), x3 = tt__ldf(v3 + (off));                                            \
        const float y0 = tt__ldf(g0 + (off)), y1 = tt__ldf(g1 + (off));                                            \
        const float y2 = tt__ldf(g2 + (off)), y3 = tt__ldf(g3 + (off));                                            \
        TT__MLA4X4();                                                                                              \
    } while (0)
#define TT__DOT4X4_ADVANCE(by)                                                                                     \
    do {                                                                                                           \
        TT__ADVANCE4(v0, v1, v2, v3, by);                                                                          \
        TT__ADVANCE4(g0, g1, g2, g3, by);                                                                          \
    } while (0)
    TT__RUN4(k, n, TT__DOT4X4_STEP, TT__DOT4X4_ADVANCE);
#undef TT__DOT4X4_ADVANCE
#undef TT__DOT4X4_STEP
    TT__ACC16_OUT(a);
}

/* (1): the projection's input-gradient planes of channels c0 .. c0+n-1,
   plane_j[p] = sum over o ascending of (float) W[o, c0+j] * g'[p, o], from +0; the columns as floats in the vector
   ([n][O]) first. A full group runs four channels by four positions per pass (16 independent sums sharing the loads
   of g' and of the columns); the rest one channel by four positions. */
static void tt__stream_projection(int8_t *arena, const tt_stream_region *r, int32_t c0, int32_t n, int32_t p2)
{
    const int32_t o = r->proj_out, c = r->depthwise.in_c, vec = r->vector_off;
    int32_t width, k, p, j, q;
    for (j = 0; j < n; j++) {
        const int8_t *col = tt__channel_base(r->proj, c0 + j, c, &width);
        for (k = 0; k < o; k++) {
            tt_put_f32(arena, vec + 4 * (j * o + k), (float)col[k * width]);
        }
    }
    if (n == 4) {
        for (p = 0; p < p2; p += 4) {
            const int32_t np = p2 - p < 4 ? p2 - p : 4;
            const int8_t *g[4];
            float a[16];
            for (q = 0; q < 4; q++) {
                g[q] = arena + r->g_off + 4 * (p + (q < np ? q : np - 1)) * o; /* missing positions repeat the last */
            }
            tt__dot4x4_f32(arena + vec, 4 * o, g, o, a);
            for (j = 0; j < 4; j++) {
                for (q = 0; q < np; q++) {
                    tt__stf(arena + r->plane_off + 4 * (j * p2 + p + q), a[4 * j + q]);
                }
            }
        }
        return;
    }
    for (j = 0; j < n; j++) {
        const int32_t cv = vec + 4 * j * o;
        for (p = 0; p < p2; p++) {
            const int32_t g = r->g_off + 4 * p * o;
            float acc = 0.0f;
            for (k = 0; k < o; k++) {
                acc = acc + tt_get_f32(arena, cv + 4 * k) * tt_get_f32(arena, g + 4 * k);
            }
            tt_put_f32(arena, r->plane_off + 4 * (j * p2 + p), acc);
        }
    }
}

/* (3): the depthwise input gradient of channel ch into plane_in, the valid taps kh then kw ascending
   (tt_conv_input_grad); the channel's taps as floats in the vector first. */
static void tt__stream_depthwise_input(int8_t *arena, const tt_stream_region *r, int32_t ch, int32_t plane,
                                       int32_t plane_in)
{
    const tt_conv_geom *g = &r->depthwise;
    const int32_t taps = g->k_h * g->k_w, s_h = g->stride_h, s_w = g->stride_w;
    int32_t width, iy, ix, kh, kw, t;
    const int8_t *wc = tt__channel_base(r->dw, ch, g->in_c, &width);
    for (t = 0; t < taps; t++) {
        tt_put_f32(arena, r->vector_off + 4 * t, (float)wc[t * width]);
    }
    for (iy = 0; iy < g->in_h; iy++) {
        const int32_t ty = iy + g->pad_h;
        int32_t kh_last;
        const int32_t kh_first = tt__tap_range(ty, s_h, g->k_h, g->out_h, &kh_last);
        const int32_t rows = kh_first <= kh_last ? (kh_last - kh_first) / s_h + 1 : 0;
        for (ix = 0; ix < g->in_w; ix++) {
            const int32_t tx = ix + g->pad_w;
            int32_t kw_last;
            const int32_t kw_first = tt__tap_range(tx, s_w, g->k_w, g->out_w, &kw_last);
            const int32_t cols = kw_first <= kw_last ? (kw_last - kw_first) / s_w + 1 : 0;
            float acc = 0.0f;
            if (rows > 0 && cols > 0) {
                const int8_t *w = arena + r->vector_off + 4 * (kh_first * g->k_w + kw_first);
                const int8_t *pl = arena + plane + 4 * (((ty - kh_first) / s_h) * g->out_w + (tx - kw_first) / s_w);
                for (kh = 0; kh < rows; kh++, w += 4 * s_h * g->k_w, pl -= 4 * g->out_w) {
                    for (kw = 0; kw < cols; kw++) { /* tap kw_first + kw * s_w reads the output kw columns left */
                        acc = tt__mla(acc, tt__ldf(w + 4 * s_w * kw), tt__ldf(pl - 4 * kw));
                    }
                }
            }
            tt__stf(arena + plane_in + 4 * (iy * g->in_w + ix), acc);
        }
    }
}

/* Largest depthwise window whose four channels' taps tt__stream_depthwise_input4 keeps as floats (7x7: 784 B of
   stack); larger windows run channel by channel. */
#define TT_STREAM_DW_TAPS 49

/*
 * The depthwise input gradients of one input in four channels, a[j] = sum over the rows h < rows, then the columns
 * k < cols, ascending, of w[h][k][j] * plane_j[h][k], from +0: the taps' weights four channels per 16 bytes, a
 * row's taps 16 bytes apart and its rows w_row bytes apart; plane_j = pl + j * pl_stride bytes, each further tap
 * one float to the left, each further row pl_row bytes on. Windows up to 8 columns wide are unrolled (the loads
 * then use immediate offsets); the rest loops.
 */
static TT_NOINLINE void tt__dw_input_grad_4ch(const float *w, int32_t w_row, const int8_t *pl, int32_t pl_stride,
                                              int32_t pl_row, int32_t rows, int32_t cols, float a[4])
{
    const int8_t *wb = (const int8_t *)w;
    const int8_t *p0 = pl, *p1 = pl + pl_stride, *p2 = p1 + pl_stride, *p3 = p2 + pl_stride;
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    int32_t h, k;
    /* tap k of a row: weights at we - 16 m, plane values at pe + 4 m, for m = cols - k (we, pe: one past the row) */
#define TT__DW4_TAP(m)                                                                                             \
    do {                                                                                                           \
        a0 = tt__mla(a0, tt__ldf(we - 16 * (m)), tt__ldf(pe0 + 4 * (m)));                                          \
        a1 = tt__mla(a1, tt__ldf(we - 16 * (m) + 4), tt__ldf(pe1 + 4 * (m)));                                      \
        a2 = tt__mla(a2, tt__ldf(we - 16 * (m) + 8), tt__ldf(pe2 + 4 * (m)));                                      \
        a3 = tt__mla(a3, tt__ldf(we - 16 * (m) + 12), tt__ldf(pe3 + 4 * (m)));                                     \
    } while (0)
    for (h = 0; h < rows; h++, wb += w_row, p0 += pl_row, p1 += pl_row, p2 += pl_row, p3 += pl_row) {
        const int8_t *we = wb + 16 * cols;
        const int8_t *pe0 = p0 - 4 * cols, *pe1 = p1 - 4 * cols, *pe2 = p2 - 4 * cols, *pe3 = p3 - 4 * cols;
        switch (cols) { /* enters at the row's first tap (m = cols), then falls through the later ones */
        case 8:
            TT__DW4_TAP(8);
            /* fall through */
        case 7:
            TT__DW4_TAP(7);
            /* fall through */
        case 6:
            TT__DW4_TAP(6);
            /* fall through */
        case 5:
            TT__DW4_TAP(5);
            /* fall through */
        case 4:
            TT__DW4_TAP(4);
            /* fall through */
        case 3:
            TT__DW4_TAP(3);
            /* fall through */
        case 2:
            TT__DW4_TAP(2);
            /* fall through */
        case 1:
            TT__DW4_TAP(1);
            break;
        default:
            for (k = cols; k >= 1; k--) {
                TT__DW4_TAP(k);
            }
            break;
        }
    }
#undef TT__DW4_TAP
    a[0] = a0;
    a[1] = a1;
    a[2] = a2;
    a[3] = a3;
}

/* Where tap kw of a window row k_w wide goes when the row's taps are grouped by kw % s (ascending), each group in
   kw order: after the groups of the smaller residues, at kw / s in its own. */
static int32_t tt__residue_slot(int32_t kw, int32_t s, int32_t k_w)
{
    int32_t slot = kw / s, res;
    for (res = 0; res < kw % s; res++) {
        slot += (k_w - res + s - 1) / s; /* the taps with residue res */
    }
    return slot;
}

/*
 * (3) for the four channels c0 .. c0+3 of a full group at once: the result of tt__stream_depthwise_input on each
 * (the same sums in the same order) without its write of the taps to the vector, which the caller does when the
 * channel's turn comes. The taps go to w4 as floats, grouped for each kh by the residue of kw modulo the stride, so
 * that the valid taps of any input are consecutive ([kh][kw % s][kw / s][4 channels], taps * 4 floats).
 */
static void tt__stream_depthwise_input4(int8_t *arena, const tt_stream_region *r, int32_t c0, float *w4)
{
    const tt_conv_geom *g = &r->depthwise;
    const int32_t s_h = g->stride_h, s_w = g->stride_w, k_w = g->k_w;
    const int32_t p1 = g->in_h * g->in_w, p2 = g->out_h * g->out_w;
    const int32_t row_floats = 4 * k_w;
    int32_t j, kh, kw, iy, ix;
    for (j = 0; j < 4; j++) {
        int32_t width;
        const int8_t *wc = tt__channel_base(r->dw, c0 + j, g->in_c, &width);
        for (kh = 0; kh < g->k_h; kh++) {
            for (kw = 0; kw < k_w; kw++) {
                w4[kh * row_floats + 4 * tt__residue_slot(kw, s_w, k_w) + j] = (float)wc[(kh * k_w + kw) * width];
            }
        }
    }
    for (iy = 0; iy < g->in_h; iy++) {
        const int32_t ty = iy + g->pad_h;
        int32_t kh_last;
        const int32_t kh_first = tt__tap_range(ty, s_h, g->k_h, g->out_h, &kh_last);
        const int32_t rows = kh_first <= kh_last ? (kh_last - kh_first) / s_h + 1 : 0;
        for (ix = 0; ix < g->in_w; ix++) {
            const int32_t tx = ix + g->pad_w;
            int32_t kw_last;
            const int32_t kw_first = tt__tap_range(tx, s_w, k_w, g->out_w, &kw_last);
            const int32_t out = r->plane_in_off + 4 * (iy * g->in_w + ix);
            float a[4] = {0.0f, 0.0f, 0.0f, 0.0f}; /* no valid tap: the empty sums */
            if (rows > 0 && kw_first <= kw_last) {
                tt__dw_input_grad_4ch(w4 + kh_first * row_floats + 4 * tt__residue_slot(kw_first, s_w, k_w),
                                      4 * s_h * row_floats,
                                      arena + r->plane_off + 4 * (((ty - kh_first) / s_h) * g->out_w
                                                                  + (tx - kw_first) / s_w),
                                      4 * p2, -4 * g->out_w, rows, (kw_last - kw_first) / s_w + 1, a);
            }
            for (j = 0; j < 4; j++) {
                tt__stf(arena + out + 4 * j * p1, a[j]);
            }
        }
    }
}

/* (5): ws[kh*KW + kw] = sum over oy, ox ascending of (float)(x[iy, ix, ch] - zero) * plane[oy, ox]. */
static void tt__stream_depthwise_weight_grad(int8_t *arena, const tt_stream_region *r, int32_t ch, int32_t plane)
{
    const tt_conv_geom *g = &r->depthwise;
    const int8_t *xc = arena + r->dw_x_off + ch;
    int32_t kh, kw, oy, ox;
    for (kh = 0; kh < g->k_h; kh++) {
        for (kw = 0; kw < g->k_w; kw++) {
            float acc = 0.0f;
            for (oy = 0; oy < g->out_h; oy++) {
                const int32_t iy = oy * g->stride_h + kh - g->pad_h;
                if (iy < 0 || iy >= g->in_h) {
                    continue;
                }
                for (ox = 0; ox < g->out_w; ox++) {
                    const int32_t ix = ox * g->stride_w + kw - g->pad_w;
                    if (ix < 0 || ix >= g->in_w) {
                        continue;
                    }
                    acc = acc + (float)((int32_t)xc[(iy * g->in_w + ix) * g->in_c] - r->dw_x_zero)
                                    * tt_get_f32(arena, plane + 4 * (oy * g->out_w + ox));
                }
            }
            tt_put_f32(arena, r->vector_off + 4 * (kh * g->k_w + kw), acc);
        }
    }
}

/*
 * d_q[i] = (((d_q[i] + v_0[i] * g[q]) + v_1[i] * g[4 + q]) + v_2[i] * g[8 + q]) + v_3[i] * g[12 + q] for the four
 * float rows d_q = d + q * stride and v_j = v + j * stride, i < n: each product rounded, then added in this order.
 * Out of line (the 16 factors stay in registers), four i per pass so the loads use immediate offsets.
 */
static TT_NOINLINE void tt__add_terms4x4(const int8_t *v, int8_t *d, int32_t stride, int32_t n, const float g[16])
{
    const int8_t *v0 = v, *v1 = v + stride, *v2 = v1 + stride, *v3 = v2 + stride;
    int8_t *d0 = d, *d1 = d + stride, *d2 = d1 + stride, *d3 = d2 + stride;
    const float g00 = g[0], g01 = g[1], g02 = g[2], g03 = g[3], g10 = g[4], g11 = g[5], g12 = g[6], g13 = g[7];
    const float g20 = g[8], g21 = g[9], g22 = g[10], g23 = g[11], g30 = g[12], g31 = g[13], g32 = g[14];
    const float g33 = g[15];
    int32_t i = 0;
#define TT__TERMS4X4_STEP(off)                                                                                     \
    do {                                                                                                           \
        const float w0 = tt__ldf(v0 + (off)), w1 = tt__ldf(v1 + (off));                                            \
        const float w2 = tt__ldf(v2 + (off)), w3 = tt__ldf(v3 + (off));                                            \
        tt__stf(d0 + (off), tt__mla(tt__mla(tt__mla(tt__mla(tt__ldf(d0 + (off)), w0, g00), w1, g10), w2, g20), w3, \
                                    g30));                                                                         \
        tt__stf(d1 + (off), tt__mla(tt__mla(tt__mla(tt__mla(tt__ldf(d1 + (off)), w0, g01), w1, g11), w2, g21), w3, \
                                    g31));                                                                         \
        tt__stf(d2 + (off), tt__mla(tt__mla(tt__mla(tt__mla(tt__ldf(d2 + (off)), w0, g02), w1, g12), w2, g22), w3, \
                                    g32));                                                                         \
        tt__stf(d3 + (off), tt__mla(tt__mla(tt__mla(tt__mla(tt__ldf(d3 + (off)), w0, g03), w1, g13), w2, g23), w3, \
                                    g33));                                                                         \
    } while (0)
#define TT__TERMS4X4_ADVANCE(by)                                                                                   \
    do {                                                                                                           \
        TT__ADVANCE4(v0, v1, v2, v3, by);                                                                          \
        TT__ADVANCE4(d0, d1, d2, d3, by);                                                                          \
    } while (0)
    TT__RUN4(i, n, TT__TERMS4X4_STEP, TT__TERMS4X4_ADVANCE);
#undef TT__TERMS4X4_ADVANCE
#undef TT__TERMS4X4_STEP
}

/* (7): the terms of channels c0 .. c0+n-1 of every dx[p, i], added channel after channel:
   dx = dx + (float) W[c, i] * in_c[p]; the group's rows as floats in the vector ([n][Cin]) first. */
static void tt__stream_input_grad_terms(int8_t *arena, const tt_stream_region *r, int32_t c0, int32_t n, int32_t p1)
{
    const int32_t cin = r->expansion.in_c;
    const int32_t rows = r->vector_off, in = r->plane_in_off;
    int32_t i, p, j;
    for (i = 0; i < cin; i++) {
        int32_t width;
        const int8_t *base = tt__channel_base(r->exp, i, cin, &width);
        for (j = 0; j < n; j++) {
            tt_put_f32(arena, r->vector_off + 4 * (j * cin + i), (float)base[(c0 + j) * width]);
        }
    }
    p = 0;
    if (n == 4) { /* four positions per pass: each row element is loaded once for 16 terms */
        for (; p + 4 <= p1; p += 4) {
            float g[16];
            for (j = 0; j < 4; j++) {
                for (i = 0; i < 4; i++) {
                    g[4 * j + i] = tt__ldf(arena + in + 4 * (j * p1 + p + i));
                }
            }
            tt__add_terms4x4(arena + rows, arena + r->dx_off + 4 * p * cin, 4 * cin, cin, g);
        }
    }
    for (; p < p1; p++) {
        const int32_t d = r->dx_off + 4 * p * cin;
        if (n == 4) {
            const float g0 = tt_get_f32(arena, in + 4 * p), g1 = tt_get_f32(arena, in + 4 * (p1 + p));
            const float g2 = tt_get_f32(arena, in + 4 * (2 * p1 + p)), g3 = tt_get_f32(arena, in + 4 * (3 * p1 + p));
            for (i = 0; i < cin; i++) {
                const int32_t w = rows + 4 * i;
                tt_put_f32(arena, d + 4 * i, (((tt_get_f32(arena, d + 4 * i) + tt_get_f32(arena, w) * g0)
                                                + tt_get_f32(arena, w + 4 * cin) * g1)
                                               + tt_get_f32(arena, w + 8 * cin) * g2)
                                                  + tt_get_f32(arena, w + 12 * cin) * g3);
            }
        } else {
            for (i = 0; i < cin; i++) {
                float acc = tt_get_f32(arena, d + 4 * i);
                for (j = 0; j < n; j++) {
                    acc = acc + tt_get_f32(arena, rows + 4 * (j * cin + i)) * tt_get_f32(arena, in + 4 * (j * p1 + p));
                }
                tt_put_f32(arena, d + 4 * i, acc);
            }
        }
    }
}

/*
 * a[4t + j] = sum over p < n ascending of (float)(x[p * x_stride + t] - x_zero) * v_j[p], from +0, for the four
 * int8 columns t < 4 of x and the four float rows v_j = v + j * v_stride bytes: each product rounded, then added.
 */
static TT_NOINLINE void tt__x_dot4x4_f32(const int8_t *x, int32_t x_stride, int32_t x_zero, const int8_t *v,
                                         int32_t v_stride, int32_t n, float a[16])
{
    const int8_t *v0 = v, *v1 = v + v_stride, *v2 = v1 + v_stride, *v3 = v2 + v_stride;
    TT__ACC16;
    int32_t p;
    for (p = 0; p < n; p++) {
        const float x0 = (float)((int32_t)x[0] - x_zero), x1 = (float)((int32_t)x[1] - x_zero);
        const float x2 = (float)((int32_t)x[2] - x_zero), x3 = (float)((int32_t)x[3] - x_zero);
        const float y0 = tt__ldf(v0), y1 = tt__ldf(v1), y2 = tt__ldf(v2), y3 = tt__ldf(v3);
        TT__MLA4X4();
        x += x_stride;
        TT__ADVANCE4(v0, v1, v2, v3, 4);
    }
    TT__ACC16_OUT(a);
}

/* (9): the expansion weight gradients of the group's n channels into the vector ([n][k]):
   ws[j][jj] = sum over p ascending of (float)(x[p, jj] - zero) * in_j[p]; each x converted once for the group. */
static void tt__stream_expansion_weight_grads(int8_t *arena, const tt_stream_region *r, int32_t n, int32_t k,
                                              int32_t p1)
{
    const int32_t in = r->plane_in_off;
    const int8_t *x = arena + r->exp_x_off;
    int32_t jj = 0, p, j;
    if (n == 4) { /* four input channels by the four planes per pass: each x converted once for four sums */
        for (; jj + 4 <= k; jj += 4) {
            float a[16];
            tt__x_dot4x4_f32(x + jj, k, r->exp_x_zero, arena + in, 4 * p1, p1, a);
            for (j = 0; j < 4; j++) {
                for (p = 0; p < 4; p++) {
                    tt__stf(arena + r->vector_off + 4 * (j * k + jj + p), a[4 * p + j]);
                }
            }
        }
    }
    for (; jj < k; jj++) {
        float a[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (j = 0; j < n; j += 4) {
            const int32_t m = n - j < 4 ? n - j : 4;
            const int32_t i0 = in + 4 * j * p1;
            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
            for (p = 0; p < p1; p++) {
                const float xv = (float)((int32_t)x[p * k + jj] - r->exp_x_zero);
                a0 = a0 + xv * tt_get_f32(arena, i0 + 4 * p);
                if (m > 1) {
                    a1 = a1 + xv * tt_get_f32(arena, i0 + 4 * (p1 + p));
                }
                if (m > 2) {
                    a2 = a2 + xv * tt_get_f32(arena, i0 + 4 * (2 * p1 + p));
                }
                if (m > 3) {
                    a3 = a3 + xv * tt_get_f32(arena, i0 + 4 * (3 * p1 + p));
                }
            }
            a[0] = a0;
            a[1] = a1;
            a[2] = a2;
            a[3] = a3;
            for (p = 0; p < m; p++) {
                tt_put_f32(arena, r->vector_off + 4 * ((j + p) * k + jj), a[p]);
            }
        }
    }
}

void tt_streamed_backward(int8_t *arena, const tt_stream_region *r, float dw_bias_lr, uint32_t dw_bias_key,
                          float dw_weight_lr, uint32_t dw_weight_key, float exp_bias_lr, uint32_t exp_bias_key,
                          float exp_weight_lr, uint32_t exp_weight_key)
{
    const tt_conv_geom *dw = &r->depthwise;
    const int32_t c = dw->in_c;
    const int32_t p2 = dw->out_h * dw->out_w, p1 = dw->in_h * dw->in_w;
    const int32_t cin = r->deep ? r->expansion.in_c : 0;
    const tt_stream_update *eu = r->exp_weight_update;
    const int32_t k = eu == 0 ? 0 : eu->channels == 0 ? cin : eu->n_channels;
    float w4[4 * TT_STREAM_DW_TAPS];
    int32_t c0, j, i;

    TT_ASSERT(tt_conv_geom_valid(dw) && tt_conv_geom_depthwise(dw) && r->group >= 1);
    TT_ASSERT(!r->deep || (r->expansion.k_h == 1 && r->expansion.k_w == 1 && r->expansion.stride_h == 1
                           && r->expansion.out_c == c && r->plane_in_off >= 0));
    TT_ASSERT((r->dw_weight_update == 0) == (r->dw_x_off < 0) && (eu == 0) == (r->exp_x_off < 0));
    if (r->dx_off >= 0) {
        for (i = 0; i < p1 * cin; i++) {
            tt_put_f32(arena, r->dx_off + 4 * i, 0.0f);
        }
    }
    for (c0 = 0; c0 < c; c0 += r->group) {
        const int32_t n = c - c0 < r->group ? c - c0 : r->group;
        /* a full group of four runs (3) for its channels together (each channel's (3) depends only on its own (2),
           and no other step reads what (3) writes but (7) of the same channel, which follows) */
        const int together = r->deep && n == 4 && dw->k_h * dw->k_w <= TT_STREAM_DW_TAPS;
        tt__stream_projection(arena, r, c0, n, p2);
        if (together) {
            for (j = 0; j < n; j++) {
                tt__stream_mask_scale(arena, r->plane_off + 4 * j * p2, r->dw_mask_off, c0 + j, c,
                                      r->dw_eff[c0 + j], p2);
            }
            tt__stream_depthwise_input4(arena, r, c0, w4);
        }
        for (j = 0; j < n; j++) {
            const int32_t ch = c0 + j;
            const int32_t plane = r->plane_off + 4 * j * p2;
            const int32_t plane_in = r->plane_in_off + 4 * j * p1;
            if (together) { /* the vector as (3) leaves it: the channel's taps as floats */
                int32_t width, t;
                const int8_t *wc = tt__channel_base(r->dw, ch, dw->in_c, &width);
                for (t = 0; t < dw->k_h * dw->k_w; t++) {
                    tt_put_f32(arena, r->vector_off + 4 * t, (float)wc[t * width]);
                }
            } else {
                tt__stream_mask_scale(arena, plane, r->dw_mask_off, ch, c, r->dw_eff[ch], p2);
                if (r->deep) {
                    tt__stream_depthwise_input(arena, r, ch, plane, plane_in);
                }
            }
            if (r->dw_bias != 0) {
                tt__stream_bias(r->dw_bias, ch, tt__stream_sum(arena, plane, p2), dw_bias_lr, dw_bias_key);
            }
            if (r->dw_weight_update != 0 && tt__stream_trains(r->dw_weight_update, ch)) {
                const tt_stream_update *u = r->dw_weight_update;
                tt__stream_depthwise_weight_grad(arena, r, ch, plane);
                tt_update_conv_weight_channel_p(arena, r->vector_off, dw, ch, 0, 0, r->dw, u->master,
                                                u->qas_divisors == 0 ? 1.0f : u->qas_divisors[ch], dw_weight_lr,
                                                u->mode, dw_weight_key);
            }
            if (r->deep) {
                tt__stream_mask_scale(arena, plane_in, r->exp_mask_off, ch, c, r->exp_eff[ch], p1);
            }
        }
        if (!r->deep) {
            continue;
        }
        if (r->dx_off >= 0) {
            tt__stream_input_grad_terms(arena, r, c0, n, p1);
        }
        if (r->exp_bias != 0) {
            for (j = 0; j < n; j++) {
                tt__stream_bias(r->exp_bias, c0 + j, tt__stream_sum(arena, r->plane_in_off + 4 * j * p1, p1),
                                exp_bias_lr, exp_bias_key);
            }
        }
        if (eu != 0) {
            tt__stream_expansion_weight_grads(arena, r, n, k, p1);
            for (j = 0; j < n; j++) {
                tt_update_conv_weight_channel_p(arena, r->vector_off + 4 * j * k, &r->expansion, c0 + j, eu->channels,
                                                eu->n_channels, r->exp, eu->master,
                                                eu->qas_divisors == 0 ? 1.0f : eu->qas_divisors[c0 + j],
                                                exp_weight_lr, eu->mode, exp_weight_key);
            }
        }
    }
}

/* ======================================================================================================== */
/* Fused expansion + depthwise conv of a band region (Java: FastExpandDepthwise)                            */
/* ======================================================================================================== */

void tt_expand_depthwise_rows(int8_t *arena, const tt_expand_dw *f, int32_t in_off, int32_t in_rows,
                              int32_t pad_top, int32_t out_off, int32_t out_rows, int32_t scratch_off,
                              int32_t scratch_out_off)
{
    const int32_t taps = f->k_h * f->k_w;
    const int32_t positions = out_rows * f->out_w;
    int32_t c0, p, j;

    TT_ASSERT(arena != 0 && f != 0 && f->exp != 0 && f->exp->slot == 0 && f->group >= 1 && f->channels >= 1);
    TT_ASSERT(in_rows >= 1 && out_rows >= 1 && pad_top >= 0);
    for (c0 = 0; c0 < f->channels; c0 += f->group) {
        const int32_t n = f->channels - c0 < f->group ? f->channels - c0 : f->group;
        const tt_weight exp = TT_WEIGHT_FROZEN(tt__whole(f->exp) + c0 * f->in_c);
        const tt_weight dw = TT_WEIGHT_FROZEN(f->dw_grouped + c0 * taps);
        const int8_t *src = arena + scratch_out_off;
        int8_t *dst = arena + out_off + c0;

        tt_conv1x1(arena, in_off, f->in_w, f->in_c, f->x_zero, &exp, f->exp_zw == 0 ? 0 : f->exp_zw + c0, 1,
                   f->exp_bias_q == 0 ? 0 : f->exp_bias_q + c0, f->exp_bias_f == 0 ? 0 : f->exp_bias_f + c0,
                   f->exp_eff + c0, f->mid_zero, scratch_off, in_rows, f->in_w, n, -1);
        tt_depthwise_conv(arena, scratch_off, in_rows, f->in_w, n, f->mid_zero, &dw, f->k_h, f->k_w, f->stride,
                          pad_top, f->pad_left, f->dw_bias_q == 0 ? 0 : f->dw_bias_q + c0,
                          f->dw_bias_f == 0 ? 0 : f->dw_bias_f + c0, f->dw_eff + c0, f->y_zero, scratch_out_off,
                          out_rows, f->out_w, -1);
        for (p = 0; p < positions; p++) {
            for (j = 0; j < n; j++) {
                dst[j] = src[j];
            }
            src += n;
            dst += f->channels;
        }
    }
}

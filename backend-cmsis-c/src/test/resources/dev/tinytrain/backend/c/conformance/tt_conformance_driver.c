/*
 * tinytrain conformance driver (test only): runs the C kernels on cases written by the Java tests and
 * writes back every buffer, so the tests can compare them byte for byte with the JVM kernels.
 *
 * Host (TT_HOST): stdio files, one malloc per buffer (so AddressSanitizer sees exact bounds).
 * Cortex-M7 under QEMU: semihosting files, buffers from a static pool.
 *
 * cases.bin:   repeated { u32 'TTC1', u32 kernel, u32 n_ints, u32 n_floats, u32 n_blobs,
 *                         i32 ints[n_ints], u32 float_bits[n_floats],
 *                         n_blobs x { u32 len (0xFFFFFFFF = NULL), u8 data[len] } }
 *              then u32 'TEND'.
 * results.bin: per case { u32 'TTR1', u32 case_index, u32 n_blobs, u32 ret_bits,
 *                         n_blobs x { u32 len, u8 data[len] } }, then u32 'TEND'.
 * Kernel numbers and argument layouts: tt_conformance_ids.h, generated from the Java enum CKernel.
 */
#include "tt_kernels.h"
#include "tt_conformance_ids.h"

#include <stdint.h>
#include <string.h>

#define MAGIC_CASE 0x31435454u   /* "TTC1" */
#define MAGIC_RESULT 0x31525454u /* "TTR1" */
#define MAGIC_END 0x444e4554u    /* "TEND" */
#define NULL_BLOB 0xFFFFFFFFu
#define MAX_INTS 64
#define MAX_FLOATS 16
#define MAX_BLOBS 32

#ifdef TT_HOST
/* ------------------------------------------------------------------------------------------ host platform */
#include <stdio.h>
#include <stdlib.h>

typedef FILE *io_file;
static io_file io_open_read(const char *path) { return fopen(path, "rb"); }
static io_file io_open_write(const char *path) { return fopen(path, "wb"); }
static int io_read(io_file f, void *buf, uint32_t n) { return n == 0 || fread(buf, 1, n, f) == n; }
static int io_write(io_file f, const void *buf, uint32_t n) { return n == 0 || fwrite(buf, 1, n, f) == n; }
static int io_close(io_file f) { return fclose(f) == 0; }
static int io_valid(io_file f) { return f != NULL; }
static void say(const char *s) { fputs(s, stderr); }

static void *blob_alloc(uint32_t len) { return malloc(len == 0 ? 1 : len); }
static void blob_free(void *p) { free(p); }
static void blobs_reset(void) {}

#ifdef TT_CHECKS
void tt_check_failed(const char *expr, const char *file, int line)
{
    fprintf(stderr, "TT_ASSERT failed: %s (%s:%d)\n", expr, file, line);
    exit(4);
}
#endif

#else
/* ---------------------------------------------------------------------------- Cortex-M7 under QEMU */
#include "tt_semihost.h"

#ifndef TTC_POOL_BYTES
#define TTC_POOL_BYTES (272u * 1024u)
#endif

typedef int32_t io_file;
static io_file io_open_read(const char *path) { return tt_sh_open(path, TT_SH_MODE_RB); }
static io_file io_open_write(const char *path) { return tt_sh_open(path, TT_SH_MODE_WB); }
static int io_read(io_file f, void *buf, uint32_t n) { return n == 0 || tt_sh_read(f, buf, n) == 0; }
static int io_write(io_file f, const void *buf, uint32_t n) { return n == 0 || tt_sh_write(f, buf, n) == 0; }
static int io_close(io_file f) { return tt_sh_close(f) == 0; }
static int io_valid(io_file f) { return f >= 0; }
static void say(const char *s) { tt_sh_puts(s); }

static uint64_t pool[TTC_POOL_BYTES / 8u];
static uint32_t pool_used;

static void *blob_alloc(uint32_t len)
{
    uint32_t words = (len + 7u) / 8u;
    void *p;
    if (words > TTC_POOL_BYTES / 8u - pool_used) {
        return 0;
    }
    p = &pool[pool_used];
    pool_used += words;
    return p;
}
static void blob_free(void *p) { (void)p; }
static void blobs_reset(void) { pool_used = 0; }

#ifdef TT_CHECKS
void tt_check_failed(const char *expr, const char *file, int line)
{
    (void)file;
    (void)line;
    say("TT_ASSERT failed: ");
    say(expr);
    say("\n");
    tt_sh_exit(4);
}
#endif
#endif

/* --------------------------------------------------------------------------------------------- one case */
static int32_t ints[MAX_INTS];
static uint32_t float_bits[MAX_FLOATS];
static void *blob[MAX_BLOBS];
static uint32_t blob_len[MAX_BLOBS];
static uint32_t n_blobs;
static uint32_t ret_bits;

static float F(uint32_t k)
{
    float f;
    memcpy(&f, &float_bits[k], sizeof f);
    return f;
}
#define I(k) (ints[(k)])
#define B8(k) ((int8_t *)blob[(k)])
#define BF(k) ((float *)blob[(k)])
#define BI(k) ((int32_t *)blob[(k)])
#define BU(k) ((uint32_t *)blob[(k)])
#define LEN(k) (blob_len[(k)])

static void ret_float(float f) { memcpy(&ret_bits, &f, sizeof f); }
static void ret_int(int32_t v) { ret_bits = (uint32_t)v; }

static tt_conv_geom geom_at(uint32_t k)
{
    tt_conv_geom g;
    g.in_h = I(k);
    g.in_w = I(k + 1);
    g.in_c = I(k + 2);
    g.out_h = I(k + 3);
    g.out_w = I(k + 4);
    g.out_c = I(k + 5);
    g.k_h = I(k + 6);
    g.k_w = I(k + 7);
    g.stride_h = I(k + 8);
    g.stride_w = I(k + 9);
    g.pad_h = I(k + 10);
    g.pad_w = I(k + 11);
    g.groups = I(k + 12);
    return g;
}

/* a tt_weight from blobs k .. k+4: frozen, trained, slot (NULL = whole), trained channels, frozen channels */
static tt_weight weight_at(uint32_t k)
{
    tt_weight w;
    w.frozen = B8(k);
    w.trained = B8(k + 1);
    w.slot = BI(k + 2);
    w.trained_ch = BI(k + 3);
    w.frozen_ch = BI(k + 4);
    w.n_trained = blob[k + 3] == 0 ? 0 : (int32_t)(LEN(k + 3) / 4u);
    w.n_frozen = blob[k + 4] == 0 ? 0 : (int32_t)(LEN(k + 4) / 4u);
    return w;
}

/* channels blob: NULL = all; n = length / 4 */
#define CHANNELS(k) ((const int32_t *)blob[(k)]), ((int32_t)(blob[(k)] == 0 ? 0u : LEN(k) / 4u))

static int run_case(uint32_t kernel)
{
    tt_conv_geom g;
    tt_weight w;
    uint32_t i, m;
    switch (kernel) {
    case TTC_CONV2D:
        tt_conv2d(B8(0), I(0), I(1), I(2), I(3), I(4), B8(1), I(5), I(6), I(7), I(8), I(9), I(10), BF(2), BF(3), I(11),
                  I(12), I(13), I(14), I(15), I(16));
        return 0;
    case TTC_QUANTIZED_ADD:
        tt_quantized_add(B8(0), I(0), I(1), F(0), I(2), I(3), F(1), I(4), I(5), F(2), I(6), I(7));
        return 0;
    case TTC_GLOBAL_AVG_POOL:
        tt_global_avg_pool(B8(0), I(0), I(1), I(2), I(3), I(4));
        return 0;
    case TTC_DEQUANTIZE:
        tt_dequantize(B8(0), I(0), I(1), I(2), F(0), I(3));
        return 0;
    case TTC_LINEAR:
        tt_linear(B8(0), I(0), I(1), BF(1), BF(2), I(2), I(3));
        return 0;
    case TTC_ARENA_ACCESS:
        tt_put_f32(B8(0), I(1), tt_get_f32(B8(0), I(0)));
        tt_put_i32(B8(0), I(3), tt_get_i32(B8(0), I(2)));
        for (i = 0; i < (uint32_t)I(5); i++) {
            BI(1)[i] = tt_get_mask_bit(B8(0), I(4), (int32_t)i);
        }
        BI(1)[I(5)] = tt_mask_bytes(I(6));
        return 0;
    case TTC_CONV_GEOM:
        g = tt_conv_geom_of(I(0), I(1), I(2), I(3), I(4), I(5), I(6));
        BI(0)[0] = g.in_h;
        BI(0)[1] = g.in_w;
        BI(0)[2] = g.in_c;
        BI(0)[3] = g.out_h;
        BI(0)[4] = g.out_w;
        BI(0)[5] = g.out_c;
        BI(0)[6] = g.k_h;
        BI(0)[7] = g.k_w;
        BI(0)[8] = g.stride_h;
        BI(0)[9] = g.stride_w;
        BI(0)[10] = g.pad_h;
        BI(0)[11] = g.pad_w;
        BI(0)[12] = g.groups;
        BI(0)[13] = tt_conv_geom_valid(&g);
        BI(0)[14] = tt_conv_geom_depthwise(&g);
        BI(0)[15] = tt_conv_geom_in_per_group(&g);
        BI(0)[16] = tt_conv_geom_out_per_group(&g);
        BI(0)[17] = tt_conv_geom_weight_count(&g);
        BI(0)[18] = tt_conv_geom_out_positions(&g);
        BI(0)[19] = tt_conv_geom_weight_index(&g, I(7), I(8), I(9), I(10));
        BI(0)[20] = tt_conv_geom_channel_workspace_floats(&g, CHANNELS(1));
        return 0;
    case TTC_CONV_GEOM_VALID:
        g = geom_at(0);
        BI(0)[0] = tt_conv_geom_valid(&g);
        return 0;
    case TTC_APPLY_CLAMP_MASK:
        tt_apply_clamp_mask(B8(0), I(0), I(1), I(2), I(3));
        return 0;
    case TTC_MASK_AND_SCALE_OUTPUT_GRAD:
        tt_mask_and_scale_output_grad(B8(0), I(0), I(1), BF(1), I(2), I(3), I(4));
        return 0;
    case TTC_CONV_INPUT_GRAD:
        g = geom_at(0);
        tt_conv_input_grad(B8(0), I(13), B8(1), &g, I(14), I(15));
        return 0;
    case TTC_CONV_BIAS_GRAD_CHANNEL:
        ret_float(tt_conv_bias_grad_channel(B8(0), I(0), I(1), I(2), I(3)));
        return 0;
    case TTC_CONV_BIAS_GRAD:
        tt_conv_bias_grad(B8(0), I(0), I(1), I(2), I(3));
        return 0;
    case TTC_CONV_WEIGHT_GRAD_CHANNEL:
        g = geom_at(0);
        ret_int(tt_conv_weight_grad_channel(B8(0), I(13), I(14), I(15), &g, I(16), CHANNELS(1), I(17)));
        return 0;
    case TTC_CONV_WEIGHT_GRAD:
        g = geom_at(0);
        tt_conv_weight_grad(B8(0), I(13), I(14), I(15), &g, CHANNELS(1), I(16));
        return 0;
    case TTC_ADD_BACKWARD:
        tt_add_backward(B8(0), I(0), I(1), F(0), F(1), F(2), I(2), I(3));
        return 0;
    case TTC_AVG_POOL_BACKWARD:
        tt_avg_pool_backward(B8(0), I(0), I(1), I(2), I(3), I(4), I(5));
        return 0;
    case TTC_DEQUANTIZE_BACKWARD:
        tt_dequantize_backward(B8(0), I(0), I(1), F(0), I(2));
        return 0;
    case TTC_LINEAR_INPUT_GRAD:
        tt_linear_input_grad(B8(0), I(0), BF(1), I(1), I(2), I(3));
        return 0;
    case TTC_LINEAR_WEIGHT_GRAD_ROW:
        tt_linear_weight_grad_row(B8(0), I(0), I(1), I(2), I(3), I(4));
        return 0;
    case TTC_LINEAR_WEIGHT_GRAD:
        tt_linear_weight_grad(B8(0), I(0), I(1), I(2), I(3), I(4));
        return 0;
    case TTC_SOFTMAX_CROSS_ENTROPY:
        ret_float(tt_softmax_cross_entropy(B8(0), I(0), I(1), I(2), I(3)));
        return 0;
    case TTC_EXPF:
        for (i = 0; i < LEN(0) / 4u; i++) {
            BF(1)[i] = tt_expf(BF(0)[i]);
        }
        return 0;
    case TTC_LOGF:
        for (i = 0; i < LEN(0) / 4u; i++) {
            BF(1)[i] = tt_logf(BF(0)[i]);
        }
        return 0;
    case TTC_RNG:
        for (i = 0; i < LEN(0) / 16u; i++) {
            const uint32_t *q = BU(0) + 4u * i;
            const uint32_t key = tt_rng_key(q[0], q[1], q[2]);
            const float u = tt_rng_uniform(key, q[3]);
            BU(1)[4u * i] = tt_rng_fmix32(q[0]);
            BU(1)[4u * i + 1u] = key;
            BU(1)[4u * i + 2u] = tt_rng_bits(key, q[3]);
            memcpy(&BU(1)[4u * i + 3u], &u, sizeof u);
        }
        return 0;
    case TTC_QAS_SCALARS:
        for (i = 0; i < LEN(0) / 16u; i++) {
            const float *q = BF(0) + 4u * i;
            BF(1)[3u * i] = tt_qas_bias_divisor(q[0], q[1]);
            BF(1)[3u * i + 1u] = tt_qas_weight_divisor(q[0], q[1], q[2]);
            BF(1)[3u * i + 2u] = tt_qas(q[3], BF(1)[3u * i + 1u]);
        }
        return 0;
    case TTC_QAS_DIVISORS:
        m = LEN(0) / 4u;
        tt_qas_bias_divisors(BF(0), (int32_t)m, F(0), BF(1));
        tt_qas_weight_divisors(BF(0), (int32_t)m, F(0), F(1), BF(2));
        return 0;
    case TTC_ROUNDING:
        for (i = 0; i < LEN(0) / 8u; i++) {
            const float p = BF(0)[2u * i], u = BF(0)[2u * i + 1u];
            BI(1)[4u * i] = tt_round_weight_nearest_even(p);
            BI(1)[4u * i + 1u] = tt_round_weight_stochastic(p, u);
            BI(1)[4u * i + 2u] = tt_round_bias_nearest_even(p);
            BI(1)[4u * i + 3u] = tt_round_bias_stochastic(p, u);
        }
        return 0;
    case TTC_UPDATE_CONV_WEIGHT_CHANNEL:
        g = geom_at(0);
        tt_update_conv_weight_channel(B8(0), I(13), &g, I(14), CHANNELS(1), B8(2), BF(3), F(0), F(1),
                                      (tt_rounding_mode)I(15), (uint32_t)I(16));
        return 0;
    case TTC_UPDATE_CONV_WEIGHT:
        g = geom_at(0);
        tt_update_conv_weight(B8(0), I(13), &g, CHANNELS(1), B8(2), BF(3), BF(4), F(0), (tt_rounding_mode)I(14),
                              (uint32_t)I(15));
        return 0;
    case TTC_UPDATE_BIAS_CHANNEL:
        tt_update_bias_channel(F(0), I(0), BI(0), BF(1), F(1), F(2), (tt_rounding_mode)I(1), (uint32_t)I(2));
        return 0;
    case TTC_UPDATE_BIAS:
        tt_update_bias(B8(0), I(0), I(1), BI(1), BF(2), BF(3), F(0), (tt_rounding_mode)I(2), (uint32_t)I(3));
        return 0;
    case TTC_SGD_FLOAT:
        tt_sgd_float(BF(1), I(0), B8(0), I(1), I(2), F(0));
        return 0;
    case TTC_MASTER_OF_WEIGHTS:
        tt_master_of_weights(B8(0), (int32_t)LEN(0), BF(1));
        return 0;
    case TTC_MASTER_OF_BIASES:
        tt_master_of_biases(BI(0), (int32_t)(LEN(0) / 4u), BF(1));
        return 0;
    case TTC_CONV2D_P:
        w = weight_at(1);
        tt_conv2d_p(B8(0), I(0), I(1), I(2), I(3), I(4), &w, I(5), I(6), I(7), I(8), I(9), I(10), BI(6), BF(7), BF(8),
                    I(11), I(12), I(13), I(14), I(15), I(16));
        return 0;
    case TTC_CONV1X1: /* the arguments of TTC_CONV_IM2COL with k 1x1, pad 0 */
        w = weight_at(1);
        tt_conv1x1(B8(0), I(0), I(2), I(3), I(4), &w, BI(6), I(7), BI(7), BF(8), BF(9), I(10), I(11), I(12), I(13),
                   I(14), I(15));
        return 0;
    case TTC_CONV_IM2COL:
        w = weight_at(1);
        tt_conv_im2col(B8(0), I(0), I(1), I(2), I(3), I(4), &w, BI(6), I(5), I(6), I(7), I(8), I(9), BI(7), BF(8),
                       BF(9), I(10), I(11), I(12), I(13), I(14), I(15));
        return 0;
    case TTC_EXPAND_DEPTHWISE_ROWS: {
        tt_expand_dw f;
        memset(&w, 0, sizeof w);
        w.frozen = B8(9);
        f.in_w = I(7);
        f.in_c = I(8);
        f.x_zero = I(9);
        f.exp = &w;
        f.exp_zw = BI(3);
        f.exp_bias_q = BI(2);
        f.exp_bias_f = BF(1);
        f.exp_eff = BF(4);
        f.mid_zero = I(10);
        f.dw_grouped = B8(5);
        f.k_h = I(11);
        f.k_w = I(12);
        f.stride = I(13);
        f.pad_left = I(14);
        f.dw_bias_q = BI(6);
        f.dw_bias_f = BF(7);
        f.dw_eff = BF(8);
        f.y_zero = I(15);
        f.out_w = I(16);
        f.channels = I(17);
        f.group = I(18);
        tt_expand_depthwise_rows(B8(0), &f, I(0), I(1), I(2), I(3), I(4), I(5), I(6));
        return 0;
    }
    case TTC_DEPTHWISE_CONV: /* the arguments of TTC_CONV2D (groups == in_c == out_c), a whole frozen weight */
        memset(&w, 0, sizeof w);
        w.frozen = B8(1);
        tt_depthwise_conv(B8(0), I(0), I(1), I(2), I(3), I(4), &w, I(5), I(6), I(7), I(8), I(9), 0, BF(2), BF(3),
                          I(11), I(12), I(13), I(14), I(16));
        return 0;
    case TTC_DEPTHWISE_CONV_STORAGE: /* the arguments of TTC_CONV2D_P */
        w = weight_at(1);
        tt_depthwise_conv(B8(0), I(0), I(1), I(2), I(3), I(4), &w, I(5), I(6), I(7), I(8), I(9), BI(6), BF(7), BF(8),
                          I(11), I(12), I(13), I(14), I(16));
        return 0;
    case TTC_CONV1X1_INPUT_GRAD: /* the arguments of TTC_CONV_INPUT_GRAD_P */
        g = geom_at(0);
        w = weight_at(1);
        tt_conv1x1_input_grad(B8(0), I(13), &w, &g, I(14), I(15));
        return 0;
    case TTC_DEPTHWISE_INPUT_GRAD: /* likewise */
        g = geom_at(0);
        w = weight_at(1);
        tt_depthwise_input_grad(B8(0), I(13), &w, &g, I(14), I(15));
        return 0;
    case TTC_CONV1X1_WEIGHT_GRAD_UPDATE: { /* the arguments of TTC_CONV_WEIGHT_GRAD_UPDATE */
        tt_conv_geom full = geom_at(13);
        g = geom_at(0);
        w = weight_at(2);
        tt_conv1x1_weight_grad_update(B8(0), I(26), I(27), I(28), &g, &full, CHANNELS(1), I(29), &w, BF(7), BF(8),
                                      F(0), (tt_rounding_mode)I(30), (uint32_t)I(31));
        return 0;
    }
    case TTC_STREAMED_BACKWARD: { /* ints: StreamedKernels.Region's scalars, then mode, parts present, keys */
        tt_stream_region rg;
        tt_stream_update ub[4];
        tt_weight wp = weight_at(1), wd = weight_at(6), we = weight_at(11);
        int32_t u;
        for (u = 0; u < 4; u++) {
            ub[u].bias = u == 0 ? BI(18) : u == 2 ? BI(20) : 0;
            ub[u].master = u == 0 ? BF(19) : u == 1 ? BF(22) : u == 2 ? BF(21) : BF(23);
            ub[u].qas_divisors = BF(24);
            ub[u].channels = 0;
            ub[u].n_channels = 0;
            ub[u].mode = (tt_rounding_mode)I(39);
        }
        ub[1].channels = BI(25);
        ub[1].n_channels = blob[25] == 0 ? 0 : (int32_t)(LEN(25) / 4u);
        ub[3].channels = BI(26);
        ub[3].n_channels = blob[26] == 0 ? 0 : (int32_t)(LEN(26) / 4u);
        rg.proj_out = I(0);
        rg.g_off = I(1);
        rg.proj = &wp;
        rg.depthwise = geom_at(2);
        rg.dw_mask_off = I(15);
        rg.dw_eff = BF(16);
        rg.dw = &wd;
        rg.dw_bias = I(40) ? &ub[0] : 0;
        rg.dw_weight_update = I(41) ? &ub[1] : 0;
        rg.dw_x_off = I(16);
        rg.dw_x_zero = I(17);
        rg.deep = I(18);
        rg.expansion = geom_at(19);
        rg.exp_mask_off = I(32);
        rg.exp_eff = BF(17);
        rg.exp = &we;
        rg.exp_bias = I(42) ? &ub[2] : 0;
        rg.exp_weight_update = I(43) ? &ub[3] : 0;
        rg.exp_x_off = I(33);
        rg.exp_x_zero = I(34);
        rg.dx_off = I(35);
        rg.plane_off = I(36);
        rg.plane_in_off = I(37);
        rg.vector_off = I(38);
        rg.group = I(48);
        tt_streamed_backward(B8(0), &rg, F(0), (uint32_t)I(44), F(1), (uint32_t)I(45), F(2), (uint32_t)I(46), F(3),
                             (uint32_t)I(47));
        return 0;
    }
    case TTC_CONV_INPUT_GRAD_P:
        g = geom_at(0);
        w = weight_at(1);
        tt_conv_input_grad_p(B8(0), I(13), &w, &g, I(14), I(15));
        return 0;
    case TTC_UPDATE_CONV_WEIGHT_CHANNEL_P:
        g = geom_at(0);
        w = weight_at(2);
        tt_update_conv_weight_channel_p(B8(0), I(13), &g, I(14), CHANNELS(1), &w, BF(7), F(0), F(1),
                                        (tt_rounding_mode)I(15), (uint32_t)I(16));
        return 0;
    case TTC_ADD_F32:
        tt_add_f32(B8(0), I(0), I(1), I(2), I(3));
        return 0;
    case TTC_ADD_GRAD:
        tt_add_grad(B8(0), I(0), I(1), I(2), F(0), F(1), I(3));
        return 0;
    case TTC_CHANNEL_SLICE:
        tt_channel_slice(B8(0), I(0), I(1), I(2), CHANNELS(1), I(3));
        return 0;
    case TTC_CONV_WEIGHT_GRAD_COMPACT:
        g = geom_at(0);
        tt_conv_weight_grad_compact(B8(0), I(13), I(14), I(15), &g, CHANNELS(1), I(16));
        return 0;
    case TTC_UPDATE_CONV_WEIGHT_COMPACT:
        g = geom_at(0);
        w = weight_at(2);
        tt_update_conv_weight_compact(B8(0), I(13), &g, CHANNELS(1), &w, BF(7), BF(8), F(0), (tt_rounding_mode)I(14),
                                      (uint32_t)I(15));
        return 0;
    case TTC_UPDATE_CONV_BIAS:
        tt_update_conv_bias(B8(0), I(0), I(1), BI(1), BF(2), BF(3), F(0), (tt_rounding_mode)I(2), (uint32_t)I(3));
        return 0;
    case TTC_CONV_WEIGHT_GRAD_UPDATE: {
        tt_conv_geom full = geom_at(13);
        g = geom_at(0);
        w = weight_at(2);
        tt_conv_weight_grad_update(B8(0), I(26), I(27), I(28), &g, &full, CHANNELS(1), I(29), &w, BF(7), BF(8), F(0),
                                   (tt_rounding_mode)I(30), (uint32_t)I(31));
        return 0;
    }
    case TTC_CONV_BIAS_GRAD_UPDATE:
        tt_conv_bias_grad_update(B8(0), I(0), I(1), I(2), BI(1), BF(2), BF(3), F(0), (tt_rounding_mode)I(3),
                                 (uint32_t)I(4));
        return 0;
    case TTC_LINEAR_WEIGHT_GRAD_UPDATE:
        tt_linear_weight_grad_update(B8(0), I(0), I(1), I(2), I(3), BF(1), F(0));
        return 0;
    case TTC_SOFTMAX_CROSS_ENTROPY_AT:
        ret_int(tt_softmax_cross_entropy_at(B8(0), I(0), I(1), I(2), I(3), I(4)));
        return 0;
    case TTC_STEP_RNG_KEY:
        for (i = 0; i < LEN(0) / 12u; i++) {
            const uint32_t *q = BU(0) + 3u * i;
            BU(1)[i] = tt_step_rng_key(q, q[2]);
        }
        return 0;
    default:
        return -1;
    }
}

/* ------------------------------------------------------------------------------------------------- main */
static int read_u32(io_file f, uint32_t *v) { return io_read(f, v, 4); }
static int write_u32(io_file f, uint32_t v) { return io_write(f, &v, 4); }

static int fail(const char *msg, int code)
{
    say("tt_conformance_driver: ");
    say(msg);
    say("\n");
    return code;
}

int main(void)
{
    io_file in = io_open_read("cases.bin");
    io_file out;
    uint32_t case_index = 0;
    if (!io_valid(in)) {
        return fail("cannot open cases.bin", 2);
    }
    out = io_open_write("results.bin");
    if (!io_valid(out)) {
        return fail("cannot open results.bin", 2);
    }
    for (;; case_index++) {
        uint32_t magic, kernel, n_ints, n_floats, k;
        int rc;
        if (!read_u32(in, &magic)) {
            return fail("truncated cases.bin", 2);
        }
        if (magic == MAGIC_END) {
            break;
        }
        if (magic != MAGIC_CASE || !read_u32(in, &kernel) || !read_u32(in, &n_ints) || !read_u32(in, &n_floats)
                || !read_u32(in, &n_blobs)) {
            return fail("bad case header", 2);
        }
        if (n_ints > MAX_INTS || n_floats > MAX_FLOATS || n_blobs > MAX_BLOBS) {
            return fail("too many arguments", 2);
        }
        if (!io_read(in, ints, 4u * n_ints) || !io_read(in, float_bits, 4u * n_floats)) {
            return fail("truncated arguments", 2);
        }
        blobs_reset();
        for (k = 0; k < n_blobs; k++) {
            if (!read_u32(in, &blob_len[k])) {
                return fail("truncated blob header", 2);
            }
            if (blob_len[k] == NULL_BLOB) {
                blob[k] = 0;
                continue;
            }
            blob[k] = blob_alloc(blob_len[k]);
            if (blob[k] == 0) {
                return fail("out of buffer memory", 3);
            }
            if (!io_read(in, blob[k], blob_len[k])) {
                return fail("truncated blob", 2);
            }
        }
        ret_bits = 0;
        rc = run_case(kernel);
        if (rc != 0) {
            return fail("unknown kernel number", 2);
        }
        if (!write_u32(out, MAGIC_RESULT) || !write_u32(out, case_index) || !write_u32(out, n_blobs)
                || !write_u32(out, ret_bits)) {
            return fail("cannot write results", 2);
        }
        for (k = 0; k < n_blobs; k++) {
            if (!write_u32(out, blob_len[k]) || (blob[k] != 0 && !io_write(out, blob[k], blob_len[k]))) {
                return fail("cannot write results", 2);
            }
            if (blob[k] != 0) {
                blob_free(blob[k]);
            }
        }
    }
    if (!write_u32(out, MAGIC_END) || !io_close(out)) {
        return fail("cannot write results", 2);
    }
    (void)io_close(in);
    return 0;
}

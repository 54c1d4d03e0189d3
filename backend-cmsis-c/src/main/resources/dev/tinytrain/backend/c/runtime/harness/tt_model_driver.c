/*
 * tinytrain TEST HARNESS: drives a generated model (tt_model.h) from a command file, so the Java tests and
 * `tinytrain verify-golden --backend c-host|c-m7` can run it on the host or on the Cortex-M7 under QEMU and compare
 * what it hands back with the JVM backend, byte for byte. Not part of what a user flashes.
 *
 * Host (TT_HOST): stdio files. Cortex-M7 under QEMU: semihosting files (relative to QEMU's working directory).
 *
 * cmds.bin: a sequence of commands, each a u32 code (ASCII) and its operands:
 *   'T' i32 label, u8 input[TT_INPUT_BYTES]   train one step          -> 'T' u32 loss_bits
 *   'B' i32 label, u8 input[TT_INPUT_BYTES]   the same, between the benchmark markers -> 'B' u32 loss_bits
 *   'R' u32 scale_bits                        learning-rate scale of the next steps (tt_set_lr_scale) -> 'R'
 *   'I' u8 input[TT_INPUT_BYTES]              infer                   -> 'I' f32 logits[TT_NUM_CLASSES]
 *   'b' u8 input[TT_INPUT_BYTES]              infer between the markers -> 'b' f32 logits[TT_NUM_CLASSES]
 *   'F' u8 input[TT_INPUT_BYTES]              forward graph           -> 'F'
 *   'S'                                       save the state          -> 'S' u32 n, u8 state[n]
 *   'L' u32 n, u8 state[n]                    load a state            -> 'L' i32 rc
 *   'P'                                       every parameter, whole  -> 'P' u32 count, count x {u32 n, u8 data[n]}
 *   'A'                                       every tap               -> 'A' u32 count, count x {u32 n, u8 data[n]}
 *   'K'                                       deepest stack so far    -> 'K' u32 bytes (Cortex-M7; 0 on the host)
 *   'E'                                       end                     -> 'E'
 * results.bin: the answers, in order. Inputs are read straight into tt_input_buffer() (no image buffer).
 *
 * Benchmark markers: tt_bench_start() / tt_bench_stop() are never inlined, so an instruction counter (QEMU's
 * insncount plugin) can count exactly the instructions between them.
 */
#include "tt_model.h"

#include <stdint.h>
#include <string.h>

#ifdef TT_HOST
#include <stdio.h>

typedef FILE *io_file;
static io_file io_open_read(const char *path) { return fopen(path, "rb"); }
static io_file io_open_write(const char *path) { return fopen(path, "wb"); }
static int io_read(io_file f, void *buf, uint32_t n) { return n == 0 || fread(buf, 1, n, f) == n; }
static int io_write(io_file f, const void *buf, uint32_t n) { return n == 0 || fwrite(buf, 1, n, f) == n; }
static int io_close(io_file f) { return fclose(f) == 0; }
static int io_valid(io_file f) { return f != NULL; }
static void say(const char *s) { fputs(s, stderr); }
#else
#include "tt_semihost.h"

typedef int32_t io_file;
static io_file io_open_read(const char *path) { return tt_sh_open(path, TT_SH_MODE_RB); }
static io_file io_open_write(const char *path) { return tt_sh_open(path, TT_SH_MODE_WB); }
static int io_read(io_file f, void *buf, uint32_t n) { return n == 0 || tt_sh_read(f, buf, n) == 0; }
static int io_write(io_file f, const void *buf, uint32_t n) { return n == 0 || tt_sh_write(f, buf, n) == 0; }
static int io_close(io_file f) { return tt_sh_close(f) == 0; }
static int io_valid(io_file f) { return f >= 0; }
static void say(const char *s) { tt_sh_puts(s); }
#endif

#ifdef TT_CHECKS
void tt_check_failed(const char *expr, const char *file, int line);
void tt_check_failed(const char *expr, const char *file, int line)
{
    (void)file;
    (void)line;
    say("TT_ASSERT failed: ");
    say(expr);
    say("\n");
#ifdef TT_HOST
    fflush(stderr);
#endif
    for (;;) {
        /* a fault: the harness reports it */
        volatile int32_t *volatile p = 0;
        *p = 1;
    }
}
#endif

#ifndef TT_HOST
/*
 * Stack painting: main() fills the free RAM below its stack with a pattern; 'K' finds the deepest word that changed.
 * `end` (the linker script) is the first byte after .bss and the heap/stack reservation; the stack grows down from
 * _estack.
 */
extern uint32_t end;
extern uint32_t _estack;
#define TT_PAINT 0xDEADBEEFu

static void paint_stack(void)
{
    uint32_t *p = &end;
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    while (p < sp - 32) {
        *p++ = TT_PAINT;
    }
}

static uint32_t stack_used(void)
{
    const uint32_t *p = &end;
    while (p < &_estack && *p == TT_PAINT) {
        p++;
    }
    return (uint32_t)((const uint8_t *)&_estack - (const uint8_t *)p);
}
#else
static void paint_stack(void)
{
}

static uint32_t stack_used(void)
{
    return 0;
}
#endif

void tt_bench_start(void) __attribute__((noinline));
void tt_bench_stop(void) __attribute__((noinline));
void tt_bench_start(void)
{
    __asm__ volatile("" ::: "memory");
}
void tt_bench_stop(void)
{
    __asm__ volatile("" ::: "memory");
}

static uint8_t param_buffer[TT_MAX_PARAM_BYTES];
static uint8_t state_buffer[TT_STATE_BYTES];

static int fail(const char *msg, int code)
{
    say("tt_model_driver: ");
    say(msg);
    say("\n");
    return code;
}

static int read_u32(io_file f, uint32_t *v) { return io_read(f, v, 4); }
static int write_u32(io_file f, uint32_t v) { return io_write(f, &v, 4); }

int main(void)
{
    io_file in;
    io_file out;
    paint_stack();
    in = io_open_read("cmds.bin");
    if (!io_valid(in)) {
        return fail("cannot open cmds.bin", 2);
    }
    out = io_open_write("results.bin");
    if (!io_valid(out)) {
        return fail("cannot open results.bin", 2);
    }
    for (;;) {
        int8_t *const image = tt_input_buffer(); /* computed outside the benchmark markers */
        uint32_t cmd, n;
        int32_t i, bytes;
        if (!read_u32(in, &cmd)) {
            return fail("truncated cmds.bin", 2);
        }
        if (cmd == 'E') {
            break;
        }
        switch (cmd) {
#if TT_MODEL_TRAINING
        case 'T':
        case 'B': {
            float loss;
            uint32_t bits;
            int32_t label;
            if (!read_u32(in, &bits) || !io_read(in, image, TT_INPUT_BYTES)) {
                return fail("truncated train command", 2);
            }
            memcpy(&label, &bits, 4);
            if (cmd == 'B') {
                tt_bench_start();
            }
            loss = tt_train_step(image, label);
            if (cmd == 'B') {
                tt_bench_stop();
            }
            memcpy(&bits, &loss, 4);
            if (!write_u32(out, cmd) || !write_u32(out, bits)) {
                return fail("cannot write results", 2);
            }
            break;
        }
        case 'R': {
            float scale;
            uint32_t bits;
            if (!read_u32(in, &bits)) {
                return fail("truncated learning-rate scale command", 2);
            }
            memcpy(&scale, &bits, 4);
            tt_set_lr_scale(scale);
            if (!write_u32(out, cmd)) {
                return fail("cannot write results", 2);
            }
            break;
        }
        case 'I':
        case 'b': {
            float logits[TT_NUM_CLASSES];
            if (!io_read(in, image, TT_INPUT_BYTES)) {
                return fail("truncated infer command", 2);
            }
            if (cmd == 'b') {
                tt_bench_start();
            }
            tt_infer(image, logits);
            if (cmd == 'b') {
                tt_bench_stop();
            }
            if (!write_u32(out, cmd) || !io_write(out, logits, sizeof logits)) {
                return fail("cannot write results", 2);
            }
            break;
        }
#else
        case 'F':
            if (!io_read(in, image, TT_INPUT_BYTES)) {
                return fail("truncated forward command", 2);
            }
            tt_forward(image);
            if (!write_u32(out, cmd)) {
                return fail("cannot write results", 2);
            }
            break;
#endif
        case 'S':
            tt_state_save(state_buffer);
            if (!write_u32(out, cmd) || !write_u32(out, tt_state_bytes()) || !io_write(out, state_buffer, TT_STATE_BYTES)) {
                return fail("cannot write results", 2);
            }
            break;
        case 'L':
            if (!read_u32(in, &n) || n != TT_STATE_BYTES || !io_read(in, state_buffer, n)) {
                return fail("bad load command", 2);
            }
            if (!write_u32(out, cmd) || !write_u32(out, (uint32_t)tt_state_load(state_buffer))) {
                return fail("cannot write results", 2);
            }
            break;
        case 'P':
            if (!write_u32(out, cmd) || !write_u32(out, TT_PARAM_COUNT)) {
                return fail("cannot write results", 2);
            }
            for (i = 0; i < TT_PARAM_COUNT; i++) {
                bytes = tt_param_read(i, param_buffer);
                if (bytes < 0 || !write_u32(out, (uint32_t)bytes) || !io_write(out, param_buffer, (uint32_t)bytes)) {
                    return fail("cannot write a parameter", 2);
                }
            }
            break;
        case 'A':
            if (!write_u32(out, cmd) || !write_u32(out, TT_TAP_COUNT)) {
                return fail("cannot write results", 2);
            }
            for (i = 0; i < TT_TAP_COUNT; i++) {
                const int8_t *data = tt_tap_data(i, &bytes);
                if (!write_u32(out, (uint32_t)bytes) || !io_write(out, data, (uint32_t)bytes)) {
                    return fail("cannot write a tap", 2);
                }
            }
            break;
        case 'K':
            if (!write_u32(out, cmd) || !write_u32(out, stack_used())) {
                return fail("cannot write results", 2);
            }
            break;
        default:
            return fail("unknown command", 2);
        }
    }
    if (!write_u32(out, 'E') || !io_close(out)) {
        return fail("cannot write results", 2);
    }
    (void)io_close(in);
    return 0;
}

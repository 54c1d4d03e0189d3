/*
 * tinytrain TEST HARNESS: minimal Cortex-M7 startup for the emulator (qemu-system-arm -M mps2-an500) and for
 * self-contained budget links. Not what you flash to a board: use your vendor's startup there (e.g.
 * STM32CubeF7 startup_stm32f746xx.s + system_stm32f7xx.c, which link against stm32f746.ld unchanged).
 *
 * Vector table (16 system entries) -> Reset_Handler: enable the FPU (CPACR CP10/CP11 full access, DSB, ISB)
 * before any floating-point instruction runs, copy .data from Flash, zero .bss, call main(), and exit the
 * emulator with main's return value through semihosting. Every fault or unexpected exception prints its
 * number and exits with status 100 + exception number, so a crash is never mistaken for success (a hang is
 * caught by running QEMU under `timeout`).
 */
#include <stdint.h>

#include "tt_semihost.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

int main(void);
void Reset_Handler(void);
void tt_harness_exception(void);

/* Runs after the FPU is enabled: kept out of line so no FP or block-copy code is scheduled before that. */
static void __attribute__((noinline, noreturn)) tt__start_c(void)
{
    uint32_t *src = &_sidata;
    uint32_t *dst = &_sdata;
    while (dst < &_edata) {
        *dst++ = *src++;
    }
    for (dst = &_sbss; dst < &_ebss; dst++) {
        *dst = 0;
    }
    tt_sh_exit(main());
}

void Reset_Handler(void)
{
    volatile uint32_t *const cpacr = (volatile uint32_t *)0xE000ED88u;
    *cpacr |= 0xFu << 20; /* CP10, CP11: full access */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    tt__start_c();
}

void tt_harness_exception(void)
{
    uint32_t ipsr;
    char msg[] = "tt harness: exception 00\n";
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    ipsr &= 0x1FFu;
    msg[22] = (char)('0' + (ipsr / 10u) % 10u);
    msg[23] = (char)('0' + ipsr % 10u);
    tt_sh_puts(msg);
    tt_sh_exit((int32_t)(100u + (ipsr > 155u ? 155u : ipsr)));
}

/* Entry 0 is the initial stack pointer, stored as an address in a table of handlers. */
__attribute__((section(".isr_vector"), used)) const uintptr_t g_pfnVectors[16] = {
    (uintptr_t)&_estack,
    (uintptr_t)Reset_Handler,
    (uintptr_t)tt_harness_exception, /* NMI */
    (uintptr_t)tt_harness_exception, /* HardFault */
    (uintptr_t)tt_harness_exception, /* MemManage */
    (uintptr_t)tt_harness_exception, /* BusFault */
    (uintptr_t)tt_harness_exception, /* UsageFault */
    0, 0, 0, 0,
    (uintptr_t)tt_harness_exception, /* SVCall */
    (uintptr_t)tt_harness_exception, /* DebugMonitor */
    0,
    (uintptr_t)tt_harness_exception, /* PendSV */
    (uintptr_t)tt_harness_exception, /* SysTick */
};

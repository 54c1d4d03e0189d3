/*
 * tinytrain TEST HARNESS: ARM semihosting calls (see tt_semihost.h). Thumb: `bkpt 0xAB`, operation in r0,
 * parameter block address in r1, result in r0.
 */
#include "tt_semihost.h"

#include <string.h>

#define TT_SYS_OPEN 0x01
#define TT_SYS_CLOSE 0x02
#define TT_SYS_WRITE 0x05
#define TT_SYS_READ 0x06
#define TT_SYS_FLEN 0x0C
#define TT_SYS_EXIT 0x18
#define TT_SYS_EXIT_EXTENDED 0x20
#define TT_ADP_STOPPED_APPLICATION_EXIT 0x20026

static int32_t tt__sh_call(int32_t op, const void *arg)
{
    register int32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int32_t tt_sh_open(const char *path, int32_t mode)
{
    uint32_t block[3];
    block[0] = (uint32_t)(uintptr_t)path;
    block[1] = (uint32_t)mode;
    block[2] = (uint32_t)strlen(path);
    return tt__sh_call(TT_SYS_OPEN, block);
}

int32_t tt_sh_close(int32_t handle)
{
    uint32_t block[1];
    block[0] = (uint32_t)handle;
    return tt__sh_call(TT_SYS_CLOSE, block);
}

uint32_t tt_sh_read(int32_t handle, void *buf, uint32_t n)
{
    uint32_t block[3];
    block[0] = (uint32_t)handle;
    block[1] = (uint32_t)(uintptr_t)buf;
    block[2] = n;
    return (uint32_t)tt__sh_call(TT_SYS_READ, block);
}

uint32_t tt_sh_write(int32_t handle, const void *buf, uint32_t n)
{
    uint32_t block[3];
    block[0] = (uint32_t)handle;
    block[1] = (uint32_t)(uintptr_t)buf;
    block[2] = n;
    return (uint32_t)tt__sh_call(TT_SYS_WRITE, block);
}

int32_t tt_sh_flen(int32_t handle)
{
    uint32_t block[1];
    block[0] = (uint32_t)handle;
    return tt__sh_call(TT_SYS_FLEN, block);
}

void tt_sh_puts(const char *s)
{
    static int32_t console = -1;
    if (console < 0) {
        console = tt_sh_open(":tt", TT_SH_MODE_W);
    }
    if (console >= 0) {
        (void)tt_sh_write(console, s, (uint32_t)strlen(s));
    }
}

void tt_sh_exit(int32_t code)
{
    uint32_t block[2];
    block[0] = TT_ADP_STOPPED_APPLICATION_EXIT;
    block[1] = (uint32_t)code;
    (void)tt__sh_call(TT_SYS_EXIT_EXTENDED, block);
    /* Not reached under QEMU. Fall back to the plain exit (status 0 or 1 only), then hang. */
    (void)tt__sh_call(TT_SYS_EXIT, (const void *)(uintptr_t)(code == 0 ? TT_ADP_STOPPED_APPLICATION_EXIT : 0x20024));
    for (;;) {
    }
}

/*
 * tinytrain TEST HARNESS: ARM semihosting I/O for qemu-system-arm (-semihosting-config enable=on,target=native).
 * Not part of what is flashed to a board: on a real part without a debugger attached, `bkpt 0xAB` faults.
 *
 * Files are opened on the host, relative to QEMU's working directory. Console output goes through a handle
 * opened on ":tt" (mode 4), which QEMU maps to its stdout. The exit code reaches QEMU's exit status through
 * SYS_EXIT_EXTENDED.
 */
#ifndef TT_SEMIHOST_H
#define TT_SEMIHOST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SYS_OPEN modes (ISO C fopen modes in the semihosting order). */
#define TT_SH_MODE_RB 1 /* "rb" */
#define TT_SH_MODE_W 4  /* "w"  */
#define TT_SH_MODE_WB 5 /* "wb" */

/** SYS_OPEN: a handle (>= 0), or -1 on error. */
int32_t tt_sh_open(const char *path, int32_t mode);
/** SYS_CLOSE: 0 on success. */
int32_t tt_sh_close(int32_t handle);
/** SYS_READ: reads up to n bytes; returns the number of bytes NOT read (0 = all read). */
uint32_t tt_sh_read(int32_t handle, void *buf, uint32_t n);
/** SYS_WRITE: returns the number of bytes NOT written (0 = all written). */
uint32_t tt_sh_write(int32_t handle, const void *buf, uint32_t n);
/** SYS_FLEN: length of an open file in bytes, or -1. */
int32_t tt_sh_flen(int32_t handle);
/** Writes a NUL-terminated string to QEMU's stdout. */
void tt_sh_puts(const char *s);
/** SYS_EXIT_EXTENDED: ends the emulation with this exit code (QEMU's exit status). */
void tt_sh_exit(int32_t code) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif /* TT_SEMIHOST_H */

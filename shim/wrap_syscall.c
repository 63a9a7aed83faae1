/*
 * wrap_syscall.c - syscall(SYS_close / SYS_close_range / SYS_dup /
 * SYS_dup2 / SYS_dup3, ...): apps and runtimes that bypass the libc
 * wrappers still drop and copy socket references.  Every other number goes
 * straight on.
 *
 * Like glibc's, it reads six long arguments whatever the number takes.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <sys/syscall.h>

#include "event.h"
#include "real.h"
#include "wrap.h"

EXPORT long syscall(long number, ...)
{
	va_list ap;
	long a[6];

	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	switch (number) {
	case SYS_close:
		return fd_close((int)a[0]);
	case SYS_close_range:
		return fd_close_range((unsigned)a[0], (unsigned)a[1], (int)a[2], ST_REC_VIA_SYSCALL);
	case SYS_dup:
		return fd_dup((int)a[0], ST_REC_VIA_SYSCALL);
#ifdef SYS_dup2
	case SYS_dup2:
		return fd_dup_onto(ST_OP_DUP2, (int)a[0], (int)a[1], 0, ST_REC_VIA_SYSCALL);
#endif
	case SYS_dup3:
		return fd_dup_onto(ST_OP_DUP3, (int)a[0], (int)a[1], (int)a[2], ST_REC_VIA_SYSCALL);
	default:
		return REAL(syscall)(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}

/*
 * sys.h - raw system calls for the shim's own use.
 *
 * The shim exports syscall() (apps close sockets through it), so its own
 * calls must not go through that symbol: they would be traced, or recurse
 * while the real functions are still being resolved.
 */
#ifndef SOCKTRACE_SYS_H
#define SOCKTRACE_SYS_H

#include <errno.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
/* Returns the kernel's result: a negative errno on failure; errno untouched. */
static inline long sys_raw6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#else
#include <unistd.h>
/* Elsewhere libc's syscall(): our wrapper passes unknown numbers straight on. */
static inline long sys_raw6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret = syscall(n, a, b, c, d, e, f);

	return ret == -1 ? -errno : ret;
}
#endif

#define sys_raw(n, a, b, c) sys_raw6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* libc convention (-1 and errno) on top of sys_raw6. */
static inline long sys_call6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret = sys_raw6(n, a, b, c, d, e, f);

	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

#endif

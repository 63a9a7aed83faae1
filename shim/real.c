/*
 * real.c - finding the next definition of each wrapped function.
 *
 * dlsym may itself call calloc, and an allocator may (rarely) open a socket:
 * a thread that re-enters real_resolve() while resolving gets the raw-syscall
 * fallbacks instead of recursing.
 */
#define _GNU_SOURCE
#include "real.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "shim.h"

struct real_fns real;

static __thread int tls_resolving TLS_IE;

static int fb_socket(int d, int t, int p) { return (int)syscall(SYS_socket, d, t, p); }
static int fb_socketpair(int d, int t, int p, int sv[2]) { return (int)syscall(SYS_socketpair, d, t, p, sv); }
static int fb_bind(int fd, const struct sockaddr *a, socklen_t l) { return (int)syscall(SYS_bind, fd, a, l); }
static int fb_listen(int fd, int b) { return (int)syscall(SYS_listen, fd, b); }
static int fb_accept(int fd, struct sockaddr *a, socklen_t *l) { return (int)syscall(SYS_accept, fd, a, l); }
static int fb_accept4(int fd, struct sockaddr *a, socklen_t *l, int f) { return (int)syscall(SYS_accept4, fd, a, l, f); }
static int fb_connect(int fd, const struct sockaddr *a, socklen_t l) { return (int)syscall(SYS_connect, fd, a, l); }
static int fb_shutdown(int fd, int how) { return (int)syscall(SYS_shutdown, fd, how); }
static int fb_close(int fd) { return (int)syscall(SYS_close, fd); }
static int fb_dup(int fd) { return (int)syscall(SYS_dup, fd); }

/* dup3 refuses fd == nfd; dup2 answers fd when fd is open. */
static int fb_dup2(int fd, int nfd)
{
	if (fd != nfd)
		return (int)syscall(SYS_dup3, fd, nfd, 0);
	return syscall(SYS_fcntl, fd, F_GETFD) < 0 ? -1 : fd;
}

static int fb_dup3(int fd, int nfd, int f) { return (int)syscall(SYS_dup3, fd, nfd, f); }
static pid_t fb_fork(void) { return (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); }
static __attribute__((noreturn)) void fb_exit(int st) { for (;;) syscall(SYS_exit_group, st); }

/* fcntl's third argument is an int or a pointer; a long carries both. */
static int fb_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

/* The next definition of name, unless it is missing or is our own wrapper. */
static void *next_sym(const char *name, void *ours)
{
	void *p = dlsym(RTLD_NEXT, name);

	return p == ours ? NULL : p;
}

const struct real_fns real_fallback = {
	.socket = fb_socket,
	.socketpair = fb_socketpair,
	.bind = fb_bind,
	.listen = fb_listen,
	.accept = fb_accept,
	.accept4 = fb_accept4,
	.connect = fb_connect,
	.shutdown = fb_shutdown,
	.close = fb_close,
	.dup = fb_dup,
	.dup2 = fb_dup2,
	.dup3 = fb_dup3,
	.fcntl = fb_fcntl,
	.fcntl64 = fb_fcntl,
	.fork = fb_fork,
	._exit = fb_exit,
	._Exit = fb_exit,
};

/* ours: our own wrapper's address, or NULL where C forbids taking it. */
#define RESOLVE_AS(fn, ours) do {						\
		void *p_ = next_sym(#fn, ours);					\
		__atomic_store_n((void **)&real.fn,				\
				 p_ ? p_ : (void *)real_fallback.fn, __ATOMIC_RELEASE); \
	} while (0)
#define RESOLVE(fn) RESOLVE_AS(fn, (void *)&fn)

void real_resolve(void)
{
	int saved = errno;

	if (tls_resolving)
		return;
	tls_resolving = 1;
	RESOLVE(socket);
	RESOLVE(socketpair);
	RESOLVE(bind);
	RESOLVE(listen);
	RESOLVE(accept);
	RESOLVE(accept4);
	RESOLVE(connect);
	RESOLVE(shutdown);
	RESOLVE(close);
	RESOLVE(dup);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(fcntl);
	RESOLVE(fcntl64);
	RESOLVE(fork);
	RESOLVE_AS(_exit, NULL);
	RESOLVE_AS(_Exit, NULL);
	tls_resolving = 0;
	errno = saved;
}

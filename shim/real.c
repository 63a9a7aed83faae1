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
#include <netdb.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "shim.h"
#include "sys.h"

/* Fallbacks use the raw call with libc's -1/errno convention. */
static long sys_any(long n, ...)
{
	va_list ap;
	long a[6];

	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return sys_call6(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static __thread int tls_resolving TLS_IE;

static int fb_socket(int d, int t, int p) { return (int)sys_any(SYS_socket, d, t, p); }
static int fb_socketpair(int d, int t, int p, int sv[2]) { return (int)sys_any(SYS_socketpair, d, t, p, sv); }
static int fb_bind(int fd, const struct sockaddr *a, socklen_t l) { return (int)sys_any(SYS_bind, fd, a, l); }
static int fb_listen(int fd, int b) { return (int)sys_any(SYS_listen, fd, b); }
static int fb_accept(int fd, struct sockaddr *a, socklen_t *l) { return (int)sys_any(SYS_accept, fd, a, l); }
static int fb_accept4(int fd, struct sockaddr *a, socklen_t *l, int f) { return (int)sys_any(SYS_accept4, fd, a, l, f); }
static int fb_connect(int fd, const struct sockaddr *a, socklen_t l) { return (int)sys_any(SYS_connect, fd, a, l); }
static int fb_shutdown(int fd, int how) { return (int)sys_any(SYS_shutdown, fd, how); }
static int fb_close(int fd) { return (int)sys_any(SYS_close, fd); }
static int fb_dup(int fd) { return (int)sys_any(SYS_dup, fd); }

/* dup3 refuses fd == nfd; dup2 answers fd when fd is open. */
static int fb_dup2(int fd, int nfd)
{
	if (fd != nfd)
		return (int)sys_any(SYS_dup3, fd, nfd, 0);
	return sys_any(SYS_fcntl, fd, F_GETFD) < 0 ? -1 : fd;
}

static int fb_dup3(int fd, int nfd, int f) { return (int)sys_any(SYS_dup3, fd, nfd, f); }
static pid_t fb_fork(void) { return (pid_t)sys_any(SYS_clone, SIGCHLD, 0, 0, 0, 0); }
static __attribute__((noreturn)) void fb_exit(int st) { for (;;) sys_any(SYS_exit_group, st); }
static int fb_close_range(unsigned a, unsigned b, int f) { return (int)sys_any(SYS_close_range, a, b, f); }
static void fb_closefrom(int fd) { sys_any(SYS_close_range, fd, ~0u, 0); }
static int fb_pipe2(int fds[2], int f) { return (int)sys_any(SYS_pipe2, fds, f); }
static ssize_t fb_sendmsg(int fd, const struct msghdr *m, int f) { return sys_any(SYS_sendmsg, fd, m, f); }
static ssize_t fb_recvmsg(int fd, struct msghdr *m, int f) { return sys_any(SYS_recvmsg, fd, m, f); }
static int fb_setsockopt(int fd, int l, int o, const void *v, socklen_t n) { return (int)sys_any(SYS_setsockopt, fd, l, o, v, n); }
static int fb_execve(const char *p, char *const a[], char *const e[]) { return (int)sys_any(SYS_execve, p, a, e); }
static int fb_execv(const char *p, char *const a[]) { return fb_execve(p, a, environ); }
static int fb_execvpe(const char *p, char *const a[], char *const e[]) { return fb_execve(p, a, e); }
static int fb_fexecve(int fd, char *const a[], char *const e[]) { return (int)sys_any(SYS_execveat, fd, "", a, e, AT_EMPTY_PATH); }
static int fb_execveat(int d, const char *p, char *const a[], char *const e[], int f) { return (int)sys_any(SYS_execveat, d, p, a, e, f); }
static pid_t fb_wait4(pid_t p, int *st, int o, struct rusage *ru) { return (pid_t)sys_any(SYS_wait4, p, st, o, ru); }
static pid_t fb_wait(int *st) { return fb_wait4(-1, st, 0, NULL); }
static pid_t fb_waitpid(pid_t p, int *st, int o) { return fb_wait4(p, st, o, NULL); }
static pid_t fb_wait3(int *st, int o, struct rusage *ru) { return fb_wait4(-1, st, o, ru); }
static int fb_waitid(idtype_t t, id_t id, siginfo_t *in, int o) { return (int)sys_any(SYS_waitid, t, id, in, o, NULL); }

static ssize_t fb_send(int fd, const void *b, size_t n, int f) { return sys_any(SYS_sendto, fd, b, n, f, NULL, 0); }
static ssize_t fb_sendto(int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l) { return sys_any(SYS_sendto, fd, b, n, f, a, l); }
static int fb_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int f) { return (int)sys_any(SYS_sendmmsg, fd, v, n, f); }
static ssize_t fb_recv(int fd, void *b, size_t n, int f) { return sys_any(SYS_recvfrom, fd, b, n, f, NULL, NULL); }
static ssize_t fb_recvfrom(int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l) { return sys_any(SYS_recvfrom, fd, b, n, f, a, l); }
static int fb_recvmmsg(int fd, struct mmsghdr *v, unsigned n, int f, struct timespec *t) { return (int)sys_any(SYS_recvmmsg, fd, v, n, f, t); }
static ssize_t fb_read(int fd, void *b, size_t n) { return sys_any(SYS_read, fd, b, n); }
static ssize_t fb_write(int fd, const void *b, size_t n) { return sys_any(SYS_write, fd, b, n); }
static ssize_t fb_readv(int fd, const struct iovec *v, int n) { return sys_any(SYS_readv, fd, v, n); }
static ssize_t fb_writev(int fd, const struct iovec *v, int n) { return sys_any(SYS_writev, fd, v, n); }
static ssize_t fb_sendfile(int o, int i, off_t *off, size_t n) { return sys_any(SYS_sendfile, o, i, off, n); }
static ssize_t fb_splice(int i, off_t *oi, int o, off_t *oo, size_t n, unsigned f) { return sys_any(SYS_splice, i, oi, o, oo, n, f); }
static ssize_t fb_read_chk(int fd, void *b, size_t n, size_t cap) { (void)cap; return fb_read(fd, b, n); }
static ssize_t fb_recv_chk(int fd, void *b, size_t n, size_t cap, int f) { (void)cap; return fb_recv(fd, b, n, f); }
static ssize_t fb_recvfrom_chk(int fd, void *b, size_t n, size_t cap, int f, struct sockaddr *a, socklen_t *l) { (void)cap; return fb_recvfrom(fd, b, n, f, a, l); }
static int fb_getsockopt(int fd, int l, int o, void *v, socklen_t *n) { return (int)sys_any(SYS_getsockopt, fd, l, o, v, n); }

/* Library-only functions: dlsym always finds them in libc; this is never reached. */
static int fb_fclose(FILE *fp) { (void)fp; errno = ENOSYS; return EOF; }
static int fb_fcloseall(void) { errno = ENOSYS; return EOF; }
static int fb_getaddrinfo(const char *h, const char *s, const struct addrinfo *hi, struct addrinfo **r) { (void)h; (void)s; (void)hi; (void)r; errno = ENOSYS; return EAI_SYSTEM; }
/* glibc's set*uid change every thread's ids: a raw call would change one thread's. */
static int fb_setuid(uid_t u) { (void)u; errno = ENOSYS; return -1; }
static int fb_seteuid(uid_t u) { (void)u; errno = ENOSYS; return -1; }
static int fb_setreuid(uid_t r, uid_t e) { (void)r; (void)e; errno = ENOSYS; return -1; }
static int fb_setresuid(uid_t r, uid_t e, uid_t s) { (void)r; (void)e; (void)s; errno = ENOSYS; return -1; }
static int fb_chroot(const char *p) { return (int)sys_any(SYS_chroot, p); }
static int fb_getnameinfo(const struct sockaddr *a, socklen_t l, char *h, socklen_t hl, char *s, socklen_t sl, int f) { (void)a; (void)l; (void)h; (void)hl; (void)s; (void)sl; (void)f; errno = ENOSYS; return EAI_SYSTEM; }

/* fcntl's third argument is an int or a pointer; a long carries both. */
static int fb_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return (int)sys_any(SYS_fcntl, fd, cmd, arg);
}

/*
 * Our own object's first and last byte, from the linker: hidden, so
 * reading them costs no symbol lookup at load.  Comparing dlsym's answer
 * with &wrapper instead took one lookup per wrapper (a preemptible
 * symbol's address comes from the GOT, bound at load by -z now): 57 of
 * the library's 86, 31,000 of the 50,000 instructions the loader spent
 * on it in every process (callgrind, /bin/true).
 */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern const char _end[] __attribute__((visibility("hidden")));

/*
 * The next definition of name, or NULL when there is none, or when
 * refuse_ours and it is ours (only our wrapper of that name can be).
 */
static PROC_PATH void *next_sym(const char *name, int refuse_ours)
{
	const char *p = dlsym(RTLD_NEXT, name);

	if (refuse_ours && p >= __ehdr_start && p < _end)
		return NULL;
	return (void *)p;
}

/* A hook's fallback as a designated initialiser. */
#define FALLBACK(name, ret, params, op, kind, fb) HOOK_IF_REAL(kind, .name = fb,)
#define FALLBACK_DATA(name, ret, params, op, kind, fb) HOOK_IF_DATA(kind, .name = fb,)

const struct real_fns real_fallback = {
	SHIM_HOOKS(FALLBACK)
};

/*
 * The data path's members start as the raw-syscall fallbacks (the same
 * calls, without libc's wrapper) until resolved, so REAL_DATA() needs no
 * test on every read and write.  The others start NULL: REAL() resolves.
 */
struct real_fns real = {
	SHIM_HOOKS(FALLBACK_DATA)
};

/* refuse_ours: 0 to take dlsym's answer as it is (NOADDR). */
#define RESOLVE_AS(fn, refuse_ours) do {					\
		void *p_ = next_sym(DATA_STR(#fn), refuse_ours);		\
		__atomic_store_n((void **)&real.fn,				\
				 p_ ? p_ : (void *)real_fallback.fn, __ATOMIC_RELEASE); \
	} while (0)
#define RESOLVE(name, ret, params, op, kind, fb)				\
	HOOK_IF_REAL(kind, RESOLVE_AS(name, HOOK_REFUSE_OURS(kind));)

PROC_PATH void real_resolve(void)
{
	int saved = errno;

	if (tls_resolving)
		return;
	tls_resolving = 1;
	SHIM_HOOKS(RESOLVE)
	tls_resolving = 0;
	errno = saved;
}

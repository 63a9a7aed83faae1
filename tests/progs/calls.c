/*
 * calls.c - a fixed script of socket and fd calls, many failing on purpose,
 * for the transparency test (t0200-transparency.t) and the strace oracle
 * (t0210-strace-oracle.t).
 *
 * Behaviour exercised: every call the shim wraps must return exactly what
 * libc returns, with the same errno, and the same fd numbers, traced or not.
 * After each call one line goes to stdout:
 *
 *     LABEL OP [fd=N] [newfd=M] ret=R errno=NAME|0
 *
 * (errno is cleared before each call and printed even on success: a wrapper
 * must not disturb it).  Only values that are the same on every run go to
 * stdout, so a traced and an untraced run print the same bytes; addresses
 * (kernel-chosen ports) and the non-blocking connect's outcome, which may be
 * 0 or EINPROGRESS, go to stderr as "# LABEL key=value" lines.  The last
 * stdout line is the lowest free fd number after everything is closed: a
 * shim that kept an fd open would change it.
 *
 * Usage: calls DIR (a writable directory for a regular file).
 * Exit status 0 when every call behaved as Linux documents.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* dup2/dup3 targets are free fds from here: above anything else opened. */
#define DUP_TARGET_FROM	30
#define FCNTL_MIN	10

static int failures;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static const char *ename(int err)
{
	const char *n;

	if (!err)
		return "0";
	n = strerrorname_np(err);
	return n ? n : "?";
}

/*
 * Print one result line and check it against what Linux documents:
 * want_err 0 means the call must succeed, else fail with that errno.
 */
static long show(const char *label, const char *op, int fd, const char *key2, int val2,
		 long ret, int err, int want_err)
{
	printf("%s %s", label, op);
	if (fd != -2)
		printf(" fd=%d", fd);
	if (val2 != -2)
		printf(" %s=%d", key2, val2);
	printf(" ret=%ld errno=%s\n", ret, ename(err));
	if (want_err ? (ret != -1 || err != want_err) : ret < 0) {
		fprintf(stderr, "calls: %s %s: ret %ld errno %s, expected %s\n", label, op, ret,
			ename(err), want_err ? ename(want_err) : "success");
		failures++;
	}
	return ret;
}

/*
 * Run EXPR with errno cleared, print its line, yield its result.  fd and
 * the second value (key2=val2: dup2's newfd, fcntl's minimum) are printed
 * unless -2.
 */
#define CALL2(label, op, fd, key2, val2, want, expr) ({		\
		long r_;						\
		int e_;							\
		errno = 0;						\
		r_ = (long)(expr);					\
		e_ = errno;						\
		show(label, op, fd, key2, val2, r_, e_, want);		\
	})
#define CALL(label, op, fd, newfd, want, expr) CALL2(label, op, fd, "newfd", newfd, want, expr)

/* The lowest fd >= from that is not open (inherited fds are left alone). */
static int free_fd_from(int from)
{
	for (int fd = from; fd < from + 1000; fd++) {
		errno = 0;
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			return fd;
	}
	fprintf(stderr, "calls: no free fd from %d\n", from);
	exit(1);
}

static struct sockaddr_in loopback(unsigned short port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	return sin;
}

static struct sockaddr_in local_of(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		die("getsockname");
	return sin;
}

static void note_addr(const char *label, int fd)
{
	struct sockaddr_in sin = local_of(fd);
	char ip[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip)))
		die("inet_ntop");
	fprintf(stderr, "# %s addr=%s:%u\n", label, ip, ntohs(sin.sin_port));
}

#define SA(p)	((struct sockaddr *)(p))

int main(int argc, char **argv)
{
	struct sockaddr_in any = loopback(0), lis, closed;
	char path[4096];
	int s1, s2, s3, udp, nb, l2, acc, x, sa, sb, sc, d1, d2, d3, d4, d5, file, file2, p[2], pd;
	int sv[2], nul, n;
	long r;

	if (argc != 2) {
		fprintf(stderr, "usage: calls DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(5);	/* watchdog: a hang is a failure */

	/* Creating sockets: one that works, two that cannot. */
	s1 = (int)CALL("s1", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM, 0));
	CALL("bad-family", "socket", -2, -2, EAFNOSUPPORT, socket(12345, SOCK_STREAM, 0));
	CALL("bad-pair", "socketpair", -2, -2, EOPNOTSUPP, socketpair(AF_INET, SOCK_STREAM, 0, sv));

	/* A listener, and a second socket refused its address. */
	CALL("s1", "bind", s1, -2, 0, bind(s1, SA(&any), sizeof(any)));
	CALL("s1", "listen", s1, -2, 0, listen(s1, 4));
	note_addr("s1", s1);
	lis = local_of(s1);
	s2 = (int)CALL("s2", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM, 0));
	CALL("s2", "bind", s2, -2, EADDRINUSE, bind(s2, SA(&lis), sizeof(lis)));

	/* listen() on a datagram socket. */
	udp = (int)CALL("udp", "socket", -2, -2, 0, socket(AF_INET, SOCK_DGRAM, 0));
	CALL("udp", "listen", udp, -2, EOPNOTSUPP, listen(udp, 1));

	/* A port nothing listens on: bind to learn one, close, connect. */
	x = (int)CALL("probe", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM, 0));
	CALL("probe", "bind", x, -2, 0, bind(x, SA(&any), sizeof(any)));
	closed = local_of(x);
	note_addr("closed", x);
	CALL("probe", "close", x, -2, 0, close(x));
	s3 = (int)CALL("s3", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM, 0));
	CALL("s3", "connect", s3, -2, ECONNREFUSED, connect(s3, SA(&closed), sizeof(closed)));

	/* A non-blocking connect to the listener: 0 or EINPROGRESS. */
	nb = (int)CALL("nb", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	errno = 0;
	r = connect(nb, SA(&lis), sizeof(lis));
	n = errno;
	fprintf(stderr, "# nb connect fd=%d ret=%ld errno=%s\n", nb, r, r < 0 ? ename(n) : "0");
	printf("nb connect fd=%d started=%s\n", nb, r == 0 || n == EINPROGRESS ? "yes" : "no");
	if (r != 0 && n != EINPROGRESS)
		failures++;
	/* The listener is blocking: this waits for the handshake, no race. */
	acc = (int)CALL("acc", "accept", s1, -2, 0, accept(s1, NULL, NULL));

	/* Calls on a socket in the wrong state. */
	CALL("s2", "shutdown", s2, -2, ENOTCONN, shutdown(s2, SHUT_RDWR));
	CALL("s2", "accept", s2, -2, EINVAL, accept(s2, NULL, NULL));
	l2 = (int)CALL("l2", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	CALL("l2", "bind", l2, -2, 0, bind(l2, SA(&any), sizeof(any)));
	CALL("l2", "listen", l2, -2, 0, listen(l2, 1));
	note_addr("l2", l2);
	CALL("l2", "accept4", l2, -2, EAGAIN, accept4(l2, NULL, NULL, SOCK_CLOEXEC));

	/* close() of no fd, and of a socket fd closed just before. */
	CALL("minus1", "close", -1, -2, EBADF, close(-1));
	x = (int)CALL("twice", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM, 0));
	CALL("twice", "close", x, -2, 0, close(x));
	CALL("twice", "close-again", x, -2, EBADF, close(x));

	/*
	 * An address length the kernel refuses unread (over sockaddr_storage):
	 * the 16 readable bytes end at a guard page, so whoever reads the
	 * length given faults.
	 */
	{
		long pg = sysconf(_SC_PAGESIZE);
		char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct sockaddr_in edge = loopback(9);
		struct sockaddr *at;
		int g;

		if (m == MAP_FAILED || mprotect(m + pg, pg, PROT_NONE))
			die("mmap guard page");
		at = (struct sockaddr *)(m + pg - sizeof(edge));
		memcpy(at, &edge, sizeof(edge));
		g = (int)CALL("edge", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM, 0));
		CALL("edge", "connect-len140", g, -2, EINVAL, connect(g, at, 140));
		CALL("edge", "bind-len140", g, -2, EINVAL, bind(g, at, 140));
		CALL("edge", "close", g, -2, 0, close(g));
		munmap(m, 2 * pg);
	}

	/* The dup family on one socket. */
	sa = (int)CALL("sa", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM, 0));
	sb = (int)CALL("sb", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM, 0));
	sc = (int)CALL("sc", "socket", -2, -2, 0, socket(AF_INET, SOCK_STREAM, 0));
	d1 = (int)CALL("sa", "dup", sa, -2, 0, dup(sa));
	n = free_fd_from(DUP_TARGET_FROM);
	d2 = (int)CALL("sa", "dup2", sa, n, 0, dup2(sa, n));
	n = free_fd_from(d2 + 1);
	d3 = (int)CALL("sa", "dup3", sa, n, 0, dup3(sa, n, O_CLOEXEC));
	d4 = (int)CALL2("sa", "F_DUPFD", sa, "min", FCNTL_MIN, 0, fcntl(sa, F_DUPFD, FCNTL_MIN));
	d5 = (int)CALL2("sa", "F_DUPFD_CLOEXEC", sa, "min", 0, 0, fcntl(sa, F_DUPFD_CLOEXEC, 0));
	CALL("sa", "dup2-self", sa, sa, 0, dup2(sa, sa));
	CALL("sa", "dup3-self", sa, sa, EINVAL, dup3(sa, sa, 0));
	CALL("sa", "dup2-bad", sa, -1, EBADF, dup2(sa, -1));
	/* Onto another open socket: that socket loses its only fd. */
	CALL("sa", "dup2-onto-socket", sa, sb, 0, dup2(sa, sb));
	/* Onto a regular file's fd. */
	n = snprintf(path, sizeof(path), "%s/calls.file", argv[1]);
	if (n < 0 || (size_t)n >= sizeof(path))
		die("snprintf");
	file = (int)CALL("file", "open", -2, -2, 0, open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
	CALL("sa", "dup2-onto-file", sa, file, 0, dup2(sa, file));
	/* A regular file onto a socket's fd: the socket loses its only fd. */
	file2 = (int)CALL("file2", "open", -2, -2, 0, open(path, O_RDONLY | O_CLOEXEC));
	CALL("file2", "dup2-onto-socket", file2, sc, 0, dup2(file2, sc));
	/* A pipe is not a socket. */
	CALL("pipe", "pipe", -2, -2, 0, pipe(p));
	printf("pipe fds=%d,%d\n", p[0], p[1]);
	pd = (int)CALL("pipe", "dup", p[0], -2, 0, dup(p[0]));

	/* Close everything: each socket fd once. */
	CALL("sa", "close", sa, -2, 0, close(sa));
	CALL("sa", "close", d1, -2, 0, close(d1));
	CALL("sa", "close", d2, -2, 0, close(d2));
	CALL("sa", "close", d3, -2, 0, close(d3));
	CALL("sa", "close", d4, -2, 0, close(d4));
	CALL("sa", "close", d5, -2, 0, close(d5));
	CALL("sa", "close", sb, -2, 0, close(sb));
	CALL("sa", "close", file, -2, 0, close(file));	/* the last fd of sa */
	CALL("file2", "close", sc, -2, 0, close(sc));	/* a file now */
	CALL("file2", "close", file2, -2, 0, close(file2));
	CALL("pipe", "close", p[0], -2, 0, close(p[0]));
	CALL("pipe", "close", p[1], -2, 0, close(p[1]));
	CALL("pipe", "close", pd, -2, 0, close(pd));
	CALL("s1", "close", s1, -2, 0, close(s1));
	CALL("s2", "close", s2, -2, 0, close(s2));
	CALL("s3", "close", s3, -2, 0, close(s3));
	CALL("udp", "close", udp, -2, 0, close(udp));
	CALL("nb", "close", nb, -2, 0, close(nb));
	CALL("acc", "close", acc, -2, 0, close(acc));
	CALL("l2", "close", l2, -2, 0, close(l2));
	if (unlink(path) < 0)
		die("unlink");

	/* Nothing of ours is open: the lowest free fd, traced or not. */
	nul = open("/dev/null", O_RDONLY);
	if (nul < 0)
		die("open /dev/null");
	printf("lowest-free fd=%d\n", nul);
	if (close(nul) < 0)
		die("close /dev/null");
	if (failures)
		fprintf(stderr, "calls: %d calls did not behave as documented\n", failures);
	return failures ? 1 : 0;
}

/*
 * calls2.c - a fixed script of the calls the shim wraps besides the socket
 * and dup families (those are tests/progs/calls.c): close_range, closefrom,
 * fclose, fcloseall, syscall(), sendmsg/recvmsg with SCM_RIGHTS,
 * setsockopt, the wait family, the exec family and vfork, many failing on
 * purpose, for the tests t0220..t0229 (transparency, then the records).
 *
 * Behaviour exercised: every wrapped call returns exactly what libc returns,
 * with the same errno, fd numbers, output and exit statuses, traced or not,
 * and a call that succeeds leaves errno exactly as it was before the call.
 * After each call one line goes to stdout:
 *
 *     LABEL OP [key=value...] ret=R errno=NAME|kept
 *
 * errno is set to a sentinel (12345) before each call; "kept" means it still
 * held the sentinel after it.  A pid is printed as "child" when it equals
 * the one expected, so a traced and an untraced run print the same bytes.  The last stdout line is the lowest free fd after everything
 * is closed: a shim that kept an fd open would change it.
 *
 * Lines "# LABEL key=value" on stderr give what varies between runs (pids,
 * socket inodes) for the tests that find things in the trace.
 *
 * Usage: calls2 DIR (a writable directory for a regular file).
 * Exit status 0 when every call behaved as Linux documents; 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SENTINEL	12345	/* errno before every call */
#define DUP_TARGET_FROM	40	/* dup2/dup3 targets: free fds from here */
#define EMPTY_FIRST	900	/* a range of fds nothing opens */
#define EMPTY_LAST	1000
#define BAD_SYSCALL	99999	/* no such system call number */
#define BAD_FLAGS	0x40000000	/* for close_range and execveat */
#define BAD_WAIT_OPT	0x00100000	/* no such waitpid option */
#define MAX_PASSED	4	/* fds one recvmsg can take here */
#define NO_SUCH_PATH	"/nonexistent/socktrace-calls2-no-such-file"
#define NO_SUCH_CMD	"socktrace-calls2-no-such-command"
#define VFORK_DUP_FD	60	/* the fd a vfork child dup2s onto */

static int failures;
static pid_t expect_pid;	/* printed as "child" when a call returns it */
static volatile int vfork_child_fd = -1;	/* set by a vfork child (shared memory) */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static const char *ename(int err)
{
	const char *n;

	if (err == SENTINEL)
		return "kept";
	if (!err)
		return "0";
	n = strerrorname_np(err);
	return n ? n : "?";
}

/*
 * Print one result line and check it: want_err 0 means the call must
 * succeed and leave errno as it was; else fail with that errno.
 */
static long show(const char *label, const char *op, const char *extra, long ret, int err,
		 int want_err)
{
	printf("%s %s%s", label, op, extra + 1);	/* extra starts with a pad */
	if (expect_pid > 0 && ret == expect_pid)
		printf(" ret=child");
	else
		printf(" ret=%ld", ret);
	printf(" errno=%s\n", ename(err));
	if (want_err ? (ret != -1 || err != want_err) : (ret < 0 || err != SENTINEL)) {
		fprintf(stderr, "calls2: %s %s: ret %ld errno %s, expected %s\n", label, op, ret,
			ename(err), want_err ? ename(want_err) : "success with errno kept");
		failures++;
	}
	return ret;
}

/* " key=value..." from a printf format, after one pad character. */
static const char *extra(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static const char *extra(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return buf;
}

/*
 * Run EXPR with errno at the sentinel and print its line; yields its
 * result.  The arguments after EXPR are " key=value" printf arguments.
 */
#define CALL(label, op, want, expr, ...) ({					\
		char x_[128];							\
		long r_;							\
		int e_;								\
		extra(x_, sizeof(x_), " " __VA_ARGS__);				\
		errno = SENTINEL;						\
		r_ = (long)(expr);						\
		e_ = errno;							\
		show(label, op, x_, r_, e_, want);				\
	})

/* The same for a call that returns nothing (closefrom): errno must be kept. */
#define CALLV(label, op, stmt, ...) ({						\
		char x_[128];							\
		int e_;								\
		extra(x_, sizeof(x_), " " __VA_ARGS__);				\
		errno = SENTINEL;						\
		stmt;								\
		e_ = errno;							\
		show(label, op, x_, 0, e_, 0);					\
	})

/* A check that is not a wrapped call: "LABEL WHAT value". */
static void fact(const char *label, const char *what, long value, long want)
{
	printf("%s %s %ld\n", label, what, value);
	if (value != want) {
		fprintf(stderr, "calls2: %s %s: %ld, expected %ld\n", label, what, value, want);
		failures++;
	}
}

static int xsocket(int domain, int type)
{
	int fd = socket(domain, type, 0);

	if (fd < 0)
		die("socket");
	return fd;
}

/* The lowest fd >= from that is not open. */
static int free_fd_from(int from)
{
	for (int fd = from; fd < from + 1000; fd++) {
		errno = 0;
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			return fd;
	}
	fprintf(stderr, "calls2: no free fd from %d\n", from);
	exit(1);
}

/* Is fd open? */
static int is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* "# LABEL fd=N inode=I" on stderr: how the tests find a socket in the trace. */
static void note(const char *label, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "calls2: %s: fd %d is not a socket\n", label, fd);
		failures++;
		return;
	}
	fprintf(stderr, "# %s fd=%d inode=%lu\n", label, fd, (unsigned long)st.st_ino);
}

/* fork() after flushing stdout, so no line is printed twice. */
static pid_t spawn(void)
{
	pid_t pid;

	if (fflush(stdout) == EOF)
		die("stdout");
	pid = fork();
	if (pid < 0)
		die("fork");
	return pid;
}

/* waitpid for a child that must exit with status want (not a wrapped-call test). */
static void reap(pid_t pid, int want, const char *who)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != want) {
		fprintf(stderr, "calls2: %s: wait status %#x, expected exit %d\n", who, st, want);
		failures++;
	}
}

/* ---- close_range, closefrom -------------------------------------------- */

static void sec_close_range(void)
{
	int a, b, c, s, p[2];

	a = (int)CALL("cr-a", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	b = (int)CALL("cr-b", "socket", 0, socket(AF_INET, SOCK_DGRAM, 0));
	c = (int)CALL("cr-c", "socket", 0, socket(AF_UNIX, SOCK_STREAM, 0));
	fact("cr", "contiguous", b == a + 1 && c == b + 1, 1);
	note("cr-a", a);
	note("cr-b", b);
	note("cr-c", c);
	CALL("cr", "close_range", 0, close_range((unsigned)a, (unsigned)c, 0),
	     " first=%d last=%d", a, c);
	fact("cr", "a-open", is_open(a), 0);
	fact("cr", "c-open", is_open(c), 0);
	/* Closed by the range: a second close is a double close. */
	CALL("cr-b", "close-again", EBADF, close(b), " fd=%d", b);

	/* No fd at all in the range, and a range holding only a pipe. */
	CALL("cr-empty", "close_range", 0, close_range(EMPTY_FIRST, EMPTY_LAST, 0),
	     " first=%d last=%d", EMPTY_FIRST, EMPTY_LAST);
	if (pipe(p) < 0)
		die("pipe");
	CALL("cr-pipe", "close_range", 0, close_range((unsigned)p[0], (unsigned)p[1], 0),
	     " first=%d last=%d", p[0], p[1]);
	fact("cr-pipe", "open", is_open(p[0]) || is_open(p[1]), 0);

	/* CLOSE_RANGE_CLOEXEC: nothing closes, the flag is set. */
	s = (int)CALL("cr-cx", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("cr-cx", s);
	CALL("cr-cx", "F_GETFD", 0, fcntl(s, F_GETFD), " fd=%d", s);
	CALL("cr-cx", "close_range-cloexec", 0,
	     close_range((unsigned)s, (unsigned)s, CLOSE_RANGE_CLOEXEC), " first=%d last=%d", s, s);
	CALL("cr-cx", "F_GETFD", 0, fcntl(s, F_GETFD), " fd=%d", s);
	{
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		CALL("cr-cx", "getsockname", 0, getsockname(s, (struct sockaddr *)&ss, &len),
		     " fd=%d", s);
	}
	CALL("cr-cx", "close", 0, close(s), " fd=%d", s);

	/* Refused ranges. */
	CALL("cr-inverted", "close_range", EINVAL, close_range(5, 3, 0), " first=5 last=3");
	s = (int)CALL("cr-flags", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("cr-flags", s);
	CALL("cr-flags", "close_range", EINVAL, close_range((unsigned)s, (unsigned)s, BAD_FLAGS),
	     " first=%d last=%d", s, s);
	fact("cr-flags", "open", is_open(s), 1);
	CALL("cr-flags", "close", 0, close(s), " fd=%d", s);
}

/* Last: closefrom closes everything from its argument up. */
static void sec_closefrom(const char *dir)
{
	char path[4096];
	int a, b, f;

	a = (int)CALL("cf-a", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	b = (int)CALL("cf-b", "socket", 0, socket(AF_INET6, SOCK_DGRAM, 0));
	snprintf(path, sizeof(path), "%s/calls2.cf", dir);
	f = (int)CALL("cf-file", "open", 0, open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
	fact("cf", "order", a < b && b < f, 1);
	note("cf-a", a);
	note("cf-b", b);
	CALLV("cf", "closefrom", closefrom(a), " lowfd=%d", a);
	fact("cf", "open", is_open(a) + is_open(b) + is_open(f), 0);
	CALL("cf-a", "close-again", EBADF, close(a), " fd=%d", a);
	CALLV("cf-none", "closefrom", closefrom(EMPTY_FIRST), " lowfd=%d", EMPTY_FIRST);
	if (unlink(path) < 0)
		die("unlink");
}

/* ---- fclose, fcloseall ------------------------------------------------- */

static void sec_fclose(const char *dir)
{
	char path[4096], mem[32];
	FILE *fp;
	int s;

	s = (int)CALL("fc-sock", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("fc-sock", s);
	fp = fdopen(s, "r+");
	if (!fp)
		die("fdopen");
	CALL("fc-sock", "fclose", 0, fclose(fp), " fd=%d", s);
	CALL("fc-sock", "close-again", EBADF, close(s), " fd=%d", s);

	snprintf(path, sizeof(path), "%s/calls2.fc", dir);
	fp = fopen(path, "w");
	if (!fp)
		die("fopen");
	fprintf(fp, "some data\n");
	CALL("fc-file", "fclose", 0, fclose(fp));
	if (unlink(path) < 0)
		die("unlink");

	/* A memory stream has no fd (fileno fails): errno must still be kept. */
	fp = fmemopen(mem, sizeof(mem), "w");
	if (!fp)
		die("fmemopen");
	fprintf(fp, "x");
	CALL("fc-mem", "fclose", 0, fclose(fp));

	/* A socket stream with buffered output that cannot be sent: fclose fails but closes. */
	s = (int)CALL("fc-unconn", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("fc-unconn", s);
	fp = fdopen(s, "w");
	if (!fp)
		die("fdopen");
	fputs("unsendable", fp);
	CALL("fc-unconn", "fclose", EPIPE, fclose(fp), " fd=%d", s);
	fact("fc-unconn", "open", is_open(s), 0);
}

/*
 * fcloseall may close stdout: done in a child that reports on a copy of fd
 * 1.  glibc's fcloseall flushes every stream and closes no fd (the streams
 * stay usable, unbuffered); whichever it does, each socket is then closed
 * with close(), which must succeed exactly when the fd is still open.
 */
static void sec_fcloseall(void)
{
	pid_t pid = spawn();

	if (pid == 0) {
		int out = dup(1), fds[2], e, bad = 0;
		FILE *fp[2];
		long r;

		if (out < 0)
			_exit(1);
		fds[0] = xsocket(AF_INET, SOCK_STREAM);
		fds[1] = xsocket(AF_UNIX, SOCK_DGRAM);
		note("fca-a", fds[0]);
		note("fca-b", fds[1]);
		fp[0] = fdopen(fds[0], "r+");
		fp[1] = fdopen(fds[1], "w");
		if (!fp[0] || !fp[1])
			_exit(1);
		dprintf(out, "fca sockets fds=%d,%d\n", fds[0], fds[1]);
		errno = SENTINEL;
		r = fcloseall();
		e = errno;
		dprintf(out, "fca fcloseall ret=%ld errno=%s\n", r, ename(e));
		bad += r != 0 || e != SENTINEL;
		for (int i = 0; i < 2; i++) {
			int open_before = is_open(fds[i]);

			errno = SENTINEL;
			r = close(fds[i]);
			e = errno;
			dprintf(out, "fca close fd=%d open-before=%d ret=%ld errno=%s\n", fds[i],
				open_before, r, ename(e));
			bad += open_before ? r != 0 || e != SENTINEL : r != -1 || e != EBADF;
		}
		_exit(bad ? 1 : 0);
	}
	fprintf(stderr, "# fca pid=%d\n", (int)pid);
	reap(pid, 0, "fcloseall child");
}

/* ---- syscall() ----------------------------------------------------------- */

static void sec_syscall(void)
{
	int s, a, b, d1, d2, d3, p[2];
	char buf[8];

	s = (int)CALL("sc-close", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("sc-close", s);
	CALL("sc-close", "SYS_close", 0, syscall(SYS_close, s), " fd=%d", s);
	CALL("sc-close", "SYS_close-again", EBADF, syscall(SYS_close, s), " fd=%d", s);
	CALL("sc-bad", "SYS_close", EBADF, syscall(SYS_close, 987), " fd=987");

	s = (int)CALL("sc-dup", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("sc-dup", s);
	d1 = (int)CALL("sc-dup", "SYS_dup", 0, syscall(SYS_dup, s), " fd=%d", s);
	d2 = free_fd_from(DUP_TARGET_FROM);
	CALL("sc-dup", "SYS_dup2", 0, syscall(SYS_dup2, s, d2), " fd=%d newfd=%d", s, d2);
	d3 = free_fd_from(d2 + 1);
	CALL("sc-dup", "SYS_dup3", 0, syscall(SYS_dup3, s, d3, O_CLOEXEC), " fd=%d newfd=%d", s, d3);
	CALL("sc-dup", "F_GETFD", 0, fcntl(d3, F_GETFD), " fd=%d", d3);
	CALL("sc-dup", "SYS_dup3-self", EINVAL, syscall(SYS_dup3, s, s, 0), " fd=%d", s);
	CALL("sc-dup", "SYS_dup2-bad", EBADF, syscall(SYS_dup2, s, -1), " fd=%d", s);
	CALL("sc-dup", "SYS_dup-bad", EBADF, syscall(SYS_dup, 987), " fd=987");
	fprintf(stderr, "# sc-dup copies=%d,%d,%d\n", d1, d2, d3);
	CALL("sc-dup", "close", 0, close(s), " fd=%d", s);
	CALL("sc-dup", "close", 0, close(d1), " fd=%d", d1);
	CALL("sc-dup", "close", 0, close(d2), " fd=%d", d2);
	CALL("sc-dup", "close", 0, close(d3), " fd=%d", d3);

	a = (int)CALL("sc-cr", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	b = (int)CALL("sc-cr", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	fact("sc-cr", "contiguous", b == a + 1, 1);
	note("sc-cr-a", a);
	note("sc-cr-b", b);
	CALL("sc-cr", "SYS_close_range", 0, syscall(SYS_close_range, a, b, 0),
	     " first=%d last=%d", a, b);
	CALL("sc-cr", "SYS_close_range-inverted", EINVAL, syscall(SYS_close_range, 5, 3, 0));

	/* Numbers the shim does not trace pass straight through. */
	CALL("sc-pid", "SYS_getpid", 0, syscall(SYS_getpid) == getpid() ? 1 : -2);
	CALL("sc-tid", "SYS_gettid", 0, syscall(SYS_gettid) == gettid() ? 1 : -2);
	CALL("sc-nosys", "syscall", ENOSYS, syscall(BAD_SYSCALL), " nr=%d", BAD_SYSCALL);
	CALL("sc-nosys", "syscall-minus1", ENOSYS, syscall(-1));
	if (pipe(p) < 0)
		die("pipe");
	CALL("sc-write", "SYS_write", 0, syscall(SYS_write, p[1], "abc", 3), " fd=%d", p[1]);
	memset(buf, 0, sizeof(buf));
	CALL("sc-read", "SYS_read", 0, syscall(SYS_read, p[0], buf, sizeof(buf)), " fd=%d", p[0]);
	printf("sc-read data=%s\n", buf);
	CALL("sc-pipe", "SYS_close", 0, syscall(SYS_close, p[0]), " fd=%d", p[0]);
	CALL("sc-pipe", "SYS_close", 0, syscall(SYS_close, p[1]), " fd=%d", p[1]);
	CALL("sc-pipe", "SYS_close-again", EBADF, syscall(SYS_close, p[1]), " fd=%d", p[1]);
}

/* ---- sendmsg / recvmsg ----------------------------------------------------- */

union cbuf {
	char buf[CMSG_SPACE(MAX_PASSED * sizeof(int))];
	struct cmsghdr align;
};

/* sendmsg of one byte on sock carrying fds[0..n) (n = 0: no control data). */
static long send_fds(int sock, const int *fds, int n, int flags)
{
	union cbuf u;
	char byte = 'm';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (n > 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	}
	return sendmsg(sock, &msg, flags);
}

/*
 * recvmsg of one message on sock with room for space bytes of control
 * data (0: msg_control NULL).  The fds received go to fds[], their count
 * to *n, the message flags to *mflags.
 */
static long recv_fds(int sock, size_t space, int flags, int *fds, int *n, int *mflags)
{
	union cbuf u;
	char byte[4];
	struct iovec iov = { .iov_base = byte, .iov_len = sizeof(byte) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	long r;
	int e;

	*n = 0;
	*mflags = -1;
	if (space) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = space;
	}
	r = recvmsg(sock, &msg, flags);
	e = errno;
	if (r >= 0) {
		*mflags = msg.msg_flags;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
				for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) &&
				     *n < MAX_PASSED; i++)
					memcpy(&fds[(*n)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	errno = e;
	return r;
}

static void print_received(const char *label, const int *fds, int n, int mflags)
{
	printf("%s received n=%d fds=", label, n);
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", fds[i]);
	printf(" ctrunc=%d\n", mflags >= 0 && (mflags & MSG_CTRUNC) ? 1 : 0);
}

static int sock_type(int fd)
{
	int type = -1;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	return type;
}

static void sec_msg(void)
{
	int sv[2], t[3], p[2], got[MAX_PASSED], n, mf;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		die("socketpair");
	note("msg-carrier0", sv[0]);
	note("msg-carrier1", sv[1]);
	printf("msg carrier fds=%d,%d\n", sv[0], sv[1]);

	/* No control data at all, then an empty msg_control on receipt. */
	CALL("msg-plain", "sendmsg", 0, send_fds(sv[0], NULL, 0, 0));
	CALL("msg-plain", "recvmsg-nullctl", 0, recv_fds(sv[1], 0, 0, got, &n, &mf));
	print_received("msg-plain", got, n, mf);

	/* A TCP socket passed and received. */
	t[0] = (int)CALL("msg-sock", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("msg-sock", t[0]);
	CALL("msg-sock", "sendmsg", 0, send_fds(sv[0], t, 1, 0), " fd=%d", t[0]);
	CALL("msg-sock", "close", 0, close(t[0]), " fd=%d", t[0]);
	CALL("msg-sock", "recvmsg", 0, recv_fds(sv[1], sizeof(union cbuf), 0, got, &n, &mf));
	print_received("msg-sock", got, n, mf);
	fprintf(stderr, "# msg-sock received=%d\n", n ? got[0] : -1);
	if (n == 1) {
		fact("msg-sock", "type", sock_type(got[0]), SOCK_STREAM);
		CALL("msg-sock", "F_GETFD", 0, fcntl(got[0], F_GETFD), " fd=%d", got[0]);
		CALL("msg-sock", "close", 0, close(got[0]), " fd=%d", got[0]);
	} else {
		failures++;
	}

	/* MSG_CMSG_CLOEXEC: the received fd is close-on-exec. */
	t[0] = xsocket(AF_INET, SOCK_DGRAM);
	note("msg-cx", t[0]);
	CALL("msg-cx", "sendmsg", 0, send_fds(sv[0], t, 1, 0), " fd=%d", t[0]);
	CALL("msg-cx", "close", 0, close(t[0]), " fd=%d", t[0]);
	CALL("msg-cx", "recvmsg-cloexec", 0,
	     recv_fds(sv[1], sizeof(union cbuf), MSG_CMSG_CLOEXEC, got, &n, &mf));
	print_received("msg-cx", got, n, mf);
	fprintf(stderr, "# msg-cx received=%d\n", n ? got[0] : -1);
	if (n == 1) {
		CALL("msg-cx", "F_GETFD", 0, fcntl(got[0], F_GETFD), " fd=%d", got[0]);
		CALL("msg-cx", "close", 0, close(got[0]), " fd=%d", got[0]);
	} else {
		failures++;
	}

	/* A pipe (not a socket) and a socket in one message. */
	if (pipe(p) < 0)
		die("pipe");
	t[0] = p[0];
	t[1] = xsocket(AF_UNIX, SOCK_STREAM);
	note("msg-mixed", t[1]);
	CALL("msg-mixed", "sendmsg", 0, send_fds(sv[0], t, 2, 0), " fds=%d,%d", t[0], t[1]);
	CALL("msg-mixed", "close", 0, close(t[1]), " fd=%d", t[1]);
	CALL("msg-mixed", "recvmsg", 0, recv_fds(sv[1], sizeof(union cbuf), 0, got, &n, &mf));
	print_received("msg-mixed", got, n, mf);
	fprintf(stderr, "# msg-mixed received=%d,%d\n", n > 0 ? got[0] : -1, n > 1 ? got[1] : -1);
	if (n == 2) {
		struct stat st;

		fact("msg-mixed", "first-is-fifo", fstat(got[0], &st) == 0 && S_ISFIFO(st.st_mode), 1);
		fact("msg-mixed", "second-type", sock_type(got[1]), SOCK_STREAM);
		CALL("msg-mixed", "close", 0, close(got[0]), " fd=%d", got[0]);
		CALL("msg-mixed", "close", 0, close(got[1]), " fd=%d", got[1]);
	} else {
		failures++;
	}
	close(p[0]);
	close(p[1]);

	/*
	 * Room for one fd of the two sent (CMSG_LEN, not CMSG_SPACE: the
	 * padding would fit a second int): MSG_CTRUNC, the kernel drops the other.
	 */
	t[0] = xsocket(AF_INET, SOCK_STREAM);
	t[1] = xsocket(AF_INET, SOCK_STREAM);
	note("msg-trunc-a", t[0]);
	note("msg-trunc-b", t[1]);
	CALL("msg-trunc", "sendmsg", 0, send_fds(sv[0], t, 2, 0), " fds=%d,%d", t[0], t[1]);
	CALL("msg-trunc", "close", 0, close(t[0]), " fd=%d", t[0]);
	CALL("msg-trunc", "close", 0, close(t[1]), " fd=%d", t[1]);
	CALL("msg-trunc", "recvmsg-short", 0,
	     recv_fds(sv[1], CMSG_LEN(sizeof(int)), 0, got, &n, &mf));
	print_received("msg-trunc", got, n, mf);
	fprintf(stderr, "# msg-trunc received=%d\n", n ? got[0] : -1);
	if (n == 1)
		CALL("msg-trunc", "close", 0, close(got[0]), " fd=%d", got[0]);
	else
		failures++;

	/* msg_control NULL while an fd is in the message: discarded, MSG_CTRUNC. */
	t[0] = xsocket(AF_INET, SOCK_STREAM);
	note("msg-null", t[0]);
	CALL("msg-null", "sendmsg", 0, send_fds(sv[0], t, 1, 0), " fd=%d", t[0]);
	CALL("msg-null", "close", 0, close(t[0]), " fd=%d", t[0]);
	CALL("msg-null", "recvmsg-nullctl", 0, recv_fds(sv[1], 0, 0, got, &n, &mf));
	print_received("msg-null", got, n, mf);

	/* Refused calls. */
	t[0] = 987;
	CALL("msg-badfd", "sendmsg", EBADF, send_fds(sv[0], t, 1, 0), " fd=987");
	CALL("msg-minus1", "sendmsg", EBADF, send_fds(-1, NULL, 0, 0));
	if (pipe(p) < 0)
		die("pipe");
	CALL("msg-pipe", "sendmsg", ENOTSOCK, send_fds(p[1], NULL, 0, 0), " fd=%d", p[1]);
	CALL("msg-pipe", "recvmsg", ENOTSOCK, recv_fds(p[0], sizeof(union cbuf), 0, got, &n, &mf),
	     " fd=%d", p[0]);
	close(p[0]);
	close(p[1]);
	CALL("msg-empty", "recvmsg", EAGAIN,
	     recv_fds(sv[1], sizeof(union cbuf), MSG_DONTWAIT, got, &n, &mf));
	CALL("msg-null-hdr", "recvmsg", EFAULT, recvmsg(sv[1], NULL, MSG_DONTWAIT));

	CALL("msg", "close", 0, close(sv[0]), " fd=%d", sv[0]);
	CALL("msg", "close", 0, close(sv[1]), " fd=%d", sv[1]);
}

/* ---- setsockopt ------------------------------------------------------------ */

static void sec_sockopt(void)
{
	struct linger lg, back;
	socklen_t len;
	int s, u, one = 1, p[2];

	s = (int)CALL("so", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	u = (int)CALL("so-udp", "socket", 0, socket(AF_INET, SOCK_DGRAM, 0));
	note("so", s);
	note("so-udp", u);
	lg = (struct linger){ 1, 0 };
	CALL("so", "SO_LINGER-1-0", 0, setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	lg = (struct linger){ 1, 5 };
	CALL("so", "SO_LINGER-1-5", 0, setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	len = sizeof(back);
	memset(&back, 0, sizeof(back));
	CALL("so", "getsockopt-SO_LINGER", 0, getsockopt(s, SOL_SOCKET, SO_LINGER, &back, &len));
	printf("so linger on=%d seconds=%d len=%u\n", back.l_onoff, back.l_linger, (unsigned)len);
	lg = (struct linger){ 0, 0 };
	CALL("so", "SO_LINGER-0-0", 0, setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	CALL("so", "SO_LINGER-short", EINVAL, setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(int)));
	CALL("so", "SO_LINGER-null", EFAULT, setsockopt(s, SOL_SOCKET, SO_LINGER, NULL, sizeof(lg)));
	CALL("so", "SO_LINGER-badfd", EBADF, setsockopt(-1, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	if (pipe(p) < 0)
		die("pipe");
	CALL("so", "SO_LINGER-pipe", ENOTSOCK,
	     setsockopt(p[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), " fd=%d", p[0]);
	CALL("so", "SO_REUSEADDR-pipe", ENOTSOCK,
	     setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), " fd=%d", p[0]);
	close(p[0]);
	close(p[1]);
	CALL("so", "SO_REUSEADDR", 0, setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	CALL("so", "TCP_NODELAY", 0, setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	CALL("so", "bad-level", ENOPROTOOPT, setsockopt(s, 12345, 1, &one, sizeof(one)));
	lg = (struct linger){ 1, 0 };
	CALL("so-udp", "SO_LINGER-1-0", 0, setsockopt(u, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	CALL("so", "close", 0, close(s), " fd=%d", s);
	CALL("so-udp", "close", 0, close(u), " fd=%d", u);
}

/* ---- the wait family ---------------------------------------------------------- */

static void status_line(const char *label, int st)
{
	if (WIFEXITED(st))
		printf("%s status exited=%d\n", label, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s status signal=%d\n", label, WTERMSIG(st));
	else
		printf("%s status other=%#x\n", label, st);
}

static void info_line(const char *label, const siginfo_t *in)
{
	printf("%s siginfo pid=%s code=%d status=%d\n", label,
	       in->si_pid == 0 ? "0" : in->si_pid == expect_pid ? "child" : "other",
	       in->si_pid ? in->si_code : 0, in->si_pid ? in->si_status : 0);
}

/* A child that waits for EOF on gate, then exits with code. */
static pid_t gated_child(int gate[2], int code)
{
	pid_t pid;
	char c;

	if (pipe(gate) < 0)
		die("pipe");
	pid = spawn();
	if (pid == 0) {
		close(gate[1]);
		while (read(gate[0], &c, 1) > 0)
			;
		_exit(code);
	}
	close(gate[0]);
	return pid;
}

static pid_t exiting_child(int code)
{
	pid_t pid = spawn();

	if (pid == 0)
		_exit(code);
	return pid;
}

static void sec_wait(void)
{
	struct rusage ru;
	siginfo_t in;
	int gate[2], st;
	pid_t pid;

	/* A running child: WNOHANG gives 0; then WNOWAIT looks without reaping. */
	pid = expect_pid = gated_child(gate, 3);
	fprintf(stderr, "# wait-a pid=%d\n", (int)pid);
	st = -7;
	CALL("wait-a", "waitpid-WNOHANG", 0, waitpid(pid, &st, WNOHANG));
	printf("wait-a status-untouched %d\n", st == -7);
	memset(&in, 0xff, sizeof(in));
	CALL("wait-a", "waitid-WNOHANG", 0, waitid(P_PID, (id_t)pid, &in, WEXITED | WNOHANG));
	info_line("wait-a", &in);
	close(gate[1]);		/* the child reads EOF and exits */
	memset(&in, 0, sizeof(in));
	CALL("wait-a", "waitid-WNOWAIT", 0, waitid(P_PID, (id_t)pid, &in, WEXITED | WNOWAIT));
	info_line("wait-a", &in);
	CALL("wait-a", "waitpid-NULL", 0, waitpid(pid, NULL, 0));

	pid = expect_pid = exiting_child(4);
	fprintf(stderr, "# wait-b pid=%d\n", (int)pid);
	memset(&in, 0, sizeof(in));
	CALL("wait-b", "waitid-WEXITED", 0, waitid(P_PID, (id_t)pid, &in, WEXITED));
	info_line("wait-b", &in);

	pid = expect_pid = exiting_child(5);
	fprintf(stderr, "# wait-c pid=%d\n", (int)pid);
	memset(&ru, 0, sizeof(ru));
	CALL("wait-c", "wait3", 0, wait3(&st, 0, &ru));
	status_line("wait-c", st);

	/*
	 * A child killed by a signal.  It holds a socket when it dies: only a
	 * process that holds one has a trace file, which the viewer then marks
	 * as reaped by the parent's wait.
	 */
	pid = expect_pid = spawn();
	if (pid == 0) {
		if (socket(AF_INET, SOCK_DGRAM, 0) < 0)
			_exit(98);
		signal(SIGTERM, SIG_DFL);
		raise(SIGTERM);
		_exit(99);
	}
	fprintf(stderr, "# wait-d pid=%d\n", (int)pid);
	CALL("wait-d", "wait4", 0, wait4(pid, &st, 0, &ru));
	status_line("wait-d", st);

	pid = expect_pid = exiting_child(6);
	fprintf(stderr, "# wait-e pid=%d\n", (int)pid);
	CALL("wait-e", "wait", 0, wait(&st));
	status_line("wait-e", st);

	expect_pid = 0;
	CALL("wait-none", "wait", ECHILD, wait(&st));
	CALL("wait-none", "waitpid-WNOHANG", ECHILD, waitpid(-1, &st, WNOHANG));
	CALL("wait-none", "waitid", ECHILD, waitid(P_ALL, 0, &in, WEXITED | WNOHANG));
	CALL("wait-none", "wait4", ECHILD, wait4(-1, &st, 0, &ru));
	CALL("wait-bad", "waitpid-options", EINVAL, waitpid(-1, &st, BAD_WAIT_OPT));
}

/* ---- the exec family ------------------------------------------------------------ */

#define A10(p)	p "0", p "1", p "2", p "3", p "4", p "5", p "6", p "7", p "8", p "9"

static void sec_exec(void)
{
	char *argv[] = { "calls2-exec", "arg", NULL };
	char *echo_argv[] = { "echo", "via-execve", NULL };
	int keeper, nul;
	pid_t pid;

	/* A socket without close-on-exec stays open across every failed exec. */
	keeper = (int)CALL("exec-keeper", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("exec-keeper", keeper);
	CALL("exec", "execve", ENOENT, execve(NO_SUCH_PATH, argv, environ));
	CALL("exec", "execv", ENOENT, execv(NO_SUCH_PATH, argv));
	CALL("exec", "execvp", ENOENT, execvp(NO_SUCH_CMD, argv));
	CALL("exec", "execvpe", ENOENT, execvpe(NO_SUCH_CMD, argv, environ));
	CALL("exec", "execl", ENOENT, execl(NO_SUCH_PATH, "x", "y", (char *)NULL));
	CALL("exec", "execlp", ENOENT, execlp(NO_SUCH_CMD, "x", (char *)NULL));
	CALL("exec", "execle", ENOENT, execle(NO_SUCH_PATH, "x", (char *)NULL, environ));
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nul < 0)
		die("open /dev/null");
	CALL("exec", "fexecve-noexec", EACCES, fexecve(nul, argv, environ));
	close(nul);
	CALL("exec", "execveat", ENOENT, execveat(AT_FDCWD, NO_SUCH_PATH, argv, environ, 0));
	CALL("exec", "execveat-flags", EINVAL, execveat(AT_FDCWD, "/bin/echo", argv, environ, BAD_FLAGS));
	CALL("exec", "execve-dir", EACCES, execve("/", argv, environ));
	CALL("exec-keeper", "F_GETFD", 0, fcntl(keeper, F_GETFD), " fd=%d", keeper);

	/* Exec that works, in forked children: their output is the proof. */
	pid = spawn();
	if (pid == 0) {
		execl("/bin/echo", "echo", A10("a0"), A10("a1"), A10("a2"), A10("a3"), A10("a4"),
		      A10("a5"), A10("a6"), (char *)NULL);
		_exit(127);
	}
	reap(pid, 0, "execl echo");
	pid = spawn();
	if (pid == 0) {
		execlp("echo", "echo", "via-execlp", (char *)NULL);
		_exit(127);
	}
	reap(pid, 0, "execlp echo");
	pid = spawn();
	if (pid == 0) {
		execle("/bin/echo", "echo", "via-execle", (char *)NULL, environ);
		_exit(127);
	}
	reap(pid, 0, "execle echo");
	pid = spawn();
	if (pid == 0) {
		execve("/bin/echo", echo_argv, environ);
		_exit(127);
	}
	reap(pid, 0, "execve echo");
	/* Exit status of an exec'd program that fails. */
	pid = spawn();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exit 7", (char *)NULL);
		_exit(127);
	}
	reap(pid, 7, "sh exit 7");
	CALL("exec-keeper", "close", 0, close(keeper), " fd=%d", keeper);
}

/* ---- vfork -------------------------------------------------------------------------- */

static void sec_vfork(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char *echo_argv[] = { "echo", "via-vfork-execve", NULL };
	char *bad_argv[] = { "nothing", NULL };
	int s, s2, s3, st, e;
	pid_t pid;

	/* The child closes its copy of the socket: the parent's stays open. */
	s = (int)CALL("vf-close", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("vf-close", s);
	if (fflush(stdout) == EOF)
		die("stdout");
	pid = vfork();
	if (pid == 0) {
		if (close(s) != 0)
			_exit(1);
		if (close(s) != -1)	/* a double close in the child: its own business */
			_exit(2);
		_exit(0);
	}
	if (pid < 0)
		die("vfork");
	expect_pid = pid;
	fprintf(stderr, "# vf-close pid=%d\n", (int)pid);
	CALL("vf-close", "waitpid", 0, waitpid(pid, &st, 0));
	status_line("vf-close", st);
	CALL("vf-close", "getsockname", 0, getsockname(s, (struct sockaddr *)&ss, &len), " fd=%d", s);
	CALL("vf-close", "close", 0, close(s), " fd=%d", s);

	/*
	 * The child makes a socket and leaves it to _exit: nothing in our
	 * table.  Nothing fails in the child (errno is shared memory), so
	 * errno after vfork must be the sentinel.
	 */
	errno = SENTINEL;
	pid = vfork();
	if (pid == 0) {
		vfork_child_fd = socket(AF_INET, SOCK_STREAM, 0);
		_exit(0);
	}
	e = errno;
	if (pid < 0)
		die("vfork");
	expect_pid = pid;
	show("vf-sock", "vfork", " ", pid, e, 0);
	fprintf(stderr, "# vf-sock pid=%d\n", (int)pid);
	CALL("vf-sock", "waitpid", 0, waitpid(pid, &st, 0));
	status_line("vf-sock", st);
	s2 = (int)CALL("vf-sock", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	fact("vf-sock", "same-fd-as-child", s2 == vfork_child_fd, 1);
	note("vf-sock", s2);
	CALL("vf-sock", "close", 0, close(s2), " fd=%d", s2);

	/* posix_spawn-like: dup2 onto a fixed fd, close the original, exec. */
	s3 = (int)CALL("vf-dup", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("vf-dup", s3);
	pid = vfork();
	if (pid == 0) {
		if (dup2(s3, VFORK_DUP_FD) != VFORK_DUP_FD || close(s3) != 0)
			_exit(1);
		_exit(0);
	}
	if (pid < 0)
		die("vfork");
	expect_pid = pid;
	fprintf(stderr, "# vf-dup pid=%d\n", (int)pid);
	CALL("vf-dup", "waitpid", 0, waitpid(pid, &st, 0));
	status_line("vf-dup", st);
	fact("vf-dup", "dup-target-open", is_open(VFORK_DUP_FD), 0);
	CALL("vf-dup", "close", 0, close(s3), " fd=%d", s3);

	/* vfork + execve that works, and one that fails (the child _exits 127). */
	if (fflush(stdout) == EOF)
		die("stdout");
	pid = vfork();
	if (pid == 0) {
		execve("/bin/echo", echo_argv, environ);
		_exit(127);
	}
	if (pid < 0)
		die("vfork");
	expect_pid = pid;
	fprintf(stderr, "# vf-exec pid=%d\n", (int)pid);
	CALL("vf-exec", "waitpid", 0, waitpid(pid, &st, 0));
	status_line("vf-exec", st);
	pid = vfork();
	if (pid == 0) {
		execve(NO_SUCH_PATH, bad_argv, environ);
		_exit(127);
	}
	if (pid < 0)
		die("vfork");
	expect_pid = pid;
	fprintf(stderr, "# vf-exec-fail pid=%d\n", (int)pid);
	CALL("vf-exec-fail", "waitpid", 0, waitpid(pid, &st, 0));
	status_line("vf-exec-fail", st);
	expect_pid = 0;
}

/* ---- close edge cases -------------------------------------------------------- */

/*
 * An fd number whose socket was closed, then reused by a file that a
 * range close closed: a close of it now fails with EBADF, but what was
 * closed twice is the file, not the socket.
 */
static void sec_reuse(void)
{
	int s, f;

	s = (int)CALL("reuse-sock", "socket", 0, socket(AF_INET, SOCK_STREAM, 0));
	note("reuse-sock", s);
	CALL("reuse-sock", "close", 0, close(s), " fd=%d", s);
	f = (int)CALL("reuse-file", "open", 0, open("/dev/null", O_RDONLY));
	fact("reuse-file", "same-fd", f == s, 1);
	CALL("reuse-file", "close_range", 0, close_range((unsigned)f, (unsigned)f, 0),
	     " first=%d last=%d", f, f);
	CALL("reuse-file", "close-again", EBADF, close(f), " fd=%d", f);
	f = (int)CALL("reuse-file2", "open", 0, open("/dev/null", O_RDONLY));
	CALLV("reuse-file2", "closefrom", closefrom(f), " lowfd=%d", f);
	CALL("reuse-file2", "close-again", EBADF, close(f), " fd=%d", f);
}

/*
 * closefrom with a negative argument: glibc closes from 0.  In a child,
 * since it closes stdout and stderr too; the child's exit status says
 * whether its socket was closed.
 */
static void sec_closefrom_negative(void)
{
	pid_t pid = spawn();
	int st;

	if (pid == 0) {
		int s = xsocket(AF_INET, SOCK_STREAM);

		note("cfneg", s);
		closefrom(-1);
		_exit(is_open(s) ? 1 : 0);
	}
	fprintf(stderr, "# cfneg pid=%d\n", (int)pid);
	expect_pid = pid;
	CALL("cfneg", "waitpid", 0, waitpid(pid, &st, 0));
	status_line("cfneg", st);
	expect_pid = 0;
}

int main(int argc, char **argv)
{
	int nul;

	if (argc != 2) {
		fprintf(stderr, "usage: calls2 DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	alarm(20);	/* watchdog: a hang is a failure */

	sec_close_range();
	sec_fclose(argv[1]);
	sec_fcloseall();
	sec_syscall();
	sec_msg();
	sec_sockopt();
	sec_wait();
	sec_exec();
	sec_vfork();
	sec_reuse();
	sec_closefrom_negative();
	sec_closefrom(argv[1]);

	/* Nothing of ours is open: the lowest free fd, traced or not. */
	nul = open("/dev/null", O_RDONLY);
	if (nul < 0)
		die("open /dev/null");
	printf("lowest-free fd=%d\n", nul);
	if (close(nul) < 0)
		die("close /dev/null");
	if (failures)
		fprintf(stderr, "calls2: %d calls did not behave as documented\n", failures);
	return failures ? 1 : 0;
}

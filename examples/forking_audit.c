/*
 * forking_audit.c - a forking TCP server that makes every classic socket
 * mistake once, on purpose, so that `socktrace audit` has something to find.
 *
 * The lesson behind all of them: an fd is one REFERENCE to a socket.
 * close() drops one reference; the kernel ends the connection (sends FIN)
 * only when the last reference, in any process, is gone.  fork(), dup(),
 * exec without CLOEXEC and SCM_RIGHTS all add references.  shutdown() is
 * different: it acts on the connection at once, whatever the count, but it
 * frees nothing: the fd must still be closed.
 *
 * Each step below is one mistake, marked "MISTAKE", with what the client
 * (built into this program) sees as the proof:
 *
 *   (g) inherited-across-exec  the listener, not CLOEXEC, leaks into an
 *                              exec'd helper
 *   (a) close-not-final        the parent forgets to close the accepted
 *                              socket after fork; the child's close does
 *                              not end the connection
 *   (e) close-with-unread-data close with request bytes unread: RST, not FIN
 *   (f) abortive-close         SO_LINGER {1, 0} then close: RST
 *   (c) shutdown-without-close shutdown(SHUT_RDWR) ends the connection, but
 *                              the fd is never closed
 *   (b) leaked-at-exit         an accepted socket nobody ever closes
 *   (d) double-close           the same fd closed twice (EBADF the second
 *                              time; in a threaded program it could have
 *                              closed someone else's new fd)
 *   (h) missed-close           a close made with a raw syscall, invisible
 *                              to an LD_PRELOAD tracer, then socket()
 *                              reuses the fd number
 *
 * Output: `listen`, `connect` and `accept` lines (fds and addresses), then
 * one `# (x) ...` line per step.  Synchronisation uses only real events
 * (blocking reads, bounded poll, pipes, waitpid).  Exit status 0 when the
 * kernel behaved as described, 1 otherwise.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_MS		5000	/* poll bound for an event that must come */
#define ADDR_STRLEN	(INET_ADDRSTRLEN + 6)	/* "ip:port" + NUL */

/* Print "what: <strerror(errno)>" to stderr and exit 1. */
static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Print "forking_audit: <msg>" to stderr and exit 1: an expectation failed. */
static void fail(const char *msg)
{
	fprintf(stderr, "forking_audit: %s\n", msg);
	exit(1);
}

/* Format an IPv4 socket address as "ip:port" into buf (ADDR_STRLEN bytes). */
static const char *fmt_addr(const struct sockaddr_in *sin, char *buf)
{
	char ip[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip)))
		die("inet_ntop");
	snprintf(buf, ADDR_STRLEN, "%s:%u", ip, ntohs(sin->sin_port));
	return buf;
}

/* The local (peer == 0) or peer (peer != 0) IPv4 address of fd. */
static struct sockaddr_in sock_addr(int fd, int peer)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int rc = peer ? getpeername(fd, (struct sockaddr *)&sin, &len)
		      : getsockname(fd, (struct sockaddr *)&sin, &len);

	if (rc < 0)
		die(peer ? "getpeername" : "getsockname");
	return sin;
}

/*
 * A TCP listener on 127.0.0.1 with a kernel-chosen port, deliberately NOT
 * SOCK_CLOEXEC (step g).  Prints the listen line; *addr gets the address.
 */
static int make_listener(struct sockaddr_in *addr)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(0),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	char buf[ADDR_STRLEN];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(fd, 8) < 0)
		die("listen");
	*addr = sock_addr(fd, 0);
	printf("listen fd=%d addr=%s\n", fd, fmt_addr(addr, buf));
	return fd;
}

/* Connect a new TCP socket to addr, print the connect line, return the fd. */
static int connect_to(const struct sockaddr_in *addr)
{
	char lbuf[ADDR_STRLEN], pbuf[ADDR_STRLEN];
	struct sockaddr_in local, peer;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0)
		die("connect");
	local = sock_addr(fd, 0);
	peer = sock_addr(fd, 1);
	printf("connect fd=%d local=%s peer=%s\n", fd,
	       fmt_addr(&local, lbuf), fmt_addr(&peer, pbuf));
	return fd;
}

/* Accept one connection on lfd, print the accept line, return the fd. */
static int accept_one(int lfd)
{
	char lbuf[ADDR_STRLEN], pbuf[ADDR_STRLEN];
	struct sockaddr_in local, peer;
	socklen_t plen = sizeof(peer);
	int fd = accept(lfd, (struct sockaddr *)&peer, &plen);

	if (fd < 0)
		die("accept");
	local = sock_addr(fd, 0);
	printf("accept fd=%d local=%s peer=%s\n", fd,
	       fmt_addr(&local, lbuf), fmt_addr(&peer, pbuf));
	return fd;
}

/* Write the n bytes of buf to fd in one call (small, so never short). */
static void send_all(int fd, const char *buf, size_t n)
{
	if (write(fd, buf, n) != (ssize_t)n)
		die("write");
}

/*
 * The client's view: wait (at most WAIT_MS) for fd to be readable and read
 * once.  Return the byte count, 0 for EOF (FIN), -1 with errno set for an
 * error (ECONNRESET for RST); a timeout is a failure.
 */
static ssize_t client_read(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, WAIT_MS);

	if (r < 0)
		die("poll");
	if (r == 0)
		fail("client: nothing arrived within the time limit");
	return read(fd, buf, size);
}

/* Require the client to read EOF (a FIN) on fd next. */
static void client_expect_eof(int fd, const char *step)
{
	char buf[16];
	ssize_t n = client_read(fd, buf, sizeof(buf));

	if (n < 0)
		die(step);
	if (n != 0) {
		fprintf(stderr, "forking_audit: %s: data where EOF was expected\n", step);
		exit(1);
	}
}

/* Require the client's next read on fd to fail with ECONNRESET (an RST). */
static void client_expect_reset(int fd, const char *step)
{
	char buf[16];
	ssize_t n = client_read(fd, buf, sizeof(buf));

	if (n < 0 && errno == ECONNRESET)
		return;
	if (n < 0)
		die(step);
	fprintf(stderr, "forking_audit: %s: %s where a reset was expected\n", step,
		n ? "data" : "EOF");
	exit(1);
}

/*
 * True when no FIN has reached the client's fd: its TCP state is still
 * ESTABLISHED (a FIN would have made it CLOSE_WAIT; on loopback the FIN is
 * delivered before the closer's close() returns).
 */
static int client_established(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		die("getsockopt TCP_INFO");
	return ti.tcpi_state == TCP_ESTABLISHED;
}

/* waitpid for pid and require a clean exit 0; who names it. */
static void reap(pid_t pid, const char *who)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "forking_audit: %s %d failed\n", who, (int)pid);
		exit(1);
	}
}

/* fork() after flushing stdout, so no line is printed twice. */
static pid_t spawn(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	return pid;
}

/*
 * (g) inherited-across-exec.  The child execs this program again in helper
 * mode.  The listener was made without SOCK_CLOEXEC, so the helper, which
 * knows nothing about it, holds a reference to it for its whole life: it
 * could keep the port open after the server exits, or accept connections
 * meant for the server.  The fix: SOCK_CLOEXEC on every socket.
 */
static void step_inherited_across_exec(int lfd)
{
	char *argv[] = { "forking_audit", "helper", NULL };
	char self[4096];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;

	/* The resolved path: under valgrind /proc/self/exe is valgrind. */
	if (len <= 0 || (size_t)len >= sizeof(self) - 1)
		strcpy(self, "/proc/self/exe");
	else
		self[len] = '\0';
	pid = spawn();
	if (pid == 0) {
		/* MISTAKE: nothing closes lfd, and it is not CLOEXEC. */
		execv(self, argv);
		perror("execv");
		_exit(1);
	}
	reap(pid, "helper");
	printf("# (g) inherited-across-exec: helper pid=%d exec'd with listener fd=%d "
	       "still open (not CLOEXEC)\n", (int)pid, lfd);
}

/*
 * (a) close-not-final.  A fork-per-connection server whose parent forgets
 * to close its copy of the accepted socket.  The child answers and closes,
 * but that close only drops the child's reference: the parent's copy keeps
 * the connection up, and the client waits for an EOF that does not come.
 * The fix: the parent closes the accepted fd right after fork().
 */
static void step_close_not_final(int lfd, const struct sockaddr_in *addr)
{
	static const char reply[] = "hello\n";
	char buf[16];
	int cfd = connect_to(addr);
	int afd = accept_one(lfd);
	pid_t pid = spawn();
	ssize_t n;

	if (pid == 0) {
		/* The handler child needs only the accepted socket. */
		if (close(lfd) < 0 || close(cfd) < 0)
			_exit(1);
		if (write(afd, reply, sizeof(reply) - 1) != (ssize_t)(sizeof(reply) - 1))
			_exit(1);
		if (close(afd) < 0)	/* not final: the parent still holds it */
			_exit(1);
		_exit(0);
	}
	/* MISTAKE: the parent should close(afd) here, and does not. */
	reap(pid, "handler child");
	n = client_read(cfd, buf, sizeof(buf));
	if (n != (ssize_t)(sizeof(reply) - 1) || memcmp(buf, reply, (size_t)n) != 0)
		fail("(a): the client did not get the child's reply");
	if (!client_established(cfd))
		fail("(a): the connection ended although the parent holds the socket");
	printf("# (a) close-not-final: child pid=%d closed accepted fd=%d and exited; "
	       "parent kept fd=%d: client got no EOF\n", (int)pid, afd, afd);
	/* Late, the parent notices: its close is the last one, the FIN goes. */
	if (close(afd) < 0)
		die("close");
	client_expect_eof(cfd, "(a) client");
	printf("# (a) parent closed fd=%d late: only now the client read EOF\n", afd);
	if (close(cfd) < 0)
		die("close");
}

/*
 * (e) close-with-unread-data.  The server closes while the client's request
 * is still unread in its receive buffer.  The kernel then aborts the
 * connection with RST instead of FIN: the client gets ECONNRESET and may
 * lose the reply it was reading.  The fix: read (drain) the request first.
 */
static void step_close_with_unread_data(int lfd, const struct sockaddr_in *addr)
{
	static const char req[] = "GET / please\n";
	struct pollfd p;
	int cfd = connect_to(addr);
	int afd = accept_one(lfd);

	send_all(cfd, req, sizeof(req) - 1);
	p = (struct pollfd){ .fd = afd, .events = POLLIN };
	if (poll(&p, 1, WAIT_MS) != 1)	/* the request has arrived ... */
		fail("(e): the request did not arrive");
	/* MISTAKE: ... and the server closes without reading it. */
	if (close(afd) < 0)
		die("close");
	client_expect_reset(cfd, "(e) client");
	printf("# (e) close-with-unread-data: closed fd=%d with %zu bytes unread: "
	       "client got ECONNRESET\n", afd, sizeof(req) - 1);
	if (close(cfd) < 0)
		die("close");
}

/*
 * (f) abortive-close.  SO_LINGER {on, 0 seconds} turns close() into an
 * abort: RST, no FIN, anything not yet delivered is thrown away.  Sometimes
 * done to dodge TIME_WAIT; it is worth a look whenever it appears.
 */
static void step_abortive_close(int lfd, const struct sockaddr_in *addr)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int cfd = connect_to(addr);
	int afd = accept_one(lfd);

	/* MISTAKE: linger 0, then close. */
	if (setsockopt(afd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		die("setsockopt SO_LINGER");
	if (close(afd) < 0)
		die("close");
	client_expect_reset(cfd, "(f) client");
	printf("# (f) abortive-close: SO_LINGER {1, 0} on fd=%d, then close: "
	       "client got ECONNRESET\n", afd);
	if (close(cfd) < 0)
		die("close");
}

/*
 * (c) shutdown-without-close.  shutdown(SHUT_RDWR) ends the conversation at
 * once (the client reads EOF), which makes the code look finished; but it
 * does not release the fd or the socket: only close() does.
 */
static int step_shutdown_without_close(int lfd, const struct sockaddr_in *addr)
{
	int cfd = connect_to(addr);
	int afd = accept_one(lfd);

	if (shutdown(afd, SHUT_RDWR) < 0)
		die("shutdown");
	client_expect_eof(cfd, "(c) client");
	/* MISTAKE: no close(afd), ever. */
	printf("# (c) shutdown-without-close: shutdown(fd=%d, SHUT_RDWR): client read EOF; "
	       "fd %d is never closed\n", afd, afd);
	if (close(cfd) < 0)
		die("close");
	return afd;
}

/*
 * (b) leaked-at-exit.  A connection is served and then forgotten: nobody
 * closes the accepted socket.  The client hangs up, the socket sits in
 * CLOSE_WAIT holding kernel memory and an fd until the process exits.
 */
static int step_leaked_at_exit(int lfd, const struct sockaddr_in *addr)
{
	char c;
	int cfd = connect_to(addr);
	int afd = accept_one(lfd);

	send_all(cfd, "x", 1);
	if (read(afd, &c, 1) != 1)
		die("read");
	if (close(cfd) < 0)	/* the client is done and hangs up */
		die("close");
	/* MISTAKE: the server never closes afd. */
	printf("# (b) leaked-at-exit: accepted fd=%d served one byte and is never closed\n",
	       afd);
	return afd;
}

/*
 * (d) double-close.  The second close() of the same fd fails with EBADF
 * here; in a program with threads another thread may have been given that
 * fd number in between, and the second close would silently close ITS file.
 */
static void step_double_close(int lfd, const struct sockaddr_in *addr)
{
	int cfd = connect_to(addr);
	int afd = accept_one(lfd);

	if (close(afd) < 0)
		die("close");
	/* MISTAKE: close it again. */
	if (close(afd) != -1 || errno != EBADF)
		fail("(d): the second close did not fail with EBADF");
	client_expect_eof(cfd, "(d) client");
	printf("# (d) double-close: closed fd=%d twice: the second close failed with EBADF\n",
	       afd);
	if (close(cfd) < 0)
		die("close");
}

/*
 * (h) missed-close.  A close(2) made with the raw syscall instruction (as
 * some runtimes and static binaries do) bypasses libc, so no LD_PRELOAD
 * tracer sees it; the next socket() gets the same fd number.  A tracer can
 * only infer the close from that reuse.
 */
static void step_missed_close(void)
{
#if defined(__x86_64__)
	int s = socket(AF_INET, SOCK_STREAM, 0), s2;
	long ret;

	if (s < 0)
		die("socket");
	/* MISTAKE (for a tracer): close behind libc's back. */
	__asm__ volatile ("syscall"
			  : "=a"(ret)
			  : "0"((long)SYS_close), "D"((long)s)
			  : "rcx", "r11", "memory");
	if (ret != 0)
		fail("(h): the raw close failed");
	s2 = socket(AF_INET, SOCK_STREAM, 0);
	if (s2 < 0)
		die("socket");
	printf("# (h) missed-close: fd=%d closed by a raw syscall; socket() then "
	       "returned fd=%d\n", s, s2);
	if (close(s2) < 0)
		die("close");
#else
	printf("# (h) missed-close: skipped (raw syscall shown for x86_64 only)\n");
#endif
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	int lfd, shut_fd, leaked_fd;

	/* Helper mode for step (g): exit at once, touching nothing. */
	if (argc == 2 && !strcmp(argv[1], "helper"))
		return 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);	/* a write to a reset socket: EPIPE, not death */
	alarm(30);			/* watchdog: a hang is a failure, never a wait */

	lfd = make_listener(&addr);
	/* The forking steps first, while the listener is the only socket:
	 * a child then inherits exactly what its step is about. */
	step_inherited_across_exec(lfd);
	step_close_not_final(lfd, &addr);
	step_close_with_unread_data(lfd, &addr);
	step_abortive_close(lfd, &addr);
	shut_fd = step_shutdown_without_close(lfd, &addr);
	leaked_fd = step_leaked_at_exit(lfd, &addr);
	step_double_close(lfd, &addr);
	step_missed_close();

	if (close(lfd) < 0)
		die("close");
	printf("# exit with fd=%d (shut down) and fd=%d (leaked) still open\n",
	       shut_fd, leaked_fd);
	return 0;	/* exit, not _exit: what a real server does at the end */
}

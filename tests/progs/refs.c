/*
 * refs.c - reference-count scenarios with the kernel's own verdict: the
 * ground truth that tests compare with what `socktrace audit` says.
 *
 * usage: refs SCENARIO
 *
 * Each scenario builds a loopback TCP connection, drops references to the
 * server's socket in one particular way (close after fork, exec, dup2 over
 * it, close_range, SCM_RIGHTS, SIGKILL, ...) and asks the OTHER end of the
 * connection, the peer, what the kernel did.  The peer's observation is the
 * proof, not our own bookkeeping:
 *
 *   alive        the remaining holder wrote the marker "M" after the close
 *                under test and the peer read exactly "M": a FIN, had one
 *                gone out, would have come first (TCP is sequenced)
 *   established  getsockopt(TCP_INFO) on the peer, right after the close
 *                returned, says TCP_ESTABLISHED (used where the remaining
 *                holder cannot write: an exec'd helper, a blocked child)
 *   eof          the peer's poll(POLLIN, 5000 ms) fired and read() gave 0
 *   reset        the peer's read() failed with ECONNRESET (an RST)
 *   other:X      anything else (X = errno name, bytes read, or "timeout");
 *                still exit 0, so the test shows the mismatch
 *
 * Output: `key=value` lines on stdout, flushed one by one (and before every
 * fork), giving the pids and fd numbers the trace will show.  Exit status 0
 * when every call that must succeed did; 1 with a message on stderr when a
 * call failed unexpectedly or a hand-shake timed out; 2 for bad usage.
 *
 * Rules that keep a traced run identical to a plain one: loopback only,
 * kernel-chosen ports, processes synchronise through pipes, socketpairs and
 * waitpid (never sleeps), poll() waits only for an event that must come,
 * every loop is bounded and every child is reaped.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "scm_rights.h"

#define WAIT_MS		5000	/* poll bound for an event that must come */
#define EINTR_TRIES	8	/* bound on restarts after a signal */
#define OBS_MAX		64	/* observation text, "data:" + escaped bytes */
#define N_WORKERS	3	/* prefork */
#define UNREAD_LEN	100	/* unread */
#define DAEMON_FD_MAX	255	/* daemon: the close loop's last fd */
#define WATCHDOG_S	60	/* a hang is a failure; never a wait */

/* The server side of one loopback TCP connection, and its client (peer). */
struct conn {
	int lfd;	/* listener */
	int cfd;	/* client: the peer that observes */
	int afd;	/* accepted: the socket under test */
};

/* Print "refs: what: strerror(errno)" to stderr and exit 1. */
static void die(const char *what)
{
	fprintf(stderr, "refs: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Print "refs: MESSAGE" to stderr and exit 1: a hand-shake went wrong. */
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("refs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/*
 * In a forked child: print the failure and _exit(1).  _exit, not exit: the
 * parent's stdio buffers and atexit handlers are not the child's to run.
 */
static void cdie(const char *what)
{
	fprintf(stderr, "refs: child %d: %s: %s\n", (int)getpid(), what, strerror(errno));
	_exit(1);
}

/* errno's symbolic name ("EBADF"), "0" for no error, "E?" when unknown. */
static const char *ename(int err)
{
	const char *n;

	if (!err)
		return "0";
	n = strerrorname_np(err);
	return n ? n : "E?";
}

/* Print one "key=value" line and flush it at once (see the header). */
static void kv(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("%s=", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (fflush(stdout) == EOF)
		die("stdout");
}

/* close(fd), which must succeed. */
static void xclose(int fd)
{
	if (close(fd) < 0)
		die("close");
}

/* pipe2(p, flags), which must succeed. */
static void xpipe(int p[2], int flags)
{
	if (pipe2(p, flags) < 0)
		die("pipe2");
}

/* fork() after flushing stdout, so no line is printed by both processes. */
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

/* poll fd for events, at most WAIT_MS; return poll's result (0: timeout). */
static int wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (int i = 0; i < EINTR_TRIES; i++) {
		int r = poll(&p, 1, WAIT_MS);

		if (r >= 0)
			return r;
		if (errno != EINTR)
			die("poll");
	}
	fail("poll: interrupted %d times", EINTR_TRIES);
	return -1;
}

/* Write the one-byte hand-shake command c to fd. */
static void send_byte(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		die("hand-shake write");
}

/* Wait (bounded) for one byte on fd and require it to be c; what names it. */
static void expect_byte(int fd, char c, const char *what)
{
	char got;
	ssize_t n;

	if (wait_for(fd, POLLIN) == 0)
		fail("timed out waiting for %s", what);
	n = read(fd, &got, 1);
	if (n < 0)
		die(what);
	if (n == 0)
		fail("EOF instead of %s", what);
	if (got != c)
		fail("%s: got '%c', want '%c'", what, got, c);
}

/*
 * In a child: block until the parent sends a command byte on fd and return
 * it, or -1 on EOF or error.  Blocking is bounded: the parent holds the
 * write end, so its exit ends the wait with EOF.
 */
static int child_wait(int fd)
{
	char c;

	for (int i = 0; i < EINTR_TRIES; i++) {
		ssize_t n = read(fd, &c, 1);

		if (n == 1)
			return (unsigned char)c;
		if (n == 0 || errno != EINTR)
			return -1;
	}
	return -1;
}

/* waitpid for pid (which must work) and return its wait status. */
static int reap(pid_t pid)
{
	int status;

	for (int i = 0; i < EINTR_TRIES; i++) {
		if (waitpid(pid, &status, 0) == pid)
			return status;
		if (errno != EINTR)
			die("waitpid");
	}
	fail("waitpid: interrupted %d times", EINTR_TRIES);
	return -1;
}

/* A wait status as "exited:N" or "killed:N" in buf (32 bytes). */
static const char *status_str(int status, char *buf)
{
	if (WIFEXITED(status))
		snprintf(buf, 32, "exited:%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, 32, "killed:%d", WTERMSIG(status));
	else
		snprintf(buf, 32, "status:%d", status);
	return buf;
}

/* Reap pid and require exit status 0; who names it in the message. */
static void reap_ok(pid_t pid, const char *who)
{
	char buf[32];
	int status = reap(pid);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("%s %d: %s", who, (int)pid, status_str(status, buf));
}

/* A TCP listener on 127.0.0.1 with a kernel-chosen port; *addr gets it. */
static int make_listener(struct sockaddr_in *addr)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(0),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(fd, 8) < 0)
		die("listen");
	if (getsockname(fd, (struct sockaddr *)addr, &len) < 0)
		die("getsockname");
	return fd;
}

/* A new TCP socket connected to addr, or -errno if connect() failed. */
static int try_connect(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int err;

	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0)
		return fd;
	err = errno;
	xclose(fd);
	return -err;
}

/* A new TCP socket connected to addr; connect() must succeed. */
static int connect_to(const struct sockaddr_in *addr)
{
	int fd = try_connect(addr);

	if (fd < 0) {
		errno = -fd;
		die("connect");
	}
	return fd;
}

/* accept4(lfd, flags), which must succeed; the peer address is not needed. */
static int accept_one(int lfd, int flags)
{
	int fd = accept4(lfd, NULL, NULL, flags);

	if (fd < 0)
		die("accept4");
	return fd;
}

/*
 * Listener, client, accepted socket, in that order (so a plain run gets fds
 * 3, 4, 5).  The listen backlog completes the handshake before accept().
 */
static void tcp_setup(struct conn *c, int accept_flags)
{
	struct sockaddr_in addr;

	c->lfd = make_listener(&addr);
	c->cfd = connect_to(&addr);
	c->afd = accept_one(c->lfd, accept_flags);
}

/* Print the fds of c as listen_fd, client_fd, conn_fd. */
static void print_conn(const struct conn *c)
{
	kv("listen_fd", "%d", c->lfd);
	kv("client_fd", "%d", c->cfd);
	kv("conn_fd", "%d", c->afd);
}

/* Write all n bytes of buf to fd (a socket: short writes are retried). */
static void write_all(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	for (int i = 0; done < n && i < 64; i++) {
		ssize_t w = write(fd, (const char *)buf + done, n - done);

		if (w < 0)
			die("write");
		done += (size_t)w;
	}
	if (done < n)
		fail("write: %zu of %zu bytes after 64 tries", done, n);
}

/*
 * What the peer sees on fd now: wait up to WAIT_MS for it to be readable,
 * read once, and describe the result in out (OBS_MAX bytes): "eof",
 * "reset" (ECONNRESET), "data:<bytes>" (non-printables as \xNN),
 * "error:<ENAME>" or "timeout".
 */
static const char *observe(int fd, char *out)
{
	unsigned char data[16];
	size_t len;
	ssize_t n;

	if (wait_for(fd, POLLIN) == 0)
		return strcpy(out, "timeout");
	n = read(fd, data, sizeof(data));
	if (n == 0)
		return strcpy(out, "eof");
	if (n < 0)
		return errno == ECONNRESET ? strcpy(out, "reset")
					   : strcat(strcpy(out, "error:"), ename(errno));
	strcpy(out, "data:");
	len = strlen(out);
	for (ssize_t i = 0; i < n && len + 5 < OBS_MAX; i++) {
		if (data[i] >= 0x21 && data[i] < 0x7f && data[i] != '\\')
			out[len++] = (char)data[i];
		else
			len += (size_t)snprintf(out + len, OBS_MAX - len, "\\x%02x", data[i]);
	}
	out[len] = '\0';
	return out;
}

/*
 * Map an observation to the printed verdict: "data:M" is "alive" (the
 * marker), "eof" and "reset" stand, anything else is "other:<what>".
 */
static void print_verdict(const char *key, const char *obs)
{
	if (!strcmp(obs, "data:M"))
		kv(key, "alive");
	else if (!strcmp(obs, "eof") || !strcmp(obs, "reset"))
		kv(key, "%s", obs);
	else if (!strncmp(obs, "data:", 5))
		kv(key, "other:%s", obs + 5);
	else if (!strncmp(obs, "error:", 6))
		kv(key, "other:%s", obs + 6);
	else
		kv(key, "other:%s", obs);
}

/* Observe the peer fd and print the verdict under key. */
static void print_obs(const char *key, int peerfd)
{
	char obs[OBS_MAX];

	print_verdict(key, observe(peerfd, obs));
}

/*
 * Print the peer's TCP state under key: "established" when no FIN has
 * reached it, else "other:<state>".  On loopback a FIN is delivered within
 * the closer's close() call (softirq on the same CPU), so reading this right
 * after a final close would see close_wait; in the scenarios that use it
 * the close is not final and "established" is the expected answer either way.
 */
static void print_tcp_state(const char *key, int peerfd)
{
	static const char *const names[] = {
		[TCP_ESTABLISHED] = "established", [TCP_SYN_SENT] = "syn_sent",
		[TCP_SYN_RECV] = "syn_recv", [TCP_FIN_WAIT1] = "fin_wait1",
		[TCP_FIN_WAIT2] = "fin_wait2", [TCP_TIME_WAIT] = "time_wait",
		[TCP_CLOSE] = "close", [TCP_CLOSE_WAIT] = "close_wait",
		[TCP_LAST_ACK] = "last_ack", [TCP_LISTEN] = "listen",
		[TCP_CLOSING] = "closing",
	};
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(peerfd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		die("getsockopt TCP_INFO");
	if (ti.tcpi_state == TCP_ESTABLISHED)
		kv(key, "established");
	else if (ti.tcpi_state < sizeof(names) / sizeof(names[0]) && names[ti.tcpi_state])
		kv(key, "other:%s", names[ti.tcpi_state]);
	else
		kv(key, "other:state%u", (unsigned)ti.tcpi_state);
}

/* A raw close(2) via the syscall instruction: no LD_PRELOAD shim sees it. */
#if defined(__x86_64__)
static long raw_close(int fd)
{
	long ret;

	__asm__ volatile ("syscall"
			  : "=a"(ret)
			  : "0"((long)SYS_close), "D"((long)fd)
			  : "rcx", "r11", "memory");
	return ret;
}
#endif

/*
 * The path of this program, for exec'ing it again: readlink of
 * /proc/self/exe, or /proc/self/exe itself when that fails.  The resolved
 * path, not /proc/self/exe, because under valgrind --trace-children the
 * latter names valgrind's own tool binary.
 */
static const char *self_path(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n <= 0 || (size_t)n >= size - 1)
		return "/proc/self/exe";
	buf[n] = '\0';
	return buf;
}

/* ---- scenarios ------------------------------------------------------- */

/*
 * fork-close: the fork-per-connection server done right.  The parent's
 * close after fork is not final (the child still holds conn): the child's
 * marker arrives; the child's close is final: EOF.
 */
static void sc_fork_close(void)
{
	struct conn c;
	int go[2];
	pid_t pid;

	tcp_setup(&c, 0);
	xpipe(go, 0);
	kv("parent_pid", "%d", (int)getpid());
	print_conn(&c);
	pid = spawn();
	if (pid == 0) {
		/* The handler keeps only conn and the command pipe's read end. */
		if (close(c.lfd) < 0 || close(c.cfd) < 0 || close(go[1]) < 0)
			cdie("close");
		if (child_wait(go[0]) != 'w')
			cdie("wait for 'w'");
		if (write(c.afd, "M", 1) != 1)
			cdie("write marker");
		if (child_wait(go[0]) != 'c')
			cdie("wait for 'c'");
		if (close(c.afd) < 0 || close(go[0]) < 0)
			cdie("close conn");
		_exit(0);
	}
	xclose(go[0]);
	kv("child_pid", "%d", (int)pid);
	xclose(c.afd);		/* correct: conn is the child's now */
	send_byte(go[1], 'w');
	print_obs("peer_after_parent_close", c.cfd);
	send_byte(go[1], 'c');
	print_obs("peer_after_child_close", c.cfd);
	xclose(go[1]);
	reap_ok(pid, "child");
	xclose(c.cfd);
	xclose(c.lfd);
}

/*
 * fork-noclose: the classic bug.  The parent keeps conn after fork, so the
 * child's close is not final (the parent's marker arrives after it); only
 * the parent's own close ends the connection.
 */
static void sc_fork_noclose(void)
{
	struct conn c;
	pid_t pid;

	tcp_setup(&c, 0);
	kv("parent_pid", "%d", (int)getpid());
	print_conn(&c);
	pid = spawn();
	if (pid == 0) {
		if (close(c.lfd) < 0 || close(c.cfd) < 0)
			cdie("close");
		if (close(c.afd) < 0)
			cdie("close conn");
		_exit(0);
	}
	kv("child_pid", "%d", (int)pid);
	reap_ok(pid, "child");	/* the child's close (and exit) are done */
	if (write(c.afd, "M", 1) != 1)
		die("write marker");
	print_obs("peer_after_child_close", c.cfd);
	xclose(c.afd);
	print_obs("peer_after_parent_close", c.cfd);
	xclose(c.cfd);
	xclose(c.lfd);
}

/* qsort comparator for an array of C strings. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/*
 * Read the worker's whole reply on fd (up to EOF, bounded) into out (8
 * bytes); return 0, or -1 with out describing what happened instead.
 */
static int read_reply(int fd, char out[8])
{
	size_t got = 0;

	for (int i = 0; i < 8; i++) {
		ssize_t n;

		if (wait_for(fd, POLLIN) == 0) {
			strcpy(out, "timeout");
			return -1;
		}
		n = read(fd, out + got, 7 - got);
		if (n < 0) {
			snprintf(out, 8, "%s", ename(errno));
			return -1;
		}
		if (n == 0) {
			out[got] = '\0';
			return got ? 0 : -1;
		}
		got += (size_t)n;
		if (got == 7)
			break;
	}
	out[got] = '\0';
	return -1;
}

/*
 * prefork: N_WORKERS children inherit the listener and each accepts one
 * connection; the parent's close of the listener is not final, so the
 * parent's later connects are still served.
 */
static void sc_prefork(void)
{
	char replies[N_WORKERS][8], buf[32];
	struct sockaddr_in addr;
	pid_t pids[N_WORKERS];
	const char *accepting = NULL;
	int lfd, served = 0;

	lfd = make_listener(&addr);
	kv("parent_pid", "%d", (int)getpid());
	kv("listen_fd", "%d", lfd);
	for (int w = 0; w < N_WORKERS; w++) {
		pids[w] = spawn();
		if (pids[w] == 0) {
			char msg[8];
			int afd = accept(lfd, NULL, NULL);
			int len = snprintf(msg, sizeof(msg), "W%d", w + 1);

			if (afd < 0)
				cdie("accept");
			if (write(afd, msg, (size_t)len) != len)
				cdie("write reply");
			if (close(afd) < 0 || close(lfd) < 0)
				cdie("close");
			_exit(0);
		}
		snprintf(buf, sizeof(buf), "worker_pid_%d", w + 1);
		kv(buf, "%d", (int)pids[w]);
	}
	xclose(lfd);		/* not final: every worker holds the listener */
	for (int i = 0; i < N_WORKERS; i++) {
		int cfd = try_connect(&addr);

		if (cfd < 0) {
			snprintf(replies[i], 8, "%s", ename(-cfd));
		} else {
			snprintf(buf, sizeof(buf), "client_fd_%d", i + 1);
			kv(buf, "%d", cfd);
			if (read_reply(cfd, replies[i]) == 0 && replies[i][0] == 'W')
				served++;
			xclose(cfd);
		}
		if (!accepting)
			accepting = replies[i];
	}
	if (accepting[0] == 'W')
		kv("peer_after_parent_close_listener", "accepting");
	else
		kv("peer_after_parent_close_listener", "other:%s", accepting);
	kv("connections_served", "%d", served);
	/* Which worker took which connection is the scheduler's choice. */
	qsort(replies, N_WORKERS, sizeof(replies[0]), cmp_str);
	kv("replies", "%s,%s,%s", replies[0], replies[1], replies[2]);
	for (int w = 0; w < N_WORKERS; w++) {
		/* A worker left waiting in accept() would never exit. */
		if (served < N_WORKERS)
			kill(pids[w], SIGKILL);
		if (served == N_WORKERS)
			reap_ok(pids[w], "worker");
		else
			reap(pids[w]);
	}
	if (served < N_WORKERS)
		fail("prefork: %d of %d connections served", served, N_WORKERS);
}

/*
 * exec-nocloexec / exec-cloexec: fork + exec this program again as a helper
 * (argv[1] "helper-wait") that never touches a socket, then close the parent's conn.  Without CLOEXEC the helper holds a
 * reference across exec, so the parent's close is not final; with it, the
 * exec dropped the child's copy and the parent's close is final.
 *
 * The pipes are made O_CLOEXEC and only the helper's ends are made
 * inheritable in the child, so they never keep anything open by accident;
 * the listener and client are closed in the child before exec: conn is the
 * only socket the helper can inherit, and only by its own flag.
 */
static void sc_exec(int cloexec)
{
	char rd[16], wr[16], buf[32], self[4096];
	const char *exe = self_path(self, sizeof(self));
	struct conn c;
	int go[2], rdy[2], fl;
	pid_t pid;

	tcp_setup(&c, cloexec ? SOCK_CLOEXEC : 0);
	xpipe(go, O_CLOEXEC);
	xpipe(rdy, O_CLOEXEC);
	fl = fcntl(c.afd, F_GETFD);
	if (fl < 0)
		die("fcntl F_GETFD");
	kv("parent_pid", "%d", (int)getpid());
	print_conn(&c);
	kv("conn_cloexec", "%d", (fl & FD_CLOEXEC) ? 1 : 0);
	pid = spawn();
	if (pid == 0) {
		char *argv[] = { "refs", "helper-wait", rd, wr, NULL };

		if (close(c.lfd) < 0 || close(c.cfd) < 0)
			cdie("close");
		if (fcntl(go[0], F_SETFD, 0) < 0 || fcntl(rdy[1], F_SETFD, 0) < 0)
			cdie("fcntl F_SETFD");
		snprintf(rd, sizeof(rd), "%d", go[0]);
		snprintf(wr, sizeof(wr), "%d", rdy[1]);
		execv(exe, argv);
		cdie("execv");
	}
	xclose(go[0]);
	xclose(rdy[1]);
	kv("helper_pid", "%d", (int)pid);
	/* The helper's "r" comes from the new program: the exec is done. */
	expect_byte(rdy[0], 'r', "the helper's ready byte");
	xclose(c.afd);
	if (!cloexec) {
		print_tcp_state("peer_after_parent_close", c.cfd);
		xclose(go[1]);	/* EOF: the helper exits */
		kv("helper_status", "%s", status_str(reap(pid), buf));
		print_obs("peer_after_helper_exit", c.cfd);
	} else {
		print_obs("peer_after_parent_close", c.cfd);
		xclose(go[1]);
		kv("helper_status", "%s", status_str(reap(pid), buf));
	}
	xclose(rdy[0]);
	xclose(c.cfd);
	xclose(c.lfd);
}

/*
 * helper-wait READFD WRITEFD: the exec'd helper of exec-*.  Write "r" on
 * WRITEFD, wait for a byte or EOF on READFD, exit 0.  It never touches a
 * socket and never prints.
 */
static int helper_wait(int argc, char **argv)
{
	char *end1, *end2;
	long rfd, wfd;

	if (argc != 4)
		fail("usage: refs helper-wait READFD WRITEFD");
	rfd = strtol(argv[2], &end1, 10);
	wfd = strtol(argv[3], &end2, 10);
	if (*end1 || *end2 || end1 == argv[2] || end2 == argv[3] || rfd < 0 || wfd < 0 ||
	    rfd > 65535 || wfd > 65535)
		fail("helper-wait: bad fd arguments");
	send_byte((int)wfd, 'r');
	xclose((int)wfd);
	(void)child_wait((int)rfd);	/* byte or EOF: either means "go" */
	xclose((int)rfd);
	return 0;
}

/* dup2-over: dup2 onto conn's number closes the socket, its only reference. */
static void sc_dup2_over(void)
{
	struct conn c;
	int p[2];

	tcp_setup(&c, 0);
	xpipe(p, 0);
	kv("pid", "%d", (int)getpid());
	print_conn(&c);
	kv("pipe_fd", "%d", p[0]);
	if (dup2(p[0], c.afd) != c.afd)
		die("dup2");
	print_obs("peer_after_dup2", c.cfd);
	xclose(c.afd);		/* the pipe's second fd now */
	xclose(p[0]);
	xclose(p[1]);
	xclose(c.cfd);
	xclose(c.lfd);
}

/*
 * close-range: close_range(a, a, 0) and then closefrom(b) are final closes
 * of two accepted sockets.  b is made last, so it is the highest fd this
 * program opened and closefrom(b) closes nothing of ours but b (fds above
 * it inherited from whoever started us are closed too, as in any daemon).
 */
static void sc_close_range(void)
{
	struct sockaddr_in addr;
	int lfd, ca, a, cb, b;

	lfd = make_listener(&addr);
	ca = connect_to(&addr);
	a = accept_one(lfd, 0);
	cb = connect_to(&addr);
	b = accept_one(lfd, 0);
	if (b < a || b < ca || b < cb || b < lfd)
		fail("close-range: conn b (%d) is not the highest fd", b);
	kv("pid", "%d", (int)getpid());
	kv("listen_fd", "%d", lfd);
	kv("client_a_fd", "%d", ca);
	kv("conn_a_fd", "%d", a);
	kv("client_b_fd", "%d", cb);
	kv("conn_b_fd", "%d", b);
	if (close_range((unsigned)a, (unsigned)a, 0) < 0)
		die("close_range");
	print_obs("peer_a_after_close_range", ca);
	closefrom(b);
	if (fcntl(b, F_GETFD) != -1 || errno != EBADF)
		fail("closefrom(%d) left fd %d open", b, b);
	print_obs("peer_b_after_closefrom", cb);
	xclose(ca);
	xclose(cb);
	xclose(lfd);
}

/* Send fd over the unix socket sock as SCM_RIGHTS, with one data byte. */
static void send_fd(int sock, int fd)
{
	if (scm_send_fd(sock, fd))
		die("sendmsg SCM_RIGHTS");
}

/* In the child: receive one fd sent by send_fd on sock; _exit(1) on failure. */
static int recv_fd(int sock)
{
	int fd = scm_recv_fd(sock);

	if (fd < 0)
		cdie("recvmsg: no SCM_RIGHTS fd");
	return fd;
}

/*
 * scm-rights: process B gets a second reference to A's conn via SCM_RIGHTS;
 * A's close is then not final (B's marker arrives), B's close is.  B is
 * forked before any TCP socket exists, so it inherits none.
 */
static void sc_scm_rights(void)
{
	struct conn c;
	int sp[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
		die("socketpair");
	kv("sender_pid", "%d", (int)getpid());
	pid = spawn();
	if (pid == 0) {
		int rfd;

		if (close(sp[0]) < 0)
			cdie("close");
		rfd = recv_fd(sp[1]);
		kv("received_fd", "%d", rfd);
		send_byte(sp[1], 'k');
		if (child_wait(sp[1]) != 'w')
			cdie("wait for 'w'");
		if (write(rfd, "M", 1) != 1)
			cdie("write marker");
		if (child_wait(sp[1]) != 'c')
			cdie("wait for 'c'");
		if (close(rfd) < 0)
			cdie("close received fd");
		/* Stay until the sender is done observing: EOF on the pair. */
		if (child_wait(sp[1]) != -1)
			cdie("unexpected byte");
		if (close(sp[1]) < 0)
			cdie("close");
		_exit(0);
	}
	xclose(sp[1]);
	kv("receiver_pid", "%d", (int)pid);
	tcp_setup(&c, 0);
	print_conn(&c);
	send_fd(sp[0], c.afd);
	expect_byte(sp[0], 'k', "the receiver's receipt");
	xclose(c.afd);		/* not final: B holds the received copy */
	send_byte(sp[0], 'w');
	print_obs("peer_after_sender_close", c.cfd);
	send_byte(sp[0], 'c');
	print_obs("peer_after_receiver_close", c.cfd);
	xclose(sp[0]);
	reap_ok(pid, "receiver");
	xclose(c.cfd);
	xclose(c.lfd);
}

/*
 * daemon: closefrom(3) and a close loop over 3..DAEMON_FD_MAX, as daemons
 * do at start, then an ordinary exchange.  A tracer must survive both.
 */
static void sc_daemon(void)
{
	struct conn c;
	char buf[8];
	int closed = 0;
	ssize_t n;

	closefrom(3);
	for (int fd = 3; fd <= DAEMON_FD_MAX; fd++) {
		if (close(fd) == 0)
			closed++;
		else if (errno != EBADF)
			die("close loop");
	}
	kv("pid", "%d", (int)getpid());
	kv("closed_by_loop", "%d", closed);
	tcp_setup(&c, 0);
	print_conn(&c);
	write_all(c.cfd, "hi", 2);
	if (wait_for(c.afd, POLLIN) == 0)
		fail("daemon: the client's bytes did not arrive");
	n = read(c.afd, buf, sizeof(buf));
	if (n < 0)
		die("read");
	xclose(c.afd);
	xclose(c.cfd);
	xclose(c.lfd);
	if (n == 2 && !memcmp(buf, "hi", 2))
		kv("exchange", "ok");
	else
		kv("exchange", "other:%zd bytes", n);
}

/*
 * sigkill-child: a child blocked in read() holds conn; the parent's close
 * is not final; SIGKILL ends the child, and its exit drops the last
 * reference.
 */
static void sc_sigkill_child(void)
{
	struct conn c;
	char buf[32];
	int go[2], rdy[2];
	pid_t pid;

	tcp_setup(&c, 0);
	xpipe(go, 0);
	xpipe(rdy, 0);
	kv("parent_pid", "%d", (int)getpid());
	print_conn(&c);
	pid = spawn();
	if (pid == 0) {
		if (close(c.lfd) < 0 || close(c.cfd) < 0 || close(go[1]) < 0 ||
		    close(rdy[0]) < 0)
			cdie("close");
		send_byte(rdy[1], 'r');
		(void)child_wait(go[0]);	/* until killed */
		_exit(1);			/* reached only if not killed */
	}
	xclose(go[0]);
	xclose(rdy[1]);
	kv("child_pid", "%d", (int)pid);
	expect_byte(rdy[0], 'r', "the child's ready byte");
	xclose(c.afd);
	print_tcp_state("peer_after_parent_close", c.cfd);
	if (kill(pid, SIGKILL) < 0)
		die("kill");
	kv("child_status", "%s", status_str(reap(pid), buf));
	print_obs("peer_after_kill", c.cfd);
	xclose(go[1]);
	xclose(rdy[0]);
	xclose(c.cfd);
	xclose(c.lfd);
}

/* unread: closing with unread bytes in the receive queue sends RST. */
static void sc_unread(void)
{
	char data[UNREAD_LEN];
	struct conn c;
	int avail;

	tcp_setup(&c, 0);
	kv("pid", "%d", (int)getpid());
	print_conn(&c);
	memset(data, 'u', sizeof(data));
	write_all(c.cfd, data, sizeof(data));
	if (wait_for(c.afd, POLLIN) == 0)
		fail("unread: the peer's bytes did not arrive");
	if (ioctl(c.afd, FIONREAD, &avail) < 0)
		die("ioctl FIONREAD");
	kv("unread_bytes", "%d", avail);
	xclose(c.afd);
	print_obs("peer_after_close", c.cfd);
	xclose(c.cfd);
	xclose(c.lfd);
}

/* linger0: SO_LINGER {1, 0} makes close() abort the connection with RST. */
static void sc_linger0(void)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct conn c;

	tcp_setup(&c, 0);
	kv("pid", "%d", (int)getpid());
	print_conn(&c);
	if (setsockopt(c.afd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		die("setsockopt SO_LINGER");
	xclose(c.afd);
	print_obs("peer_after_close", c.cfd);
	xclose(c.cfd);
	xclose(c.lfd);
}

/* double-close: the second close of a socket fd fails with EBADF. */
static void sc_double_close(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int r;

	if (s < 0)
		die("socket");
	kv("pid", "%d", (int)getpid());
	kv("socket_fd", "%d", s);
	r = close(s);
	kv("first_close", "%s", r == 0 ? "0" : ename(errno));
	r = close(s);
	kv("second_close", "%s", r == 0 ? "0" : ename(errno));
}

/*
 * shutdown-noclose: shutdown(SHUT_WR) sends FIN at once; then exit(0) with
 * conn still open (the client and listener are closed, so conn is the only
 * socket left at exit).
 */
static void sc_shutdown_noclose(void)
{
	struct conn c;

	tcp_setup(&c, 0);
	kv("pid", "%d", (int)getpid());
	print_conn(&c);
	if (shutdown(c.afd, SHUT_WR) < 0)
		die("shutdown");
	print_obs("peer_after_shutdown", c.cfd);
	xclose(c.cfd);
	xclose(c.lfd);
	exit(0);		/* exit, not _exit: atexit/destructors run */
}

/*
 * missed-close: close a socket behind any LD_PRELOAD shim's back, then a
 * new socket() gets the same (lowest free) fd number.
 */
static void sc_missed_close(void)
{
#if defined(__x86_64__)
	int s = socket(AF_INET, SOCK_STREAM, 0), s2;
	long r;

	if (s < 0)
		die("socket");
	kv("pid", "%d", (int)getpid());
	kv("old_fd", "%d", s);
	r = raw_close(s);
	if (r != 0) {
		errno = (int)-r;
		die("raw close");
	}
	s2 = socket(AF_INET, SOCK_STREAM, 0);
	if (s2 < 0)
		die("socket");
	kv("new_fd", "%d", s2);
	xclose(s2);
#else
	kv("pid", "%d", (int)getpid());
	kv("skip", "1");
#endif
}

/* fclose: fclose() of a FILE made by fdopen(conn) is conn's final close. */
static void sc_fclose(void)
{
	struct conn c;
	FILE *fp;

	tcp_setup(&c, 0);
	kv("pid", "%d", (int)getpid());
	print_conn(&c);
	fp = fdopen(c.afd, "r+");
	if (!fp)
		die("fdopen");
	if (fclose(fp) != 0)
		die("fclose");
	print_obs("peer_after_fclose", c.cfd);
	xclose(c.cfd);
	xclose(c.lfd);
}

/*
 * syscall-close: glibc's syscall(SYS_close) and syscall(SYS_dup) go around
 * close() and dup(); the kernel effect is the same.
 */
static void sc_syscall_close(void)
{
	struct conn c;
	long r;
	int s, d;

	tcp_setup(&c, 0);
	kv("pid", "%d", (int)getpid());
	print_conn(&c);
	r = syscall(SYS_close, c.afd);
	if (r != 0)
		die("syscall(SYS_close)");
	print_obs("peer_after_close", c.cfd);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket");
	d = (int)syscall(SYS_dup, s);
	if (d < 0)
		die("syscall(SYS_dup)");
	kv("socket_fd", "%d", s);
	kv("dup_fd", "%d", d);
	xclose(d);
	xclose(s);
	xclose(c.cfd);
	xclose(c.lfd);
}

/* The two exec scenarios: conn accepted without / with SOCK_CLOEXEC. */
static void sc_exec_nocloexec(void) { sc_exec(0); }
static void sc_exec_cloexec(void) { sc_exec(1); }

/* Scenario name (argv[1]) -> the function that runs it. */
static const struct {
	const char *name;
	void (*run)(void);
} scenarios[] = {
	{ "fork-close", sc_fork_close },
	{ "fork-noclose", sc_fork_noclose },
	{ "prefork", sc_prefork },
	{ "exec-nocloexec", sc_exec_nocloexec },
	{ "exec-cloexec", sc_exec_cloexec },
	{ "dup2-over", sc_dup2_over },
	{ "close-range", sc_close_range },
	{ "scm-rights", sc_scm_rights },
	{ "daemon", sc_daemon },
	{ "sigkill-child", sc_sigkill_child },
	{ "unread", sc_unread },
	{ "linger0", sc_linger0 },
	{ "double-close", sc_double_close },
	{ "shutdown-noclose", sc_shutdown_noclose },
	{ "missed-close", sc_missed_close },
	{ "fclose", sc_fclose },
	{ "syscall-close", sc_syscall_close },
};

/* Print the usage and the scenario names on stderr; exit 2. */
static void usage(void)
{
	fputs("usage: refs SCENARIO   (or: refs helper-wait READFD WRITEFD)\nscenarios:", stderr);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(stderr, " %s", scenarios[i].name);
	fputc('\n', stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "helper-wait"))
		return helper_wait(argc, argv);
	if (argc != 2)
		usage();
	/* A write to a reset socket or a dead child's pipe must fail with
	 * EPIPE, not kill us: it is reported like any other failed call. */
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (!strcmp(argv[1], scenarios[i].name)) {
			alarm(WATCHDOG_S);	/* watchdog, not a synchronisation */
			kv("scenario", "%s", argv[1]);
			scenarios[i].run();
			return 0;
		}
	}
	usage();
	return 2;
}

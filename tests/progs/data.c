/*
 * data.c - the data path with a real peer, for the t06xx tests.
 *
 * usage: data SCENARIO [DIR]
 *
 *   bytes      every wrapped data call moves a known number of bytes over
 *              a loopback TCP connection (send, sendto, sendmsg, write,
 *              writev, sendfile, splice one way; recv, recvfrom, recvmsg,
 *              read, readv, splice back, with MSG_PEEK reads that must not
 *              count) and a UDP pair (sendmmsg, recvmmsg, MSG_TRUNC).  DIR:
 *              a writable directory for sendfile's file.
 *   eof-reset  the peer's FIN (read returns 0), then a write into the
 *              closed connection (EPIPE, SIGPIPE ignored), and a read of a
 *              reset one (ECONNRESET); a write that fails with EPIPE and
 *              two more after it; a child that writes with SIGPIPE at
 *              its default is killed by it.
 *   nonblock   non-blocking connects: to a listener (completion learned
 *              by getsockopt SO_ERROR), to a closed port (ECONNREFUSED by
 *              SO_ERROR), and to a listener learned by the first send.
 *   lookup     getaddrinfo("localhost", PORT) then a connect to its
 *              answer; getaddrinfo of a name that cannot resolve without
 *              any network (AI_NUMERICHOST) and of an unknown service;
 *              getnameinfo of 127.0.0.1 (numeric: no lookup).
 *   fork       bytes sent before a fork, by the child, and by the parent
 *              after it, on one connection: each process counts its own.
 *   killed     sends and receives, then SIGKILLs itself: the counts must
 *              survive in the trace file.
 *   errors     data calls that fail (bad fds, pipes, unconnected and
 *              non-blocking sockets, bad arguments) and some that succeed,
 *              one "LABEL ret=R errno=E" line each ("kept": errno as it
 *              was): a traced run must print the same lines.
 *
 * Output: key=value lines on stdout (flushed before any fork) with the
 * byte totals the program itself counted, the inodes of the sockets, and
 * what the kernel said (errno names, signals).  Exit 0 when every call
 * behaved as Linux documents; 1 with a message on stderr otherwise.
 *
 * Loopback only, kernel-chosen ports; waits only with poll() for an event
 * that must come (bounded), never sleeps; every loop is bounded.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define WAIT_MS	5000	/* poll bound for an event that must come */

static void die(const char *what)
{
	fprintf(stderr, "data: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void say(const char *key, long long v)
{
	printf("%s=%lld\n", key, v);
	fflush(stdout);
}

static void say_str(const char *key, const char *v)
{
	printf("%s=%s\n", key, v);
	fflush(stdout);
}

static const char *ename(int err)
{
	const char *n = err ? strerrorname_np(err) : "0";

	return n ? n : "?";
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die("fstat");
	return (unsigned long)st.st_ino;
}

/* A listener on 127.0.0.1, kernel-chosen port; its address in *sa. */
static int listener(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &len) < 0)
		die("listener");
	return fd;
}

/* A connected pair: *cli connected to the listener, *srv accepted. */
static void tcp_pair(int *cli, int *srv)
{
	struct sockaddr_in sa;
	int l = listener(&sa);

	*cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*cli < 0 || connect(*cli, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	*srv = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (*srv < 0)
		die("accept");
	close(l);
}

/* Wait (bounded) until fd has events among want. */
static void wait_for(int fd, short want, const char *what)
{
	struct pollfd p = { .fd = fd, .events = want };

	if (poll(&p, 1, WAIT_MS) != 1)
		die(what);
}

/* Check that a call moved exactly n bytes. */
static void moved(const char *what, ssize_t got, ssize_t n)
{
	if (got != n) {
		fprintf(stderr, "data: %s moved %zd bytes, expected %zd (%s)\n", what, got, n, strerror(errno));
		exit(1);
	}
}

static char buf[65536];

/* ---- bytes ------------------------------------------------------------------- */

/* Client to server: one call of each sending kind; returns the bytes sent. */
static long long send_each(int c, const char *dir)
{
	struct iovec iov[2] = { { buf, 100 }, { buf, 200 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	char path[4096];
	int f, p[2];
	long long n = 0;

	moved("send", send(c, buf, 10, 0), 10);
	n += 10;
	moved("sendto", sendto(c, buf, 20, 0, NULL, 0), 20);
	n += 20;
	moved("sendmsg", sendmsg(c, &mh, 0), 300);
	n += 300;
	moved("write", write(c, buf, 40), 40);
	n += 40;
	moved("writev", writev(c, iov, 2), 300);
	n += 300;
	snprintf(path, sizeof(path), "%s/sendfile.dat", dir);
	f = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f < 0 || write(f, buf, 500) != 500)
		die("sendfile's file");
	moved("sendfile", sendfile(c, f, &(off_t){ 0 }, 500), 500);
	n += 500;
	close(f);
	unlink(path);
	if (pipe(p) < 0)
		die("pipe");
	moved("write to pipe", write(p[1], buf, 60), 60);
	moved("splice pipe->socket", splice(p[0], NULL, c, NULL, 60, 0), 60);
	n += 60;
	close(p[0]);
	close(p[1]);
	return n;
}

/* Server side: read exactly n bytes with each receiving kind in turn, peeking first. */
static long long recv_each(int s, long long n)
{
	struct iovec iov[2] = { { buf, 7 }, { buf + 7, 13 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	long long got = 0;
	int p[2], k = 0;

	if (pipe(p) < 0)
		die("pipe");
	wait_for(s, POLLIN, "poll for data");
	/* Peeked bytes stay queued: they are read (and counted) below. */
	if (recv(s, buf, 5, MSG_PEEK) <= 0 || recvfrom(s, buf, 5, MSG_PEEK, NULL, NULL) <= 0)
		die("peek");
	while (got < n && k < 10000) {
		size_t want = (size_t)(n - got < 20 ? n - got : 20);
		ssize_t r;

		switch (k++ % 6) {
		case 0: r = recv(s, buf, want, 0); break;
		case 1: r = recvfrom(s, buf, want, 0, NULL, NULL); break;
		case 2: iov[0].iov_len = want < 7 ? want : 7; iov[1].iov_len = want - iov[0].iov_len;
			r = recvmsg(s, &mh, 0); break;
		case 3: r = read(s, buf, want); break;
		case 4: iov[0].iov_len = want < 7 ? want : 7; iov[1].iov_len = want - iov[0].iov_len;
			r = readv(s, iov, 2); break;
		default:
			r = splice(s, NULL, p[1], NULL, want, 0);
			if (r > 0 && read(p[0], buf, (size_t)r) != r)
				die("read from pipe");
		}
		if (r <= 0)
			die("receive");
		got += r;
	}
	close(p[0]);
	close(p[1]);
	return got;
}

/* UDP: sendmmsg two datagrams, recvmmsg them; one more read short with MSG_TRUNC. */
static void udp_part(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), v = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct iovec iov[2] = { { buf, 30 }, { buf, 70 } }, riov[2] = { { buf, 1000 }, { buf + 1000, 1000 } };
	struct mmsghdr out[2], in[2];
	int n;

	if (u < 0 || v < 0 || bind(v, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(v, (struct sockaddr *)&sa, &len) < 0 || connect(u, (struct sockaddr *)&sa, len) < 0)
		die("udp");
	memset(out, 0, sizeof(out));
	memset(in, 0, sizeof(in));
	out[0].msg_hdr.msg_iov = &iov[0];
	out[0].msg_hdr.msg_iovlen = 1;
	out[1].msg_hdr.msg_iov = &iov[1];
	out[1].msg_hdr.msg_iovlen = 1;
	in[0].msg_hdr.msg_iov = &riov[0];
	in[0].msg_hdr.msg_iovlen = 1;
	in[1].msg_hdr.msg_iov = &riov[1];
	in[1].msg_hdr.msg_iovlen = 1;
	if (sendmmsg(u, out, 2, 0) != 2)
		die("sendmmsg");
	wait_for(v, POLLIN, "poll udp");
	n = recvmmsg(v, in, 2, MSG_WAITFORONE, NULL);
	if (n < 1)
		die("recvmmsg");
	if (n == 1) {	/* the second datagram was not queued yet */
		wait_for(v, POLLIN, "poll udp 2");
		if (recv(v, buf, 1000, 0) != 70)
			die("recv second datagram");
	}
	/* MSG_TRUNC: the kernel says the datagram's real length, 200, into a 10-byte buffer. */
	moved("send 200", send(u, buf, 200, 0), 200);
	wait_for(v, POLLIN, "poll udp 3");
	moved("recv MSG_TRUNC", recv(v, buf, 10, MSG_TRUNC), 200);
	say("udp_sent", 300);
	say("udp_received", 300);
	say("udp_client_inode", (long long)inode_of(u));
	say("udp_server_inode", (long long)inode_of(v));
	close(u);
	close(v);
}

static int sc_bytes(const char *dir)
{
	int c, s;
	long long sent, got;

	tcp_pair(&c, &s);
	say("client_inode", (long long)inode_of(c));
	say("server_inode", (long long)inode_of(s));
	sent = send_each(c, dir);
	got = recv_each(s, sent);
	say("client_sent", sent);
	say("server_received", got);
	sent = send_each(s, dir);
	got = recv_each(c, sent);
	say("server_sent", sent);
	say("client_received", got);
	close(c);
	close(s);
	udp_part();
	return 0;
}

/* ---- eof-reset --------------------------------------------------------------- */

/* A write into a connection the peer closed: the first is answered by RST, the next fails. */
static int write_after_close(int s)
{
	ssize_t r;

	if (write(s, "x", 1) != 1)
		die("first write after the peer closed");
	wait_for(s, POLLHUP | POLLERR, "poll for the RST");
	errno = 0;
	r = write(s, "y", 1);
	return r < 0 ? errno : 0;
}

static int sc_eof_reset(void)
{
	int c, s, st;
	struct linger lg = { 1, 0 };
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	/* EOF, then EPIPE. */
	tcp_pair(&c, &s);
	say("eof_inode", (long long)inode_of(s));
	close(c);
	wait_for(s, POLLIN, "poll for EOF");
	say("eof_read", read(s, buf, sizeof(buf)));
	say_str("write_after_close", ename(write_after_close(s)));
	close(s);
	/* ECONNRESET on a read: the peer closes with linger {1, 0}. */
	tcp_pair(&c, &s);
	say("reset_inode", (long long)inode_of(s));
	if (setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		die("SO_LINGER");
	close(c);
	wait_for(s, POLLIN | POLLERR | POLLHUP, "poll for the RST");
	errno = 0;
	say_str("read_after_reset", recv(s, buf, sizeof(buf), 0) < 0 ? ename(errno) : "no error");
	close(s);
	/* A program that does not act on the EPIPE: two more writes, failing too. */
	tcp_pair(&c, &s);
	say("ignored_inode", (long long)inode_of(s));
	close(c);
	wait_for(s, POLLIN, "poll for EOF 3");
	say_str("write_ignored_1", ename(write_after_close(s)));
	errno = 0;
	say_str("write_ignored_2", write(s, "z", 1) < 0 ? ename(errno) : "no error");
	errno = 0;
	say_str("write_ignored_3", write(s, "z", 1) < 0 ? ename(errno) : "no error");
	close(s);
	/* A child with SIGPIPE at its default: the kernel's SIGPIPE kills it. */
	tcp_pair(&c, &s);
	close(c);
	wait_for(s, POLLIN, "poll for EOF 2");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		write_after_close(s);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		die("waitpid");
	say("child_signal", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	close(s);
	return 0;
}

/* ---- nonblock ---------------------------------------------------------------- */

/* A non-blocking connect to sa; prints LABEL_connect=0|EINPROGRESS|... */
static int nb_connect(const char *label, const struct sockaddr_in *sa)
{
	char key[64];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	snprintf(key, sizeof(key), "%s_inode", label);
	say(key, (long long)inode_of(fd));
	snprintf(key, sizeof(key), "%s_connect", label);
	errno = 0;
	say_str(key, connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ? "0" : ename(errno));
	return fd;
}

static int so_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) < 0)
		die("getsockopt");
	return v;
}

static int sc_nonblock(void)
{
	struct sockaddr_in sa, closed;
	int l = listener(&sa), c, a;

	/* To a listener, learned by SO_ERROR. */
	c = nb_connect("ok", &sa);
	wait_for(c, POLLOUT, "poll connect");
	say_str("ok_so_error", ename(so_error(c)));
	a = accept(l, NULL, NULL);
	close(a);
	close(c);
	/* To a closed port: a listener's port, once it is closed. */
	{
		int t = listener(&closed);

		close(t);
	}
	c = nb_connect("refused", &closed);
	wait_for(c, POLLOUT, "poll refused");
	say_str("refused_so_error", ename(so_error(c)));
	close(c);
	/* To a listener, learned by the first send. */
	c = nb_connect("send", &sa);
	wait_for(c, POLLOUT, "poll connect 2");
	moved("first send", send(c, "hi", 2, 0), 2);
	a = accept(l, NULL, NULL);
	close(a);
	close(c);
	close(l);
	return 0;
}

/* ---- lookup ------------------------------------------------------------------ */

static int sc_lookup(void)
{
	struct sockaddr_in sa, *got;
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res = NULL;
	char port[16], host[64], serv[32];
	int l = listener(&sa), c, a, rc;

	snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));
	say_str("port", port);
	rc = getaddrinfo("localhost", port, &hints, &res);
	say_str("localhost_gai", rc ? gai_strerror(rc) : "0");
	if (rc)
		return 1;
	got = (struct sockaddr_in *)res->ai_addr;
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)got, sizeof(*got)) < 0)
		die("connect to the lookup's answer");
	freeaddrinfo(res);
	say("lookup_client_inode", (long long)inode_of(c));
	a = accept(l, NULL, NULL);
	close(a);
	close(c);
	close(l);
	/* AI_NUMERICHOST: libc refuses the name without asking anyone. */
	hints.ai_flags = AI_NUMERICHOST;
	rc = getaddrinfo("no-such-host.invalid", "80", &hints, &res);
	say("nonumeric_gai", rc);
	hints.ai_flags = 0;
	rc = getaddrinfo("127.0.0.1", "no-such-service-socktrace", &hints, &res);
	say("noservice_gai", rc);
	rc = getnameinfo((struct sockaddr *)&sa, sizeof(sa), host, sizeof(host), serv, sizeof(serv),
			 NI_NUMERICHOST | NI_NUMERICSERV);
	say("gni", rc);
	say_str("gni_host", host);
	say_str("gni_serv", serv);
	return 0;
}

/* ---- fork, killed ------------------------------------------------------------ */

/* Read exactly n bytes from s. */
static void drain(int s, long long n)
{
	while (n > 0) {
		ssize_t r;

		wait_for(s, POLLIN, "poll drain");
		r = read(s, buf, (size_t)(n < (long long)sizeof(buf) ? n : (long long)sizeof(buf)));
		if (r <= 0)
			die("drain");
		n -= r;
	}
}

static int sc_fork(void)
{
	int c, s, st;
	pid_t pid;

	tcp_pair(&c, &s);
	say("client_inode", (long long)inode_of(c));
	moved("parent send 1", send(c, buf, 100, 0), 100);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		moved("child send", send(c, buf, 200, 0), 200);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
	moved("parent send 2", send(c, buf, 300, 0), 300);
	drain(s, 600);
	say("client_sent", 600);
	say("server_received", 600);
	close(c);
	close(s);
	return 0;
}

static int sc_killed(void)
{
	int c, s;

	tcp_pair(&c, &s);
	say("client_inode", (long long)inode_of(c));
	say("server_inode", (long long)inode_of(s));
	moved("send", send(c, buf, 1000, 0), 1000);
	drain(s, 1000);
	moved("send back", write(s, buf, 234), 234);
	drain(c, 234);
	say("client_sent", 1000);
	say("client_received", 234);
	raise(SIGKILL);
	return 1;
}

/* ---- errors ------------------------------------------------------------------ */

/* One data call's result as "LABEL ret=R errno=E" (errno set to a sentinel before it). */
#define SHOW(label, expr) do {							\
		long r_;							\
		errno = 4242;							\
		r_ = (long)(expr);						\
		printf("%s ret=%ld errno=%s\n", label, r_, errno == 4242 ? "kept" : ename(errno)); \
	} while (0)

static int sc_errors(void)
{
	volatile int bad_count = -1;	/* hidden from the compiler's checks */
	int p[2], u, c, s, nb;
	struct iovec iov = { buf, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) < 0)
		die("pipe");
	SHOW("read-badfd", read(-1, buf, 1));
	SHOW("write-pipe", write(p[1], "z", 1));
	SHOW("read-pipe", read(p[0], buf, 1));
	SHOW("recv-pipe", recv(p[0], buf, 1, 0));
	SHOW("send-pipe", send(p[1], buf, 1, 0));
	SHOW("readv-badcnt", readv(p[0], &iov, bad_count));
	SHOW("sendfile-badfd", sendfile(p[1], -1, NULL, 1));
	u = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	SHOW("send-unconnected", send(u, buf, 1, 0));
	SHOW("recv-unconnected", recv(u, buf, 1, 0));
	SHOW("write-unconnected", write(u, buf, 1));
	SHOW("sendmsg-efault", sendmsg(u, NULL, 0));
	tcp_pair(&c, &s);
	nb = fcntl(s, F_GETFL);
	fcntl(s, F_SETFL, nb | O_NONBLOCK);
	SHOW("recv-eagain", recv(s, buf, 1, 0));
	SHOW("read-eagain", read(s, buf, 1));
	SHOW("send-ok", send(c, buf, 3, 0));
	wait_for(s, POLLIN, "poll");
	SHOW("recv-peek", recv(s, buf, 3, MSG_PEEK));
	SHOW("recvmsg-ok", recvmsg(s, &mh, 0));
	SHOW("read-0-bytes", read(s, buf, 0));
	SHOW("read-ok", read(s, buf, 2));
	SHOW("getsockopt-so_error", getsockopt(s, SOL_SOCKET, SO_ERROR, &nb, &(socklen_t){ sizeof(nb) }));
	SHOW("getsockopt-pipe", getsockopt(p[0], SOL_SOCKET, SO_ERROR, &nb, &(socklen_t){ sizeof(nb) }));
	close(c);
	close(s);
	close(u);
	close(p[0]);
	close(p[1]);
	/* The lowest free fd: a wrapper that kept an fd would change it. */
	u = dup(0);
	printf("lowest-free-fd %d\n", u);
	return 0;
}

int main(int argc, char **argv)
{
	const char *sc = argc > 1 ? argv[1] : "";

	memset(buf, 'b', sizeof(buf));
	if (!strcmp(sc, "bytes") && argc > 2)
		return sc_bytes(argv[2]);
	if (!strcmp(sc, "eof-reset"))
		return sc_eof_reset();
	if (!strcmp(sc, "nonblock"))
		return sc_nonblock();
	if (!strcmp(sc, "lookup"))
		return sc_lookup();
	if (!strcmp(sc, "fork"))
		return sc_fork();
	if (!strcmp(sc, "killed"))
		return sc_killed();
	if (!strcmp(sc, "errors"))
		return sc_errors();
	fprintf(stderr, "usage: data bytes DIR | eof-reset | nonblock | lookup | fork | killed | errors\n");
	return 2;
}

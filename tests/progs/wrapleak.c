/*
 * wrapleak.c - leaks on both sides of a wrapped ring, for the format-4
 * state tests (t0800, t0801, t0807): what the state must say exactly
 * however much history the ring lost.
 *
 * usage: wrapleak N
 *
 *   1. a TCP listener on 127.0.0.1:0 (kept to the end, then closed);
 *   2. a helper child (fork) sends a UDP socket it made over a socketpair
 *      with SCM_RIGHTS; this process receives it, closes it, then the
 *      child closes its own copy and exits (reaped here);
 *   3. leak_early(): 6 UDP sockets, kept open to the end;
 *   4. a long connection to the listener: connected and accepted now,
 *      its server side closed after step 5, its client then reads the
 *      EOF and closes (its birth overwritten, its EOF and close kept);
 *   5. N short TCP connections to the listener: connect, accept, the
 *      server side closes, the client reads the EOF and closes;
 *   6. leak_late(): 6 TCP sockets, kept open to the end;
 *   7. the listener is closed, and the process exits holding the 12.
 *
 * Prints, one "key=value" a line: listener_fd, early_fds (comma-separated),
 * late_fds, passed_port (the local port of the socket passed in step 2),
 * listener_port, long_port and long_fd (the long connection's client),
 * sockets_made (every socket made by both processes: the
 * socketpair's two ends, the passed one, the listener, 2 per connection,
 * and the 12), connections=N, pid, helper_pid.  Exits 0; 1 when a call
 * fails (with a message).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "scm_rights.h"

#define LEAKS	6
#define N_MAX	200000

static long made;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void print_fds(const char *key, const int *fds, int n)
{
	printf("%s=", key);
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", fds[i]);
	printf("\n");
}

static int udp_bound(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("udp socket");
	made++;
	return fd;
}

static int local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		die("getsockname");
	return ntohs(a.sin_port);
}

/* Call site 1: sockets made early, whose births the ring will lose. */
static __attribute__((noinline)) void leak_early(int *fds)
{
	for (int i = 0; i < LEAKS; i++)
		fds[i] = udp_bound();
}

/* Call site 2: sockets made after the churn. */
static __attribute__((noinline)) void leak_late(int *fds)
{
	for (int i = 0; i < LEAKS; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0)
			die("socket");
		made++;
	}
}

static void send_fd(int carrier, int fd)
{
	if (scm_send_fd(carrier, fd))
		die("sendmsg");
}

static int recv_fd(int carrier)
{
	int fd = scm_recv_fd(carrier);

	if (fd < 0)
		die("recvmsg");
	return fd;
}

static void xread1(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		die("read (handshake)");
}

static void xwrite1(int fd)
{
	if (write(fd, "k", 1) != 1)
		die("write (handshake)");
}

/* Step 2: a socket passed in from a helper child, received, closed. */
static void passed_in(int lfd, int *port, pid_t *helper)
{
	int sp[2], pp[2], fd, s;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) || pipe(pp))
		die("socketpair");
	made += 2;
	made++;		/* the helper's UDP socket */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(lfd);
		close(sp[0]);
		close(pp[0]);
		s = udp_bound();
		send_fd(sp[1], s);
		xwrite1(pp[1]);		/* sent (and recorded): see below */
		xread1(sp[1]);		/* the parent has received and closed it */
		close(s);
		xwrite1(sp[1]);
		close(sp[1]);
		_exit(0);
	}
	close(sp[1]);
	close(pp[1]);
	/*
	 * Receive only once the helper's sendmsg has returned: the shim stamps
	 * a sendmsg record after the call, and a receipt stamped before it
	 * would read as a reference sent after it was received (t0810 tests
	 * that on its own); here the order must be the real one.
	 */
	xread1(pp[0]);
	close(pp[0]);
	fd = recv_fd(sp[0]);
	*port = local_port(fd);
	close(fd);
	xwrite1(sp[0]);
	xread1(sp[0]);			/* the helper closed its copy */
	close(sp[0]);
	*helper = pid;
	if (waitpid(pid, &s, 0) != pid || !WIFEXITED(s) || WEXITSTATUS(s))
		die("helper");
}

static void connect_accept(int lfd, const struct sockaddr_in *addr, int *c, int *a)
{
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0)
		die("socket");
	if (connect(*c, (const struct sockaddr *)addr, sizeof(*addr)))
		die("connect");
	*a = accept(lfd, NULL, NULL);
	if (*a < 0)
		die("accept");
	made += 2;
}

/* The server side closes, then the client reads the byte, the EOF (CLOSE_WAIT), and closes. */
static void finish(int c, int a)
{
	char buf[16];

	if (write(a, "x", 1) != 1)
		die("write");
	close(a);
	for (int i = 0; i < 4; i++) {
		ssize_t n = read(c, buf, sizeof(buf));

		if (n < 0)
			die("read");
		if (n == 0)
			break;
	}
	close(c);
}

static void one_connection(int lfd, const struct sockaddr_in *addr)
{
	int c, a;

	connect_accept(lfd, addr, &c, &a);
	finish(c, a);
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int early[LEAKS], late[LEAKS], lfd, passed_port, one = 1, lc, la, long_port;
	pid_t helper;
	char *end;
	long n;

	if (argc != 2)
		return 2;
	n = strtol(argv[1], &end, 10);
	if (*end || n < 0 || n > N_MAX) {
		fprintf(stderr, "wrapleak: N must be 0..%d\n", N_MAX);
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	made++;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 64) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len))
		die("listener");
	passed_in(lfd, &passed_port, &helper);
	leak_early(early);
	connect_accept(lfd, &addr, &lc, &la);
	long_port = local_port(lc);
	for (long i = 0; i < n; i++)
		one_connection(lfd, &addr);
	finish(lc, la);
	leak_late(late);
	close(lfd);
	printf("pid=%d\nhelper_pid=%d\n", (int)getpid(), (int)helper);
	printf("listener_fd=%d\nlistener_port=%d\npassed_port=%d\nlong_port=%d\nlong_fd=%d\n", lfd,
	       ntohs(addr.sin_port), passed_port, long_port, lc);
	print_fds("early_fds", early, LEAKS);
	print_fds("late_fds", late, LEAKS);
	printf("connections=%ld\nsockets_made=%ld\n", n, made);
	return 0;
}

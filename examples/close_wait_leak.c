/*
 * close_wait_leak.c - a server that reads a request to the end and forgets
 * to close the connection.
 *
 * Lesson: when read() returns 0 the peer has closed its side (its FIN
 * arrived); the socket is now in CLOSE_WAIT and stays there, fd and
 * buffers held, the peer unable to finish closing, until this side calls
 * close().  Servers that leak this way pile up CLOSE_WAIT sockets (ss -tan
 * shows them) until they run out of fds.  In the report: the accepted
 * connection's timeline shows the peer's FIN (peer-eof) and the state
 * CLOSE_WAIT, and the audit's close-wait finding says how long it lasted
 * (here: until the process exited; it served the next client meanwhile,
 * as a leaking server does, so the socket was abandoned, not just held
 * to a prompt exit).
 *
 * The program checks the kernel's own view: TCP_INFO on the accepted
 * socket must say CLOSE_WAIT after the EOF.  It prints "accept fd=N" and
 * "tcp_state=CLOSE_WAIT"; exit 0 when every expectation held.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAIT_MS	5000	/* an event that must come */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Read until EOF (bounded by poll); returns the bytes read. */
static size_t read_to_eof(int fd)
{
	char buf[256];
	size_t total = 0;

	for (int i = 0; i < 1000; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, WAIT_MS) != 1)
			die("poll");
		n = read(fd, buf, sizeof(buf));
		if (n < 0)
			die("read");
		if (n == 0)
			return total;	/* the peer's FIN */
		total += (size_t)n;
	}
	fprintf(stderr, "close_wait_leak: no EOF\n");
	exit(1);
}

int main(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	struct tcp_info ti;
	int l, c, a, b;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 4) < 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) < 0)
		die("listener");
	printf("listen fd=%d port=%u\n", l, ntohs(sa.sin_port));
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0)
		die("accept");
	printf("accept fd=%d\n", a);
	/* The client sends its request and closes: a one-shot protocol. */
	if (write(c, "GET /\n", 6) != 6)
		die("write");
	close(c);
	printf("# read %zu bytes, then EOF: the client closed\n", read_to_eof(a));
	/* MISTAKE: the server should close(a) here.  It does not. */
	len = sizeof(ti);
	if (getsockopt(a, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		die("TCP_INFO");
	printf("tcp_state=%s\n", ti.tcpi_state == TCP_CLOSE_WAIT ? "CLOSE_WAIT" : "other");
	/* The server goes on: the next client, served and closed properly. */
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	b = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (b < 0)
		die("accept");
	close(c);
	printf("# next client: read %zu bytes, then EOF; closed\n", read_to_eof(b));
	close(b);
	close(l);
	fflush(stdout);
	return ti.tcpi_state == TCP_CLOSE_WAIT ? 0 : 1;
}

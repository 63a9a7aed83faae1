/*
 * echo.c - an echo server and client over loopback, in one process.
 *
 * Lesson: what a clean TCP conversation looks like.  The client half-closes
 * with shutdown(SHUT_WR) ("no more data from me"), the server reads EOF and
 * closes, and only then does the client read EOF and close.  In the trace
 * every socket has a complete life: socket, bind/listen, connect or accept,
 * and a final close.  Compare the other examples against this one.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MSG		"hello socktrace\n"
#define MSG_LEN		(sizeof(MSG) - 1)
#define MAX_READS	64		/* bound on every read loop */
#define ADDR_STRLEN	(INET_ADDRSTRLEN + 6)	/* "ip:port" + NUL */

/* Print "what: <strerror(errno)>" to stderr and exit 1. */
static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Print "echo: <msg>" to stderr and exit 1: an expectation failed. */
static void fail(const char *msg)
{
	fprintf(stderr, "echo: %s\n", msg);
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
 * Create a TCP listener on 127.0.0.1 with a kernel-chosen port, print the
 * listen line, store the bound address in *addr and return the fd.
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

/* Write all len bytes of buf to fd; exits on failure. */
static void write_all(int fd, const char *buf, size_t len)
{
	for (size_t done = 0, i = 0; done < len; i++) {
		ssize_t n;

		if (i >= MAX_READS)
			fail("write_all: too many short writes");
		n = write(fd, buf + done, len - done);
		if (n < 0)
			die("write");
		done += (size_t)n;
	}
}

/*
 * Server thread: accept one connection on the listener (arg), echo every
 * byte back until the client's EOF, then close the accepted socket.
 */
static void *server(void *arg)
{
	int lfd = (int)(intptr_t)arg;
	char lbuf[ADDR_STRLEN], pbuf[ADDR_STRLEN], buf[256];
	struct sockaddr_in local, peer;
	socklen_t plen = sizeof(peer);
	int i, fd;

	fd = accept(lfd, (struct sockaddr *)&peer, &plen);
	if (fd < 0)
		die("accept");
	local = sock_addr(fd, 0);
	printf("accept fd=%d local=%s peer=%s\n", fd,
	       fmt_addr(&local, lbuf), fmt_addr(&peer, pbuf));

	for (i = 0; i < MAX_READS; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0)
			die("server read");
		if (n == 0)
			break;			/* the client's FIN */
		write_all(fd, buf, (size_t)n);
	}
	if (i == MAX_READS)
		fail("server: no EOF from the client");
	if (close(fd) < 0)
		die("server close");
	return NULL;
}

int main(void)
{
	char buf[64];
	struct sockaddr_in addr;
	pthread_t tid;
	size_t got = 0;
	ssize_t n;
	int i, lfd, fd, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(5);	/* watchdog: a hang is a failure, never a wait */

	lfd = make_listener(&addr);
	/*
	 * Connect before the server thread exists: the listen backlog
	 * completes the handshake without an accept.  This keeps the fd
	 * numbers and the output order the same on every run.
	 */
	fd = connect_to(&addr);
	err = pthread_create(&tid, NULL, server, (void *)(intptr_t)lfd);
	if (err) {
		errno = err;
		die("pthread_create");
	}

	write_all(fd, MSG, MSG_LEN);

	/* Read the echo back in full: TCP may deliver it in pieces. */
	for (i = 0; got < MSG_LEN && i < MAX_READS; i++) {
		n = read(fd, buf + got, MSG_LEN - got);
		if (n < 0)
			die("client read");
		if (n == 0)
			fail("client: EOF before the whole echo");
		got += (size_t)n;
	}
	if (got < MSG_LEN || memcmp(buf, MSG, MSG_LEN) != 0)
		fail("client: the echo differs from what was sent");
	printf("# echoed: %.*s\n", (int)(MSG_LEN - 1), buf);

	/* Half-close: FIN to the server, which ends its echo loop. */
	if (shutdown(fd, SHUT_WR) < 0)
		die("shutdown");
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		die("client read");
	if (n != 0)
		fail("client: data after the echo, expected EOF");

	if (close(fd) < 0)
		die("client close");
	err = pthread_join(tid, NULL);
	if (err) {
		errno = err;
		die("pthread_join");
	}
	if (close(lfd) < 0)
		die("close listener");
	return 0;
}

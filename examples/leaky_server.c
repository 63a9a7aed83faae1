/*
 * leaky_server.c - a server that forgets to close the sockets it accepts.
 *
 * Lesson: an fd leak is a connection leak.  The clients close their end, but
 * every accepted socket stays open in the server (stuck in CLOSE_WAIT, as ss
 * would show) until the process exits.  In the trace each accepted fd has an
 * accept and no close: the report lists them as still open at exit, while
 * the client sockets and the listener each end with a close.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define NCONN		3
#define ADDR_STRLEN	(INET_ADDRSTRLEN + 6)	/* "ip:port" + NUL */

/* Print "what: <strerror(errno)>" to stderr and exit 1. */
static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Print "leaky_server: <msg>" to stderr and exit 1: an expectation failed. */
static void fail(const char *msg)
{
	fprintf(stderr, "leaky_server: %s\n", msg);
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

/*
 * Block until a connection is waiting on the listener lfd.  accept() takes
 * its fd number before it sleeps; waiting here first means the client
 * thread's socket() always gets its number first, so the fd numbers are
 * the same on every run.
 */
static void wait_pending(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int n = poll(&p, 1, -1);

	if (n < 0)
		die("poll");
	if (n != 1 || !(p.revents & POLLIN))
		fail("poll: the listener is not readable");
}

/*
 * Client thread: NCONN times, one after another, connect to the listener
 * address (arg), print the connect line, send "x", wait for the server's
 * "y" (so the output stays in step with the server), and close.
 */
static void *client(void *arg)
{
	const struct sockaddr_in *addr = arg;
	char lbuf[ADDR_STRLEN], pbuf[ADDR_STRLEN], c;

	for (int i = 0; i < NCONN; i++) {
		struct sockaddr_in local, peer;
		ssize_t n;
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			die("socket");
		if (connect(fd, (const struct sockaddr *)addr,
			    sizeof(*addr)) < 0)
			die("connect");
		local = sock_addr(fd, 0);
		peer = sock_addr(fd, 1);
		printf("connect fd=%d local=%s peer=%s\n", fd,
		       fmt_addr(&local, lbuf), fmt_addr(&peer, pbuf));
		if (write(fd, "x", 1) != 1)
			die("client write");
		n = read(fd, &c, 1);
		if (n < 0)
			die("client read");
		if (n != 1 || c != 'y')
			fail("client: no 'y' from the server");
		if (close(fd) < 0)		/* the client side is tidy */
			die("client close");
	}
	return NULL;
}

int main(void)
{
	char lbuf[ADDR_STRLEN], pbuf[ADDR_STRLEN], c;
	struct sockaddr_in addr;
	pthread_t tid;
	int lfd, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(5);	/* watchdog: a hang is a failure, never a wait */

	lfd = make_listener(&addr);
	err = pthread_create(&tid, NULL, client, &addr);
	if (err) {
		errno = err;
		die("pthread_create");
	}

	for (int i = 0; i < NCONN; i++) {
		struct sockaddr_in local, peer;
		socklen_t plen = sizeof(peer);
		ssize_t n;
		int fd;

		wait_pending(lfd);
		fd = accept(lfd, (struct sockaddr *)&peer, &plen);
		if (fd < 0)
			die("accept");
		n = read(fd, &c, 1);
		if (n < 0)
			die("server read");
		if (n != 1 || c != 'x')
			fail("server: no 'x' from the client");
		local = sock_addr(fd, 0);
		printf("accept fd=%d local=%s peer=%s\n", fd,
		       fmt_addr(&local, lbuf), fmt_addr(&peer, pbuf));
		if (write(fd, "y", 1) != 1)
			die("server write");
		/*
		 * THE BUG: the accepted fd is never closed.  Its number is
		 * lost at the end of this iteration, so the socket stays open
		 * (in CLOSE_WAIT once the client closes) until the process
		 * exits.  The fix is one line: close(fd).
		 */
	}

	err = pthread_join(tid, NULL);
	if (err) {
		errno = err;
		die("pthread_join");
	}
	if (close(lfd) < 0)
		die("close listener");
	printf("# exiting with %d accepted fds still open\n", NCONN);
	return 0;
}

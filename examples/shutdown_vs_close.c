/*
 * shutdown_vs_close.c - close() drops one fd, shutdown() acts on the socket.
 *
 * Lesson: close() only removes a reference; while a dup'ed fd still points
 * at the socket, nothing is sent and the peer sees no EOF.  shutdown(SHUT_WR)
 * sends the FIN at once, however many fds reference the socket.  In the
 * trace the close of the original fd leaves the socket with a reference (the
 * dup); a second dup makes two, and the connection's end comes from the
 * shutdown with both still open, not from a close.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define ADDR_STRLEN	(INET_ADDRSTRLEN + 6)	/* "ip:port" + NUL */

/* Print "what: <strerror(errno)>" to stderr and exit 1. */
static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Print "shutdown_vs_close: <msg>" to stderr and exit 1 (a failed check). */
static void fail(const char *msg)
{
	fprintf(stderr, "shutdown_vs_close: %s\n", msg);
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

int main(void)
{
	int lfd, cfd, afd, dfd, efd;
	struct sockaddr_in addr;
	ssize_t n;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(5);	/* watchdog: a hang is a failure, never a wait */

	lfd = make_listener(&addr);
	/* The listen backlog completes the handshake before accept(). */
	cfd = connect_to(&addr);
	afd = accept_one(lfd);

	/* Part A: a second fd for the client socket, then close the first. */
	dfd = dup(cfd);
	if (dfd < 0)
		die("dup");
	printf("# dup fd=%d -> %d\n", cfd, dfd);
	if (close(cfd) < 0)
		die("close");
	n = recv(afd, &c, 1, MSG_DONTWAIT);
	if (n == 0)
		fail("part A: EOF although the dup still holds the socket");
	if (n > 0)
		fail("part A: unexpected data");
	if (errno != EAGAIN)
		die("part A: recv");
	printf("# after close(%d): server read -> EAGAIN "
	       "(no FIN: fd %d still references the socket)\n", cfd, dfd);

	/*
	 * Part B: shutdown acts on the socket itself, not on one fd: with two
	 * fds referencing the socket, it still sends the FIN at once.
	 */
	efd = dup(dfd);
	if (efd < 0)
		die("dup");
	printf("# dup fd=%d -> %d\n", dfd, efd);
	if (shutdown(dfd, SHUT_WR) < 0)
		die("shutdown");
	n = read(afd, &c, 1);
	if (n < 0)
		die("part B: read");
	if (n != 0)
		fail("part B: data where EOF was expected");
	printf("# after shutdown(%d, SHUT_WR): server read -> EOF "
	       "(FIN sent although fds %d and %d still reference the socket)\n", dfd, dfd, efd);

	if (close(dfd) < 0)
		die("close dup");
	if (close(efd) < 0)
		die("close second dup");
	if (close(afd) < 0)
		die("close accepted");
	if (close(lfd) < 0)
		die("close listener");
	return 0;
}

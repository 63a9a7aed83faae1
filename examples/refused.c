/*
 * refused.c - connect() to a port where nothing listens.
 *
 * Lesson: a refused connection is a socket that never became a connection.
 * The kernel answers the SYN with a RST and connect() fails at once with
 * ECONNREFUSED; the fd is still open and must still be closed.  In the trace
 * the connect carries errno ECONNREFUSED, and the socket's whole life is
 * socket, connect (failed), close: it never had a peer.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ADDR_STRLEN	(INET_ADDRSTRLEN + 6)	/* "ip:port" + NUL */

/* Print "what: <strerror(errno)>" to stderr and exit 1. */
static void die(const char *what)
{
	perror(what);
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

/*
 * Find a loopback port with nothing behind it: bind a TCP socket to
 * 127.0.0.1:0, learn the port the kernel chose, close the socket.
 * Returns the (now unused) address.
 */
static struct sockaddr_in closed_port(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(0),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		die("getsockname");
	if (close(fd) < 0)
		die("close");
	return sin;
}

int main(void)
{
	char pbuf[ADDR_STRLEN];
	struct sockaddr_in addr;
	int fd, err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(5);	/* watchdog: a hang is a failure, never a wait */

	addr = closed_port();
	printf("# nothing listens on %s any more\n", fmt_addr(&addr, pbuf));

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		fprintf(stderr, "refused: connect to %s succeeded, "
			"expected ECONNREFUSED\n", pbuf);
		close(fd);
		return 1;
	}
	err = errno;
	printf("connect fd=%d peer=%s errno=%s\n", fd, pbuf,
	       strerrorname_np(err) ? strerrorname_np(err) : "?");

	/* The failed connect did not free the fd: close it like any other. */
	if (close(fd) < 0)
		die("close");
	return err == ECONNREFUSED ? 0 : 1;
}

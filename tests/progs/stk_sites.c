/*
 * stk_sites.c - sockets made from known functions, for the call-site stack
 * tests: each call that makes or drops a socket sits in its own noinline
 * function, so addr2line on a stored return address names it.
 *
 * usage: stk_sites site       main -> call_a -> make_a -> socket()
 *        stk_sites maps       the same as site, then print libunwind=0|1 (is it
 *                             in /proc/self/maps): after the socket, since the
 *                             shim loads libunwind at its first capture
 *        stk_sites life       socket, socketpair, accept, accept4, dup, dup2,
 *                             fcntl(F_DUPFD), shutdown, close: one function each
 *        stk_sites deep N     N nested calls of recurse() (N <= 200), then socket()
 *        stk_sites distinct N socket() and close() from N distinct functions
 *                             (site_0 .. site_{N-1}, N <= 128)
 *
 * Every line printed is "name fd=N" (or a count), the same traced and
 * untraced.  Exits 1 when a call fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* After a call: keeps it from being a tail call (the caller's frame stays). */
#define NOTAIL()	__asm__ volatile("" ::: "memory")
#include "noipa.h"

static int failed;

static int check(const char *what, int ret)
{
	if (ret < 0) {
		perror(what);
		failed = 1;
	}
	return ret;
}

NOIPA int make_a(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	NOTAIL();
	return check("socket", fd);
}

NOIPA int call_a(void)
{
	int fd = make_a();

	NOTAIL();
	return fd;
}

static int maps_has(const char *needle)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			found = 1;
	fclose(f);
	return found;
}

/* --- life: one function per call --- */

NOIPA int life_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	NOTAIL();
	return check("socket", fd);
}

NOIPA int life_socketpair(int sv[2])
{
	int r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);

	NOTAIL();
	return check("socketpair", r);
}

NOIPA int life_accept(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	NOTAIL();
	return check("accept", fd);
}

NOIPA int life_accept4(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	NOTAIL();
	return check("accept4", fd);
}

NOIPA int life_dup(int fd)
{
	int d = dup(fd);

	NOTAIL();
	return check("dup", d);
}

NOIPA int life_dup2(int fd, int to)
{
	int d = dup2(fd, to);

	NOTAIL();
	return check("dup2", d);
}

NOIPA int life_fcntl(int fd)
{
	int d = fcntl(fd, F_DUPFD, 100);

	NOTAIL();
	return check("fcntl", d);
}

NOIPA int life_shutdown(int fd)
{
	int r = shutdown(fd, SHUT_WR);

	NOTAIL();
	return check("shutdown", r);
}

NOIPA int life_close(int fd)
{
	int r = close(fd);

	NOTAIL();
	return check("close", r);
}

static int life(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int lfd = life_socket(), c1, c2, s1, s2, sv[2], d, d2, d3;

	if (lfd < 0 || check("bind", bind(lfd, (struct sockaddr *)&a, sizeof(a))) < 0 ||
	    check("listen", listen(lfd, 8)) < 0 ||
	    check("getsockname", getsockname(lfd, (struct sockaddr *)&a, &len)) < 0)
		return 1;
	c1 = socket(AF_INET, SOCK_STREAM, 0);
	c2 = socket(AF_INET, SOCK_STREAM, 0);
	if (check("connect", connect(c1, (struct sockaddr *)&a, sizeof(a))) < 0 ||
	    check("connect", connect(c2, (struct sockaddr *)&a, sizeof(a))) < 0)
		return 1;
	s1 = life_accept(lfd);
	s2 = life_accept4(lfd);
	if (life_socketpair(sv) < 0)
		return 1;
	d = life_dup(s1);
	d2 = life_dup2(s1, 90);
	d3 = life_fcntl(s2);
	printf("listen fd=%d\naccept fd=%d\naccept4 fd=%d\npair fd=%d\ndup fd=%d\ndup2 fd=%d\n"
	       "fcntl fd=%d\n", lfd, s1, s2, sv[0], d, d2, d3);
	life_shutdown(s1);
	int fds[] = { d, d2, d3, s1, s2, sv[0], sv[1], c1, c2, lfd };

	for (unsigned i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		life_close(fds[i]);
	return failed;
}

/* --- deep --- */

NOIPA int recurse(int n)
{
	int fd;

	if (n <= 0) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		NOTAIL();
		return check("socket", fd);
	}
	fd = recurse(n - 1);
	NOTAIL();
	return fd;
}

/* --- distinct --- */

#define SITE(n)                                                                      \
	NOIPA int site_##n(void)                                                     \
	{                                                                            \
		int fd = socket(AF_INET, SOCK_DGRAM, 0);                             \
		NOTAIL();                                                            \
		if (check("socket", fd) >= 0)                                        \
			close(fd);                                                   \
		return fd;                                                           \
	}
#define SITE8(n) SITE(n##0) SITE(n##1) SITE(n##2) SITE(n##3) SITE(n##4) SITE(n##5) SITE(n##6) SITE(n##7)
SITE8(1) SITE8(2) SITE8(3) SITE8(4) SITE8(5) SITE8(6) SITE8(7) SITE8(8)
SITE8(9) SITE8(10) SITE8(11) SITE8(12) SITE8(13) SITE8(14) SITE8(15) SITE8(16)
#define REF8(n) site_##n##0, site_##n##1, site_##n##2, site_##n##3, site_##n##4, site_##n##5, \
		site_##n##6, site_##n##7
static int (*const sites[128])(void) = {
	REF8(1), REF8(2), REF8(3), REF8(4), REF8(5), REF8(6), REF8(7), REF8(8),
	REF8(9), REF8(10), REF8(11), REF8(12), REF8(13), REF8(14), REF8(15), REF8(16),
};

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 0;

	if (!strcmp(cmd, "site")) {
		printf("make_a fd=%d\n", call_a());
	} else if (!strcmp(cmd, "maps")) {
		printf("make_a fd=%d\n", call_a());
		printf("libunwind=%d\n", maps_has("libunwind"));
	} else if (!strcmp(cmd, "life")) {
		return life();
	} else if (!strcmp(cmd, "deep") && n >= 0 && n <= 200) {
		printf("deep fd=%d\n", recurse((int)n));
	} else if (!strcmp(cmd, "distinct") && n >= 1 && n <= 128) {
		for (long i = 0; i < n; i++)
			sites[i]();
		printf("distinct n=%ld\n", n);
	} else {
		fprintf(stderr, "usage: stk_sites site|maps|life|deep N|distinct N\n");
		return 64;
	}
	return failed;
}

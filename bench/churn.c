/*
 * churn.c - loopback TCP connection churn, the main socktrace benchmark.
 *
 * Usage: churn N
 *
 * One process, one thread.  A listener on 127.0.0.1:<ephemeral>; then N times:
 *
 *   s = socket(AF_INET, SOCK_STREAM, 0)
 *   connect(s, listener)          blocking; loopback completes via the backlog
 *   a = accept(l)
 *   send(s, 1 byte); recv(a, 1 byte)
 *   shutdown(s, SHUT_WR)
 *   close(s); close(a)
 *
 * Only the loop is timed (CLOCK_MONOTONIC).  Prints "ns_per_iter <float>" on
 * stdout.  Every call is checked; any failure exits 1 with a message on stderr.
 *
 * The client side of every connection ends in TIME_WAIT (it closes first), so
 * ephemeral ports pile up for tcp_fin_timeout (60 s).  Keep N per run modest
 * (the bench uses 20000); if connect() fails with EADDRNOTAVAIL the ports ran
 * out and we say so.  SO_LINGER would avoid that but changes the workload.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, long iter)
{
	int e = errno;

	if (iter >= 0)
		fprintf(stderr, "churn: %s failed at iteration %ld: %s\n", what, iter, strerror(e));
	else
		fprintf(stderr, "churn: %s failed: %s\n", what, strerror(e));
	exit(1);
}

static long parse_n(int argc, char **argv)
{
	char *end;
	long n;

	if (argc != 2) {
		fprintf(stderr, "usage: %s ITERATIONS\n", argv[0]);
		exit(2);
	}
	errno = 0;
	n = strtol(argv[1], &end, 10);
	if (errno || *end || n <= 0) {
		fprintf(stderr, "%s: bad iteration count '%s'\n", argv[0], argv[1]);
		exit(2);
	}
	return n;
}

static double now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die("clock_gettime", -1);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = parse_n(argc, argv);
	struct sockaddr_in addr;
	socklen_t alen = sizeof(addr);
	double t0, t1;
	int l;

	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		die("socket (listener)", -1);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	if (bind(l, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		die("bind 127.0.0.1:0", -1);
	if (listen(l, 128) != 0)
		die("listen", -1);
	if (getsockname(l, (struct sockaddr *)&addr, &alen) != 0)
		die("getsockname", -1);

	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		char c = 'x';
		ssize_t r;
		int s, a;

		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			die("socket", i);
		if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
			if (errno == EADDRNOTAVAIL) {
				fprintf(stderr,
					"churn: connect failed at iteration %ld: EADDRNOTAVAIL: "
					"ephemeral ports exhausted by TIME_WAIT sockets; "
					"use a smaller N or wait %s for them to expire\n",
					i, "60 s (tcp_fin_timeout)");
				exit(1);
			}
			die("connect", i);
		}
		a = accept(l, NULL, NULL);
		if (a < 0)
			die("accept", i);
		r = send(s, &c, 1, 0);
		if (r != 1) {
			if (r >= 0)
				errno = EIO;
			die("send", i);
		}
		r = recv(a, &c, 1, 0);
		if (r != 1) {
			if (r >= 0)
				errno = EIO;
			die("recv", i);
		}
		if (shutdown(s, SHUT_WR) != 0)
			die("shutdown", i);
		if (close(s) != 0)
			die("close (client)", i);
		if (close(a) != 0)
			die("close (accepted)", i);
	}
	t1 = now_ns();

	if (close(l) != 0)
		die("close (listener)", -1);
	printf("ns_per_iter %.1f\n", (t1 - t0) / (double)n);
	return 0;
}

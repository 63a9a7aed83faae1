/*
 * churn.c - loopback TCP connection churn, the main socktrace benchmark.
 *
 * Usage: churn N [DEPTH [getsockname]]
 *
 * One process, one thread.  A listener on 127.0.0.1:<ephemeral>; then N
 * times the life of a healthy connection, both ends in this thread:
 *
 *   s = socket(AF_INET, SOCK_STREAM, 0)
 *   connect(s, listener)          blocking; loopback completes via the backlog
 *   a = accept(l)
 *   send(s, 1 byte); recv(a, 1 byte); send(a, 1 byte); recv(s, 1 byte)
 *   shutdown(s, SHUT_WR)
 *   recv(a) == 0                  the server reads the client's FIN
 *   close(a)
 *   recv(s) == 0                  the client reads the server's FIN
 *   close(s)
 *
 * That is 6 traced socket calls (socket, connect, accept, shutdown, close,
 * close), 6 data calls, and 2 peer-EOF events per connection.  With DEPTH
 * (0..64), each connection is made DEPTH non-inlined calls deep, so that
 * stack capture has a real stack to walk.  With "getsockname" the client
 * also asks its local address after connect, natively: the one system
 * call the trace may add to a connection (issue 10), so that run is the
 * floor under the shim's figure.
 *
 * Only the loop is timed (CLOCK_MONOTONIC).  Prints "ns_per_iter <float>" on
 * stdout.  Every call is checked; any failure exits 1 with a message on stderr.
 *
 * The client closes last, so its port ends in TIME_WAIT for 60 s: keep N per
 * run modest (bench/run.sh: see CHURN_N).  If connect() fails with
 * EADDRNOTAVAIL the ports ran out and we say so.
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

static long parse(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < lo || n > hi) {
		fprintf(stderr, "churn: bad %s '%s' (%ld..%ld)\n", what, s, lo, hi);
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

static int with_getsockname;

/* One connection's life, as above. */
static void connection(int l, const struct sockaddr_in *addr, long i)
{
	struct sockaddr_in local;
	socklen_t llen = sizeof(local);
	char c = 'x';
	int s, a;

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		die("socket", i);
	if (connect(s, (const struct sockaddr *)addr, sizeof(*addr)) != 0) {
		if (errno == EADDRNOTAVAIL) {
			fprintf(stderr, "churn: connect failed at iteration %ld: EADDRNOTAVAIL: "
				"ephemeral ports exhausted by TIME_WAIT sockets; use a smaller N or "
				"wait 60 s (tcp_fin_timeout) for them to expire\n", i);
			exit(1);
		}
		die("connect", i);
	}
	if (with_getsockname && getsockname(s, (struct sockaddr *)&local, &llen) != 0)
		die("getsockname", i);
	a = accept(l, NULL, NULL);
	if (a < 0)
		die("accept", i);
	if (send(s, &c, 1, 0) != 1 || recv(a, &c, 1, 0) != 1)
		die("request", i);
	if (send(a, &c, 1, 0) != 1 || recv(s, &c, 1, 0) != 1)
		die("reply", i);
	if (shutdown(s, SHUT_WR) != 0)
		die("shutdown", i);
	if (recv(a, &c, 1, 0) != 0)
		die("recv (EOF at the server)", i);
	if (close(a) != 0)
		die("close (accepted)", i);
	if (recv(s, &c, 1, 0) != 0)
		die("recv (EOF at the client)", i);
	if (close(s) != 0)
		die("close (client)", i);
}

/* depth more frames above connection(): noinline, and used after the call. */
static __attribute__((noinline)) int deeper(int depth, int l, const struct sockaddr_in *addr, long i)
{
	if (depth > 0)
		return deeper(depth - 1, l, addr, i) + 1;
	connection(l, addr, i);
	return 0;
}

int main(int argc, char **argv)
{
	long n, depth;
	struct sockaddr_in addr;
	socklen_t alen = sizeof(addr);
	double t0, t1;
	int l, sink = 0;

	if (argc < 2 || argc > 4 || (argc == 4 && strcmp(argv[3], "getsockname"))) {
		fprintf(stderr, "usage: %s ITERATIONS [DEPTH [getsockname]]\n", argv[0]);
		return 2;
	}
	n = parse(argv[1], 1, 100000000, "iteration count");
	depth = argc >= 3 ? parse(argv[2], 0, 64, "depth") : 0;
	with_getsockname = argc == 4;
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		die("socket (listener)", -1);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		die("bind 127.0.0.1:0", -1);
	if (listen(l, 128) != 0)
		die("listen", -1);
	if (getsockname(l, (struct sockaddr *)&addr, &alen) != 0)
		die("getsockname", -1);

	t0 = now_ns();
	for (long i = 0; i < n; i++)
		sink += deeper((int)depth, l, &addr, i);
	t1 = now_ns();

	if (close(l) != 0 || sink != n * depth)
		die("close (listener)", -1);
	printf("ns_per_iter %.1f\n", (t1 - t0) / (double)n);
	return 0;
}

/*
 * pingpong.c - the data path's per-call cost: a single thread writes one
 * byte into one end of a unix socketpair and reads it from the other.
 *
 * Usage: pingpong N
 *
 * N times: write(sv[0], 1 byte); read(sv[1], 1 byte): two data calls on
 * sockets per iteration, no record (bytes are only counted).  Only the
 * loop is timed (CLOCK_MONOTONIC).  Prints "ns_per_iter <float>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, long iter)
{
	fprintf(stderr, "pingpong: %s failed at iteration %ld: %s\n", what, iter, strerror(errno));
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

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = parse_n(argc, argv);
	int sv[2];
	char c = 'x';
	double t0, t1;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair", -1);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (write(sv[0], &c, 1) != 1)
			die("write", i);
		if (read(sv[1], &c, 1) != 1)
			die("read", i);
	}
	t1 = now_ns();
	close(sv[0]);
	close(sv[1]);
	printf("ns_per_iter %.1f\n", (t1 - t0) / (double)n);
	return 0;
}

/*
 * sockclose.c - socket()+close() loop: the cost of two traced socket calls.
 *
 * Usage: sockclose N
 *
 * N times: fd = socket(AF_INET, SOCK_DGRAM, 0); close(fd).
 * Only the loop is timed (CLOCK_MONOTONIC).  Prints "ns_per_iter <float>".
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
	int e = errno;

	if (iter >= 0)
		fprintf(stderr, "sockclose: %s failed at iteration %ld: %s\n", what, iter, strerror(e));
	else
		fprintf(stderr, "sockclose: %s failed: %s\n", what, strerror(e));
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
	double t0, t1;

	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0)
			die("socket", i);
		if (close(fd) != 0)
			die("close", i);
	}
	t1 = now_ns();

	printf("ns_per_iter %.1f\n", (t1 - t0) / (double)n);
	return 0;
}

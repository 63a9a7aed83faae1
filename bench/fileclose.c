/*
 * fileclose.c - open()+close() loop on a regular file: what the shim adds to
 * close() of a file that is not a socket.  (The shim does not wrap open().)
 *
 * Usage: fileclose N
 *
 * Creates an empty temp file in $TMPDIR (or /tmp), then N times:
 * fd = open(path, O_RDONLY); close(fd).  Unlinks the file at the end.
 * Only the loop is timed (CLOCK_MONOTONIC).  Prints "ns_per_iter <float>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char path[PATH_MAX];

static void die(const char *what, long iter)
{
	int e = errno;

	if (iter >= 0)
		fprintf(stderr, "fileclose: %s failed at iteration %ld: %s\n", what, iter, strerror(e));
	else
		fprintf(stderr, "fileclose: %s failed: %s\n", what, strerror(e));
	if (path[0])
		unlink(path);
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
	const char *dir = getenv("TMPDIR");
	double t0, t1;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/socktrace-fileclose.XXXXXX", dir) >= sizeof(path)) {
		fprintf(stderr, "fileclose: TMPDIR too long\n");
		return 1;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		path[0] = '\0';
		die("mkstemp", -1);
	}
	if (close(fd) != 0)
		die("close (mkstemp)", -1);

	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			die("open", i);
		if (close(fd) != 0)
			die("close", i);
	}
	t1 = now_ns();

	if (unlink(path) != 0)
		die("unlink", -1);
	printf("ns_per_iter %.1f\n", (t1 - t0) / (double)n);
	return 0;
}

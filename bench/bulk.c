/*
 * bulk.c - a bulk transfer over loopback TCP: the data path's cost where
 * it matters least per byte and most in total.
 *
 * Usage: bulk N
 *
 * A writer thread sends N blocks of 16 KiB with write(); the main thread
 * reads them with read() into a 64 KiB buffer until N * 16 KiB bytes have
 * arrived.  N = 65536 moves 1 GiB.  Only the transfer is timed
 * (CLOCK_MONOTONIC).  Prints "ns_per_iter <float>" (per 16 KiB block).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLOCK	16384

static long n_blocks;
static int wfd;

static void die(const char *what)
{
	fprintf(stderr, "bulk: %s failed: %s\n", what, strerror(errno));
	exit(1);
}

static void *writer(void *arg)
{
	static char block[BLOCK];

	(void)arg;
	memset(block, 'b', sizeof(block));
	for (long i = 0; i < n_blocks; i++) {
		size_t off = 0;

		while (off < BLOCK) {
			ssize_t w = write(wfd, block + off, BLOCK - off);

			if (w <= 0)
				die("write");
			off += (size_t)w;
		}
	}
	return NULL;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	static char buf[65536];
	long long want, got = 0;
	pthread_t t;
	int l, r;
	double t0, t1;

	if (argc != 2 || (n_blocks = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: %s BLOCKS\n", argv[0]);
		return 2;
	}
	want = (long long)n_blocks * BLOCK;
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) < 0)
		die("listener");
	wfd = socket(AF_INET, SOCK_STREAM, 0);
	if (wfd < 0 || connect(wfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	r = accept(l, NULL, NULL);
	if (r < 0)
		die("accept");
	t0 = now_ns();
	if (pthread_create(&t, NULL, writer, NULL))
		die("pthread_create");
	while (got < want) {
		ssize_t n = read(r, buf, sizeof(buf));

		if (n <= 0)
			die("read");
		got += n;
	}
	pthread_join(t, NULL);
	t1 = now_ns();
	close(wfd);
	close(r);
	close(l);
	printf("ns_per_iter %.1f\n", (t1 - t0) / (double)n_blocks);
	return 0;
}

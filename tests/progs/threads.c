/*
 * threads.c - many threads making and dropping sockets at once.
 *
 * usage: threads THREADS ITERATIONS [warm]
 *
 * With warm, main makes and closes one socket first, before any thread
 * starts: under the shim the trace file is made then (a process's file is
 * made at its first socket), so the threads' calls cannot race its making.
 * THREADS threads start together (a barrier) and each runs ITERATIONS times:
 * socket(AF_INET, SOCK_DGRAM) -> fd, dup(fd) -> d, close(fd), close(d).
 * After joining them all, main prints one line "tid T" per thread (its
 * kernel thread id, for the test to compare with the trace) and "done".
 * Exits 1 if any call fails.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#define THREADS_MAX	64
#define ITER_MAX	100000

struct worker {
	pthread_t th;
	pid_t tid;
	long iters;
	int failed;
};

static pthread_barrier_t start;

static void *work(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid();
	pthread_barrier_wait(&start);
	for (long i = 0; i < w->iters; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0), d;

		if (fd < 0) {
			perror("socket");
			w->failed = 1;
			break;
		}
		d = dup(fd);
		if (d < 0) {
			perror("dup");
			w->failed = 1;
			close(fd);
			break;
		}
		if (close(fd) < 0 || close(d) < 0) {
			perror("close");
			w->failed = 1;
			break;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker w[THREADS_MAX];
	long nthreads, iters;
	int rc, failed = 0;

	if (argc != 3 && !(argc == 4 && !strcmp(argv[3], "warm")))
		return 2;
	nthreads = strtol(argv[1], NULL, 10);
	iters = strtol(argv[2], NULL, 10);
	if (nthreads < 1 || nthreads > THREADS_MAX || iters < 0 || iters > ITER_MAX) {
		fprintf(stderr, "threads: 1..%d threads, 0..%d iterations\n", THREADS_MAX, ITER_MAX);
		return 2;
	}
	if (argc == 4) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0 || close(fd) < 0) {
			perror("warm-up socket");
			return 1;
		}
	}
	rc = pthread_barrier_init(&start, NULL, (unsigned)nthreads);
	if (rc) {
		fprintf(stderr, "pthread_barrier_init: %s\n", strerror(rc));
		return 1;
	}
	memset(w, 0, sizeof(w));
	for (long t = 0; t < nthreads; t++) {
		w[t].iters = iters;
		rc = pthread_create(&w[t].th, NULL, work, &w[t]);
		if (rc) {
			/* The barrier would never open: nothing sane to do but leave. */
			fprintf(stderr, "pthread_create: %s\n", strerror(rc));
			exit(1);
		}
	}
	for (long t = 0; t < nthreads; t++) {
		rc = pthread_join(w[t].th, NULL);
		if (rc) {
			fprintf(stderr, "pthread_join: %s\n", strerror(rc));
			return 1;
		}
		failed |= w[t].failed;
	}
	for (long t = 0; t < nthreads; t++)
		printf("tid %d\n", (int)w[t].tid);
	printf("done\n");
	return failed || fflush(stdout) != 0;
}

/*
 * stk_threads.c - many threads storing stacks at once.
 *
 * usage: stk_threads THREADS ITERATIONS     (THREADS <= 8, ITERATIONS <= 100000)
 *
 * THREADS threads start together (a barrier); each runs ITERATIONS times:
 * a socket from one site function, then its close.  Even iterations use
 * shared_K (K = i/2 mod 8: every thread calls all eight), odd ones own_T
 * (T = the thread's number: its alone).  Each site is called from one
 * call instruction in work() (the same for every thread), so there are
 * 8 + THREADS distinct stacks.  Prints "sockets=N" and exits 1 when a call failed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "noipa.h"
#define SITE(name)                                                  \
	NOIPA int name(void)                                        \
	{                                                           \
		int fd = socket(AF_INET, SOCK_DGRAM, 0);            \
		__asm__ volatile("" ::: "memory");                  \
		return fd;                                          \
	}
SITE(shared_0) SITE(shared_1) SITE(shared_2) SITE(shared_3)
SITE(shared_4) SITE(shared_5) SITE(shared_6) SITE(shared_7)
SITE(own_0) SITE(own_1) SITE(own_2) SITE(own_3) SITE(own_4) SITE(own_5) SITE(own_6) SITE(own_7)

static int (*const shared[8])(void) = { shared_0, shared_1, shared_2, shared_3,
					shared_4, shared_5, shared_6, shared_7 };
static int (*const own[8])(void) = { own_0, own_1, own_2, own_3, own_4, own_5, own_6, own_7 };

static pthread_barrier_t start;
static long iters;
static long made, failed;

static void *work(void *arg)
{
	long t = (long)arg;

	pthread_barrier_wait(&start);
	for (long i = 0; i < iters; i++) {
		int (*fn)(void) = i % 2 ? own[t] : shared[(i / 2) % 8];
		int fd = fn();

		if (fd < 0 || close(fd) != 0) {
			__atomic_fetch_add(&failed, 1, __ATOMIC_RELAXED);
			continue;
		}
		__atomic_fetch_add(&made, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc == 3 ? strtol(argv[1], NULL, 10) : 0;
	pthread_t th[8];

	iters = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	if (n < 1 || n > 8 || iters < 1 || iters > 100000) {
		fprintf(stderr, "usage: stk_threads THREADS(1..8) ITERATIONS\n");
		return 64;
	}
	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (long t = 0; t < n; t++)
		if (pthread_create(&th[t], NULL, work, (void *)t) != 0)
			return 1;
	for (long t = 0; t < n; t++)
		pthread_join(th[t], NULL);
	printf("sockets=%ld\n", made);
	return failed != 0;
}

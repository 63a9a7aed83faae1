/*
 * burst.c - several threads make their first sockets at the same moment
 * (a barrier), each keeping them, for t0810: the state must hold every
 * one, though none existed when they started (the trace file is made at
 * the first socket, while the other threads make theirs).
 *
 * usage: burst THREADS PER_THREAD [first]
 *
 * Each thread waits at the barrier, then makes PER_THREAD UDP sockets as
 * fast as it can and keeps them.  With "first", the main thread makes one
 * socket (kept too) before the threads start: the file exists then, and
 * the threads race only in growing its tables.  The main thread joins them and prints
 * "made=N" (sockets made, all still open) and exits 0 holding them; 1
 * when a socket call fails.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define THREADS_MAX	32

static pthread_barrier_t start;
static int per;
static long made, failed;

static void *run(void *arg)
{
	pthread_barrier_wait(&start);
	for (int i = 0; i < per; i++) {
		if (socket(AF_INET, SOCK_DGRAM, 0) < 0)
			__atomic_fetch_add(&failed, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&made, 1, __ATOMIC_RELAXED);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS_MAX];
	int n;

	if (argc != 3 && !(argc == 4 && !strcmp(argv[3], "first")))
		return 2;
	n = atoi(argv[1]);
	per = atoi(argv[2]);
	if (n < 1 || n > THREADS_MAX || per < 1 || per > 100)
		return 2;
	if (argc == 4) {
		if (socket(AF_INET, SOCK_DGRAM, 0) < 0)
			return 1;
		made++;
	}
	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, run, NULL))
			return 1;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (failed) {
		fprintf(stderr, "burst: %ld socket calls failed\n", failed);
		return 1;
	}
	printf("made=%ld\n", made);
	return 0;
}

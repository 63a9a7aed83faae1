/*
 * forkslots.c - fork children that hold sockets, for t0815: each child's
 * image goes in a fork slot of its parent's trace file, not a file of
 * its own (include/trace_format.h, fork slots).
 *
 * usage: forkslots serial N       N children, one after another
 *        forkslots threads T K    T threads at once, each forking K children
 *        forkslots chain D        a child, its child... D levels down
 *        forkslots hold N         N sockets made and held, a child, N more
 *                                 (the tables grow), a child again
 *        forkslots failfork N     N forks that fail (RLIMIT_NPROC at 1: run it
 *                                 as a user other than root), then a child
 *
 * Every child inherits one end of a socket pair, writes a few bytes on it
 * (a count of its own: 1 + its number % 5) and _exits holding it; its
 * parent reads them and reaps it.  In a chain each level writes 1 + its
 * level % 5 bytes to its parent, then forks the next level (on a pair of
 * its own) and reaps it before it exits.  Prints a line per
 * child, "child pid=P sent=S", then (the first process) "batches=B": its
 * mappings of a trace file that start with a batch of fork slots (the
 * shim's: their number must not grow with the forks), and "ok".  Exits 0; 1
 * when anything fails.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../include/trace_format.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * With FORKSLOTS_MAPS set, a child prints on stderr how much of trace files
 * it has mapped ("maps pid=N bytes=M"): its own image, not its siblings'.
 */
static void print_maps(void)
{
	unsigned long lo, hi, bytes = 0;
	char line[4096];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		_exit(1);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, ".socktrace\n") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			bytes += hi - lo;
	fclose(f);
	dprintf(2, "maps pid=%d bytes=%lu\n", (int)getpid(), bytes);
}

/* The child's side: n bytes on fd, then _exit holding it. */
static void child(int fd, int n)
{
	char buf[8] = "abcdefg";

	if (write(fd, buf, (size_t)n) != n)
		_exit(1);
	if (getenv("FORKSLOTS_MAPS"))
		print_maps();
	_exit(0);
}

/* Fork one child that sends n bytes on sv[1]; read them on sv[0] and reap it.  0 or -1. */
static int one(const int sv[2], int n)
{
	char buf[8];
	int st, got = 0;
	pid_t c = fork();

	if (c < 0)
		return -1;
	if (c == 0)
		child(sv[1], n);
	while (got < n) {
		ssize_t r = read(sv[0], buf, sizeof(buf));

		if (r <= 0)
			return -1;
		got += (int)r;
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) || got != n)
		return -1;
	pthread_mutex_lock(&out_lock);
	printf("child pid=%d sent=%d\n", (int)c, n);
	pthread_mutex_unlock(&out_lock);
	return 0;
}

/* K children one after another, each on a socket pair of this caller's. */
static int serial(long k)
{
	int sv[2], rc = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	for (long i = 0; i < k && !rc; i++)
		rc = one(sv, 1 + (int)(i % 5));
	close(sv[0]);
	close(sv[1]);
	return rc;
}

static long per_thread;

static void *thread_main(void *arg)
{
	(void)arg;
	return serial(per_thread) ? (void *)1 : NULL;
}

/* A chain of d levels below this process, each on a socket pair of its parent's. */
static int chain(int d, int level)
{
	char buf[8];
	int sv[2], st, got = 0, n = 1 + level % 5;
	pid_t c;

	if (level > d)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	fflush(stdout);
	c = fork();
	if (c < 0)
		return -1;
	if (c == 0) {
		if (write(sv[1], "abcdefg", (size_t)n) != n || chain(d, level + 1))
			_exit(1);
		fflush(stdout);
		_exit(0);
	}
	while (got < n) {
		ssize_t r = read(sv[0], buf, sizeof(buf));

		if (r <= 0)
			return -1;
		got += (int)r;
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	close(sv[0]);
	close(sv[1]);
	printf("child pid=%d sent=%d level=%d\n", (int)c, n, level);
	return 0;
}

/*
 * Mappings of a trace file that start with a batch of fork slots (its
 * page's magic), or -1: the batches the shim keeps mapped.
 */
static int batch_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];

		/* Readable ones only: a fork child keeps its parent's mappings, PROT_NONE. */
		if (strstr(line, ".socktrace") && sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
		    perms[0] == 'r' && !memcmp((const void *)lo, ST_BATCH_MAGIC, sizeof(ST_BATCH_MAGIC)))
			n++;
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	int rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "serial")) {
		rc = serial(atol(argv[2]));
	} else if (argc == 4 && !strcmp(argv[1], "threads")) {
		long t = atol(argv[2]);
		pthread_t th[64];

		per_thread = atol(argv[3]);
		if (t < 1 || t > 64)
			return 2;
		for (long i = 0; i < t; i++)
			if (pthread_create(&th[i], NULL, thread_main, NULL))
				return 1;
		for (long i = 0; i < t; i++) {
			void *r;

			pthread_join(th[i], &r);
			if (r)
				rc = -1;
		}
	} else if (argc == 3 && !strcmp(argv[1], "hold")) {
		long n = atol(argv[2]);

		for (long i = 0; i < n && !rc; i++)
			if (socket(AF_INET, SOCK_DGRAM, 0) < 0)
				rc = -1;
		if (!rc)
			rc = serial(1);
		for (long i = 0; i < n && !rc; i++)
			if (socket(AF_INET, SOCK_DGRAM, 0) < 0)
				rc = -1;
		if (!rc)
			rc = serial(1);
		if (!rc)
			printf("held=%ld\n", 2 * n);
	} else if (argc == 3 && !strcmp(argv[1], "failfork")) {
		long n = atol(argv[2]), failed = 0;
		struct rlimit was, one;
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || getrlimit(RLIMIT_NPROC, &was))
			return 1;
		one = was;
		one.rlim_cur = 1;
		if (setrlimit(RLIMIT_NPROC, &one))
			return 1;
		for (long i = 0; i < n; i++) {
			pid_t c = fork();

			if (c == 0)
				_exit(0);
			if (c > 0) {
				waitpid(c, NULL, 0);
				continue;
			}
			failed += errno == EAGAIN;
		}
		if (setrlimit(RLIMIT_NPROC, &was))
			return 1;
		printf("failed=%ld\n", failed);
		rc = serial(1);
	} else if (argc == 3 && !strcmp(argv[1], "chain")) {
		rc = chain(atoi(argv[2]), 1);
	} else {
		fprintf(stderr, "usage: forkslots serial N | threads T K | chain D | hold N | failfork N\n");
		return 2;
	}
	if (rc) {
		fprintf(stderr, "forkslots: failed\n");
		return 1;
	}
	printf("batches=%d\n", batch_maps());
	printf("ok\n");
	return 0;
}

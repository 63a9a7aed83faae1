/*
 * sigclose.c - socket calls in a signal handler, interrupting socket calls.
 *
 * usage: sigclose ITERATIONS SIGNALS
 *
 * Main makes one long-lived UDP socket K and WARMUP sockets (socket + close)
 * before any signal, then loops ITERATIONS times over
 * socket(AF_INET, SOCK_DGRAM) + close.  Meanwhile a second thread sends
 * SIGUSR1 to main with pthread_kill, up to SIGNALS times, until main's loop
 * is over, each time waiting until the handler has run (it writes a byte to
 * a pipe), so signals land at ever different points of main's calls instead
 * of merging.  The handler does close(dup(K)) and socket() + close().  Since
 * the shim wraps all of these, a handler interrupting a wrapped call must
 * neither deadlock nor corrupt the fd table.
 *
 * The warm-up is there because the ring grows by doubling from a small
 * first chunk, and a handler that interrupts the thread growing it can
 * only use the slots already mapped (it cannot wait for itself): on a
 * loaded machine a storm of handler runs during one of the first, small
 * growths used up the few dozen slots ahead and dropped events (counted,
 * as the shim documents).  After the warm-up the ring has thousands of
 * slots mapped ahead of each growth.
 *
 * At the end main closes K and prints:
 *   warmup_sockets W    sockets made before the signals (WARMUP)
 *   main_sockets N      sockets its loop made (ITERATIONS)
 *   handler_runs H      times the handler ran (each: one dup of K, one
 *                       socket, and the close of both)
 *   signals_sent S
 * Exits 1 if any call failed (in the handler too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#define MAX_COUNT	1000000L
#define WARMUP		2048L	/* 4096 records: the ring's mapped part is then 8192 slots or more */

static int keep_fd = -1, done_pipe[2];
static atomic_int handler_failed;
static atomic_long handler_runs;
static atomic_int main_done, sender_started;
static pthread_t main_thread;
static long signals_max, signals_sent;

static void on_usr1(int sig)
{
	int saved = errno, d, s;

	(void)sig;
	d = dup(keep_fd);
	if (d < 0 || close(d) < 0)
		atomic_store(&handler_failed, 1);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || close(s) < 0)
		atomic_store(&handler_failed, 1);
	atomic_fetch_add(&handler_runs, 1);
	if (write(done_pipe[1], "h", 1) != 1)
		atomic_store(&handler_failed, 1);
	errno = saved;
}

static void *sender(void *arg)
{
	char c;

	(void)arg;
	atomic_store(&sender_started, 1);
	for (long i = 0; i < signals_max && !atomic_load(&main_done); i++) {
		int rc = pthread_kill(main_thread, SIGUSR1);

		if (rc) {
			fprintf(stderr, "pthread_kill: %s\n", strerror(rc));
			atomic_store(&handler_failed, 1);
			break;
		}
		signals_sent++;
		/* Wait until this one was handled (the handler's byte): signals
		 * sent while one is pending would merge into it. */
		if (read(done_pipe[0], &c, 1) != 1) {
			perror("read");
			atomic_store(&handler_failed, 1);
			break;
		}
	}
	return NULL;
}

static long count_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 0 || v > MAX_COUNT) {
		fprintf(stderr, "sigclose: counts are 0..%ld\n", MAX_COUNT);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t usr1;
	pthread_t th;
	long iters;
	int rc, failed = 0;

	if (argc != 3)
		return 2;
	iters = count_arg(argv[1]);
	signals_max = count_arg(argv[2]);

	keep_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (keep_fd < 0) {
		perror("socket");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("sigaction");
		return 1;
	}
	if (pipe(done_pipe) < 0) {
		perror("pipe");
		return 1;
	}
	for (long i = 0; i < WARMUP; i++) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);

		if (s < 0 || close(s) < 0) {
			perror("warm-up socket");
			return 1;
		}
	}
	main_thread = pthread_self();
	rc = pthread_create(&th, NULL, sender, NULL);
	if (rc) {
		fprintf(stderr, "pthread_create: %s\n", strerror(rc));
		return 1;
	}
	/* Overlap the loop with the signals: wait (bounded) for the sender. */
	for (long spin = 0; spin < 10000000L && !atomic_load(&sender_started); spin++)
		sched_yield();
	for (long i = 0; i < iters; i++) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);

		if (s < 0) {
			perror("socket");
			failed = 1;
			break;
		}
		if (close(s) < 0) {
			perror("close");
			failed = 1;
			break;
		}
	}
	atomic_store(&main_done, 1);
	rc = pthread_join(th, NULL);
	if (rc) {
		fprintf(stderr, "pthread_join: %s\n", strerror(rc));
		return 1;
	}
	/* The sender is gone; let any signal still pending run now, then stop them. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (pthread_sigmask(SIG_BLOCK, &usr1, NULL) || pthread_sigmask(SIG_UNBLOCK, &usr1, NULL) ||
	    pthread_sigmask(SIG_BLOCK, &usr1, NULL)) {
		fprintf(stderr, "pthread_sigmask failed\n");
		return 1;
	}
	if (close(keep_fd) < 0) {
		perror("close");
		failed = 1;
	}
	if (atomic_load(&handler_failed)) {
		fprintf(stderr, "sigclose: a call in the handler failed\n");
		failed = 1;
	}
	printf("warmup_sockets %ld\n", WARMUP);
	printf("main_sockets %ld\n", iters);
	printf("handler_runs %ld\n", atomic_load(&handler_runs));
	printf("signals_sent %ld\n", signals_sent);
	return failed || fflush(stdout) != 0;
}

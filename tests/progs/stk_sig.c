/*
 * stk_sig.c - sockets made from signal handlers.
 *
 * usage: stk_sig raise        interrupted_raise() raises SIGALRM; its handler
 *                             on_alarm() makes a socket from handler_make()
 *        stk_sig spin         main spins in spin_here() until a second thread's
 *                             pthread_kill(SIGUSR1) ran on_usr1() -> handler_make()
 *        stk_sig stress N M   main makes and closes N sockets from
 *                             stress_main(); meanwhile a second thread sends
 *                             SIGUSR1 M times (each after the last was handled),
 *                             whose handler makes and closes one from
 *                             handler_make()
 * Prints "handled=K main=N" and exits 1 when a call failed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "noipa.h"
#define NOTAIL() __asm__ volatile("" ::: "memory")

static volatile sig_atomic_t ready, handled_flag;
static long handled, failed, sends;
static pthread_t main_thread;

NOIPA int handler_make(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	NOTAIL();
	return fd;
}

static void handle(void)
{
	int fd = handler_make();

	if (fd < 0 || close(fd) != 0)
		__atomic_fetch_add(&failed, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&handled, 1, __ATOMIC_RELEASE);
	handled_flag = 1;
}

NOIPA void on_alarm(int sig)
{
	(void)sig;
	handle();
	NOTAIL();
}

NOIPA void on_usr1(int sig)
{
	(void)sig;
	handle();
	NOTAIL();
}

NOIPA void interrupted_raise(void)
{
	raise(SIGALRM);
	NOTAIL();
}

NOIPA void spin_here(void)
{
	ready = 1;
	while (!handled_flag)
		;
	NOTAIL();
}

NOIPA int stress_main(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	NOTAIL();
	return fd;
}

static void *sender_spin(void *arg)
{
	(void)arg;
	while (!ready)
		sched_yield();
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static void *sender_stress(void *arg)
{
	(void)arg;
	for (long k = 0; k < sends; k++) {
		pthread_kill(main_thread, SIGUSR1);
		while (__atomic_load_n(&handled, __ATOMIC_ACQUIRE) <= k)
			sched_yield();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	struct sigaction sa;
	pthread_t th;
	long n = 0;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	main_thread = pthread_self();
	if (!strcmp(cmd, "raise")) {
		interrupted_raise();
	} else if (!strcmp(cmd, "spin")) {
		if (pthread_create(&th, NULL, sender_spin, NULL) != 0)
			return 1;
		spin_here();
		pthread_join(th, NULL);
	} else if (!strcmp(cmd, "stress") && argc == 4) {
		n = strtol(argv[2], NULL, 10);
		sends = strtol(argv[3], NULL, 10);
		if (n < 1 || n > 1000000 || sends < 1 || sends > 100000)
			return 64;
		if (pthread_create(&th, NULL, sender_stress, NULL) != 0)
			return 1;
		for (long i = 0; i < n; i++) {
			int fd = stress_main();

			if (fd < 0 || close(fd) != 0)
				failed++;
		}
		pthread_join(th, NULL);
	} else {
		fprintf(stderr, "usage: stk_sig raise|spin|stress N M\n");
		return 64;
	}
	printf("handled=%ld main=%ld\n", handled, n);
	return failed != 0;
}

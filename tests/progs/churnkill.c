/*
 * churnkill.c - socket, dup and close churn in several threads, forever:
 * the subject t0808 stops and kills at random moments, to compare the
 * state its trace file keeps with the fds the kernel says it had.
 *
 * usage: churnkill THREADS
 *
 * Each thread owns up to SLOTS fds (its own numbers: no other thread
 * closes or reuses them) and does, at random: socket (UDP or TCP,
 * sometimes SOCK_CLOEXEC), socketpair, dup, fcntl(F_DUPFD_CLOEXEC),
 * dup2 and dup3 onto another fd of its own (an implicit close of what
 * that fd held), close.  The main thread prints "ready pid=P" once every
 * thread runs, then "tick K" every TICK operations (summed over the
 * threads), so the test can pick a random moment by how many ticks it
 * reads.  It never exits by itself: the test kills it (stdout gone, a
 * write fails with EPIPE and ends it too).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define SLOTS		12
#define THREADS_MAX	16
#define TICK		2000

static unsigned long ops;
static int started;

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static int free_slot(const int *fds, unsigned *s)
{
	unsigned start = rnd(s) % SLOTS;

	for (unsigned k = 0; k < SLOTS; k++)
		if (fds[(start + k) % SLOTS] < 0)
			return (int)((start + k) % SLOTS);
	return -1;
}

static int used_slot(const int *fds, unsigned *s)
{
	unsigned start = rnd(s) % SLOTS;

	for (unsigned k = 0; k < SLOTS; k++)
		if (fds[(start + k) % SLOTS] >= 0)
			return (int)((start + k) % SLOTS);
	return -1;
}

static void *churn(void *arg)
{
	unsigned s = (unsigned)(unsigned long)arg * 2654435761u + (unsigned)getpid();
	int fds[SLOTS];

	for (int i = 0; i < SLOTS; i++)
		fds[i] = -1;
	__atomic_fetch_add(&started, 1, __ATOMIC_RELEASE);
	for (;;) {
		int a = used_slot(fds, &s), b = free_slot(fds, &s), op = (int)(rnd(&s) % 9), sv[2];

		if (a < 0)
			op = 0;
		else if (b < 0)
			op = 8;
		switch (op) {
		case 0:
		case 1:
			fds[b] = socket(AF_INET, (rnd(&s) & 1 ? SOCK_STREAM : SOCK_DGRAM) |
					(rnd(&s) & 1 ? SOCK_CLOEXEC : 0), 0);
			break;
		case 2:
			if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
				int c = (fds[b] = sv[0], free_slot(fds, &s));

				if (c >= 0)
					fds[c] = sv[1];
				else
					close(sv[1]);
			}
			break;
		case 3:
			fds[b] = dup(fds[a]);
			break;
		case 4:
			fds[b] = fcntl(fds[a], F_DUPFD_CLOEXEC, 0);
			break;
		case 5:
		case 6: {
			int c = used_slot(fds, &s);

			/* onto another fd of ours: closes what it held (dup2(x, x) when c == a) */
			if (op == 5)
				dup2(fds[a], fds[c]);
			else if (c != a)
				dup3(fds[a], fds[c], O_CLOEXEC);
			break;
		}
		default:
			close(fds[a]);
			fds[a] = -1;
			break;
		}
		__atomic_fetch_add(&ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc == 2 ? atoi(argv[1]) : 0;
	unsigned long next = TICK;
	pthread_t t;

	if (n < 1 || n > THREADS_MAX)
		return 2;
	signal(SIGPIPE, SIG_DFL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < n; i++)
		if (pthread_create(&t, NULL, churn, (void *)i))
			return 1;
	while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < n)
		sched_yield();
	printf("ready pid=%d\n", (int)getpid());
	for (unsigned long k = 1;; ) {
		if (__atomic_load_n(&ops, __ATOMIC_RELAXED) < next) {
			sched_yield();
			continue;
		}
		if (printf("tick %lu\n", k++) < 0)
			return 0;
		next += TICK;
	}
}

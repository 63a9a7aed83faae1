/*
 * manyconns.c - a big trace for the HTML report's and the export's tests
 * and the render-time bench: N connections (argv[1], default 100000) as
 * unix socketpairs, made at 12 call sites and ended in every way the
 * picture colours (we close first, the peer's EOF first, shutdown first,
 * a dup keeping one open past a close, left open at exit), a sliding
 * window of them open at once so the open-sockets chart rises and falls,
 * and a forked child with a few of its own.  Prints "conns=N".
 * Trace it with SOCKTRACE_RING_MB large enough (64 holds 100000).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "noipa.h"

/* Each site touches a counter of its own, so no two are folded into one function (identical code folding). */
#define SITE(k)								\
	static volatile int made##k;					\
	static NOIPA int site##k(int sv[2])				\
	{								\
		int r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);	\
									\
		made##k++;	/* after the call: no tail call, a frame */ \
		return r;						\
	}
SITE(0) SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7) SITE(8) SITE(9) SITE(10) SITE(11)
static int (*const sites[])(int[2]) = { site0, site1, site2, site3, site4, site5, site6, site7,
					site8, site9, site10, site11 };

/* End pair sv the i-th way. */
static void finish(const int sv[2], long i)
{
	char c;
	int d;

	switch (i % 8) {
	case 2:		/* shutdown first: the peer's EOF follows */
		shutdown(sv[0], SHUT_WR);
		(void)!read(sv[1], &c, 1);
		close(sv[1]);
		close(sv[0]);
		break;
	case 3:		/* a dup keeps it open past the first close */
		d = dup(sv[0]);
		close(sv[0]);
		close(d);
		(void)!read(sv[1], &c, 1);
		close(sv[1]);
		break;
	case 5:		/* both closed, no read */
		close(sv[1]);
		close(sv[0]);
		break;
	default:	/* we close first, the peer reads EOF, then closes */
		close(sv[0]);
		(void)!read(sv[1], &c, 1);
		close(sv[1]);
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, pairs = n / 2, window, first = 0, count = 0, period;
	struct rlimit rl;
	int (*fifo)[2], held[2];
	pid_t child;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	window = ((long)rl.rlim_cur - 200) / 2;
	window = window > 2000 ? 2000 : window < 8 ? 8 : window;
	period = pairs / 4 > 1 ? pairs / 4 : 1;
	if (!(fifo = calloc((size_t)window, sizeof(*fifo))))
		return 1;
	/* A pair held across a fork: the child's closes are not the last (a link, marks). */
	if (site0(held))
		return 1;
	if ((child = fork()) == 0) {
		close(held[0]);
		close(held[1]);
		for (long i = 0; i < 10; i++) {
			int sv[2];

			if (sites[i % 12](sv) == 0)
				finish(sv, i);
		}
		_exit(0);
	}
	waitpid(child, NULL, 0);
	finish(held, 0);
	for (long i = 0; i < pairs; i++) {
		/* The window breathes: a quarter of it to all of it open, a triangle of 4 cycles. */
		long ph = i % period, tri = ph < period / 2 ? ph : period - ph;
		long want = window / 4 + (3 * window / 4) * 2 * tri / period;
		int sv[2];

		for (; count >= (want < 1 ? 1 : want); count--, first = (first + 1) % window)
			finish(fifo[first], i + count);
		if (sites[(i * i) % 12 < 4 ? 0 : i % 12](sv))
			return 1;
		if (i < 50)
			continue;	/* left open at exit */
		fifo[(first + count) % window][0] = sv[0];
		fifo[(first + count) % window][1] = sv[1];
		count++;
	}
	for (; count > 0; count--, first = (first + 1) % window)
		finish(fifo[first], count);
	free(fifo);
	printf("conns=%ld\n", pairs * 2 + 22);
	return 0;
}

/*
 * nestfork.c - a fork inside another fork's handlers, as a signal handler
 * that forks can make one, but at a known point.  Preloaded after the shim
 * (LD_PRELOAD=shim:this), its constructor runs before the shim's, so its
 * prepare handler, registered first, runs last: after the shim's.  With
 * NESTFORK set, the first fork's prepare handler forks once more there
 * (glibc takes no lock in a single-threaded process); that inner child
 * _exits at once, holding what it inherited, and the inner fork's parent
 * prints "inner pid=N" on stderr, then the outer fork goes on.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int armed;

static void prepare(void)
{
	pid_t c;

	if (!armed)
		return;
	armed = 0;	/* before the fork: its own handlers call this again */
	c = fork();
	if (c == 0)
		_exit(0);
	if (c > 0 && waitpid(c, NULL, 0) == c)
		dprintf(2, "inner pid=%d\n", (int)c);
}

__attribute__((constructor)) static void nestfork_init(void)
{
	armed = getenv("NESTFORK") != NULL;
	pthread_atfork(prepare, NULL, NULL);
}

/*
 * mapguard.c - SIGBUS while reading a mapping, as an error.
 *
 * The handler is installed for the guarded call only and the previous
 * one put back after it, so the viewer's other faults stay fatal.
 */
#define _GNU_SOURCE
#include "mapguard.h"

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>

static sigjmp_buf *active;

static void on_sigbus(int sig)
{
	(void)sig;
	if (active)
		siglongjmp(*active, 1);
}

int mapguard_run(int (*fn)(void *arg), void *arg)
{
	struct sigaction sa = { 0 }, old;
	sigjmp_buf jb;
	volatile int rc = MAPGUARD_FAULT;

	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old) != 0)
		return fn(arg);
	if (sigsetjmp(jb, 1) == 0) {
		active = &jb;
		rc = fn(arg);
	}
	active = NULL;
	sigaction(SIGBUS, &old, NULL);
	return rc;
}

/*
 * execsig.c - exec from a signal handler running on an alternate signal
 * stack (execve is async-signal-safe; crash handlers do this), or with
 * "-n" from main's own stack, for comparison (t0813: the shim's copy of
 * the environment goes in a mapping on the alternate stack, which may be
 * small, and on the stack otherwise).
 *
 * usage: execsig [-n] PROGRAM [ARG...]
 *
 * Execs PROGRAM with its arguments and environ; exits 1 when a call
 * fails.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **target;

static void on_usr1(int sig)
{
	(void)sig;
	execve(target[0], target, environ);
	_exit(1);
}

int main(int argc, char **argv)
{
	static char altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_ONSTACK };
	int on_main = argc > 1 && !strcmp(argv[1], "-n");

	target = argv + 1 + on_main;
	if (!target[0])
		return 2;
	if (on_main) {
		execve(target[0], target, environ);
		perror("execve");
		return 1;
	}
	if (sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0) {
		perror("sigaltstack");
		return 1;
	}
	raise(SIGUSR1);
	return 1;
}

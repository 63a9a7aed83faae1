/*
 * forkexec.c - a supervisor in miniature: holds a socket, forks, and its
 * child execs another program, for the tests of the process tree and of
 * socktrace run's notes.  A process gets a trace file only once it holds a
 * socket, so this one, its fork child and (unless -c) the program the
 * child execs all leave files.
 *
 * usage: forkexec [-c] PROG [ARG...]
 *
 * socketpair(AF_UNIX, SOCK_STREAM), with -c SOCK_CLOEXEC (PROG then starts
 * with no socket); fork() (a real fork, not vfork: the child holds the pair
 * as its own); the child execv(PROG, PROG ARG...) (no PATH search), still
 * holding the pair unless -c; the parent waits for it, then closes the pair.
 *
 * Output, key=value lines on stdout: pid=P (this process) and pair=A,B,
 * flushed before the fork; child=C status=S (its wait status) once the
 * child has ended.  Exit: the child's exit status (128+N when signal N
 * killed it); 1 with a message when a call failed, 64 for bad usage.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	int cloexec = argc > 1 && !strcmp(argv[1], "-c"), first = 1 + cloexec, sv[2], status;
	pid_t c;

	if (argc <= first) {
		fprintf(stderr, "usage: forkexec [-c] PROG [ARG...]\n");
		return 64;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | (cloexec ? SOCK_CLOEXEC : 0), 0, sv))
		die("socketpair");
	printf("pid=%d\npair=%d,%d\n", (int)getpid(), sv[0], sv[1]);
	fflush(stdout);
	c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		execv(argv[first], argv + first);
		perror(argv[first]);
		_exit(127);
	}
	if (waitpid(c, &status, 0) != c)
		die("waitpid");
	if (close(sv[0]) || close(sv[1]))
		die("close");
	printf("child=%d status=%d\n", (int)c, status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

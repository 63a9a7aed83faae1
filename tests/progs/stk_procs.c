/*
 * stk_procs.c - stacks across fork and exec.
 *
 * usage: stk_procs fork         parent_make() makes a socket, then fork: the
 *                               child makes one from child_make() and exits;
 *                               the parent reaps it, makes one more from
 *                               parent_after()
 *        stk_procs exec PROG ARG...
 *                               a socket from before_exec(), then execv(PROG)
 * Prints "parent pid=P", "child pid=C status=S", "name fd=N".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "noipa.h"
#define NOTAIL() __asm__ volatile("" ::: "memory")

NOIPA int parent_make(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	NOTAIL();
	return fd;
}

NOIPA int parent_after(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	NOTAIL();
	return fd;
}

NOIPA int child_make(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	NOTAIL();
	return fd;
}

NOIPA int before_exec(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	NOTAIL();
	return fd;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "fork")) {
		int status = -1;
		pid_t c;

		printf("parent pid=%d\nparent_make fd=%d\n", getpid(), parent_make());
		c = fork();
		if (c < 0)
			return 1;
		if (c == 0) {
			int fd = child_make();

			printf("child_make fd=%d\n", fd);
			close(fd);
			exit(fd < 0);
		}
		if (waitpid(c, &status, 0) != c)
			return 1;
		printf("child status=%d\nparent_after fd=%d\n", status, parent_after());
		return 0;
	}
	if (!strcmp(cmd, "exec") && argc > 2) {
		printf("before_exec fd=%d\n", before_exec());
		execv(argv[2], argv + 2);
		perror("execv");
		return 1;
	}
	fprintf(stderr, "usage: stk_procs fork | exec PROG ARG...\n");
	return 64;
}

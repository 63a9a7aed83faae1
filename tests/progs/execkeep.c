/*
 * execkeep.c - sockets made before exec and kept across it, one of them on
 * two fds: what the report must tell as one story (made here, kept across
 * the exec, every reference this process's own).
 *
 * usage: execkeep           socketpair(), dup2 of its first end onto fd 7
 *                           (no close-on-exec on any), then exec itself
 *                           with "after"
 *        execkeep after A   the new image closes fd 7, then the pair A, A+1
 *
 * Output, key=value lines on stdout (flushed before the exec): pid=P,
 * a=FD b=FD (the pair), dup=7; then, from the new image, closed=7,A,B.
 * Exit 0, or 1 with a message when a call failed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DUP_FD	7

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	char arg[16];
	int sv[2];

	if (argc == 3 && !strcmp(argv[1], "after")) {
		int a = atoi(argv[2]), b = a + 1;

		if (close(DUP_FD) || close(a) || close(b))
			die("close");
		printf("closed=%d,%d,%d\n", DUP_FD, a, b);
		return 0;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || sv[1] != sv[0] + 1 || dup2(sv[0], DUP_FD) != DUP_FD)
		die("socketpair, dup2");
	printf("pid=%d\na=%d\nb=%d\ndup=%d\n", (int)getpid(), sv[0], sv[1], DUP_FD);
	fflush(stdout);
	snprintf(arg, sizeof(arg), "%d", sv[0]);
	execl("/proc/self/exe", argv[0], "after", arg, (char *)NULL);
	die("execl");
}

/*
 * execsock.c - make one UDP socket without close-on-exec, then exec a
 * program that never makes a socket of its own: the exec'd image only
 * inherits one (t0803: such an image still gets its trace file).
 *
 * usage: execsock PROGRAM [ARG...]
 *
 * Prints "fd=N" (the socket's fd number, kept across the exec), then
 * execs PROGRAM with its arguments.  Exits 1 when a call fails.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	printf("fd=%d\n", fd);
	fflush(stdout);
	execvp(argv[1], argv + 1);
	perror("exec");
	return 1;
}

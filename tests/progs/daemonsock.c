/*
 * daemonsock.c - become a daemon with libc's daemon(), whose fork is made
 * inside libc (not through the fork() a preload wraps), then make a
 * socket: the daemon's first (t0813: its trace file names its own pid,
 * though the shim registered no fork handler before that fork).
 *
 * usage: daemonsock
 *
 * The daemon prints "pid=N" (its pid, getpid's) on the stdout it keeps
 * (daemon(1, 1): no chdir, no redirection), makes a UDP socket, closes it
 * and exits; the reader sees EOF when it is gone.  Exits 1 when a call
 * fails.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	int fd;

	if (daemon(1, 1) != 0) {
		perror("daemon");
		return 1;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	printf("pid=%d\n", (int)getpid());
	fflush(stdout);
	close(fd);
	return 0;
}

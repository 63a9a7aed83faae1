/*
 * churn_udp.c - make and close UDP sockets in a loop: many events, few fds.
 *
 * usage: churn_udp M
 *
 * Runs M times: socket(AF_INET, SOCK_DGRAM, 0) then close() of it, so a
 * traced run makes exactly 2*M socket events.  Prints "made M" at the end.
 * Exits 1 if a call fails.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define M_MAX	10000000L

int main(int argc, char **argv)
{
	char *end;
	long m;

	if (argc != 2)
		return 2;
	m = strtol(argv[1], &end, 10);
	if (*end || m < 0 || m > M_MAX) {
		fprintf(stderr, "churn_udp: M must be 0..%ld\n", M_MAX);
		return 2;
	}
	for (long i = 0; i < m; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0) {
			perror("socket");
			return 1;
		}
		if (close(fd) < 0) {
			perror("close");
			return 1;
		}
	}
	printf("made %ld\n", m);
	return fflush(stdout) != 0;
}

/*
 * sockloop.c - keep K sockets open, then make and close sockets on
 * command, for the tests of the file's size (t0804), of a full disk
 * (t0805) and of the trace directory's checks (t0806).  Its output is the
 * same run after run (fd numbers and counts, no port or pid), so a traced
 * run can be compared with an untraced one byte for byte.
 *
 * usage: sockloop K
 *
 * Makes K UDP sockets bound to 127.0.0.1 and keeps them; prints
 * "kept fds=a,b,...".  Then reads commands from stdin, one a line: a
 * number N makes N sockets, each closed at once (socket + close, with a
 * bind on every other one), and prints "done N total=T" (T: sockets made
 * so far); EOF ends it: "exit made=T", exit 0, the K still open.  With
 * no socket to make (K 0, no command) it touches no socket at all.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define KEEP_MAX	64
#define N_MAX		10000000L

static long made;

static int one(int bound)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	if (bound && bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("bind");
		exit(1);
	}
	made++;
	return fd;
}

int main(int argc, char **argv)
{
	char line[64], *end;
	long k, n;

	if (argc != 2)
		return 2;
	k = strtol(argv[1], &end, 10);
	if (*end || k < 0 || k > KEEP_MAX)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("kept fds=");
	for (long i = 0; i < k; i++)
		printf("%s%d", i ? "," : "", one(1));
	printf("\n");
	while (fgets(line, sizeof(line), stdin)) {
		n = strtol(line, &end, 10);
		if (n < 0 || n > N_MAX || (*end && *end != '\n'))
			return 2;
		for (long i = 0; i < n; i++)
			close(one(i & 1));
		printf("done %ld total=%ld\n", n, made);
	}
	printf("exit made=%ld\n", made);
	return 0;
}

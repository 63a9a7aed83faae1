/*
 * hold.c - make N sockets, print every socket call it made, then block on
 * stdin until killed: the test's subject for crash safety (SIGKILL).
 *
 * usage: hold N
 *
 * Socket i (0 <= i < N) is a TCP listener on 127.0.0.1:0 when i is even, a
 * UDP socket when i is odd.  Every 5th socket is dup'd, every 7th is copied
 * with fcntl(F_DUPFD_CLOEXEC), every 3rd has its original fd closed.  Each
 * call prints one line "OP FD RET REFS" (FD -1 for socket(), REFS the count
 * of fds this program holds on that socket after the call), the same fields
 * the report shows, in the order the calls were made.  Then it prints
 * "open K" (sockets it still holds), "ready pid=P", and blocks reading
 * stdin; EOF (the test gone) makes it exit 0, so it never outlives the test.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define N_MAX	500

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void line(const char *op, int fd, long ret, int refs)
{
	printf("%s %d %ld %d\n", op, fd, ret, refs);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(0),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	char *end, buf[64];
	long n;
	int open_socks = 0;

	if (argc != 2)
		return 2;
	n = strtol(argv[1], &end, 10);
	if (*end || n < 0 || n > N_MAX) {
		fprintf(stderr, "hold: N must be 0..%d\n", N_MAX);
		return 2;
	}
	for (long i = 0; i < n; i++) {
		int tcp = i % 2 == 0;
		int fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
		int refs = 1;

		if (fd < 0)
			die("socket");
		line("socket", -1, fd, refs);
		if (tcp) {
			if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
				die("bind");
			line("bind", fd, 0, refs);
			if (listen(fd, 4) < 0)
				die("listen");
			line("listen", fd, 0, refs);
		}
		if (i % 5 == 0) {
			int d = dup(fd);

			if (d < 0)
				die("dup");
			line("dup", fd, d, ++refs);
		}
		if (i % 7 == 0) {
			int d = fcntl(fd, F_DUPFD_CLOEXEC, 100);

			if (d < 0)
				die("fcntl");
			/* glibc may route fcntl to fcntl64: the test accepts either name. */
			line("fcntl", fd, d, ++refs);
		}
		if (i % 3 == 0) {
			if (close(fd) < 0)
				die("close");
			line("close", fd, 0, --refs);
		}
		open_socks += refs > 0;
	}
	printf("open %d\n", open_socks);
	printf("ready pid=%ld\n", (long)getpid());
	if (fflush(stdout) != 0)
		die("stdout");
	/* Block until killed; EOF or an error on stdin ends us normally. */
	for (int i = 0; i < 1000000; i++) {
		ssize_t got = read(0, buf, sizeof(buf));

		if (got <= 0)
			break;
	}
	return 0;
}

/*
 * forkbytes.c - a fork-per-connection server whose children send the
 * bytes, for t0802: a fork child's bytes must count whether it closes the
 * connection or exits holding it.
 *
 * usage: forkbytes MODE...    (MODE: close | exit | _exit)
 *
 * One connection per MODE, in order.  A client process (forked first,
 * before any connection) connects once per MODE and reads each connection
 * to EOF.  For connection i the server accepts, forks a child and closes
 * its own copy at once (the classic pattern); the child sends N_i bytes
 * (a different count per connection, several writes), then per MODE:
 * close: closes the socket and exits; exit: exit(0) holding it (the kernel
 * closes it); _exit: _exit(0) holding it.  The server reaps every child.
 *
 * Prints for each connection "conn i mode=M client_port=P sent=N
 * received=R" (sent: the child's own count of bytes written, reported
 * through a pipe; received: what the client read before EOF), then "ok".
 * Exits 0; 1 when anything fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MODES_MAX	8

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static long count_for(int i)
{
	return 5000 + 1237L * i + (i % 2) * 311;
}

static void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child failed");
}

/* The client: one connection per mode; for each, its local port and the bytes read to EOF. */
static void client(const struct sockaddr_in *addr, int n, int out)
{
	char buf[4096];

	for (int i = 0; i < n; i++) {
		struct sockaddr_in me;
		socklen_t len = sizeof(me);
		long got = 0, res[2];
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		ssize_t r;

		if (fd < 0 || connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) ||
		    getsockname(fd, (struct sockaddr *)&me, &len))
			die("client connect");
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			got += r;
		if (r < 0)
			die("client read");
		close(fd);
		res[0] = ntohs(me.sin_port);
		res[1] = got;
		if (write(out, res, sizeof(res)) != sizeof(res))
			die("client pipe");
	}
}

static void child(int fd, long n, const char *mode, int out)
{
	char buf[1000];
	long sent = 0;

	memset(buf, 'b', sizeof(buf));
	while (sent < n) {
		size_t want = n - sent < (long)sizeof(buf) ? (size_t)(n - sent) : sizeof(buf);
		ssize_t w = send(fd, buf, want, 0);

		if (w <= 0)
			die("child send");
		sent += w;
	}
	if (write(out, &sent, sizeof(sent)) != sizeof(sent))
		die("child pipe");
	if (!strcmp(mode, "close")) {
		close(fd);
		exit(0);
	}
	if (!strcmp(mode, "exit"))
		exit(0);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int lfd, cpipe[2], spipe[2], n = argc - 1;
	long sent[MODES_MAX], res[MODES_MAX][2];
	pid_t cl;

	if (n < 1 || n > MODES_MAX)
		return 2;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "close") && strcmp(argv[i], "exit") && strcmp(argv[i], "_exit"))
			return 2;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 8) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len))
		die("listener");
	if (pipe(cpipe) || pipe(spipe))
		die("pipe");
	fflush(stdout);
	cl = fork();
	if (cl < 0)
		die("fork");
	if (cl == 0) {
		close(lfd);
		close(cpipe[0]);
		client(&addr, n, cpipe[1]);
		_exit(0);
	}
	close(cpipe[1]);
	for (int i = 0; i < n; i++) {
		int a = accept(lfd, NULL, NULL);
		pid_t pid;

		if (a < 0)
			die("accept");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(lfd);
			child(a, count_for(i), argv[i + 1], spipe[1]);
		}
		close(a);
		if (read(spipe[0], &sent[i], sizeof(sent[i])) != sizeof(sent[i]))
			die("server pipe");
		reap(pid);
	}
	for (int i = 0; i < n; i++)
		if (read(cpipe[0], res[i], sizeof(res[i])) != sizeof(res[i]))
			die("client result");
	reap(cl);
	close(lfd);
	for (int i = 0; i < n; i++)
		printf("conn %d mode=%s client_port=%ld sent=%ld received=%ld\n", i, argv[i + 1], res[i][0],
		       sent[i], res[i][1]);
	printf("ok\n");
	return 0;
}

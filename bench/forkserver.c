/*
 * forkserver.c - the fork-heavy benchmark: a fork-per-connection server.
 *
 * Usage: forkserver N [DIR]
 *
 * One listener on 127.0.0.1:<ephemeral>; then N times:
 *
 *   c = socket(); connect(c, listener)
 *   a = accept(l)
 *   fork():  child: close(l); close(c); send(a, 1 byte); close(a); _exit(0)
 *            parent: close(a)       (not final: the child holds it)
 *   recv(c, 1 byte); recv(c) == 0   (EOF: the child's close was the last)
 *   close(c); waitpid(child)
 *
 * Under the shim every child holds sockets, so each fork gives it an image
 * of its own (in a fork slot of the server's trace file): this is the case
 * where per-process set-up shows.  Only the loop is timed; prints
 * "ns_per_iter <float>".  Any failure exits 1 with a message.
 *
 * With DIR (run natively), each child first makes a file of its own there,
 * the least a trace file can cost: created (O_EXCL, 0600), 20 KiB
 * reserved with fallocate, mapped shared and populated.  The ratio of
 * that run to a plain one is the floor a file per fork child would set
 * for the shim's ratio on this machine: what fork slots save.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, long iter)
{
	fprintf(stderr, "forkserver: %s failed at iteration %ld: %s\n", what, iter, strerror(errno));
	exit(1);
}

#define CHILD_FILE_BYTES (20 * 1024)

/* What a fork child's trace file costs at the least; 0, or -1 with errno. */
static int child_file(int dirfd)
{
	char name[64];
	void *p;
	int fd;

	snprintf(name, sizeof(name), "child.%ld", (long)getpid());
	fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (fallocate(fd, 0, 0, CHILD_FILE_BYTES))
		return -1;
	p = mmap(NULL, CHILD_FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	*(volatile char *)p = 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	struct timespec t0, t1;
	long n;
	int l, dirfd = -1;

	if (argc < 2 || argc > 3 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: %s ITERATIONS [DIR]\n", argv[0]);
		return 2;
	}
	if (argc == 3 && (dirfd = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		die("open DIR", -1);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 64) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		die("listener", -1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		char b = 'x';
		int c = socket(AF_INET, SOCK_STREAM, 0), a, st;
		pid_t pid;

		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)))
			die("connect", i);
		if ((a = accept(l, NULL, NULL)) < 0)
			die("accept", i);
		pid = fork();
		if (pid < 0)
			die("fork", i);
		if (pid == 0) {
			if (dirfd >= 0 && child_file(dirfd)) {
				perror("forkserver: the child's file");
				_exit(1);
			}
			close(l);
			close(c);
			_exit(send(a, &b, 1, 0) == 1 && close(a) == 0 ? 0 : 1);
		}
		close(a);
		if (recv(c, &b, 1, 0) != 1 || recv(c, &b, 1, 0) != 0)
			die("recv (reply, then EOF)", i);
		close(c);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			die("child", i);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("ns_per_iter %.1f\n", ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n);
	return 0;
}

/*
 * passfd.c - a child passes sockets to its parent with SCM_RIGHTS, one
 * at a time, R times, for t0809: the report must see each reference
 * received, however the two processes' records interleave in time.
 *
 * usage: passfd R
 *
 * The child makes a UDP socket bound to 127.0.0.1, sends it over a
 * socketpair, waits for the parent's ack, closes its copy, and goes on to
 * the next.  The parent receives each one, closes it at once, then acks:
 * every socket's last reference is the child's close, and none is ever
 * left in flight.  Prints "port=P" per socket (its local port, read in
 * the parent) and "passed=R".  Exits 0; 1 when a call fails.
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

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	int sp[2], r = argc == 2 ? atoi(argv[1]) : 0, st;
	char c = 'S', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	pid_t pid;

	if (r < 1 || r > 1000)
		return 2;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		die("socketpair");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(sp[0]);
		for (int i = 0; i < r; i++) {
			struct sockaddr_in a = { .sin_family = AF_INET,
						 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
			int fd = socket(AF_INET, SOCK_DGRAM, 0);

			if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
				die("child socket");
			memset(cbuf, 0, sizeof(cbuf));
			m.msg_controllen = sizeof(cbuf);
			cm = CMSG_FIRSTHDR(&m);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof(int));
			if (sendmsg(sp[1], &m, 0) != 1)
				die("sendmsg");
			if (read(sp[1], &c, 1) != 1)
				die("child read");
			close(fd);
		}
		_exit(0);
	}
	close(sp[1]);
	for (int i = 0; i < r; i++) {
		struct sockaddr_in a;
		socklen_t len = sizeof(a);
		int fd;

		m.msg_controllen = sizeof(cbuf);
		if (recvmsg(sp[0], &m, 0) != 1 || !(cm = CMSG_FIRSTHDR(&m)) || cm->cmsg_type != SCM_RIGHTS)
			die("recvmsg");
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		if (getsockname(fd, (struct sockaddr *)&a, &len))
			die("getsockname");
		printf("port=%d\n", ntohs(a.sin_port));
		close(fd);
		if (write(sp[0], "k", 1) != 1)
			die("write");
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
	close(sp[0]);
	printf("passed=%d\n", r);
	return 0;
}

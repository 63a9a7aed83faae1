/*
 * ident.c - one socket carried through fork, exec, dup and SCM_RIGHTS,
 * and distinct sockets on reused fd numbers, for t0809: the viewer must
 * join the first into ONE connection and keep the others apart, with no
 * inode fetched at birth (the default).
 *
 * usage: ident            (ident exec-child CARRIER FD: the exec'd half)
 *
 * Every socket is UDP, connected to 127.0.0.1:9 (no listener needed): the
 * kernel gives each its own local port, which names it in the output.
 *
 *   P (this process) makes two socketpairs (carriers), forks D (which
 *   holds only a carrier), makes S and dups it (S2), sends S to D with
 *   SCM_RIGHTS; D receives it on fd K, closes it and makes Z, which the
 *   kernel puts on the same number K.  P forks C, which execs
 *   "ident exec-child" keeping S (no close-on-exec); the new image sends
 *   S back to P (P receives it as S3), closes it and makes W on the same
 *   number.  P then makes X, closes it and makes Y on the same number.
 *
 * Prints one line per fact, "NAME key=value...": "S pid fd dupfd port",
 * "D pid fd port" (the fd S arrived on in D, and the port it has there),
 * "Z pid fd port", "C pid", "W pid fd oldfd port", "S3 pid fd port",
 * "X pid fd port", "Y pid fd port".  Exits 0; 1 when a call fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "scm_rights.h"

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int udp_connected(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("udp socket");
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		die("getsockname");
	return ntohs(a.sin_port);
}

/* Occupy every free fd number below fd (with /dev/null): once fd is closed, it is the lowest free. */
static void fill_below(int fd)
{
	for (int i = 0; i < 1024; i++) {
		int n = open("/dev/null", O_RDONLY);

		if (n < 0)
			die("open /dev/null");
		if (n > fd) {
			close(n);
			return;
		}
	}
}

static void send_fd(int carrier, int fd)
{
	if (scm_send_fd(carrier, fd))
		die("sendmsg");
}

static int recv_fd(int carrier)
{
	int fd = scm_recv_fd(carrier);

	if (fd < 0)
		die("recvmsg");
	return fd;
}

static void ack(int fd)
{
	if (write(fd, "k", 1) != 1)
		die("write (handshake)");
}

static void wait_ack(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		die("read (handshake)");
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child failed");
}

/* The exec'd image of C: S arrived on fd, kept across exec. */
static int exec_child(int carrier, int fd)
{
	int w;

	send_fd(carrier, fd);
	wait_ack(carrier);
	fill_below(fd);
	close(fd);
	w = udp_connected();
	say("W pid=%d fd=%d oldfd=%d port=%d\n", (int)getpid(), w, fd, port_of(w));
	close(w);
	return 0;
}

int main(int argc, char **argv)
{
	int cp[2], cd[2], s, s2, s3, x, y;
	pid_t d, c;

	if (argc == 4 && !strcmp(argv[1], "exec-child"))
		return exec_child(atoi(argv[2]), atoi(argv[3]));
	if (argc != 1)
		return 2;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cp) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cd))
		die("socketpair");
	fflush(stdout);
	d = fork();
	if (d < 0)
		die("fork");
	if (d == 0) {
		int k, z;

		close(cp[0]);
		close(cp[1]);
		close(cd[0]);
		k = recv_fd(cd[1]);
		say("D pid=%d fd=%d port=%d\n", (int)getpid(), k, port_of(k));
		fill_below(k);
		close(k);
		z = udp_connected();
		say("Z pid=%d fd=%d port=%d\n", (int)getpid(), z, port_of(z));
		close(z);
		ack(cd[1]);
		_exit(0);
	}
	close(cd[1]);
	s = udp_connected();
	s2 = dup(s);
	if (s2 < 0)
		die("dup");
	say("S pid=%d fd=%d dupfd=%d port=%d\n", (int)getpid(), s, s2, port_of(s));
	send_fd(cd[0], s);
	wait_ack(cd[0]);
	reap(d);
	close(cd[0]);
	c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		char a1[16], a2[16];

		/* The carrier's end and S survive the exec; the rest is close-on-exec or closed. */
		if (fcntl(cp[1], F_SETFD, 0))
			die("fcntl");
		close(cp[0]);
		snprintf(a1, sizeof(a1), "%d", cp[1]);
		snprintf(a2, sizeof(a2), "%d", s);
		say("C pid=%d\n", (int)getpid());
		execl("/proc/self/exe", "ident", "exec-child", a1, a2, (char *)NULL);
		die("exec");
	}
	s3 = recv_fd(cp[0]);
	say("S3 pid=%d fd=%d port=%d\n", (int)getpid(), s3, port_of(s3));
	ack(cp[0]);
	reap(c);
	close(cp[0]);
	close(cp[1]);
	close(s3);
	x = udp_connected();
	say("X pid=%d fd=%d port=%d\n", (int)getpid(), x, port_of(x));
	close(x);
	y = udp_connected();
	say("Y pid=%d fd=%d port=%d\n", (int)getpid(), y, port_of(y));
	close(y);
	close(s2);
	close(s);
	return 0;
}

/*
 * vgleaks - leaks sockets from known functions, for comparing socktrace's
 * leak report with valgrind --track-fds=yes: a listener, a client and its
 * accepted end over loopback, a socketpair, a dup, a UDP socket, and one
 * socket closed properly (not a leak).  Each from its own noinline
 * function, so both tools must name the same creation function.
 * Prints nothing; exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "noipa.h"
#define NOTAIL() __asm__ volatile("" ::: "memory")

NOIPA static int leak_listener(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa->sin_port = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *)sa, sizeof(*sa)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)sa, &len))
		exit(1);
	NOTAIL();
	return fd;
}

NOIPA static int leak_client(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		exit(1);
	NOTAIL();
	return fd;
}

NOIPA static int leak_accepted(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		exit(1);
	NOTAIL();
	return fd;
}

NOIPA static int leak_pair(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		exit(1);
	NOTAIL();
	return sv[0];
}

NOIPA static int leak_dup(int fd)
{
	int d = dup(fd);

	NOTAIL();
	return d;
}

NOIPA static int leak_udp(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	NOTAIL();
	return fd;
}

NOIPA static void no_leak(void)
{
	close(socket(AF_INET, SOCK_STREAM, 0));
	NOTAIL();
}

int main(void)
{
	struct sockaddr_in sa;
	int lfd = leak_listener(&sa), cfd;

	cfd = leak_client(&sa);
	leak_accepted(lfd);
	leak_pair();
	leak_dup(cfd);
	leak_udp();
	no_leak();
	return 0;
}

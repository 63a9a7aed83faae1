/*
 * nbserver.c - a healthy non-blocking server and its clients, as event
 * loops (redis, haproxy, asyncio) run them: the counts of "failed" calls
 * the report gives must not include the would-block results.
 *
 * usage: nbserver N
 *
 * One process: a non-blocking listener on 127.0.0.1:0 and N non-blocking
 * clients.  Each client's connect returns EINPROGRESS (or 0) and completes
 * by poll + getsockopt(SO_ERROR); the server accepts in a loop until
 * accept4 says EAGAIN, once per poll wake-up, then one more time after the
 * last client (another EAGAIN); each client sends "ping", the server
 * echoes it back, and every socket is closed.  No call fails for real.
 *
 * Output, key=value lines on stdout: would_block=K (the calls that
 * returned EAGAIN/EWOULDBLOCK/EINPROGRESS/EALREADY/EINTR, as the program
 * itself counted them), failed=F (any other failure: 0 when healthy),
 * clients=N.  Exit 0, or 1 with a message when something went wrong.
 * Loopback only; every wait is poll() with a 5 s bound.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define N_MAX		64
#define WAIT_MS		5000

static int would_block, failed;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Count ret < 0 as a would-block result or a failure, as the report should. */
static int tally(int ret)
{
	if (ret >= 0)
		return ret;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS || errno == EALREADY ||
	    errno == EINTR)
		would_block++;
	else
		failed++;
	return ret;
}

static void wait_for(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };

	if (poll(&p, 1, WAIT_MS) != 1)
		die("poll");
}

/* Accept until EAGAIN: what an event loop does on each wake-up. */
static int accept_all(int l, int *srv, int n)
{
	int fd;

	while ((fd = tally(accept4(l, NULL, NULL, SOCK_NONBLOCK))) >= 0)
		srv[n++] = fd;
	return n;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int n = argc == 2 ? atoi(argv[1]) : 0, l, cli[N_MAX], srv[N_MAX], nsrv = 0;
	char buf[8];

	if (n < 1 || n > N_MAX) {
		fprintf(stderr, "usage: nbserver N (1..%d)\n", N_MAX);
		return 2;
	}
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, N_MAX) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		die("listener");
	for (int i = 0; i < n; i++) {
		int err = 0;
		socklen_t el = sizeof(err);

		cli[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (cli[i] < 0)
			die("socket");
		if (tally(connect(cli[i], (struct sockaddr *)&sa, sizeof(sa))) < 0 && errno != EINPROGRESS)
			die("connect");
		wait_for(cli[i], POLLOUT);
		if (getsockopt(cli[i], SOL_SOCKET, SO_ERROR, &err, &el) || err)
			die("connect completion");
		wait_for(l, POLLIN);
		nsrv = accept_all(l, srv, nsrv);
	}
	nsrv = accept_all(l, srv, nsrv);
	if (nsrv != n) {
		fprintf(stderr, "nbserver: accepted %d of %d\n", nsrv, n);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (send(cli[i], "ping", 4, 0) != 4)
			die("send");
		wait_for(srv[i], POLLIN);
		if (read(srv[i], buf, sizeof(buf)) != 4 || write(srv[i], buf, 4) != 4)
			die("echo");
		wait_for(cli[i], POLLIN);
		if (recv(cli[i], buf, sizeof(buf), 0) != 4)
			die("recv");
		close(srv[i]);
		close(cli[i]);
	}
	close(l);
	printf("clients=%d\nwould_block=%d\nfailed=%d\n", n, would_block, failed);
	return 0;
}

/*
 * fork_server.c - a fork-per-connection server whose parent closes its copy
 * of the accepted fd.
 *
 * Lesson: fork() duplicates fds, so a socket lives until the LAST reference
 * in ANY process is closed.  The parent's close() right after fork is correct
 * and does not end the connection: the client sees no EOF until the child
 * closes too.  In the trace the parent's close leaves the socket open in the
 * child (a different pid); the child's close is the one that ends it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_MSG	"from child\n"
#define CHILD_MSG_LEN	(sizeof(CHILD_MSG) - 1)
#define ADDR_STRLEN	(INET_ADDRSTRLEN + 6)	/* "ip:port" + NUL */

/* Print "what: <strerror(errno)>" to stderr and exit 1. */
static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Print "fork_server: <msg>" to stderr and exit 1: an expectation failed. */
static void fail(const char *msg)
{
	fprintf(stderr, "fork_server: %s\n", msg);
	exit(1);
}

/* Format an IPv4 socket address as "ip:port" into buf (ADDR_STRLEN bytes). */
static const char *fmt_addr(const struct sockaddr_in *sin, char *buf)
{
	char ip[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip)))
		die("inet_ntop");
	snprintf(buf, ADDR_STRLEN, "%s:%u", ip, ntohs(sin->sin_port));
	return buf;
}

/* The local (peer == 0) or peer (peer != 0) IPv4 address of fd. */
static struct sockaddr_in sock_addr(int fd, int peer)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int rc = peer ? getpeername(fd, (struct sockaddr *)&sin, &len)
		      : getsockname(fd, (struct sockaddr *)&sin, &len);

	if (rc < 0)
		die(peer ? "getpeername" : "getsockname");
	return sin;
}

/*
 * Create a TCP listener on 127.0.0.1 with a kernel-chosen port, print the
 * listen line, store the bound address in *addr and return the fd.
 */
static int make_listener(struct sockaddr_in *addr)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(0),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	char buf[ADDR_STRLEN];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(fd, 8) < 0)
		die("listen");
	*addr = sock_addr(fd, 0);
	printf("listen fd=%d addr=%s\n", fd, fmt_addr(addr, buf));
	return fd;
}

/* Connect a new TCP socket to addr, print the connect line, return the fd. */
static int connect_to(const struct sockaddr_in *addr)
{
	char lbuf[ADDR_STRLEN], pbuf[ADDR_STRLEN];
	struct sockaddr_in local, peer;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0)
		die("connect");
	local = sock_addr(fd, 0);
	peer = sock_addr(fd, 1);
	printf("connect fd=%d local=%s peer=%s\n", fd,
	       fmt_addr(&local, lbuf), fmt_addr(&peer, pbuf));
	return fd;
}

/* Accept one connection on lfd, print the accept line, return the fd. */
static int accept_one(int lfd)
{
	char lbuf[ADDR_STRLEN], pbuf[ADDR_STRLEN];
	struct sockaddr_in local, peer;
	socklen_t plen = sizeof(peer);
	int fd = accept(lfd, (struct sockaddr *)&peer, &plen);

	if (fd < 0)
		die("accept");
	local = sock_addr(fd, 0);
	printf("accept fd=%d local=%s peer=%s\n", fd,
	       fmt_addr(&local, lbuf), fmt_addr(&peer, pbuf));
	return fd;
}

/*
 * The handler child: drop the fds it does not need, write CHILD_MSG to the
 * accepted socket, wait until the parent writes a byte on the pipe, then
 * close the accepted socket and _exit(0); _exit(1) if anything fails.  It
 * never returns and never prints to stdout.
 */
static void handler_child(int lfd, int cfd, int afd, int go_rd, int go_wr)
{
	const char *msg = CHILD_MSG;
	size_t done = 0;
	char c;

	/* The listener and the pipe's write end belong to the parent; the
	 * client fd is only here because this demo keeps the client in the
	 * same program: a real handler would not have it. */
	if (close(lfd) < 0 || close(go_wr) < 0 || close(cfd) < 0)
		_exit(1);
	for (int i = 0; done < CHILD_MSG_LEN && i < 16; i++) {
		ssize_t n = write(afd, msg + done, CHILD_MSG_LEN - done);

		if (n < 0)
			_exit(1);
		done += (size_t)n;
	}
	if (done < CHILD_MSG_LEN)
		_exit(1);
	/* A real signal, not a sleep: the parent's byte means "close now"
	 * (EOF instead means the parent died: give up). */
	if (read(go_rd, &c, 1) != 1)
		_exit(1);
	if (close(afd) < 0)
		_exit(1);
	_exit(0);
}

int main(void)
{
	char buf[64];
	struct sockaddr_in addr;
	size_t got = 0;
	ssize_t n;
	int lfd, cfd, afd, go[2], status;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(5);	/* watchdog: a hang is a failure, never a wait */

	lfd = make_listener(&addr);
	/* The listen backlog completes the handshake before accept(). */
	cfd = connect_to(&addr);
	afd = accept_one(lfd);
	if (pipe(go) < 0)
		die("pipe");

	fflush(stdout);	/* flush before fork: nothing may print twice */
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		handler_child(lfd, cfd, afd, go[0], go[1]);

	/* Parent: the accepted socket is the child's job now. */
	if (close(afd) < 0)
		die("close accepted");
	printf("# parent closed accepted fd=%d\n", afd);
	if (close(go[0]) < 0)
		die("close pipe");

	/* The connection is alive: the child's message arrives ... */
	for (int i = 0; got < CHILD_MSG_LEN && i < 16; i++) {
		n = read(cfd, buf + got, CHILD_MSG_LEN - got);
		if (n < 0)
			die("client read");
		if (n == 0)
			fail("client: EOF before the child's message");
		got += (size_t)n;
	}
	if (got < CHILD_MSG_LEN || memcmp(buf, CHILD_MSG, CHILD_MSG_LEN) != 0)
		fail("client: not the child's message");
	printf("# client read: %.*s\n", (int)(CHILD_MSG_LEN - 1), buf);

	/* ... and no EOF follows: the child still holds the socket open. */
	n = recv(cfd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0)
		fail("client: EOF although the child holds the socket");
	if (n > 0)
		fail("client: unexpected data");
	if (errno != EAGAIN)
		die("client recv");
	printf("# after parent close: client read -> EAGAIN "
	       "(no EOF: the child holds a reference)\n");

	/* Let the child close its copy, the last one: now the FIN comes. */
	if (write(go[1], "c", 1) != 1)
		die("write pipe");
	n = read(cfd, buf, sizeof(buf));
	if (n < 0)
		die("client read");
	if (n != 0)
		fail("client: data where EOF was expected");
	printf("# after child close: client read -> EOF\n");

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("the handler child failed");
	if (close(go[1]) < 0)
		die("close pipe");
	if (close(cfd) < 0)
		die("close client");
	if (close(lfd) < 0)
		die("close listener");
	return 0;
}

/*
 * leakysrv.c - a long-running server that leaks sockets from one call
 * site and not from another, on command, for `socktrace top`'s tests.
 *
 * usage: leakysrv        (commands on stdin, one per line)
 *   leak N   N times: leak_conn() makes a client socket (LEAK-SITE),
 *            connects it to the server's own listener, the server accepts
 *            (ACCEPT-SITE) and closes its end, the client reads the EOF
 *            and keeps its socket: it stays open, in CLOSE_WAIT
 *   tidy N   N times: tidy_conn() makes a client socket (TIDY-SITE),
 *            sends a byte through an accepted connection, closes both
 *   quit     exit 0 (so does the end of stdin)
 *
 * Prints "ready pid=P port=N" once listening (LISTEN-SITE), and
 * "done CMD N leaked=K" after each command, flushed: a test waits for the
 * line, never sleeps.  Loopback only.  Exits 1 when a call fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "noipa.h"

#define MAX_LEAKS	20000

static int listener;
static struct sockaddr_in addr;
static int leaked[MAX_LEAKS];
static int nleaked;

static int must(int v, const char *what)
{
	if (v < 0) {
		perror(what);
		exit(1);
	}
	return v;
}

/* The server's side of one connection: accepted, then closed after reading what came (none or a byte). */
NOIPA static void serve_one(int want)
{
	char b;
	int a = must(accept(listener, NULL, NULL), "accept");	/* ACCEPT-SITE */

	if (want)
		must((int)read(a, &b, 1), "read");
	must(close(a), "close");
}

NOIPA static int leak_conn(void)
{
	int c = must(socket(AF_INET, SOCK_STREAM, 0), "socket");	/* LEAK-SITE */
	char b;

	must(connect(c, (struct sockaddr *)&addr, sizeof(addr)), "connect");
	serve_one(0);
	/* The server closed: the client sees the EOF, and keeps its socket (CLOSE_WAIT). */
	if (must((int)read(c, &b, 1), "read") != 0) {
		fprintf(stderr, "leakysrv: expected EOF\n");
		exit(1);
	}
	return c;
}

NOIPA static void tidy_conn(void)
{
	int c = must(socket(AF_INET, SOCK_STREAM, 0), "socket");	/* TIDY-SITE */

	must(connect(c, (struct sockaddr *)&addr, sizeof(addr)), "connect");
	must((int)write(c, "x", 1), "write");
	serve_one(1);
	must(close(c), "close");
}

int main(void)
{
	socklen_t len = sizeof(addr);
	char line[128], cmd[16];
	long n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	listener = must(socket(AF_INET, SOCK_STREAM, 0), "socket");	/* LISTEN-SITE */
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	must(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), "bind");
	must(listen(listener, 128), "listen");
	must(getsockname(listener, (struct sockaddr *)&addr, &len), "getsockname");
	printf("ready pid=%d port=%d\n", (int)getpid(), ntohs(addr.sin_port));
	while (fgets(line, sizeof(line), stdin)) {
		n = 0;
		if (sscanf(line, "%15s %ld", cmd, &n) < 1)
			continue;
		if (!strcmp(cmd, "quit"))
			break;
		for (long i = 0; i < n; i++) {
			if (!strcmp(cmd, "leak") && nleaked < MAX_LEAKS)
				leaked[nleaked++] = leak_conn();
			else if (!strcmp(cmd, "tidy"))
				tidy_conn();
		}
		printf("done %s %ld leaked=%d\n", cmd, n, nleaked);
	}
	return 0;
}

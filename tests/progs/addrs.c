/*
 * addrs.c - one socket of each address kind, for the address formatting
 * test (t0150-addrs.t).
 *
 * Behaviour exercised, each printed as a machine-readable line with the
 * addresses written the way ss writes them and the socket's inode:
 *  (a) AF_UNIX stream on a filesystem path under argv[1]: listen, connect
 *      (a client with an unnamed address, "*"), accept with an address buffer;
 *  (b) the same on an abstract name ("@socktrace-test-<pid>"), accepting
 *      with no address buffer;
 *  (c) socketpair(AF_UNIX, SOCK_STREAM): two unnamed ends;
 *  (d) AF_INET6 on [::1]:0: listen, connect, accept4(SOCK_CLOEXEC); when
 *      ::1 is unusable here it prints "inet6-unavailable ..." instead;
 *  (e) AF_INET SOCK_DGRAM: one socket bound to 127.0.0.1:0, another
 *      connect()ed to it.
 *
 * Lines: "KIND-ACTION fd=N addr=A inode=I" for listeners and bound sockets,
 * "KIND-ACTION fd=N local=L peer=P inode=I" for connected ones,
 * "pair fd=N other=M local=L peer=P inode=I peer_inode=J" for socketpair ends.
 * Every socket is closed before exit; exit status 0 means every call worked.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define ADDR_MAX	256

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* addr as ss writes it: 1.2.3.4:80, [::1]:80, /path, @abstract, *. */
static const char *fmt(const struct sockaddr_storage *ss, socklen_t len, char *out)
{
	char ip[INET6_ADDRSTRLEN];

	switch (ss->ss_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)ss;

		if (!inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip)))
			die("inet_ntop");
		snprintf(out, ADDR_MAX, "%s:%u", ip, ntohs(in->sin_port));
		return out;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		if (!inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip)))
			die("inet_ntop");
		snprintf(out, ADDR_MAX, "[%s]:%u", ip, ntohs(in6->sin6_port));
		return out;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const void *)ss;
		size_t off = offsetof(struct sockaddr_un, sun_path);
		size_t n = len > off ? len - off : 0;

		if (n == 0)
			return strcpy(out, "*");
		if (un->sun_path[0] != 0) {
			snprintf(out, ADDR_MAX, "%.*s", (int)strnlen(un->sun_path, n), un->sun_path);
			return out;
		}
		/* Abstract: '@' for the leading NUL (and any NUL inside). */
		for (size_t i = 0; i < n && i < ADDR_MAX - 1; i++)
			out[i] = un->sun_path[i] ? un->sun_path[i] : '@';
		out[n < ADDR_MAX - 1 ? n : ADDR_MAX - 1] = 0;
		return out;
	}
	default:
		fprintf(stderr, "addrs: unexpected family %d\n", ss->ss_family);
		exit(1);
	}
}

static const char *local_of(int fd, char *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getsockname");
	return fmt(&ss, len, out);
}

static const char *peer_of(int fd, char *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		die("getpeername");
	return fmt(&ss, len, out);
}

static unsigned long long inode_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die("fstat");
	return (unsigned long long)st.st_ino;
}

static void print_bound(const char *what, int fd)
{
	char a[ADDR_MAX];

	printf("%s fd=%d addr=%s inode=%llu\n", what, fd, local_of(fd, a), inode_of(fd));
}

static void print_conn(const char *what, int fd)
{
	char a[ADDR_MAX], b[ADDR_MAX];

	printf("%s fd=%d local=%s peer=%s inode=%llu\n", what, fd, local_of(fd, a),
	       peer_of(fd, b), inode_of(fd));
}

/* Close every fd of fds[0..n), failing loudly. */
static void close_all(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (close(fds[i]) < 0)
			die("close");
}

/*
 * (a) and (b): listen on un (len bytes), connect a client, accept.  The
 * path case passes an address buffer to accept, the abstract case none.
 */
static void unix_case(const char *kind, const struct sockaddr_un *un, socklen_t len, int want_addr)
{
	char name[64];
	int fds[3];

	fds[0] = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fds[0] < 0)
		die("socket unix");
	if (bind(fds[0], (const struct sockaddr *)un, len) < 0)
		die("bind unix");
	if (listen(fds[0], 4) < 0)
		die("listen unix");
	snprintf(name, sizeof(name), "%s-listen", kind);
	print_bound(name, fds[0]);

	fds[1] = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fds[1] < 0)
		die("socket unix client");
	if (connect(fds[1], (const struct sockaddr *)un, len) < 0)
		die("connect unix");
	snprintf(name, sizeof(name), "%s-connect", kind);
	print_conn(name, fds[1]);

	if (want_addr) {
		struct sockaddr_un peer;
		socklen_t plen = sizeof(peer);

		fds[2] = accept(fds[0], (struct sockaddr *)&peer, &plen);
	} else {
		fds[2] = accept(fds[0], NULL, NULL);
	}
	if (fds[2] < 0)
		die("accept unix");
	snprintf(name, sizeof(name), "%s-accept", kind);
	print_conn(name, fds[2]);
	close_all(fds, 3);
}

static void path_case(const char *dir)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int n = snprintf(un.sun_path, sizeof(un.sun_path), "%s/addrs.sock", dir);

	if (n < 0 || (size_t)n >= sizeof(un.sun_path)) {
		fprintf(stderr, "addrs: socket path too long\n");
		exit(1);
	}
	/* The length the kernel itself reports for a pathname: with the NUL. */
	unix_case("unix", &un, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1), 1);
	if (unlink(un.sun_path) < 0)
		die("unlink");
}

static void abstract_case(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int n = snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "socktrace-test-%d", (int)getpid());

	if (n < 0 || (size_t)n >= sizeof(un.sun_path) - 1)
		die("snprintf");
	/* Abstract names are exactly len bytes: no terminating NUL. */
	unix_case("abstract", &un, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n), 0);
}

static void pair_case(void)
{
	char a[ADDR_MAX], b[ADDR_MAX];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair");
	for (int i = 0; i < 2; i++)
		printf("pair fd=%d other=%d local=%s peer=%s inode=%llu peer_inode=%llu\n", sv[i],
		       sv[1 - i], local_of(sv[i], a), peer_of(sv[i], b), inode_of(sv[i]),
		       inode_of(sv[1 - i]));
	close_all(sv, 2);
}

static void inet6_case(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fds[3];

	fds[0] = socket(AF_INET6, SOCK_STREAM, 0);
	if (fds[0] < 0) {
		printf("inet6-unavailable socket %s\n", strerrorname_np(errno));
		return;
	}
	if (bind(fds[0], (const struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		printf("inet6-unavailable bind %s\n", strerrorname_np(errno));
		close_all(fds, 1);
		return;
	}
	if (listen(fds[0], 4) < 0)
		die("listen inet6");
	print_bound("inet6-listen", fds[0]);
	if (getsockname(fds[0], (struct sockaddr *)&ss, &len) < 0)
		die("getsockname inet6");

	fds[1] = socket(AF_INET6, SOCK_STREAM, 0);
	if (fds[1] < 0)
		die("socket inet6 client");
	if (connect(fds[1], (const struct sockaddr *)&ss, len) < 0)
		die("connect inet6");
	print_conn("inet6-connect", fds[1]);

	fds[2] = accept4(fds[0], NULL, NULL, SOCK_CLOEXEC);
	if (fds[2] < 0)
		die("accept4 inet6");
	print_conn("inet6-accept", fds[2]);
	close_all(fds, 3);
}

static void udp_case(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fds[2];

	fds[0] = socket(AF_INET, SOCK_DGRAM, 0);
	if (fds[0] < 0)
		die("socket udp");
	if (bind(fds[0], (const struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind udp");
	print_bound("udp-bound", fds[0]);
	if (getsockname(fds[0], (struct sockaddr *)&sin, &len) < 0)
		die("getsockname udp");

	fds[1] = socket(AF_INET, SOCK_DGRAM, 0);
	if (fds[1] < 0)
		die("socket udp client");
	if (connect(fds[1], (const struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("connect udp");
	print_conn("udp-connect", fds[1]);
	close_all(fds, 2);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: addrs DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(5);	/* watchdog: a hang is a failure */
	path_case(argv[1]);
	abstract_case();
	pair_case();
	inet6_case();
	udp_case();
	return 0;
}

/*
 * stk_fds.c - what the app sees of the fd range while the shim keeps
 * libunwind's pipe at its top: fd numbers, closes of every fd, dup2 onto
 * the top, exec'd children's fds, an app that fills its table.
 *
 * usage: stk_fds numbers          open sockets, files, pipes, dups: print each fd
 *        stk_fds closeall HOW     HOW = loop: close() of every fd from 3 to the
 *                                 soft RLIMIT_NOFILE - 1, printed as runs of equal
 *                                 results; closefrom: closefrom(3); close_range:
 *                                 close_range(3, ~0U, 0); then sockets from
 *                                 after_a() and after_b()
 *        stk_fds dup2top [K]      socket from before_dup2(), dup2 of it onto soft-K
 *                                 (K 1..8, default 1), close(soft-K), socket from
 *                                 after_dup2()
 *        stk_fds dup2bad          dup2 of a closed fd onto soft-1 (fails), then
 *                                 close(soft-1), close(soft-2), socket from after_a()
 *        stk_fds exec             a socket, its own fds ("parent fds ..."), then
 *                                 exec of "stk_fds listfds" with SOCKTRACE_STACKS=0
 *        stk_fds listfds          the fds open in this process, one line
 *        stk_fds fill             open /dev/null until it fails: count, last fd, errno
 *        stk_fds dupfd_top        fcntl(0, F_DUPFD, soft - 2) and (soft - 1)
 * Lines are "name ret=N errno=NAME" or "name fd=N"; the same traced and
 * untraced when the shim is transparent.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "noipa.h"
#define NOTAIL() __asm__ volatile("" ::: "memory")

static const char *ename(int ret, int err)
{
	return ret < 0 ? strerrorname_np(err) : "0";
}

static void say(const char *what, int ret, int err)
{
	printf("%s ret=%d errno=%s\n", what, ret, ename(ret, err));
}

static long soft(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	return rl.rlim_cur > (1 << 20) ? (1 << 20) : (long)rl.rlim_cur;
}

NOIPA int after_a(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	NOTAIL();
	return fd;
}

NOIPA int after_b(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	NOTAIL();
	return fd;
}

NOIPA int before_dup2(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	NOTAIL();
	return fd;
}

NOIPA int after_dup2(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	NOTAIL();
	return fd;
}

static int numbers(void)
{
	int sv[2], p[2], s = socket(AF_INET, SOCK_STREAM, 0), n = open("/dev/null", O_RDONLY);

	printf("socket fd=%d\nopen fd=%d\n", s, n);
	if (pipe(p) == 0)
		printf("pipe fd=%d,%d\n", p[0], p[1]);
	if (pipe2(p, O_CLOEXEC) == 0)
		printf("pipe2 fd=%d,%d\n", p[0], p[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0)
		printf("socketpair fd=%d,%d\n", sv[0], sv[1]);
	printf("dup fd=%d\n", dup(s));
	close(n);
	printf("socket2 fd=%d\n", socket(AF_INET, SOCK_DGRAM, 0));
	printf("lowest fd=%d\n", fcntl(0, F_DUPFD, 0));
	return 0;
}

static int closeall(const char *how)
{
	long top = soft();

	if (top < 4)
		return 1;
	if (!strcmp(how, "loop")) {
		long start = 3;
		int prev_ret = 0, prev_err = 0;

		for (long fd = 3; fd <= top; fd++) {
			int ret = fd < top ? close((int)fd) : 0, err = ret < 0 ? errno : 0;

			if (fd == 3) {
				prev_ret = ret;
				prev_err = err;
			}
			if (fd == top || ret != prev_ret || err != prev_err) {
				printf("close %ld-%ld ret=%d errno=%s\n", start, fd - 1, prev_ret,
				       ename(prev_ret, prev_err));
				start = fd;
				prev_ret = ret;
				prev_err = err;
			}
		}
	} else if (!strcmp(how, "closefrom")) {
		closefrom(3);
		printf("closefrom done\n");
	} else if (!strcmp(how, "close_range")) {
		int r = close_range(3, ~0U, 0);

		say("close_range", r, errno);
	} else {
		return 64;
	}
	printf("after_a fd=%d\n", after_a());
	printf("after_b fd=%d\n", after_b());
	return 0;
}

static int dup2top(int k)
{
	long top = soft();
	int s = before_dup2(), r;
	char at[16], what[32];

	snprintf(at, sizeof(at), "soft-%d", k);
	printf("before_dup2 fd=%d\n", s);
	r = dup2(s, (int)top - k);
	printf("dup2 ret=%s errno=%s\n", r == top - k ? at : "other", ename(r, errno));
	r = close((int)top - k);
	snprintf(what, sizeof(what), "close %s", at);
	say(what, r, errno);
	printf("after_dup2 fd=%d\n", after_dup2());
	return 0;
}

static int dup2bad(void)
{
	long top = soft();
	int s = socket(AF_INET, SOCK_DGRAM, 0), r;

	close(s);
	r = dup2(s, (int)top - 1);
	say("dup2 closed fd onto soft-1", r, errno);
	r = close((int)top - 1);
	say("close soft-1", r, errno);
	r = close((int)top - 2);
	say("close soft-2", r, errno);
	printf("after_a fd=%d\n", after_a());
	return 0;
}

static int listfds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char line[4096] = "";
	size_t len = 0;
	int fds[4096], n = 0;

	if (!d)
		return 1;
	while ((e = readdir(d)) && n < 4096) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd != dirfd(d))
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++)	/* small: insertion sort */
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	for (int i = 0; i < n && len < sizeof(line) - 16; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%d", i ? "," : "", fds[i]);
	printf("fds %s\n", line);
	return 0;
}

static int do_exec(const char *self)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);

	printf("socket fd=%d\n", s);
	printf("parent ");
	listfds();
	fflush(stdout);
	setenv("SOCKTRACE_STACKS", "0", 1);
	execl(self, self, "listfds", (char *)NULL);
	perror("execl");
	return 1;
}

#define FILL_MAX	65536

/* Closes what it opened afterwards: a sanitizer's exit needs fds. */
static int fill(void)
{
	static int opened[FILL_MAX];
	int last = -1, fd, n = 0, err = 0;

	while (n < FILL_MAX && (fd = open("/dev/null", O_RDONLY)) >= 0)
		last = opened[n++] = fd;
	err = errno;
	for (int i = 0; i < n; i++)
		close(opened[i]);
	printf("fill count=%d last=%d errno=%s\n", n, last, strerrorname_np(err));
	return 0;
}

static int dupfd_top(void)
{
	long top = soft();
	int r = fcntl(0, F_DUPFD, (int)top - 2);

	printf("F_DUPFD soft-2 ret=%s errno=%s\n", r == top - 2 ? "soft-2" : r < 0 ? "-1" : "other",
	       ename(r, errno));
	r = fcntl(0, F_DUPFD, (int)top - 1);
	printf("F_DUPFD soft-1 ret=%s errno=%s\n", r == top - 1 ? "soft-1" : r < 0 ? "-1" : "other",
	       ename(r, errno));
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "numbers"))
		return numbers();
	if (!strcmp(cmd, "closeall") && argc > 2)
		return closeall(argv[2]);
	if (!strcmp(cmd, "dup2top")) {
		long k = argc > 2 ? strtol(argv[2], NULL, 10) : 1;

		if (k < 1 || k > 8) {
			fprintf(stderr, "stk_fds: dup2top K: 1..8\n");
			return 64;
		}
		return dup2top((int)k);
	}
	if (!strcmp(cmd, "dup2bad"))
		return dup2bad();
	if (!strcmp(cmd, "exec"))
		return do_exec(argv[0]);
	if (!strcmp(cmd, "listfds"))
		return listfds();
	if (!strcmp(cmd, "fill"))
		return fill();
	if (!strcmp(cmd, "dupfd_top"))
		return dupfd_top();
	fprintf(stderr, "usage: stk_fds numbers|closeall HOW|dup2top [K]|dup2bad|exec|listfds|fill|dupfd_top\n");
	return 64;
}

/*
 * forkgrow.c - a traced process forks, and then both sides make enough
 * sockets for their trace files to grow, for t0814: the shim holds no fd
 * at the top of the fd range across a fork (a kept fd there makes the
 * kernel copy a table as large as the range into every child), and opens
 * its file again by name when it next grows, also after the child changed
 * its uid or its root.
 *
 * usage: forkgrow N [setuid UID | chroot DIR | dropfirst UID]
 *
 * With "dropfirst UID" the process first calls setuid(UID), before any
 * socket (a daemon dropping root at start: the shim makes its file just
 * before).  The parent makes one socket (its trace file), prints "parent-before
 * maxfd=F" (the highest fd in /proc/self/fd) and forks.  The child prints
 * "child maxfd=F", then with "setuid UID" calls setuid(UID), with "chroot
 * DIR" chroot(DIR) and chdir("/"), makes and closes N sockets, prints
 * "child-after n=N" and exits holding the first socket.  The parent prints
 * "parent maxfd=F", makes and closes N sockets, reaps the child and prints
 * "parent-after maxfd=F status=S".  Exits 0; 1 when anything fails.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The highest fd this process has open (the listing's own fd aside), or -1. */
static int max_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int max = -1;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) && atoi(e->d_name) > max)
			max = atoi(e->d_name);
	closedir(d);
	return max;
}

/* Make and close n sockets; 0, or -1 with a message. */
static int churn(long n, const char *who)
{
	for (long i = 0; i < n; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0 || close(s) != 0) {
			fprintf(stderr, "forkgrow: %s: socket %ld failed\n", who, i);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	const char *mode = argc > 3 ? argv[2] : "";
	int s, status;
	pid_t pid;

	if (n <= 0 || (argc != 2 && argc != 4)) {
		fprintf(stderr, "usage: forkgrow N [setuid UID | chroot DIR | dropfirst UID]\n");
		return 2;
	}
	if (!strcmp(mode, "dropfirst") && setuid((uid_t)atol(argv[3])) != 0) {
		perror("forkgrow: setuid");
		return 1;
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return 1;
	printf("parent-before maxfd=%d\n", max_fd());
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		printf("child maxfd=%d\n", max_fd());
		fflush(stdout);
		if (!strcmp(mode, "setuid") && setuid((uid_t)atol(argv[3])) != 0) {
			perror("forkgrow: setuid");
			_exit(1);
		}
		if (!strcmp(mode, "chroot") && (chroot(argv[3]) != 0 || chdir("/") != 0)) {
			perror("forkgrow: chroot");
			_exit(1);
		}
		if (churn(n, "child"))
			_exit(1);
		printf("child-after n=%ld\n", n);
		fflush(stdout);
		_exit(0);	/* holding s */
	}
	printf("parent maxfd=%d\n", max_fd());
	fflush(stdout);
	if (churn(n, "parent") || waitpid(pid, &status, 0) != pid)
		return 1;
	printf("parent-after maxfd=%d status=%d\n", max_fd(), status);
	close(s);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

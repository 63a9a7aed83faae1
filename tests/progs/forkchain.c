/*
 * forkchain.c - N nested forks, only the last one making a socket: the
 * processes above it never hold one (so they leave no trace file).
 * Prints "pid=" for each level, top first, then exits 0 once every child
 * has exited 0.
 *
 * Usage: forkchain N    (1..7)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc == 2 ? atoi(argv[1]) : 0, st;
	pid_t c;

	if (n < 1 || n > 7) {
		fprintf(stderr, "usage: forkchain N (1..7)\n");
		return 2;
	}
	printf("pid=%d\n", (int)getpid());
	for (int level = 0; level < n; level++) {
		fflush(stdout);
		c = fork();
		if (c < 0)
			return 1;
		if (c > 0) {
			if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
				_exit(1);
			_exit(0);
		}
		printf("pid=%d\n", (int)getpid());
	}
	fflush(stdout);
	st = socket(AF_INET, SOCK_STREAM, 0);
	if (st < 0 || close(st))
		_exit(1);
	_exit(0);
}

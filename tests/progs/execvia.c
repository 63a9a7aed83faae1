/*
 * execvia.c - exec a program through one member of the exec family, for
 * the tests of what each passes on (t0813: the shim's no-socket hint must
 * reach the next image through every one of them, and the exec still run
 * the right program with the right arguments).
 *
 * usage: execvia VARIANT PROG [ARG...]
 *   VARIANT: execve execv execvp execvpe execl execlp execle fexecve execveat
 *   The p variants search PATH for PROG; the others take it as a path.
 *   The l variants pass at most PROG and two arguments.
 *
 * Prints "pid=P" (kept across the exec), flushed, then execs.  Exits 127
 * with a message when the exec fails, 64 for bad usage.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	const char *v = argc > 2 ? argv[1] : "";
	char **args = argv + 2;
	const char *a1 = argc > 3 ? argv[3] : NULL, *a2 = argc > 4 ? argv[4] : NULL;
	int fd;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: execvia VARIANT PROG [ARG [ARG]]\n");
		return 64;
	}
	printf("pid=%d\n", (int)getpid());
	fflush(stdout);
	if (!strcmp(v, "execve"))
		execve(args[0], args, environ);
	else if (!strcmp(v, "execv"))
		execv(args[0], args);
	else if (!strcmp(v, "execvp"))
		execvp(args[0], args);
	else if (!strcmp(v, "execvpe"))
		execvpe(args[0], args, environ);
	else if (!strcmp(v, "execl"))
		execl(args[0], args[0], a1, a2, (char *)NULL);
	else if (!strcmp(v, "execlp"))
		execlp(args[0], args[0], a1, a2, (char *)NULL);
	else if (!strcmp(v, "execle") && !a1)		/* envp follows the first NULL */
		execle(args[0], args[0], (char *)NULL, environ);
	else if (!strcmp(v, "execle") && !a2)
		execle(args[0], args[0], a1, (char *)NULL, environ);
	else if (!strcmp(v, "execle"))
		execle(args[0], args[0], a1, a2, (char *)NULL, environ);
	else if (!strcmp(v, "fexecve")) {
		if ((fd = open(args[0], O_RDONLY | O_CLOEXEC)) >= 0)
			fexecve(fd, args, environ);
	} else if (!strcmp(v, "execveat"))
		execveat(AT_FDCWD, args[0], args, environ, 0);
	else {
		fprintf(stderr, "execvia: unknown variant %s\n", v);
		return 64;
	}
	perror(v);
	return 127;
}

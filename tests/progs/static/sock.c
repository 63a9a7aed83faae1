/*
 * static/sock.c - built with -static (no PT_INTERP, so no dynamic loader
 * and no LD_PRELOAD): makes a socket, closes it, and exits with the status
 * given (default 0), for the tests of what socktrace run says when it
 * could trace nothing.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || close(fd))
		return 1;
	return argc > 1 ? atoi(argv[1]) : 0;
}

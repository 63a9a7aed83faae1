/*
 * topload.c - a server's worth of open sockets for `socktrace top`'s
 * refresh figure (bench/top.sh): N UDP sockets made from SITES distinct
 * call paths (4 call sites per level, 4 levels: up to 256), all kept
 * open until stdin ends.
 *
 * usage: topload N SITES     prints "ready N SITES" once every socket is open
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define LEVELS	4

volatile unsigned sink;

__attribute__((noipa)) static void leaf(void)
{
	if (socket(AF_INET, SOCK_DGRAM, 0) < 0) {
		perror("socket");
		exit(1);
	}
	sink++;
}

/* As bench/symbolize.c: different work after each call keeps the four call sites apart. */
__attribute__((noipa)) static void descend(int level, unsigned path)
{
	if (level == LEVELS) {
		leaf();
		return;
	}
	switch ((path >> (2 * level)) & 3) {
	case 0: descend(level + 1, path); sink += 1; break;
	case 1: descend(level + 1, path); sink += 2; break;
	case 2: descend(level + 1, path); sink += 3; break;
	default: descend(level + 1, path); sink += 4; break;
	}
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000, sites = argc > 2 ? atol(argv[2]) : 200;
	char buf[256];

	if (n < 1 || sites < 1 || sites > 1L << (2 * LEVELS)) {
		fprintf(stderr, "usage: topload N SITES (SITES 1..%ld)\n", 1L << (2 * LEVELS));
		return 2;
	}
	for (long i = 0; i < n; i++)
		descend(0, (unsigned)(i % sites));
	printf("ready %ld %ld\n", n, sites);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}

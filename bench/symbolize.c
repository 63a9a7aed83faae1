/*
 * symbolize.c - N sockets, each made from its own call path: the subject
 * of the viewer's symbolisation benchmark (bench/symbolize.sh).
 *
 * usage: symbolize N    (N <= 4^9 = 262144)
 *
 * Path i descends 9 levels; at level k it takes one of four call sites,
 * chosen by bits 2k..2k+1 of i, so every path is a distinct stack of
 * return addresses, while the distinct (module, address) pairs stay few
 * (4 per level): what the viewer's per-address cache is for.  At the bottom
 * leaf() makes a UDP socket and closes it.  Prints "paths N".
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define LEVELS	9

volatile unsigned sink;

__attribute__((noipa)) static void leaf(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	close(fd);
	sink++;
}

/* Different work after each call keeps the four call sites apart (no tail call, no merging). */
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
	long n = argc > 1 ? atol(argv[1]) : 131072;

	if (n < 1 || n > 1L << (2 * LEVELS)) {
		fprintf(stderr, "usage: symbolize N (1..%ld)\n", 1L << (2 * LEVELS));
		return 2;
	}
	for (long i = 0; i < n; i++)
		descend(0, (unsigned)i);
	printf("paths %ld\n", n);
	return 0;
}

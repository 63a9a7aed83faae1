/*
 * pagefault.c - what one page fault costs on this machine.
 *
 * Usage: pagefault N
 *
 * Maps N fresh anonymous pages and writes one byte to each: N minor
 * faults, each taking a zeroed page.  Prints "ns_per_iter <float>" (per
 * fault).  A fork child or a new process pays a fault for every page it
 * writes (copy-on-write) and for every window of code it runs first, so
 * this price is what the per-process figures are made of; on a
 * paravirtualised machine it can be ten times a system call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	long n, page = 4096;
	volatile char *p;

	if (argc != 2 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: %s PAGES\n", argv[0]);
		return 2;
	}
	p = mmap(NULL, (size_t)(n * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("pagefault: mmap");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		p[i * page] = 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("ns_per_iter %.1f\n", ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n);
	return 0;
}

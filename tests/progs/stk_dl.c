/*
 * stk_dl.c - stacks through a dlopen'ed object.
 *
 * usage: stk_dl LIB_A [LIB_B]
 *
 * dlopen(LIB_A), call its lib_make() (a socket made inside the object),
 * dlclose it; with LIB_B, then dlopen(LIB_B) and the same (no new stack in
 * between); finally a socket from main_after(), a new stack.  Each LIB
 * defines int lib_make(void).  Prints "a fd=N base=0x..", "b fd=N base=0x..
 * same_base=0|1", "main_after fd=N"; exits 1 on a failure.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "noipa.h"

NOIPA int main_after(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	__asm__ volatile("" ::: "memory");
	return fd;
}

/* One object's round: its lib_make's socket; the object's base, or NULL. */
static void *round_of(const char *tag, const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL), *base = NULL;
	int (*make)(void);
	Dl_info info;
	int fd;

	if (!h) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return NULL;
	}
	make = (int (*)(void))dlsym(h, "lib_make");
	if (!make || !dladdr((void *)make, &info)) {
		fprintf(stderr, "lib_make: %s\n", dlerror());
		return NULL;
	}
	base = info.dli_fbase;
	fd = make();
	printf("%s fd=%d", tag, fd);
	if (fd >= 0)
		close(fd);
	dlclose(h);
	return fd >= 0 ? base : NULL;
}

int main(int argc, char **argv)
{
	void *a, *b;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: stk_dl LIB_A [LIB_B]\n");
		return 64;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	a = round_of("a", argv[1]);
	if (!a)
		return 1;
	printf("\n");
	if (argc == 3) {
		b = round_of("b", argv[2]);
		if (!b)
			return 1;
		printf(" same_base=%d\n", a == b);
	}
	printf("main_after fd=%d\n", main_after());
	return 0;
}

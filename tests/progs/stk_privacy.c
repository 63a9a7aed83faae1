/*
 * stk_privacy.c - which object the app's symbol lookups find, for the test
 * that the shim's private libunwind stays out of the app's symbol scope.
 *
 * usage: stk_privacy
 *
 * Makes a socket first (so a traced run has captured a stack), then prints:
 *   maps libunwind=0|1           is a libunwind mapped (differs traced/untraced)
 *   NAME=none | NAME=BASENAME    dlsym(RTLD_DEFAULT, NAME), named by dladdr
 * for unw_backtrace, _ULx86_64_step, _Unwind_RaiseException, _Unwind_Backtrace
 * and backtrace; then again for the _Unwind_ names after
 * dlopen("libgcc_s.so.1", RTLD_GLOBAL) (prefix "global "); then
 *   backtrace frames=N           backtrace() from a noinline function
 * Exits 1 when a call fails.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "noipa.h"

static void where(const char *prefix, const char *name)
{
	void *p = dlsym(RTLD_DEFAULT, name);
	Dl_info info;
	const char *base;

	if (!p) {
		printf("%s%s=none\n", prefix, name);
		return;
	}
	if (!dladdr(p, &info) || !info.dli_fname) {
		printf("%s%s=unknown\n", prefix, name);
		return;
	}
	base = strrchr(info.dli_fname, '/');
	printf("%s%s=%s\n", prefix, name, base ? base + 1 : info.dli_fname);
}

NOIPA int frames(void)
{
	void *buf[64];
	int n = backtrace(buf, 64);

	__asm__ volatile("" ::: "memory");
	return n;
}

int main(void)
{
	static const char *names[] = { "unw_backtrace", "_ULx86_64_step", "_Unwind_RaiseException",
				       "_Unwind_Backtrace", "backtrace" };
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int fd = socket(AF_INET, SOCK_STREAM, 0), mapped = 0;

	if (fd < 0 || !f) {
		perror("socket or maps");
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		mapped |= strstr(line, "libunwind") != NULL;
	fclose(f);
	close(fd);
	printf("maps libunwind=%d\n", mapped);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		where("", names[i]);
	if (!dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_GLOBAL)) {
		fprintf(stderr, "dlopen libgcc_s: %s\n", dlerror());
		return 1;
	}
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		where("global ", names[i]);
	printf("backtrace frames=%d\n", frames());
	return 0;
}

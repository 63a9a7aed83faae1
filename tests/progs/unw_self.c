/*
 * unw_self.c - an app that links libunwind itself (-lunwind) and walks its
 * own stack with unw_backtrace and with an unw_step loop, while the shim
 * uses its private libunwind.so.8 on the same process.
 *
 * usage: unw_self
 * From inner() (main -> outer -> middle -> inner) after making a socket,
 * prints "backtrace n=N" (unw_backtrace frames) and "step n=N names=a,b,..."
 * (unw_step frames and unw_get_proc_name's names, up to main), then the
 * same again after another socket from another site.  Exits 1 on a failure.
 */
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "noipa.h"

static int walk(void)
{
	void *ips[64];
	unw_context_t uc;
	unw_cursor_t c;
	char names[1024] = "", name[128];
	unw_word_t off;
	int n = unw_backtrace(ips, 64), steps = 0;
	size_t len = 0;

	printf("backtrace n=%d\n", n);
	if (unw_getcontext(&uc) || unw_init_local(&c, &uc))
		return 1;
	do {
		steps++;
		if (len < 900 && unw_get_proc_name(&c, name, sizeof(name), &off) == 0)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", len ? "," : "", name);
		if (!strcmp(name, "main"))
			break;
	} while (unw_step(&c) > 0 && steps < 64);
	printf("step n=%d names=%s\n", steps, names);
	return n > 0 ? 0 : 1;
}

NOIPA int inner(int k)
{
	int fd = socket(AF_INET, k ? SOCK_DGRAM : SOCK_STREAM, 0), r;

	if (fd < 0)
		return 1;
	r = walk();
	close(fd);
	return r;
}

NOIPA int middle(int k)
{
	int r = inner(k);

	__asm__ volatile("" ::: "memory");
	return r;
}

NOIPA int outer(int k)
{
	int r = middle(k);

	__asm__ volatile("" ::: "memory");
	return r;
}

int main(void)
{
	int r = outer(0) | outer(1);

	return r;
}

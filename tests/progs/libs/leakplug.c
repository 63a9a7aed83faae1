/*
 * leakplug.c - a library that leaks: tests/progs/leaks.c dlopens it, so
 * `socktrace leaks` must name plug_leak from the library's own symbols.
 */
#include <sys/socket.h>

volatile int plug_sink;

__attribute__((noinline)) int plug_leak(void)
{
	plug_sink = socket(AF_INET, SOCK_DGRAM, 0);	/* PLUG-SITE */
	return plug_sink;
}

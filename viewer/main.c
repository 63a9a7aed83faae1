/*
 * main.c - socktrace: the viewer's command line.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "trace_format.h"

#ifndef ST_VERSION
#define ST_VERSION "unknown (built without the Makefile)"
#endif

static void usage(FILE *out)
{
	fputs("usage: socktrace report [--json] [--color=auto|always|never] [PATH...]\n"
	      "       socktrace audit [--json] [--fail-on=error|warning|info] [--color=WHEN] [PATH...]\n"
	      "       socktrace leaks [--json] [--at T] [--error-exitcode=N] [PATH...]\n"
	      "       socktrace run [-o DIR] [--report|--quiet] -- CMD [ARGS...]\n"
	      "       socktrace --version | --help\n"
	      "\n"
	      "  report  timeline per connection from trace files or directories\n"
	      "          (default PATH: $SOCKTRACE_DIR, else ${TMPDIR:-/tmp}/socktrace-UID)\n"
	      "  audit   close-vs-shutdown findings: references left open, leaks, RSTs\n"
	      "  leaks   sockets left open when their process ended, by creation stack\n"
	      "  run     run CMD with libsocktrace.so preloaded, then summarise its trace\n"
	      "\n"
	      "See socktrace(1).\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	if (!strcmp(argv[1], "audit"))
		return cmd_audit(argc - 1, argv + 1);
	if (!strcmp(argv[1], "leaks"))
		return cmd_leaks(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("socktrace %s (trace format %u)\n", ST_VERSION, ST_FORMAT_VERSION);
		return 0;
	}
	fprintf(stderr, "socktrace: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

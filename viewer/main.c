/*
 * main.c - socktrace: the viewer's command line.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "heap_tune.h"
#include "replay.h"
#include "trace_format.h"

#ifndef ST_VERSION
#define ST_VERSION "unknown (built without the Makefile)"
#endif

int main(int argc, char **argv)
{
	const struct command *c;

	heap_tune_start(argv);
	opterr = 0;	/* usage_bad_option names the bad word, with the short usage */
	if (argc < 2)
		return usage_error(NULL, "no command given");
	if ((c = command_find(argv[1])))
		return replay_refs_status(c->run(argc - 1, argv + 1));
	if (!strcmp(argv[1], "help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage_all(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("socktrace %s (trace format %u)\n", ST_VERSION, ST_FORMAT_VERSION);
		return 0;
	}
	return usage_error(NULL, "unknown command '%s'", argv[1]);
}

/*
 * cmd_leaks.c - socktrace leaks: sockets left open when their process
 * ended (or open at --at T), grouped by creation stack, and an exit status
 * a CI job can gate on (--error-exitcode, as valgrind's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>	/* isfinite: a macro, no libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "leak_rule.h"
#include "leaks.h"
#include "report.h"
#include "timefmt.h"

#define EXIT_LEAKS_DEFAULT	1

/* --at's argument: seconds since the trace's first event ("1.5", "+1.5"); -1 if not. */
static int parse_at(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(*out) || *out < 0 || *out > 1e9)
		return -1;
	return 0;
}

/* --error-exitcode's argument: 0..255. */
static int parse_code(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 255)
		return -1;
	*out = (int)v;
	return 0;
}

static const struct option leaks_opts[] = {
	{ "json", no_argument, 0, 'j' },
	{ "at", required_argument, 0, 'a' },
	{ "all", no_argument, 0, 'A' },
	{ "error-exitcode", required_argument, 0, 'e' },
	{ "wall-clock", no_argument, 0, 'w' },
	{ "idle", required_argument, 0, 'i' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

static int cmd_leaks(int argc, char **argv)
{
	int json = 0, at = 0, every = 0, code = EXIT_LEAKS_DEFAULT, opt, rc, data_errors = 0;
	double at_s = 0;
	uint64_t at_ns;
	struct leak_report lr;
	struct model m;

	while ((opt = getopt_long(argc, argv, ":jh", leaks_opts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 'w': tf_set_wall(1); break;
		case 'A': every = 1; break;
		case 'i':
			if (leak_rule_set_idle(optarg))
				return usage_error(&leaks_command, "--idle=%s: takes seconds above 0", optarg);
			break;
		case 'a':
			if (!strcmp(optarg, "now")) {
				at = LEAKS_AT_NOW;
				break;
			}
			if (parse_at(optarg, &at_s))
				return usage_error(&leaks_command, "--at %s: takes seconds since the trace's "
						   "start, as the report shows them (1.5 or +1.5)", optarg);
			at = 1;
			break;
		case 'e':
			if (parse_code(optarg, &code))
				return usage_error(&leaks_command, "--error-exitcode=%s: takes a number from 0 "
						   "to 255", optarg);
			break;
		case 'h':
			usage_command(stdout, &leaks_command);
			return 0;
		default:
			return usage_bad_option(&leaks_command, opt, argv);
		}
	}
	/* leaks reads the leak rule's verdicts (model_build's), not the audit's findings. */
	rc = model_from_paths(&m, argv + optind, argc - optind, &data_errors, 0);
	if (rc)
		return rc;
	if (at == LEAKS_AT_NOW) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		at_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	} else {
		at_ns = m.t0 + (uint64_t)(at_s * 1e9 + 0.5);
	}
	if (leaks_find(&m, at, at_ns, every, &lr)) {
		fprintf(stderr, "socktrace: out of memory finding leaks\n");
		model_free(&m);
		return 1;
	}
	if (json)
		report_leaks_json(stdout, &m, &lr);
	else
		report_leaks(stdout, &m, &lr);
	rc = leaks_count(&lr) ? code : 0;
	leaks_free(&lr);
	model_free(&m);
	if (stdout_written("the leaks"))
		return 1;
	return rc ? rc : data_errors ? EXIT_DATA : 0;
}

const struct command leaks_command = {
	"leaks", cmd_leaks, leaks_opts, NULL,
	"socktrace leaks [--json] [--all] [--idle=S] [--at T|now] [--error-exitcode=N] [--wall-clock] [PATH...]",
	"sockets left open when their process ended (or still open), by the stack that made them",
	"  PATH                trace files, or directories of them (as for report)\n"
	"  --all               every socket held to its process's end, leak or not (the rule in README)\n"
	"  --at T              instead, the sockets open T seconds after the trace's first event\n"
	"  --at now            instead, the sockets open now in processes still running (live files)\n"
	"  --idle=S            the leak rule's idle stretch, seconds (default 120)\n"
	"  --error-exitcode=N  exit N when a leak was listed (default 1; 0: never)\n"
	"  --json              {leaks, summary} as JSON\n"
	"  --wall-clock        times as local wall-clock time (ISO 8601, microseconds)\n",
};

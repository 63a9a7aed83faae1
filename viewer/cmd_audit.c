/*
 * cmd_audit.c - socktrace audit: the findings alone, and an exit status a
 * CI job can gate on (--fail-on).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "timefmt.h"

/* Exit status when --fail-on found a finding at or above its severity. */
#define EXIT_FINDINGS	1

/* --fail-on's argument: a severity by its printed name. */
static int parse_severity(const char *s, enum severity *out)
{
	for (int v = SEV_INFO; v <= SEV_ERROR; v++)
		if (!strcmp(s, severity_name((enum severity)v))) {
			*out = (enum severity)v;
			return 0;
		}
	return -1;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "wall-clock", no_argument, 0, 'w' },
		{ "fail-on", required_argument, 0, 'f' },
		{ "color", required_argument, 0, 'c' },
		{ "colour", required_argument, 0, 'c' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *color = "auto";
	enum severity fail_on = SEV_ERROR;
	int json = 0, gate = 0, opt, rc, data_errors = 0;
	size_t failing = 0;
	struct model m;

	while ((opt = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 'w': tf_set_wall(1); break;
		case 'f':
			if (parse_severity(optarg, &fail_on)) {
				fprintf(stderr, "socktrace: --fail-on takes error, warning or info\n");
				return EXIT_USAGE;
			}
			gate = 1;
			break;
		case 'c':
			if (color_arg(optarg, &color))
				return EXIT_USAGE;
			break;
		case 'h':
			puts("usage: socktrace audit [--json] [--fail-on=error|warning|info] "
			     "[--wall-clock] [--color=auto|always|never] [PATH...]\n"
			     "  --fail-on=SEV  exit 1 when a finding of SEV or worse exists");
			return 0;
		default:
			return EXIT_USAGE;
		}
	}
	rc = model_from_paths(&m, argv + optind, argc - optind, &data_errors);
	if (rc)
		return rc;
	if (json)
		report_findings_json(stdout, &m);
	else
		report_findings(stdout, &m, want_color(color, 1));
	for (int s = (int)fail_on; s <= SEV_ERROR; s++)
		failing += m.by_severity[s];
	model_free(&m);
	if (stdout_written("the audit"))
		return 1;
	if (gate && failing)
		return EXIT_FINDINGS;
	return data_errors ? EXIT_DATA : 0;
}

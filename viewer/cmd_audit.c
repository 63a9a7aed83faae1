/*
 * cmd_audit.c - socktrace audit: the findings alone, and an exit status a
 * CI job can gate on (--fail-on).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "history.h"
#include "leak_rule.h"
#include "report.h"
#include "timefmt.h"

/* Exit status when --fail-on found a finding at or above its severity. */
#define EXIT_FINDINGS	1

/* --fail-on's words: the severities, worst first. */
static const char *fail_on_value(int i)
{
	return i >= 0 && i <= SEV_ERROR ? severity_name((enum severity)(SEV_ERROR - i)) : NULL;
}

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

static const struct option audit_opts[] = {
	{ "json", no_argument, 0, 'j' },
	{ "fail-on", required_argument, 0, 'f' },
	{ "wall-clock", no_argument, 0, 'w' },
	{ "idle", required_argument, 0, 'i' },
	{ "color", required_argument, 0, 'c' },
	{ "colour", required_argument, 0, 'c' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

static const struct choice audit_choices[] = {
	{ "fail-on", fail_on_value }, { "color", color_value }, { "colour", color_value }, { NULL, NULL },
};

static int cmd_audit(int argc, char **argv)
{
	const char *color = "auto";
	enum severity fail_on = SEV_ERROR;
	int json = 0, gate = 0, opt, rc, data_errors = 0;
	size_t failing = 0;
	struct model m;

	while ((opt = getopt_long(argc, argv, ":jh", audit_opts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 'w': tf_set_wall(1); break;
		case 'i':
			if (leak_rule_set_idle(optarg))
				return usage_error(&audit_command, "--idle=%s: takes seconds above 0", optarg);
			break;
		case 'f':
			if (parse_severity(optarg, &fail_on))
				return usage_error(&audit_command, "--fail-on=%s: takes error, warning or info",
						   optarg);
			gate = 1;
			break;
		case 'c':
			if (color_arg(&audit_command, optarg, &color))
				return EXIT_USAGE;
			break;
		case 'h':
			usage_command(stdout, &audit_command);
			return 0;
		default:
			return usage_bad_option(&audit_command, opt, argv);
		}
	}
	rc = model_from_paths(&m, argv + optind, argc - optind, &data_errors, 1);
	if (rc)
		return rc;
	if (json) {
		report_findings_json(stdout, &m);
	} else {
		history_notice(stdout, &m, "", "");
		report_findings(stdout, &m, want_color(color, 1));
	}
	for (int s = (int)fail_on; s <= SEV_ERROR; s++)
		failing += m.by_severity[s];
	model_free(&m);
	if (stdout_written("the audit"))
		return 1;
	if (gate && failing)
		return EXIT_FINDINGS;
	return data_errors ? EXIT_DATA : 0;
}

const struct command audit_command = {
	"audit", cmd_audit, audit_opts, audit_choices,
	"socktrace audit [--json] [--fail-on=error|warning|info] [--idle=S] [--wall-clock] [--color=WHEN] [PATH...]",
	"the findings alone: references left open, leaks, RSTs, CLOSE_WAIT, double closes",
	"  PATH              trace files, or directories of them (as for report)\n"
	"  --fail-on=SEV     exit 1 when a finding of SEV or worse exists (error, warning, info)\n"
	"  --json            {findings, summary} as JSON\n"
	"  --idle=S          the leak rule's idle stretch, seconds (default 120)\n"
	"  --wall-clock      times as local wall-clock time (ISO 8601, microseconds)\n"
	"  --color=WHEN      auto, always or never\n",
};

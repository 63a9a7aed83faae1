/*
 * cmd_report.c - socktrace report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "heap_tune.h"
#include "html_data.h"
#include "load.h"
#include "out_file.h"
#include "report.h"
#include "timefmt.h"
#include "audit.h"
#include "pipeline.h"

int want_color(const char *when, int fd)
{
	const char *no = getenv("NO_COLOR");

	if (!strcmp(when, "always"))
		return 1;
	if (!strcmp(when, "never"))
		return 0;
	return isatty(fd) && !(no && *no);
}

int stdout_written(const char *what)
{
	if (fflush(stdout) == 0)
		return 0;
	fprintf(stderr, "socktrace: writing %s: %s\n", what, strerror(errno));
	return 1;
}

const char *color_value(int i)
{
	static const char *const whens[] = { "auto", "always", "never" };

	return i >= 0 && i < 3 ? whens[i] : NULL;
}

int color_arg(const struct command *c, const char *arg, const char **color)
{
	for (int i = 0; color_value(i); i++)
		if (!strcmp(arg, color_value(i))) {
			*color = color_value(i);
			return 0;
		}
	return usage_error(c, "--color=%s: takes auto, always or never", arg);
}

int model_from_paths(struct model *m, char **paths, int n, int *data_errors, int with_audit)
{
	struct loaded l = { 0 };
	char *dflt = NULL;
	uint64_t bytes = 0;
	int rc = 0;

	if (n == 0)
		dflt = load_default_dir();
	for (int i = 0; i < n; i++)
		bytes += load_path_bytes(paths[i]);
	heap_tune_for(dflt ? load_path_bytes(dflt) : bytes);
	if (n == 0 && (!dflt || load_path(&l, dflt)))
		rc = EXIT_NOINPUT;
	for (int i = 0; i < n && !rc; i++)
		if (load_path(&l, paths[i]))
			rc = EXIT_NOINPUT;
	free(dflt);
	if (rc || !l.n) {
		load_free(&l);
		return rc ? rc : EXIT_DATA;
	}
	*data_errors = l.errors;
	rc = model_build(m, l.files, l.n, l.reaps, l.nreaps);
	l.n = 0;	/* the model took the files */
	load_free(&l);
	if (!rc && with_audit && audit_run(m)) {
		model_free(m);
		rc = -1;
	}
	if (rc) {
		fprintf(stderr, "socktrace: out of memory building the report\n");
		return 1;
	}
	return 0;
}

static const struct option report_opts[] = {
	{ "json", no_argument, 0, 'j' },
	{ "html", no_argument, 0, 'H' },
	{ "output", required_argument, 0, 'o' },
	{ "wall-clock", no_argument, 0, 'w' },
	{ "color", required_argument, 0, 'c' },
	{ "colour", required_argument, 0, 'c' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

static const struct choice report_choices[] = {
	{ "color", color_value }, { "colour", color_value }, { NULL, NULL },
};

/* What out_write writes: the report in the form asked for. */
struct report_job {
	const struct model *m;
	int json, html, color;
};

/* out_write's writer: 0, or 1 when out of memory (the HTML's data is built whole first; the rest streams). */
static int write_report(FILE *out, void *arg)
{
	const struct report_job *r = arg;

	if (r->html) {
		if (html_page_write(out, r->m)) {
			fprintf(stderr, "socktrace: out of memory writing the HTML report\n");
			return 1;
		}
	} else if (r->json) {
		report_json(out, r->m);
	} else {
		report_text(out, r->m, r->color);
	}
	return 0;
}

static int cmd_report(int argc, char **argv)
{
	const char *color = "auto", *output = NULL;
	struct model m;
	int json = 0, html = 0, opt, rc, data_errors;

	while ((opt = getopt_long(argc, argv, ":jho:", report_opts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 'H': html = 1; break;
		case 'o': output = optarg; break;
		case 'w': tf_set_wall(1); break;
		case 'c':
			if (color_arg(&report_command, optarg, &color))
				return EXIT_USAGE;
			break;
		case 'h':
			usage_command(stdout, &report_command);
			return 0;
		default:
			return usage_bad_option(&report_command, opt, argv);
		}
	}
	if (json && html)
		return usage_error(&report_command, "--json and --html: give one");
	if (output && !*output)
		return usage_error(&report_command, "-o: takes a file name");
	rc = model_from_paths(&m, argv + optind, argc - optind, &data_errors, 1);
	if (rc)
		return rc;
	/* Colour on a terminal only: a file gets it when asked for (always). */
	rc = out_write(output, "the report", write_report,
		       &(struct report_job){ &m, json, html, output ? !strcmp(color, "always") : want_color(color, 1) });
	model_free(&m);
	if (rc)
		return rc;
	return data_errors ? EXIT_DATA : 0;
}

const struct command report_command = {
	"report", cmd_report, report_opts, report_choices,
	"socktrace report [--json | --html] [-o FILE] [--wall-clock] [--color=auto|always|never] [PATH...]",
	"the processes as a tree, a timeline per connection, the audit's findings and a summary",
	"  PATH              trace files, or directories of them (default: $SOCKTRACE_DIR,\n"
	"                    else ${TMPDIR:-/tmp}/socktrace-UID)\n"
	"  --json            one JSON document instead (nanosecond times; schema in README.md)\n"
	"  --html            one self-contained HTML page instead: open sockets over time by\n"
	"                    call site, each process's connections as bars, the findings\n"
	"  -o, --output=FILE write FILE (whole, or not at all) instead of stdout\n"
	"  --wall-clock      times as local wall-clock time (ISO 8601, microseconds), for matching\n"
	"                    logs; by default seconds since the trace's first event\n"
	"  --color=WHEN      auto (a terminal, and NO_COLOR unset), always or never\n",
};

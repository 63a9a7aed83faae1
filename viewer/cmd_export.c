/*
 * cmd_export.c - socktrace export: the trace in another tool's format
 * (one so far: perfetto, Chrome's trace-event JSON).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "export_perfetto.h"
#include "model.h"
#include "out_file.h"

static const struct option export_opts[] = {
	{ "format", required_argument, 0, 'f' },
	{ "output", required_argument, 0, 'o' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

static const char *format_value(int i)
{
	return i == 0 ? "perfetto" : NULL;
}

static const struct choice export_choices[] = { { "format", format_value }, { NULL, NULL } };

/* out_write's writer: the export of the model arg on f; 1 (said) when out of memory. */
static int write_export(FILE *f, void *arg)
{
	if (!export_perfetto(f, arg))
		return 0;
	fprintf(stderr, "socktrace: out of memory writing the export\n");
	return 1;
}

static int cmd_export(int argc, char **argv)
{
	const char *format = NULL, *output = NULL;
	struct model m;
	int opt, rc, data_errors;

	while ((opt = getopt_long(argc, argv, ":f:o:h", export_opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (strcmp(optarg, "perfetto"))
				return usage_error(&export_command, "--format=%s: takes perfetto", optarg);
			format = optarg;
			break;
		case 'o': output = optarg; break;
		case 'h':
			usage_command(stdout, &export_command);
			return 0;
		default:
			return usage_bad_option(&export_command, opt, argv);
		}
	}
	if (!format)
		return usage_error(&export_command, "--format is needed (perfetto)");
	if (output && !*output)
		return usage_error(&export_command, "-o: takes a file name");
	rc = model_from_paths(&m, argv + optind, argc - optind, &data_errors, 1);
	if (rc)
		return rc;
	rc = out_write(output, "the export", write_export, &m);
	model_free(&m);
	if (rc)
		return rc;
	return data_errors ? EXIT_DATA : 0;
}

const struct command export_command = {
	"export", cmd_export, export_opts, export_choices,
	"socktrace export --format=perfetto [-o FILE] [PATH...]",
	"the trace as Chrome trace-event JSON, for ui.perfetto.dev and chrome://tracing",
	"  PATH              trace files, or directories of them (default as for report)\n"
	"  --format=perfetto a track per process and thread, an instant per call, a slice per\n"
	"                    connection's life, flows for fork, exec and SCM_RIGHTS (README.md)\n"
	"  -o, --output=FILE write FILE (whole, or not at all) instead of stdout\n",
};

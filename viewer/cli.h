/*
 * cli.h - the socktrace subcommands, and what they share: exit codes,
 * usage texts and usage errors (usage.c), loading a trace.
 */
#ifndef SOCKTRACE_CLI_H
#define SOCKTRACE_CLI_H

#include <stdio.h>

/* Exit codes shared by the subcommands. */
#define EXIT_USAGE	64	/* bad command line (sysexits EX_USAGE) */
#define EXIT_DATA	65	/* some trace files were unreadable (EX_DATAERR) */
#define EXIT_NOINPUT	66	/* no trace to report (EX_NOINPUT) */

struct model;
struct option;

/* An option that takes one of a fixed set of words: value(i) is the i-th, NULL past the last. */
struct choice {
	const char *opt;		/* the long option's name, "color" */
	const char *(*value)(int i);
};

/*
 * One subcommand: its entry point and its words.  opts is the table its
 * getopt_long reads, so help and completion offer exactly what it takes.
 */
struct command {
	const char *name;		/* "report" */
	int (*run)(int argc, char **argv);
	const struct option *opts;	/* getopt_long's, ending with a zero entry */
	const struct choice *choices;	/* ending with { NULL }; may be NULL */
	const char *synopsis;		/* "socktrace report [--json] ... [PATH...]" */
	const char *summary;		/* one line for socktrace --help */
	const char *details;		/* the options explained, for socktrace help COMMAND */
};

extern const struct command report_command, audit_command, leaks_command, top_command, run_command,
	export_command;

/* The subcommand called name, or NULL. */
const struct command *command_find(const char *name);

/* socktrace --help: every synopsis and summary. */
void usage_all(FILE *out);

/* socktrace help COMMAND (and COMMAND --help): synopsis, summary, options. */
void usage_command(FILE *out, const struct command *c);

/*
 * A usage error: "socktrace CMD: MESSAGE" and the short usage on stderr
 * (c NULL: socktrace's own).  Returns EXIT_USAGE.
 */
int usage_error(const struct command *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * After getopt_long returned '?' or ':' (with opterr 0 and ':' leading
 * the short options): the usage error naming the word it stopped at.
 */
int usage_bad_option(const struct command *c, int opt, char **argv);

/*
 * socktrace help --words [COMMAND]: the subcommands, or COMMAND's options
 * ("--opt" or, with a fixed set of values, "--opt=value" each), one per
 * line: what the bash completion offers.  Returns 0, or EXIT_USAGE.
 */
int help_words(FILE *out, const char *cmd);

/* socktrace help [--words] [COMMAND]. */
int cmd_help(int argc, char **argv);

/*
 * Load the trace files and directories in paths (none: the default trace
 * directory) and build the model, and with with_audit run the audit on it
 * (m->findings).  Returns 0, or the exit code to give: EXIT_NOINPUT
 * (nothing to read), EXIT_DATA (no readable file), 1 (out of memory).
 * *data_errors counts files that could not be read.
 */
int model_from_paths(struct model *m, char **paths, int n, int *data_errors, int with_audit);

/* Check a --color argument into *color: 0, or a usage error (EXIT_USAGE) naming it. */
int color_arg(const struct command *c, const char *arg, const char **color);

/* --color's words: "auto", "always", "never" (NULL past them). */
const char *color_value(int i);

/* 0 when stdout's buffered output reached it; else 1, after saying "socktrace: writing WHAT: ...". */
int stdout_written(const char *what);

/* Colour wanted on stdout for --color=WHEN (auto: a tty, and NO_COLOR unset). */
int want_color(const char *when, int fd);

#endif

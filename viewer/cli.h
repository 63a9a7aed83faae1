/*
 * cli.h - the socktrace subcommands.
 */
#ifndef SOCKTRACE_CLI_H
#define SOCKTRACE_CLI_H

/* Exit codes shared by the subcommands. */
#define EXIT_USAGE	64	/* bad command line (sysexits EX_USAGE) */
#define EXIT_DATA	65	/* some trace files were unreadable (EX_DATAERR) */
#define EXIT_NOINPUT	66	/* no trace to report (EX_NOINPUT) */

struct model;

/*
 * Load the trace files and directories in paths (none: the default trace
 * directory) and build the model.  Returns 0, or the exit code to give:
 * EXIT_NOINPUT (nothing to read), EXIT_DATA (no readable file), 1 (out of
 * memory).  *data_errors counts files that could not be read.
 */
int model_from_paths(struct model *m, char **paths, int n, int *data_errors);

int cmd_report(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_leaks(int argc, char **argv);

/* Check a --color argument into *color; -1 (after saying why) when it is none of auto, always, never. */
int color_arg(const char *arg, const char **color);

/* 0 when stdout's buffered output reached it; else 1, after saying "socktrace: writing WHAT: ...". */
int stdout_written(const char *what);

/* Colour wanted on stdout for --color=WHEN (auto: a tty, and NO_COLOR unset). */
int want_color(const char *when, int fd);

#endif

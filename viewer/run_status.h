/*
 * run_status.h - the sidecar socktrace run writes into its trace
 * directory: how the command it ran (its direct child) ended, which no
 * trace file can say when the child was killed.  A text file, one
 * "key value" per line, '#' starts a comment:
 *
 *   pid 1234            the child socktrace run forked and exec'd
 *   ppid 1233           socktrace run itself (the child's parent)
 *   wait_status 9       waitpid's status, as the kernel gave it
 *   reaped_t_ns 5831..  CLOCK_MONOTONIC when waitpid returned
 *
 * Unknown keys are ignored (later versions may add some).
 */
#ifndef SOCKTRACE_RUN_STATUS_H
#define SOCKTRACE_RUN_STATUS_H

#include <stddef.h>

#include "model.h"

#define RUN_STATUS_FILE	"socktrace.run"

/* Write rr into DIR/socktrace.run.  Returns 0, or -1 with errno. */
int run_status_write(const char *dir, const struct run_reap *rr);

/*
 * Read DIR/socktrace.run into *rr.  Returns 1 when read, 0 when there is
 * none, -1 with a one-line reason in err (n bytes) naming the file and
 * line when it is unreadable or malformed.
 */
int run_status_read(const char *dir, struct run_reap *rr, char *err, size_t n);

#endif

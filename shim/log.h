/*
 * log.h - telling the user why tracing is off, without touching the app's
 * stdout/stderr unless asked (SOCKTRACE_LOG=stderr).
 */
#ifndef SOCKTRACE_LOG_H
#define SOCKTRACE_LOG_H

/*
 * Remember where messages go: SOCKTRACE_LOG (a path, or "stderr"), else
 * ${TMPDIR:-/tmp}/socktrace-<uid>.log.  Called once at set-up.
 */
void shim_log_setup(void);

/*
 * Append one line "socktrace[pid] exe: what: detail: ERRNAME (message)";
 * what says whether tracing is off ("tracing off: creating ...") or goes on.
 * err is a positive errno or 0.  Best effort: a log that cannot be
 * written is given up silently (the app must run on).
 */
void shim_log(const char *what, const char *detail, int err);

#endif

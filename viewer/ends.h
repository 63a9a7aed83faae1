/*
 * ends.h - how each socket ended, by one rule for the report's summary,
 * the audit's leaked-at-exit and socktrace leaks; and when the trace ends.
 */
#ifndef SOCKTRACE_ENDS_H
#define SOCKTRACE_ENDS_H

#include <stdint.h>

#include "model.h"

enum conn_fate {
	FATE_CLOSED = 0,	/* its last reference went by a call: close family, close-on-exec,
				   discarded in flight */
	FATE_OPEN_AT_EXIT,	/* its last reference went with its process: exit, _exit, or a
				   kill a traced parent or socktrace run reaped */
	FATE_STILL_RUNNING,	/* never released: a process that has not ended (no exit marked,
				   not reaped) holds it when the trace ends */
	FATE_HANDED_ON,		/* never released, held only outside the trace: an image that
				   exec'd an untraced program, or in flight to an untraced process */
};

/*
 * The fate of c after the replay.  *via (may be NULL) gets the reference
 * it is about: the one that went with its process (open at exit), or one
 * still open in a running process (still running); else NULL.
 */
enum conn_fate conn_fate(const struct conn *c, const struct ref **via);

/* "closed", "open_at_exit", "still_running", "handed_on": the JSON names. */
const char *conn_fate_json(enum conn_fate f);

/*
 * The trace's last moment (CLOCK_MONOTONIC ns): its last event, a file
 * marked ended or exec'd, the last data activity counted, or a reap by
 * socktrace run, whichever is latest.  What a still-open socket's age is
 * measured to.
 */
uint64_t trace_end_ns(const struct model *m);

/* Count the fates into m->open_at_exit and m->still_open, and mark c->open_at_exit. */
void conn_fates_count(struct model *m);

#endif

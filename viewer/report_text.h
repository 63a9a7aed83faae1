/*
 * report_text.h - what the text report's parts share (report_text.c,
 * report_procs.c): the colours and one event's line.
 */
#ifndef SOCKTRACE_REPORT_TEXT_H
#define SOCKTRACE_REPORT_TEXT_H

#include <stdio.h>

#include "model.h"

struct style {
	const char *bold, *dim, *red, *green, *yellow, *cyan, *off;
};

/* The escapes for color (1) or none (0). */
const struct style *text_style(int color);

/* One event's line: time, pid, the call, its result, what it taught. */
void text_event(FILE *out, const struct model *m, const struct ev *e, const struct style *st);

/*
 * Connection i's block as the report prints it: its header, data, birth
 * and creation stack, then its events.  ev_off (NULL, or c->nevs longs):
 * each event's line's offset in out (ftell) before it is written.
 */
void text_conn(FILE *out, const struct model *m, const struct conn *c, size_t i,
	       const struct style *st, uint64_t trace_end, long *ev_off);

/*
 * report_procs.c: the process tree (one line each), then each process's
 * block (header, argv, the events about no socket), in tree order.
 * Returns -1 when out of memory (nothing printed).
 */
int text_processes(FILE *out, const struct model *m, const struct style *st);

#endif

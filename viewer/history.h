/*
 * history.h - what each process's ring lost, and counts that stay exact.
 */
#ifndef SOCKTRACE_HISTORY_H
#define SOCKTRACE_HISTORY_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

struct json;

/* Did p's ring lose events (overwritten, or missing)? */
int proc_history_lost(const struct proc *p);

/*
 * One line per process that lost history: which, how many events, from
 * when its timelines are complete, and that the state's answers are
 * complete anyway; then state_notice's lines.  dim/off: colour codes (""
 * for none).  Nothing when no history was lost and the state is whole.
 */
void history_notice(FILE *out, const struct model *m, const char *dim, const char *off);

/* Does p's state hold every socket and fd it had (its tables never ran out)? */
int proc_state_complete(const struct proc *p);

/*
 * One line per process whose state ran out of room (its answers may then
 * miss sockets) or whose file could not grow (its history wrapped early).
 * Nothing when neither happened.
 */
void state_notice(FILE *out, const struct model *m, const char *dim, const char *off);

/*
 * A process's members: "history_lost_before_t_ns" (when its timelines
 * become complete, null when nothing was lost), "state_complete",
 * "file_grow_error" (the errno name, null when the file grew as needed).
 */
void history_json(struct json *j, const struct proc *p);

/*
 * Sockets the traced processes had: every connection known, and those
 * made whose events and state are both gone (the processes' totals count
 * them); and how many of the known ones have a timeline (some events).
 * -1 when out of memory.
 */
int history_counts(const struct model *m, size_t *total, size_t *with_timeline);

#endif

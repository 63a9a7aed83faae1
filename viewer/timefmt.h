/*
 * timefmt.h - the one clock of the text output: every moment is seconds
 * since the trace's first event ("+1.234567"), or with --wall-clock the
 * local wall-clock time in ISO 8601 with microseconds; every duration is
 * seconds ("0.000155 s").  JSON keeps CLOCK_MONOTONIC nanoseconds.
 */
#ifndef SOCKTRACE_TIMEFMT_H
#define SOCKTRACE_TIMEFMT_H

#include <stdint.h>

struct model;

#define TF_MAX	48	/* bytes a formatted moment or duration needs */

/*
 * Show moments as wall-clock times (1) or seconds since the trace's start
 * (0, the default), for the whole process.  Set before the model is built:
 * the findings' messages are written then.
 */
void tf_set_wall(int wall);

/*
 * The moment t (CLOCK_MONOTONIC ns) into out (TF_MAX bytes): "+1.234567",
 * never negative (a time the clocks put before the first event, such as a
 * process's start anchor, shows as +0.000000), or
 * "2026-12-01T19:48:18.189113+01:00".  Returns out.
 */
char *tf_at(const struct model *m, uint64_t t, char *out);

/* Are moments shown as wall-clock times? */
int tf_is_wall(void);

/* The moment t as a wall-clock time, whatever the mode.  Returns out. */
char *tf_wall(const struct model *m, uint64_t t, char *out);

/* A moment in a sentence: "+1.234567 s" or the wall-clock time. */
char *tf_at_s(const struct model *m, uint64_t t, char *out);

/* The duration ns into out (TF_MAX bytes): "0.000155 s".  Returns out. */
char *tf_dur(uint64_t ns, char *out);

/*
 * CLOCK_REALTIME ns of the model's first event (m->t0), from the clock
 * anchors of the image that started first (one offset for every process,
 * so one event has one wall time everywhere).  0 when there is no process.
 */
uint64_t tf_wall_of_t0(const struct model *m);

#endif

/*
 * picture.h - what the two pictures of a trace (the HTML report, the
 * Perfetto export) take from the model alike: when each process shows up,
 * and where each socket passed with SCM_RIGHTS arrived.
 */
#ifndef SOCKTRACE_PICTURE_H
#define SOCKTRACE_PICTURE_H

#include <stdint.h>

#include "model.h"

/*
 * Each process's first event (ns; 0 when it has none), indexed as
 * m->procs: where its lane begins and its fork or exec link ends.  NULL
 * when out of memory.  Free it.
 */
uint64_t *proc_first_events(const struct model *m);

/* The reference a socket passed with SCM_RIGHTS (f) became in its receiver; NULL: not received here. */
const struct ref *flight_receipt(const struct flight *f);

#endif

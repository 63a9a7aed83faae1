/*
 * export_perfetto.h - the model as Chrome trace-event JSON, which
 * ui.perfetto.dev and chrome://tracing open (its structure: README.md,
 * "socktrace export").
 */
#ifndef SOCKTRACE_EXPORT_PERFETTO_H
#define SOCKTRACE_EXPORT_PERFETTO_H

#include <stdio.h>

#include "model.h"

/*
 * {"traceEvents": [...], "displayTimeUnit", "otherData"} on out: a
 * process and thread track per traced process and thread, an instant per
 * call, an async slice per connection's life, flows for fork, exec and
 * SCM_RIGHTS hand-offs; timestamps (us since the trace's first event) in
 * order.  Returns 0, or -1 when out of memory (out may then hold part).
 */
int export_perfetto(FILE *out, const struct model *m);

#endif

/*
 * pipeline.h - building a model: load, replay, derive; the audit on
 * request.  Each stage is behind its own header and reads only what the
 * stages before it wrote.
 */
#ifndef SOCKTRACE_PIPELINE_H
#define SOCKTRACE_PIPELINE_H

#include "model.h"

/*
 * Build the model from loaded files (the model takes them over), with the
 * reaps socktrace run saw (nreaps may be 0; applied at their time in the
 * replay, as a traced parent's wait is): the replay, then what derives
 * from it (derive.h: fates, conn_data, the leak rule), not the audit
 * (audit_run, for the commands that print findings).  Returns 0, or -1 when out of memory.
 */
int model_build(struct model *m, struct trace_file **files, size_t nfiles,
		const struct run_reap *reaps, size_t nreaps);

#endif

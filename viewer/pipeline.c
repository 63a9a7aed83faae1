/*
 * pipeline.c - a model from loaded files: the store made, the replay, then
 * what derives from it.  The audit is the caller's choice (audit.h).
 */
#define _GNU_SOURCE
#include <string.h>

#include "callstack.h"
#include "derive.h"
#include "ends.h"
#include "history.h"
#include "leak_rule.h"
#include "pipeline.h"
#include "replay.h"

int model_build(struct model *m, struct trace_file **files, size_t nfiles,
		const struct run_reap *reaps, size_t nreaps)
{
	memset(m, 0, sizeof(*m));
	m->stacks = stacks_new();
	if (!m->stacks || replay_run(m, files, nfiles, reaps, nreaps) ||
	    history_counts(m, &m->sockets_total, &m->sockets_with_timeline))
		return -1;
	conn_fates_count(m);
	conn_data(m);
	leak_rule_apply(m);
	return 0;
}

/*
 * ends.c - the one rule for "open at exit" and "still running".
 *
 * A socket is open at exit when its last reference anywhere went with its
 * process (exit, or a kill someone reaped), not with a close: a socket a
 * child or another process still held and closed later is not the leak of
 * the process that let go of it, and one carried into an exec'd image is
 * that image's.  A socket still held when the trace ends by a process that
 * never marked its end and was not reaped is "still running", not open at
 * exit: the process may well close it later.
 */
#define _GNU_SOURCE
#include "ends.h"
#include "replay.h"

#include <string.h>

/* Did x end with its process (exit, a reaped kill) rather than a call or an exec? */
static int went_with_process(const struct ref *x)
{
	return x->to_ns && (ref_end_kind(x) == REF_END_EXIT || ref_end_kind(x) == REF_END_REAPED);
}

enum conn_fate conn_fate(const struct conn *c, const struct ref **via)
{
	const struct ref *x = conn_last_ref(c);

	if (via)
		*via = NULL;
	if (c->released_ns) {
		if (!x || !went_with_process(x))
			return FATE_CLOSED;
		if (via)
			*via = x;
		return FATE_OPEN_AT_EXIT;
	}
	for (size_t i = 0; i < c->nrefs; i++) {
		x = c->refs[i];
		if (!x->to_ns && x->p->tf->hdr.state != ST_STATE_EXECED) {
			if (via)
				*via = x;
			return FATE_STILL_RUNNING;
		}
	}
	return FATE_HANDED_ON;
}

const char *conn_fate_json(enum conn_fate f)
{
	switch (f) {
	case FATE_OPEN_AT_EXIT: return "open_at_exit";
	case FATE_STILL_RUNNING: return "still_running";
	case FATE_HANDED_ON: return "handed_on";
	default: return "closed";
	}
}

uint64_t trace_end_ns(const struct model *m)
{
	uint64_t end = m->nall ? m->all[m->nall - 1].r->t_ns : 0;

	/* socktrace run saw its command end then, even one that exited normally. */
	if (m->run_end_ns > end)
		end = m->run_end_ns;

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *p = &m->procs[i];

		if (p->tf->hdr.state != ST_STATE_RUNNING && p->tf->hdr.end_mono_ns > end)
			end = p->tf->hdr.end_mono_ns;
		if (p->end_ns > end)
			end = p->end_ns;
	}
	for (size_t i = 0; i < m->nconns; i++)
		if (m->conns[i]->last_ns > end)
			end = m->conns[i]->last_ns;
	return end;
}

void conn_fates_count(struct model *m)
{
	m->open_at_exit = m->still_open = 0;
	for (size_t i = 0; i < m->nconns; i++) {
		struct conn *c = m->conns[i];
		enum conn_fate f = conn_fate(c, NULL);

		c->open_at_exit = f == FATE_OPEN_AT_EXIT;
		m->open_at_exit += f == FATE_OPEN_AT_EXIT;
		m->still_open += f == FATE_STILL_RUNNING;
	}
}

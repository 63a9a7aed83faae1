/*
 * sites.c - the stacks of connections and events.
 */
#define _GNU_SOURCE
#include "sites.h"

#include <stdio.h>

const struct ev *conn_birth(const struct conn *c)
{
	for (size_t k = 0; k < c->nevs; k++)
		if (!c->evs[k].as_listener)
			return &c->evs[k];
	return NULL;
}

const struct callstack *ev_callstack(const struct model *m, const struct ev *e, char *why,
				     size_t n)
{
	const struct trace_rec *r = e->r;

	if (r->flags & ST_REC_FIRST_SEEN) {
		snprintf(why, n, "made before tracing began (inherited, or before the shim started)");
		return NULL;
	}
	if (!m->stacks) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	return stacks_get(m->stacks, e->p->tf, r->stack_id, r->op, why, n);
}

/* Stack id of proc's table, by the op that would have recorded it. */
static const struct callstack *state_callstack(const struct model *m, const struct proc *p,
					       uint32_t id, unsigned op, char *why, size_t n)
{
	if (!p) {
		snprintf(why, n, "made in a process whose trace is not here");
		return NULL;
	}
	if (op == ST_OP_NONE || op == ST_OP_INHERITED) {
		snprintf(why, n, "made before tracing began (inherited, or before the shim started)");
		return NULL;
	}
	if (!m->stacks) {
		snprintf(why, n, "out of memory");
		return NULL;
	}
	return stacks_get(m->stacks, p->tf, id, op, why, n);
}

const struct callstack *conn_callstack(const struct model *m, const struct conn *c, char *why,
				       size_t n)
{
	const struct ev *e = conn_birth(c);
	int complete = conn_timeline_complete(c);

	if (e && complete && !(c->made_stack && !e->r->stack_id && !(e->r->flags & ST_REC_FIRST_SEEN)))
		return ev_callstack(m, e, why, n);
	if (c->made_proc || c->in_state)
		return state_callstack(m, c->made_proc, c->made_stack, c->made_by, why, n);
	if (e && !complete && conn_birth_lost(m, c))
		snprintf(why, n, "its creation is in the history lost (overwritten when pid %d's ring wrapped)",
			 conn_birth_lost(m, c));
	else if (e && !complete)
		snprintf(why, n, "made in a process whose trace is not here, or before tracing began");
	else
		snprintf(why, n, "no event made it in the trace");
	return NULL;
}

const struct callstack *ref_callstack(const struct model *m, const struct conn *c,
				      const struct ref *x, char *why, size_t n)
{
	const struct ev *e;

	if (x->stack_proc && x->stack_id)
		return state_callstack(m, x->stack_proc, x->stack_id, ST_OP_SOCKET, why, n);
	for (size_t k = 0; k < c->nevs; k++) {
		e = &c->evs[k];
		if (!e->as_listener && e->p == x->p && e->r->t_ns == x->from_ns && e->r->stack_id)
			return ev_callstack(m, e, why, n);
	}
	return conn_callstack(m, c, why, n);
}

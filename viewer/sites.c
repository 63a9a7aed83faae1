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

const struct callstack *conn_callstack(const struct model *m, const struct conn *c, char *why,
				       size_t n)
{
	const struct ev *e = conn_birth(c);

	if (!e) {
		snprintf(why, n, "no event made it in the trace");
		return NULL;
	}
	return ev_callstack(m, e, why, n);
}

/*
 * sites.h - where in the program a connection was made and an event was
 * called: the model's records tied to their symbolised stacks.
 */
#ifndef SOCKTRACE_SITES_H
#define SOCKTRACE_SITES_H

#include <stddef.h>

#include "callstack.h"
#include "model.h"

/* The event that made c (its first event of its own, not a listener's view); NULL if none. */
const struct ev *conn_birth(const struct conn *c);

/*
 * The symbolised stack of e, or NULL with the reason in why (n bytes):
 * not recorded, stacks off, corrupt...
 */
const struct callstack *ev_callstack(const struct model *m, const struct ev *e, char *why,
				     size_t n);

/*
 * The stack c was made at: its birth event's, or when that is not in the
 * history kept, the state's (the slot's creation stack); NULL with why.
 */
const struct callstack *conn_callstack(const struct model *m, const struct conn *c, char *why,
				       size_t n);

/*
 * The stack of the call that made reference x of c: the state's word for
 * it (its fd entry) when the state had it, else its own event's, else
 * conn_callstack's.
 */
const struct callstack *ref_callstack(const struct model *m, const struct conn *c,
				      const struct ref *x, char *why, size_t n);

#endif

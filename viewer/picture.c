/*
 * picture.c - what the HTML report and the Perfetto export share.
 */
#define _GNU_SOURCE
#include "picture.h"

#include <stdlib.h>
#include <string.h>

uint64_t *proc_first_events(const struct model *m)
{
	uint64_t *s = calloc(m->nprocs ? m->nprocs : 1, sizeof(*s));

	if (!s)
		return NULL;
	/* m->all is in time order: walking it backwards leaves each process's first. */
	for (size_t i = m->nall; i-- > 0;)
		s[m->all[i].p - m->procs] = m->all[i].r->t_ns;
	return s;
}

const struct ref *flight_receipt(const struct flight *f)
{
	/* The replay opens the receiver's reference (REF_HOW_RECEIVED) at or after the send. */
	for (size_t k = 0; k < f->c->nrefs; k++) {
		const struct ref *x = f->c->refs[k];

		if (x->from_ns >= f->sent_ns && x->how == REF_HOW_RECEIVED)
			return x;
	}
	return NULL;
}

/*
 * leaks.c - finding the sockets left open and grouping them.
 *
 * Whether a socket was held to the end is the one rule of ends.h (open at
 * exit: the reference whose end released it was dropped by exit or a
 * kill, not a close; or still open in a running process when the trace
 * ends), whether that was a leak the one rule of leak_rule.h; a socket
 * still held by another process, or carried into an exec'd image, is not
 * the leak of the image that let it go.  Groups are keyed by
 * the symbolised creation stack, so one call site in several processes is
 * one group.
 */
#define _GNU_SOURCE
#include "leaks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uthash.h>

#include "ends.h"
#include "leak_rule.h"
#include "sites.h"
#include "replay.h"

struct group_ix {
	char *key;		/* owned */
	UT_hash_handle hh;
	size_t i;		/* into the report's groups */
};

const char *leak_role(const struct conn *c)
{
	int udp = c->type == SOCK_DGRAM && (c->domain == AF_INET || c->domain == AF_INET6);

	switch (c->role) {
	case ROLE_LISTENER: return "listener";
	case ROLE_SERVER: return "accepted";
	case ROLE_PAIR: return "pair";
	case ROLE_CLIENT: return udp ? "udp" : "client";
	case ROLE_UNKNOWN: return "unknown";
	default: return udp ? "udp" : "unconnected";
	}
}

/* The reference of c open at t (from_ns <= t < to_ns), or NULL. */
static const struct ref *open_at(const struct conn *c, uint64_t t)
{
	for (size_t i = 0; i < c->nrefs; i++) {
		const struct ref *x = c->refs[i];

		if (x->from_ns <= t && (!x->to_ns || x->to_ns > t))
			return x;
	}
	return NULL;
}

/*
 * The reference c leaked through, and when and how it went: the one
 * whose exit released it (open at exit), or one still open in a running
 * process, aged to the trace's end.  NULL: no leak.
 */
static const struct ref *leaked_ref(const struct conn *c, uint64_t trace_end, int every,
				    uint64_t *end_ns, const char **end)
{
	const struct ref *x;

	/* The leak rule (leak_rule.h) decides, unless every socket held to the end is asked for. */
	if (!every && !leak_verdict_is_leak(c->leak))
		return NULL;
	switch (conn_fate(c, &x)) {
	case FATE_OPEN_AT_EXIT:
		*end_ns = x->to_ns;
		*end = ref_end_name(x);
		return x;
	case FATE_STILL_RUNNING:
		*end_ns = trace_end;
		*end = NULL;
		return x;
	default:
		return NULL;
	}
}

/* Add "; why" to g's reasons unless it is there already. */
static void add_reason(struct leak_group *g, const char *why)
{
	size_t o = strlen(g->why);

	if (strstr(g->why, why))
		return;
	snprintf(g->why + o, sizeof(g->why) - o, "%s%s", o ? "; " : "", why);
}

/* The group for creation stack cs (NULL: not recorded), made on first use. */
static struct leak_group *group_for(struct leak_report *lr, struct group_ix **ix,
				    const struct callstack *cs, size_t *cap)
{
	char *key = callstack_key(cs);
	struct group_ix *gi;

	if (!key)
		return NULL;
	HASH_FIND_STR(*ix, key, gi);
	if (gi) {
		free(key);
		return &lr->groups[gi->i];
	}
	if (model_grow((void **)&lr->groups, lr->n, cap, sizeof(*lr->groups)) ||
	    !(gi = calloc(1, sizeof(*gi)))) {
		free(key);
		return NULL;
	}
	memset(&lr->groups[lr->n], 0, sizeof(lr->groups[lr->n]));
	lr->groups[lr->n].cs = cs;
	gi->key = key;
	gi->i = lr->n++;
	HASH_ADD_KEYPTR(hh, *ix, gi->key, strlen(gi->key), gi);
	return &lr->groups[gi->i];
}

static int add_leak(const struct model *m, struct leak_report *lr, struct group_ix **ix,
		    size_t *cap, const struct leak *l)
{
	const struct callstack *cs;
	struct leak_group *g;
	char why[256];

	cs = ref_callstack(m, l->c, l->x, why, sizeof(why));
	g = group_for(lr, ix, cs, cap);
	if (!g || model_grow((void **)&g->leaks, g->n, &g->cap, sizeof(*g->leaks)))
		return -1;
	if (!cs)
		add_reason(g, why);
	g->leaks[g->n++] = *l;
	lr->total++;
	return 0;
}

static int by_size(const void *a, const void *b)
{
	const struct leak_group *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	/* Equal sizes: the not-recorded group last, then the older site first. */
	if (!x->cs != !y->cs)
		return !x->cs ? 1 : -1;
	return x->leaks[0].born_ns < y->leaks[0].born_ns ? -1 : x->leaks[0].born_ns > y->leaks[0].born_ns;
}

static int by_birth(const void *a, const void *b)
{
	const struct leak *x = a, *y = b;

	return x->born_ns < y->born_ns ? -1 : x->born_ns > y->born_ns;
}

int leaks_find(const struct model *m, int at, uint64_t at_ns, int every, struct leak_report *out)
{
	struct group_ix *ix = NULL, *gi, *gt;
	size_t cap = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->at = at;
	out->at_ns = at_ns;
	out->every = every;
	out->end_ns = trace_end_ns(m);
	for (size_t i = 0; i < m->nconns && !rc; i++) {
		const struct conn *c = m->conns[i];
		const struct ev *birth = conn_birth(c);
		struct leak l = { .c = c };

		if (at) {
			l.x = open_at(c, at_ns);
			l.end_ns = at_ns;
			/* Now: held by an image still running (a killed one's sockets went with it). */
			if (at == LEAKS_AT_NOW && l.x && !l.x->to_ns && !l.x->p->tf->live)
				l.x = NULL;
		} else {
			l.x = leaked_ref(c, out->end_ns, every, &l.end_ns, &l.end);
		}
		if (!l.x)
			continue;
		l.born_ns = birth ? birth->r->t_ns : c->made_ns ? c->made_ns : l.x->from_ns;
		for (size_t k = 0; k < c->nevs; k++)
			if (c->evs[k].r->t_ns <= l.end_ns)
				l.last = &c->evs[k];
		rc = add_leak(m, out, &ix, &cap, &l);
	}
	HASH_ITER(hh, ix, gi, gt) {
		HASH_DEL(ix, gi);
		free(gi->key);
		free(gi);
	}
	if (rc)
		return -1;
	for (size_t i = 0; i < out->n; i++)
		qsort(out->groups[i].leaks, out->groups[i].n, sizeof(struct leak), by_birth);
	if (out->n)
		qsort(out->groups, out->n, sizeof(*out->groups), by_size);
	return 0;
}

size_t leaks_count(const struct leak_report *lr)
{
	size_t n = 0;

	if (lr->at || lr->every)
		return lr->total;
	for (size_t i = 0; i < lr->n; i++)
		for (size_t k = 0; k < lr->groups[i].n; k++)
			n += leak_verdict_is_leak(lr->groups[i].leaks[k].c->leak);
	return n;
}

void leaks_free(struct leak_report *lr)
{
	for (size_t i = 0; i < lr->n; i++)
		free(lr->groups[i].leaks);
	free(lr->groups);
	memset(lr, 0, sizeof(*lr));
}

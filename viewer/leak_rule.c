/*
 * leak_rule.c - the leak rule of leak_rule.h, decided once per socket
 * after the replay, read by the audit and by socktrace leaks.
 */
#define _GNU_SOURCE
#include "leak_rule.h"

#include <errno.h>
#include <math.h>	/* isfinite: a macro, no libm */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uthash.h>

#include "callstack.h"
#include "ends.h"

/* The idle threshold (--idle), ns. */
static uint64_t idle_ns = LEAK_IDLE_NS;

int leak_rule_set_idle(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 1e9)
		return -1;
	idle_ns = (uint64_t)(v * 1e9 + 0.5);
	return 0;
}

/* A socket held to its process's end: what the rule judges. */
struct held {
	struct conn *c;
	const struct ref *x;
	uint64_t end_ns;
	char *site;		/* its call site (stacks_site_key); NULL = none */
};

int leak_verdict_is_leak(enum leak_verdict v)
{
	return v >= LEAK_PEER_GONE;
}

const char *leak_verdict_text(enum leak_verdict v)
{
	switch (v) {
	case LEAK_NOT_LISTENER: return "a listener, still accepting to the end";
	case LEAK_NOT_INHERITED: return "a copy this process got by fork or exec and never used";
	case LEAK_NOT_SERVED: return "held to its process's end without a sign of abandon (not idle "
				      "long, its peer not gone, its call site not growing)";
	case LEAK_PEER_GONE: return "its peer had closed, and the process went on without closing it";
	case LEAK_SHUT_DOWN: return "shut down here, and the process went on without closing it";
	case LEAK_IDLE: return "idle for a long stretch before the end (120 s, or --idle)";
	case LEAK_SITE_GROWS: return "its call site's open sockets only grew (none of them ever closed)";
	default: return "closed";
	}
}

const char *leak_verdict_json(enum leak_verdict v)
{
	switch (v) {
	case LEAK_NOT_LISTENER: return "listener";
	case LEAK_NOT_INHERITED: return "inherited_unused";
	case LEAK_NOT_SERVED: return "held_to_the_end";
	case LEAK_PEER_GONE: return "peer_gone";
	case LEAK_SHUT_DOWN: return "shut_down";
	case LEAK_IDLE: return "idle";
	case LEAK_SITE_GROWS: return "site_grows";
	default: return "none";
	}
}

/* When c began and when its last reference went (UINT64_MAX: never), for overlap. */
static void conn_span(const struct conn *c, uint64_t *from, uint64_t *to)
{
	*from = conn_start_ns(c);
	*to = c->released_ns ? c->released_ns : UINT64_MAX;
}

const struct conn *conn_peer(const struct model *m, const struct conn *c)
{
	uint64_t from, to;

	if (c->role == ROLE_PAIR)
		return c->peer_inode ? model_conn(m, c->peer_inode) : NULL;
	if (c->type != SOCK_STREAM || !c->local[0] || !c->peer[0] ||
	    (c->role != ROLE_CLIENT && c->role != ROLE_SERVER))
		return NULL;
	conn_span(c, &from, &to);
	for (size_t i = 0; i < m->nconns; i++) {
		const struct conn *o = m->conns[i];
		uint64_t of, ot;

		if (o == c || o->domain != c->domain || o->type != c->type ||
		    strcmp(o->local, c->peer) || strcmp(o->peer, c->local))
			continue;
		/* A port reused later is another connection: their lives must overlap. */
		conn_span(o, &of, &ot);
		if (of <= to && from <= ot)
			return o;
	}
	return NULL;
}

int proc_busy_after(const struct model *m, int pid, const struct conn *c, uint64_t t,
		    uint64_t until, int new_only)
{
	for (size_t i = model_first_at(m, t + 1); i < m->nall && m->all[i].r->t_ns < until; i++) {
		const struct trace_rec *r = m->all[i].r;
		enum st_op_class cls = st_op_class(r->op);

		if (r->pid != pid || !r->inode || r->inode == c->inode || r->ret < 0)
			continue;
		if (new_only ? cls == ST_CLASS_CREATE :
		    cls != ST_CLASS_OTHER && cls != ST_CLASS_PROC && cls != ST_CLASS_SYNTH &&
		    cls != ST_CLASS_LOOKUP)
			return 1;
	}
	return 0;
}

/* Did the image that holds x use the socket after x began: a call on it, or bytes? */
static int used_here(const struct conn *c, const struct ref *x)
{
	for (size_t i = 0; i < c->nrefs; i++) {
		const struct ref *y = c->refs[i];

		if (y->p == x->p && (y->used || y->moved))
			return 1;
	}
	return 0;
}

/* Did x come from another image (fork, exec, an untraced parent), not a call of its own? */
static int got_from_elsewhere(const struct ref *x)
{
	return x->origin == REF_FROM_FORK || x->origin == REF_FROM_EXEC || x->origin == REF_FROM_INHERITED;
}

/* The first successful shutdown of c by x's image while it held x; 0 when none. */
static uint64_t shut_at(const struct conn *c, const struct ref *x)
{
	for (size_t k = 0; k < c->nevs; k++) {
		const struct trace_rec *r = c->evs[k].r;

		if (c->evs[k].p == x->p && r->op == ST_OP_SHUTDOWN && r->ret == 0 &&
		    r->t_ns >= x->from_ns)
			return r->t_ns;
	}
	return 0;
}

/* When c's peer was known gone (its FIN read, or its end in the trace released); 0: not known. */
static uint64_t peer_gone_at(const struct model *m, const struct conn *c)
{
	const struct conn *o = conn_peer(m, c);
	uint64_t t = c->eof_ns;

	if (o && o->released_ns && !o->released_unknown && (!t || o->released_ns < t))
		t = o->released_ns;
	return t;
}

/* The last moment anything happened on c: a call by any process, or data moved. */
static uint64_t last_activity(const struct conn *c, const struct ref *x)
{
	uint64_t t = x->from_ns > c->last_ns ? x->from_ns : c->last_ns;

	for (size_t k = 0; k < c->nevs; k++)
		if (!c->evs[k].as_listener && c->evs[k].r->t_ns > t)
			t = c->evs[k].r->t_ns;
	return t;
}

/*
 * Went on after since: lived LEAK_GONE_NS more, or made calls on other
 * sockets (new_only: made new sockets; closing others is winding down).
 */
static int went_on(const struct model *m, const struct held *h, uint64_t since, int new_only)
{
	return h->end_ns - since >= LEAK_GONE_NS ||
	       proc_busy_after(m, h->x->p->pid, h->c, since, h->end_ns, new_only);
}

/* The verdict on h, all but the growing-site rule (which needs every socket judged). */
static enum leak_verdict judge(const struct model *m, const struct held *h, uint64_t *since)
{
	const struct conn *c = h->c;
	const struct ref *x = h->x;
	uint64_t t;

	*since = 0;
	if (c->role == ROLE_LISTENER)
		return LEAK_NOT_LISTENER;
	if (!used_here(c, x) && got_from_elsewhere(x))
		return LEAK_NOT_INHERITED;
	/* Shut down, then left alone while the process went on (a half-close still reads on). */
	if ((t = shut_at(c, x)) && t < h->end_ns && last_activity(c, x) <= t && went_on(m, h, t, 0)) {
		*since = t;
		return LEAK_SHUT_DOWN;
	}
	t = peer_gone_at(m, c);
	if (t && t < x->from_ns)
		t = x->from_ns;
	if (t && t < h->end_ns && !shut_at(c, x) && went_on(m, h, t, 1)) {
		*since = t;
		return LEAK_PEER_GONE;
	}
	t = last_activity(c, x);
	if (h->end_ns > t && h->end_ns - t >= idle_ns) {
		*since = t;
		return LEAK_IDLE;
	}
	return LEAK_NOT_SERVED;
}

/* Is stack entry id of image p recorded (ready, with frames)?  *made: the sockets made along it. */
static int stack_made(const struct proc *p, uint64_t id, uint64_t *made)
{
	const struct trace_file *tf = p->tf;
	struct st_stack s;

	if (!id || !tf->stacks || id > tf->nstacks || tf->stack_entry_size < sizeof(s))
		return 0;
	memcpy(&s, tf->stacks + (size_t)(id - 1) * tf->stack_entry_size, sizeof(s));
	*made = s.made;
	return s.state == ST_STACK_READY && s.depth > 0;
}

/* Sockets one image made at one call site (stacks_site_key), over every stack through it. */
struct site_count {
	char *key;
	uint64_t made;
	UT_hash_handle hh;
};

static void site_counts_free(struct site_count **all)
{
	struct site_count *sc, *t;

	HASH_ITER(hh, *all, sc, t) {
		HASH_DEL(*all, sc);
		free(sc->key);
		free(sc);
	}
}

/*
 * The sockets image p made per call site, over its whole stack table
 * (one site reached along several paths, or copied by the compiler, is one
 * site), in *all: one pass, each stack's site symbolised once.  0, or -1
 * when out of memory (*all freed: a count too low would call a site that
 * closed some of its sockets one that only grew).
 */
static int site_counts(struct model *m, const struct proc *p, struct site_count **all)
{
	struct site_count *sc;
	uint64_t n;

	*all = NULL;
	for (uint64_t id = 1; id <= p->tf->nstacks; id++) {
		char *key;

		if (!stack_made(p, id, &n) || !n)
			continue;
		if (!(key = stacks_site_key(m->stacks, p->tf, (uint32_t)id)))
			goto oom;
		HASH_FIND_STR(*all, key, sc);
		if (sc) {
			sc->made += n;
			free(key);
			continue;
		}
		if (!(sc = calloc(1, sizeof(*sc)))) {
			free(key);
			goto oom;
		}
		sc->key = key;
		sc->made = n;
		HASH_ADD_KEYPTR(hh, *all, sc->key, strlen(sc->key), sc);
	}
	return 0;
oom:
	site_counts_free(all);
	return -1;
}

static int by_site(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	if (x->x->p != y->x->p)
		return x->x->p < y->x->p ? -1 : 1;
	if (!x->site || !y->site)
		return !!x->site - !!y->site;
	return strcmp(x->site, y->site);
}

/* h's call site, when it is one of its image's own, recorded: what the growing rule counts. */
static char *own_site(struct model *m, const struct held *h)
{
	uint64_t made;

	if (!h->x->stack_id || h->x->stack_proc != h->x->p || h->c->role == ROLE_LISTENER ||
	    !m->stacks || !stack_made(h->x->p, h->x->stack_id, &made))
		return NULL;
	return stacks_site_key(m->stacks, h->x->p->tf, h->x->stack_id);
}

/*
 * The growing-site rule over hs (n), sorted by site: a site of LEAK_SITE_MIN
 * or more sockets held to the end, as many as it ever made, is a leak for
 * each of its sockets not already judged one.
 */
static void growing_sites(struct model *m, struct held *hs, size_t n)
{
	const struct proc *counted = NULL;	/* the image whose sites counts holds */
	struct site_count *counts = NULL, *sc;
	int bad = 0;

	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && !by_site(&hs[i], &hs[j]); j++)
			;
		if (!hs[i].site || j - i < LEAK_SITE_MIN)
			continue;
		if (hs[i].x->p != counted) {
			site_counts_free(&counts);
			counted = hs[i].x->p;
			bad = site_counts(m, counted, &counts);
		}
		if (bad)
			continue;
		HASH_FIND_STR(counts, hs[i].site, sc);
		if (!sc || !sc->made || sc->made > j - i)
			continue;
		for (size_t k = i; k < j; k++)
			if (!leak_verdict_is_leak(hs[k].c->leak))
				hs[k].c->leak = LEAK_SITE_GROWS;
	}
	site_counts_free(&counts);
}

void leak_rule_apply(struct model *m)
{
	uint64_t end = trace_end_ns(m);
	struct held *hs = calloc(m->nconns ? m->nconns : 1, sizeof(*hs));
	size_t n = 0;

	for (size_t i = 0; i < m->nconns; i++) {
		struct conn *c = m->conns[i];
		const struct ref *x;
		enum conn_fate f = conn_fate(c, &x);

		c->leak = LEAK_NONE;
		c->leak_ref = NULL;
		if (!x || (f != FATE_OPEN_AT_EXIT && f != FATE_STILL_RUNNING))
			continue;
		c->leak_ref = x;
		c->leak_end_ns = f == FATE_OPEN_AT_EXIT ? x->to_ns : end;
		c->leak = judge(m, &(struct held){ c, x, c->leak_end_ns, 0 }, &c->leak_since_ns);
		if (hs) {
			hs[n] = (struct held){ c, x, c->leak_end_ns, 0 };
			hs[n].site = own_site(m, &hs[n]);
			n++;
		}
	}
	if (!hs)
		return;		/* out of memory: the growing-site rule is skipped, the rest holds */
	qsort(hs, n, sizeof(*hs), by_site);
	growing_sites(m, hs, n);
	for (size_t i = 0; i < n; i++)
		free(hs[i].site);
	free(hs);
}

/*
 * html_data.c - the HTML report's data: one JSON document the page's
 * script draws from.  Connections are columns (one array per field, one
 * entry per connection) rather than objects, so 100,000 of them stay a
 * few MB; times are microseconds since the trace's first event (m->t0),
 * the text report's own resolution (and 3 digits fewer per time than ns).
 * The text (the report's own blocks, stacks, notices) is html_detail.c's.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "addr_fmt.h"
#include "ends.h"
#include "html_data.h"
#include "html_sites.h"
#include "json.h"
#include "names.h"
#include "picture.h"
#include "report.h"
#include "sites.h"
#include "stack_fmt.h"
#include "strtab.h"
#include "timefmt.h"

/* t in us since the trace's first event; a time before it (a state's birth) stays negative. */
static int64_t rel(const struct model *m, uint64_t t)
{
	return (int64_t)(t - m->t0) / 1000;
}

/* The process lane c is drawn in: the image that made it, else the first that showed it. */
static size_t conn_lane(const struct model *m, const struct conn *c)
{
	const struct ev *e = conn_birth(c);
	const struct proc *p = e ? e->p : c->made_proc ? c->made_proc : c->nevs ? c->evs[0].p : NULL;

	if (!p) {
		for (size_t i = 0; i < m->nprocs; i++)
			if (m->procs[i].pid == c->pid)
				return i;
		return 0;
	}
	return (size_t)(p - m->procs);
}

static void procs_json(struct json *j, const struct model *m, const uint64_t *start)
{
	char end[256];

	json_arr(j, "procs");
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *p = &m->procs[i];

		json_obj(j, NULL);
		json_int(j, "pid", p->pid);
		json_str(j, "name", proc_name(p));
		json_str(j, "origin", origin_name(p->origin));
		json_int(j, "t", start[i] ? rel(m, start[i]) : 0);
		json_int(j, "te", p->end_ns ? rel(m, p->end_ns) : -1);
		json_str(j, "end", proc_end_str(m, p, end, sizeof(end)));
		json_end_obj(j);
	}
	json_end_arr(j);
}

/* Column key of the connections: one value per connection, by get. */
static void column(struct json *j, const char *key, const struct model *m,
		   int64_t (*get)(const struct model *, size_t, const void *), const void *arg)
{
	json_arr(j, key);
	for (size_t i = 0; i < m->nconns; i++)
		json_int(j, NULL, get(m, i, arg));
	json_end_arr(j);
}

static int64_t col_lane(const struct model *m, size_t i, const void *arg)
{
	(void)arg;
	return (int64_t)conn_lane(m, m->conns[i]);
}

static int64_t col_born(const struct model *m, size_t i, const void *arg)
{
	return rel(m, ((const uint64_t *)arg)[i]);
}

/* The end of a life: the last reference's release; -1 never released (open to the trace's end). */
static int64_t col_end(const struct model *m, size_t i, const void *arg)
{
	(void)arg;
	return m->conns[i]->released_ns ? rel(m, m->conns[i]->released_ns) : -1;
}

static int64_t col_ending(const struct model *m, size_t i, const void *arg)
{
	(void)arg;
	return html_ending(m->conns[i]);
}

/* A connection's site: its place in the ranking (hs->rank order), which "sites" lists. */
static int64_t col_site(const struct model *m, size_t i, const void *arg)
{
	(void)m;
	return (int64_t)((const size_t *)arg)[i];
}

static int64_t col_role(const struct model *m, size_t i, const void *arg)
{
	(void)arg;
	return m->conns[i]->role;
}

/* Push one mark: connection ci, time t, kind (the findings' marks the page makes from "findings"). */
static void mark(struct json *j, size_t ci, int64_t t, enum html_mark kind)
{
	json_int(j, NULL, (int64_t)ci);
	json_int(j, NULL, t);
	json_int(j, NULL, kind);
}

/* The marks along each bar: shutdown, the peer's EOF, a close that was not the last reference. */
static void marks_json(struct json *j, const struct model *m)
{
	json_arr(j, "marks");
	for (size_t i = 0; i < m->nconns; i++) {
		const struct conn *c = m->conns[i];

		for (size_t k = 0; k < c->nevs; k++) {
			const struct ev *e = &c->evs[k];
			const struct trace_rec *r = e->r;

			if (e->as_listener)
				continue;
			if (r->op == ST_OP_SHUTDOWN && r->ret == 0)
				mark(j, i, rel(m, r->t_ns), HM_SHUTDOWN);
			else if (r->op == ST_OP_PEER_EOF)
				mark(j, i, rel(m, r->t_ns), HM_PEER_EOF);
			else if (e->released == 0)
				mark(j, i, rel(m, r->t_ns), HM_CLOSE_NOT_LAST);
		}
	}
	json_end_arr(j);
}

/* One link between lanes: kind 0 fork, 1 exec, 2 a socket passed with SCM_RIGHTS (ci: which). */
static void link(struct json *j, size_t from, size_t to, int64_t t, int kind, int64_t ci)
{
	json_int(j, NULL, (int64_t)from);
	json_int(j, NULL, (int64_t)to);
	json_int(j, NULL, t);
	json_int(j, NULL, kind);
	json_int(j, NULL, ci);
}

/* A connection's index in m->conns from its pointer (findings and flights name the connection). */
struct conn_ix {
	const struct conn **sorted;	/* the pointers, sorted */
	size_t *idx;			/* each one's index */
	size_t n;
};

struct ptr_ix {
	const struct conn *c;
	size_t i;
};

static int by_ptr(const void *a, const void *b)
{
	const struct ptr_ix *x = a, *y = b;

	return (const void *)x->c < (const void *)y->c ? -1 : (const void *)x->c > (const void *)y->c;
}

/* Build ix for m's connections; -1 when out of memory (ix then empty). */
static int conn_ix_build(struct conn_ix *ix, const struct model *m)
{
	struct ptr_ix *pi = malloc((m->nconns ? m->nconns : 1) * sizeof(*pi));

	ix->sorted = malloc((m->nconns ? m->nconns : 1) * sizeof(*ix->sorted));
	ix->idx = malloc((m->nconns ? m->nconns : 1) * sizeof(*ix->idx));
	ix->n = m->nconns;
	if (!pi || !ix->sorted || !ix->idx) {
		free(pi);
		free(ix->sorted);
		free(ix->idx);
		memset(ix, 0, sizeof(*ix));
		return -1;
	}
	for (size_t i = 0; i < m->nconns; i++)
		pi[i] = (struct ptr_ix){ m->conns[i], i };
	qsort(pi, m->nconns, sizeof(*pi), by_ptr);
	for (size_t i = 0; i < m->nconns; i++) {
		ix->sorted[i] = pi[i].c;
		ix->idx[i] = pi[i].i;
	}
	free(pi);
	return 0;
}

static void conn_ix_free(struct conn_ix *ix)
{
	free(ix->sorted);
	free(ix->idx);
}

/* The index of c in m->conns; -1 if it is not there. */
static int64_t conn_index(const struct conn_ix *ix, const struct conn *c)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->sorted[mid] == c)
			return (int64_t)ix->idx[mid];
		if ((const void *)ix->sorted[mid] < (const void *)c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * Fork and exec links (a child's lane from its parent's, at the child's
 * first event), and SCM_RIGHTS hand-offs: each reference received, from
 * the latest sender of that socket before it.
 */
static void links_json(struct json *j, const struct model *m, const uint64_t *start, const struct conn_ix *ix)
{
	json_arr(j, "links");
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *p = &m->procs[i];

		if (p->fork_parent)
			link(j, (size_t)(p->fork_parent - m->procs), i, rel(m, start[i]), 0, -1);
		if (p->exec_prev)
			link(j, (size_t)(p->exec_prev - m->procs), i, rel(m, start[i]), 1, -1);
	}
	for (size_t i = 0; i < m->nflights; i++) {
		const struct flight *f = &m->flights[i];
		const struct ref *to = flight_receipt(f);

		if (to && f->from)
			link(j, (size_t)(f->from - m->procs), (size_t)(to->p - m->procs), rel(m, f->sent_ns), 2,
			     conn_index(ix, f->c));
	}
	json_end_arr(j);
}

/* The findings, each with its connection's id (PID:SERIAL, as the conns' "id"): the page links them. */
static void findings_json(struct json *j, const struct model *m, const struct conn_ix *ix)
{
	char at[TF_MAX], id[48];

	json_arr(j, "findings");
	for (size_t i = 0; i < m->nfindings; i++) {
		const struct finding *f = &m->findings[i];
		const struct conn *c = f->inode ? model_conn(m, f->inode) : NULL;

		json_obj(j, NULL);
		json_str(j, "severity", severity_name(f->severity));
		json_str(j, "kind", f->kind);
		json_int(j, "pid", f->pid);
		json_int(j, "fd", f->fd);
		json_int(j, "t", rel(m, f->t_ns));
		json_str(j, "at", tf_at(m, f->t_ns, at));
		json_str(j, "id", c ? model_key_name(m, f->inode, id, sizeof(id)) : NULL);
		json_int(j, "ci", c ? conn_index(ix, c) : -1);
		json_str(j, "message", i < HTML_MESSAGES_MAX ? f->message : NULL);
		json_end_obj(j);
	}
	json_end_arr(j);
}

/*
 * Each connection's id (PID:SERIAL, as findings name it) in three parts,
 * 40% smaller than the strings: "idp", the distinct "PID:" prefixes, and
 * per connection "iq", its prefix's index, and "in", its serial.  -1 when
 * out of memory.
 */
static int ids_json(struct json *j, const struct model *m)
{
	struct strtab prefixes = { 0 };
	long long *serial = malloc((m->nconns ? m->nconns : 1) * sizeof(*serial));
	long *which = malloc((m->nconns ? m->nconns : 1) * sizeof(*which));
	int rc = -1;

	if (!serial || !which)
		goto out;
	for (size_t i = 0; i < m->nconns; i++) {
		char id[48], *colon;

		model_key_name(m, m->conns[i]->inode, id, sizeof(id));
		colon = strrchr(id, ':');
		serial[i] = colon ? atoll(colon + 1) : 0;
		if (colon)
			colon[1] = 0;
		if ((which[i] = strtab_index(&prefixes, id)) < 0)
			goto out;
	}
	strtab_json(j, "idp", &prefixes);
	json_arr(j, "iq");
	for (size_t i = 0; i < m->nconns; i++)
		json_int(j, NULL, which[i]);
	json_end_arr(j);
	json_arr(j, "in");
	for (size_t i = 0; i < m->nconns; i++)
		json_int(j, NULL, serial[i]);
	json_end_arr(j);
	rc = 0;
out:
	strtab_free(&prefixes);
	free(serial);
	free(which);
	return rc;
}

/* Each connection's life: born[i] (its start, or its first event) and end[i] (0: never released). */
static int lives(const struct model *m, uint64_t **born, uint64_t **end)
{
	*born = malloc((m->nconns ? m->nconns : 1) * sizeof(**born));
	*end = malloc((m->nconns ? m->nconns : 1) * sizeof(**end));
	if (!*born || !*end) {
		free(*born);
		free(*end);
		return -1;
	}
	for (size_t i = 0; i < m->nconns; i++) {
		const struct conn *c = m->conns[i];
		uint64_t s = conn_start_ns(c);

		(*born)[i] = s ? s : m->t0;
		(*end)[i] = c->released_ns;
	}
	return 0;
}

static void sites_json(struct json *j, const struct model *m, const struct html_sites *hs)
{
	json_int(j, "named", (int64_t)hs->named);
	json_arr(j, "sites");
	for (size_t r = 0; r < hs->n; r++) {
		const struct html_site *st = &hs->sites[hs->rank[r]];
		char label[256];

		json_obj(j, NULL);
		json_str(j, "label", r < hs->named ? st->label :
			 callstack_label(st->cs, 1, label, sizeof(label)));
		json_uint(j, "n", st->n);
		json_uint(j, "peak", st->peak);
		html_site_stack_json(j, m, st, r);
		json_end_obj(j);
	}
	json_end_arr(j);
}

int html_data_write(FILE *out, const struct model *m)
{
	struct html_sites hs = { 0 };
	struct conn_ix ix = { 0 };
	struct json j;
	uint64_t *born, *end, *start;
	size_t *place, *rank_of = NULL;
	char wall[TF_MAX];
	int rc = -1;

	if (lives(m, &born, &end))
		return -1;
	start = proc_first_events(m);
	place = malloc((m->nconns ? m->nconns : 1) * sizeof(*place));
	if (!start || !place || conn_ix_build(&ix, m) || html_sites_build(&hs, m, born, end))
		goto out;
	/* Each connection's "s": its site's rank, the index in "sites" (hs.rank's inverse). */
	if (!(rank_of = malloc((hs.n ? hs.n : 1) * sizeof(*rank_of))))
		goto out;
	for (size_t r = 0; r < hs.n; r++)
		rank_of[hs.rank[r]] = r;
	for (size_t i = 0; i < m->nconns; i++)
		place[i] = rank_of[hs.conn_site[i]];
	json_init(&j, out, 0);
	j.html_safe = 1;
	json_obj(&j, NULL);
	json_int(&j, "format", 1);
	json_str(&j, "first_event", m->nall ? tf_wall(m, m->t0, wall) : NULL);
	json_bool(&j, "wall_clock", tf_is_wall());
	json_int(&j, "end", m->nall ? rel(m, trace_end_ns(m)) : 0);
	json_int(&j, "history_from", rel(m, html_history_from(m)));
	json_int(&j, "messages_kept", HTML_MESSAGES_MAX);
	if (html_text_json(&j, m))
		goto out;
	procs_json(&j, m, start);
	sites_json(&j, m, &hs);
	json_obj(&j, "conns");
	if (ids_json(&j, m))
		goto out;
	column(&j, "p", m, col_lane, NULL);
	column(&j, "b", m, col_born, born);
	column(&j, "e", m, col_end, NULL);
	column(&j, "k", m, col_ending, NULL);
	column(&j, "s", m, col_site, place);
	column(&j, "r", m, col_role, NULL);
	json_end_obj(&j);
	marks_json(&j, m);
	links_json(&j, m, start, &ix);
	findings_json(&j, m, &ix);
	if (html_detail_json(&j, m))
		goto out;
	json_end_obj(&j);
	rc = 0;
out:
	html_sites_free(&hs);
	conn_ix_free(&ix);
	free(rank_of);
	free(born);
	free(end);
	free(start);
	free(place);
	return rc;
}

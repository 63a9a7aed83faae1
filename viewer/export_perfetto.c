/*
 * export_perfetto.c - socktrace export --format=perfetto: the trace-event
 * format (the "JSON Array/Object Format" of Chrome's trace viewer, which
 * Perfetto imports).
 *
 * Every event is written in time order, so timestamps rise on every track
 * (what the format's importers expect; the viewers sort otherwise, but a
 * tool reading the file as a stream may not): the calls come from m->all,
 * already in time order, merged with a sorted list of the other events
 * (connection lives, flows and the slices they bind to).  Connections are
 * async slices ("b"/"e", one id each): their lives overlap on one thread,
 * which nested "B"/"E" slices cannot say.  A flow binds to a slice
 * enclosing its point on its thread, so each end of one gets a 1 us "X"
 * slice ("fork", "forked", "exec", "SCM_RIGHTS sent", ...).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "ends.h"
#include "export_perfetto.h"
#include "json.h"
#include "names.h"
#include "picture.h"
#include "report.h"
#include "sites.h"
#include "replay.h"

enum item_kind {
	IT_CONN_B,	/* a connection's birth: a = its index */
	IT_FLOW_S,	/* a flow's start: a = flow index */
	IT_FLOW_F,	/* ... its end */
	IT_CONN_E,	/* a connection's last release (or the trace's end) */
};

enum flow_kind { FL_FORK, FL_EXEC, FL_SCM };

/* One flow: from a (pid, tid) at t0 to another at t1. */
struct flow {
	enum flow_kind kind;
	int pid0, tid0, pid1, tid1;
	uint64_t t0, t1;
	const struct conn *conn;	/* FL_SCM: the socket passed */
};

/* One non-call event to write, by time. */
struct item {
	uint64_t t;
	enum item_kind kind;
	size_t a;
	size_t seq;		/* ties keep the order they were made in */
};

struct exp {
	const struct model *m;
	struct json j;
	struct flow *flows;
	size_t nflows, capflows;
	struct item *items;
	size_t nitems, capitems;
	uint64_t end;		/* the trace's end: the lives never released end there */
};

static int by_time(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int add_item(struct exp *x, uint64_t t, enum item_kind kind, size_t a)
{
	if (model_grow((void **)&x->items, x->nitems, &x->capitems, sizeof(*x->items)))
		return -1;
	x->items[x->nitems] = (struct item){ t, kind, a, x->nitems };
	x->nitems++;
	return 0;
}

static int add_flow(struct exp *x, struct flow f)
{
	if (model_grow((void **)&x->flows, x->nflows, &x->capflows, sizeof(*x->flows)))
		return -1;
	x->flows[x->nflows] = f;
	if (add_item(x, f.t0, IT_FLOW_S, x->nflows) || add_item(x, f.t1 >= f.t0 ? f.t1 : f.t0, IT_FLOW_F, x->nflows))
		return -1;
	x->nflows++;
	return 0;
}

/* "ts": t as us since the first event, its ns as 3 decimals (a double holds them exactly for 104 days). */
static void ts(struct exp *x, const char *key, uint64_t t)
{
	uint64_t d = t > x->m->t0 ? t - x->m->t0 : 0;

	json_fixed(&x->j, key, (double)d / 1000.0, 3);
}

/* The event's common members: ph, name, cat, pid, tid, ts. */
static void head(struct exp *x, const char *ph, const char *name, const char *cat, int pid, int tid, uint64_t t)
{
	json_obj(&x->j, NULL);
	json_str(&x->j, "ph", ph);
	json_str(&x->j, "name", name);
	if (cat)
		json_str(&x->j, "cat", cat);
	json_int(&x->j, "pid", pid);
	json_int(&x->j, "tid", tid);
	ts(x, "ts", t);
}

/* The process that made c (its lane in the HTML report), for its life's track. */
static int conn_pid(const struct conn *c)
{
	const struct ev *e = conn_birth(c);

	return e ? e->p->pid : c->made_proc ? c->made_proc->pid : c->pid;
}

static void conn_event(struct exp *x, size_t i, int end)
{
	const struct conn *c = x->m->conns[i];
	uint64_t b = conn_start_ns(c), t = end ? (c->released_ns ? c->released_ns : x->end) : (b ? b : x->m->t0);
	char id[48], name[2 * ADDR_STR_MAX + 80];
	int pid = conn_pid(c);

	model_key_name(x->m, c->inode, id, sizeof(id));
	if (c->role == ROLE_LISTENER)
		snprintf(name, sizeof(name), "socket %s listener %s", id, c->local[0] ? c->local : "?");
	else
		snprintf(name, sizeof(name), "socket %s %s %s -> %s", id, role_name(c->role),
			 c->local[0] ? c->local : "?", c->peer[0] ? c->peer : "?");
	head(x, end ? "e" : "b", name, "connection", pid, pid, t);
	json_uint(&x->j, "id", (uint64_t)i + 1);
	json_obj(&x->j, "args");
	if (!end) {
		json_str(&x->j, "socket", id);
		json_str(&x->j, "role", role_name(c->role));
		json_str(&x->j, "local", c->local[0] ? c->local : NULL);
		json_str(&x->j, "peer", c->peer[0] ? c->peer : NULL);
	} else {
		json_str(&x->j, "fate", conn_fate_json(conn_fate(c, NULL)));
		json_str(&x->j, "released_by", conn_released_how(c));
		json_bool(&x->j, "released", c->released_ns != 0);
	}
	json_end_obj(&x->j);
	json_end_obj(&x->j);
}

static const char *const flow_names[][2] = {
	[FL_FORK] = { "fork", "forked" },
	[FL_EXEC] = { "exec", "exec'd image starts" },
	[FL_SCM] = { "SCM_RIGHTS sent", "SCM_RIGHTS received" },
};

/* A flow's end: the 1 us slice it binds to, then the flow step ("s", or "f" bound to it). */
static void flow_event(struct exp *x, size_t k, int end)
{
	const struct flow *f = &x->flows[k];
	int pid = end ? f->pid1 : f->pid0, tid = end ? f->tid1 : f->tid0;
	uint64_t t = end ? (f->t1 >= f->t0 ? f->t1 : f->t0) : f->t0;
	const char *name = flow_names[f->kind][end];

	head(x, "X", name, "handoff", pid, tid, t);
	json_fixed(&x->j, "dur", 1.0, 3);
	if (f->kind == FL_SCM) {
		char id[48];

		json_obj(&x->j, "args");
		json_str(&x->j, "socket", model_key_name(x->m, f->conn->inode, id, sizeof(id)));
		json_end_obj(&x->j);
	}
	json_end_obj(&x->j);
	head(x, end ? "f" : "s", f->kind == FL_FORK ? "fork" : f->kind == FL_EXEC ? "exec" : "SCM_RIGHTS",
	     "handoff", pid, tid, t);
	json_uint(&x->j, "id", (uint64_t)k + 1);
	if (end)
		json_str(&x->j, "bp", "e");
	json_end_obj(&x->j);
}

/* The thread a record is on: its tid, or its pid when the record names none (the viewer's own). */
static int rec_tid(const struct trace_rec *r)
{
	return r->tid > 0 ? r->tid : r->pid;
}

/* One call: an instant on its thread, with the call and its result as the text report words them. */
static void call_event(struct exp *x, const struct ev *e)
{
	const struct trace_rec *r = e->r;
	const char *name = op_name(r->op), *en = r->ret < 0 ? errno_name(r->err) : NULL;
	char call[512], id[48];

	head(x, "i", name ? name : "?", "call", r->pid, rec_tid(r), r->t_ns);
	json_str(&x->j, "s", "t");
	json_obj(&x->j, "args");
	json_str(&x->j, "call", ev_call_str(e, call, sizeof(call)));
	json_int(&x->j, "ret", r->ret);
	if (en)
		json_str(&x->j, "errno", en);
	if (r->inode && model_conn(x->m, r->inode))
		json_str(&x->j, "socket", model_key_name(x->m, r->inode, id, sizeof(id)));
	json_end_obj(&x->j);
	json_end_obj(&x->j);
}

/* The fork record in parent p that made child pid: its time and thread; 0 when not in the trace. */
static uint64_t fork_of(const struct proc *p, int child, int *tid)
{
	for (size_t k = 0; k < p->nevs; k++) {
		const struct trace_rec *r = p->evs[k]->r;

		if (r->op == ST_OP_FORK && r->ret == child) {
			*tid = rec_tid(r);
			return r->t_ns;
		}
	}
	return 0;
}

/* The flows: fork and exec (each process's first event), SCM_RIGHTS (each receipt). -1: no memory. */
static int flows(struct exp *x, const uint64_t *start)
{
	const struct model *m = x->m;

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *p = &m->procs[i];

		if (!start[i])
			continue;
		if (p->fork_parent) {
			int tid = p->fork_parent->pid;
			uint64_t t = fork_of(p->fork_parent, p->pid, &tid);

			if (add_flow(x, (struct flow){ FL_FORK, p->fork_parent->pid, tid, p->pid, p->pid,
						       t ? t : start[i], start[i], 0 }))
				return -1;
		}
		if (p->exec_prev && add_flow(x, (struct flow){ FL_EXEC, p->exec_prev->pid, p->exec_prev->pid, p->pid,
							      p->pid, p->exec_prev->end_ns ? p->exec_prev->end_ns : start[i],
							      start[i], NULL }))
			return -1;
	}
	for (size_t i = 0; i < m->nflights; i++) {
		const struct flight *f = &m->flights[i];
		const struct ref *to = flight_receipt(f);

		if (!to || !f->from)
			continue;
		if (add_flow(x, (struct flow){ FL_SCM, f->from->pid, f->from->pid, to->p->pid, to->p->pid, f->sent_ns,
					       to->from_ns, f->c }))
			return -1;
	}
	return 0;
}

/* Metadata: each pid's name (its images' names, in order) and sort order, each thread's name. */
static void metadata(struct exp *x, const uint64_t *start)
{
	const struct model *m = x->m;

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *p = &m->procs[i];
		char name[512];
		size_t o = 0;

		if (p->exec_prev)
			continue;	/* named with the first image of its pid */
		for (const struct proc *q = p; q && o < sizeof(name); q = q->exec_next)
			o += (size_t)snprintf(name + o, sizeof(name) - o, "%s%s", q == p ? "" : " -> exec ", proc_name(q));
		head(x, "M", "process_name", NULL, p->pid, p->pid, m->t0);
		json_obj(&x->j, "args");
		json_str(&x->j, "name", name);
		json_end_obj(&x->j);
		json_end_obj(&x->j);
		head(x, "M", "process_sort_index", NULL, p->pid, p->pid, m->t0);
		json_obj(&x->j, "args");
		json_int(&x->j, "sort_index", (int64_t)i);
		json_end_obj(&x->j);
		json_end_obj(&x->j);
		(void)start;
	}
}

/* Is e a call the program made (not one of the viewer's own records about the state)? */
static int is_call(const struct ev *e)
{
	return e->r->op < ST_OP_MAX_KNOWN && op_name(e->r->op) && !e->as_listener;
}

/* Each thread a call was made on, named once ("main" for the process's own). */
static int threads(struct exp *x)
{
	const struct model *m = x->m;
	struct seen { int64_t key; UT_hash_handle hh; } *set = NULL, *s, *tmp;
	int rc = 0;

	for (size_t i = 0; i < m->nall && !rc; i++) {
		const struct trace_rec *r = m->all[i].r;
		int64_t key = (int64_t)r->pid << 32 | (uint32_t)rec_tid(r);
		char name[32];

		if (!is_call(&m->all[i]) && rec_tid(r) != r->pid)
			continue;	/* only calls are on threads other than the main one */
		HASH_FIND(hh, set, &key, sizeof(key), s);
		if (s)
			continue;
		if (!(s = malloc(sizeof(*s)))) {
			rc = -1;
			break;
		}
		s->key = key;
		HASH_ADD(hh, set, key, sizeof(s->key), s);
		snprintf(name, sizeof(name), rec_tid(r) == r->pid ? "main (%d)" : "thread %d", rec_tid(r));
		head(x, "M", "thread_name", NULL, r->pid, rec_tid(r), m->t0);
		json_obj(&x->j, "args");
		json_str(&x->j, "name", name);
		json_end_obj(&x->j);
		json_end_obj(&x->j);
	}
	HASH_ITER(hh, set, s, tmp) {
		HASH_DEL(set, s);
		free(s);
	}
	return rc;
}

static void write_item(struct exp *x, const struct item *it)
{
	switch (it->kind) {
	case IT_CONN_B: conn_event(x, it->a, 0); break;
	case IT_CONN_E: conn_event(x, it->a, 1); break;
	case IT_FLOW_S: flow_event(x, it->a, 0); break;
	case IT_FLOW_F: flow_event(x, it->a, 1); break;
	}
}

int export_perfetto(FILE *out, const struct model *m)
{
	struct exp x = { .m = m };
	uint64_t *start = proc_first_events(m);
	size_t k = 0;
	int rc = -1;

	if (!start)
		return -1;
	x.end = m->nall ? trace_end_ns(m) : m->t0;
	for (size_t i = 0; i < m->nconns; i++) {
		uint64_t b = conn_start_ns(m->conns[i]);

		b = b > m->t0 ? b : m->t0;
		if (add_item(&x, b, IT_CONN_B, i) ||
		    add_item(&x, m->conns[i]->released_ns > b ? m->conns[i]->released_ns : x.end > b ? x.end : b,
			     IT_CONN_E, i))
			goto out;
	}
	if (flows(&x, start))
		goto out;
	if (x.nitems)	/* qsort wants a non-null array even for none */
		qsort(x.items, x.nitems, sizeof(*x.items), by_time);
	json_init(&x.j, out, 0);
	json_obj(&x.j, NULL);
	json_str(&x.j, "displayTimeUnit", "ms");
	json_obj(&x.j, "otherData");
	json_str(&x.j, "source", "socktrace export --format=perfetto");
	json_uint(&x.j, "t0_ns", m->t0);
	json_uint(&x.j, "t0_wall_ns", m->t0_wall_ns);
	json_end_obj(&x.j);
	json_arr(&x.j, "traceEvents");
	metadata(&x, start);
	if (threads(&x))
		goto out;
	/* The calls (in time order already) merged with the rest, an item first at a tie. */
	for (size_t i = 0; i < m->nall; i++) {
		const struct ev *e = &m->all[i];

		for (; k < x.nitems && x.items[k].t <= e->r->t_ns; k++)
			write_item(&x, &x.items[k]);
		if (is_call(e))
			call_event(&x, e);
	}
	for (; k < x.nitems; k++)
		write_item(&x, &x.items[k]);
	json_end_arr(&x.j);
	json_end_obj(&x.j);
	json_done(&x.j);
	rc = 0;
out:
	free(start);
	free(x.items);
	free(x.flows);
	return rc;
}

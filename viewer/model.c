/*
 * model.c - replaying every record in time order into connections.
 *
 * Reference counts come from the shim (each record carries the count in its
 * own process after the call); the model keeps the last count per process
 * and socket, and a fork child starts with its parent's counts at the fork.
 */
#define _GNU_SOURCE
#include "model.h"
#include "callstack.h"
#include "ends.h"
#include "history.h"
#include "leak_rule.h"
#include "timefmt.h"
#include "replay.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const char *role_name(enum role role)
{
	switch (role) {
	case ROLE_CLIENT: return "client";
	case ROLE_SERVER: return "server";
	case ROLE_LISTENER: return "listener";
	case ROLE_PAIR: return "pair";
	case ROLE_UNKNOWN: return "unknown";
	default: return "unconnected";
	}
}

const char *ev_addr_str(const struct trace_rec *r, unsigned kind, char *out)
{
	size_t off = 0;

	while (off + sizeof(struct st_addr_hdr) <= r->addrs_len) {
		const struct st_addr_hdr *a = (const void *)&r->addrs[off];

		if (a->kinds & kind) {
			struct sockaddr_storage ss;	/* records pack addresses unaligned */
			size_t len = a->len < sizeof(ss) ? a->len : sizeof(ss);

			memcpy(&ss, a + 1, len);
			return addr_format((const struct sockaddr *)&ss, len, out);
		}
		off += sizeof(*a) + a->len;
	}
	return NULL;
}

int32_t ev_refs(const struct ev *e)
{
	return e->as_listener ? (int32_t)e->r->arg[1] : e->r->refs;
}

const char *severity_name(enum severity s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "info";
}

struct kinode_ent {
	uint64_t key;
	UT_hash_handle hh;
	uint64_t kinode;
};

int model_kinode_add(struct model *m, uint64_t key, uint64_t kinode)
{
	struct kinode_ent *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	e->key = key;
	e->kinode = kinode;
	HASH_ADD(hh, m->kinodes, key, sizeof(e->key), e);
	return 0;
}

uint64_t model_kinode(const struct model *m, uint64_t key)
{
	struct kinode_ent *e;

	HASH_FIND(hh, m->kinodes, &key, sizeof(key), e);
	return e ? e->kinode : 0;
}

/* Is r a socket's first appearance in its process: made, received, inherited or first seen? */
static int is_arrival(const struct trace_rec *r)
{
	return st_op_class(r->op) == ST_CLASS_CREATE || (r->flags & ST_REC_FIRST_SEEN) ||
	       r->op == ST_OP_RECVMSG || r->op == ST_OP_INHERITED || r->op == ST_OP_EXEC_FD;
}

/* The process whose lost history holds c's start (NULL: none). */
static const struct proc *conn_birth_lost_in(const struct model *m, const struct conn *c)
{
	const struct proc *maker = model_key_proc(m, c->inode);
	const struct ev *e = NULL;

	for (size_t k = 0; k < c->nevs && !e; k++)
		if (!c->evs[k].as_listener)
			e = &c->evs[k];
	if (!e)
		return NULL;
	/* Its first event's process, or the image that made it, lost history before that event. */
	if (e->p->tf->lost_last_pos && e->r->t_ns >= e->p->tf->history_from_ns)
		return e->p;
	if (maker && maker->tf->lost_last_pos && e->r->t_ns < maker->tf->history_from_ns)
		return maker;
	return NULL;
}

int conn_birth_lost(const struct model *m, const struct conn *c)
{
	const struct proc *q = conn_birth_lost_in(m, c);

	return q ? q->pid : 0;
}

int conn_timeline_complete(const struct conn *c)
{
	for (size_t k = 0; k < c->nevs; k++) {
		const struct ev *e = &c->evs[k];

		if (e->as_listener)
			continue;
		if (c->made_ns)
			return e->r->t_ns <= c->made_ns;
		/* Not in any state: complete when it starts with its birth, not mid-life. */
		return is_arrival(e->r);
	}
	return 0;
}

uint64_t conn_start_ns(const struct conn *c)
{
	if (c->made_ns)
		return c->made_ns;
	for (size_t k = 0; k < c->nevs; k++)
		if (!c->evs[k].as_listener)
			return c->evs[k].r->t_ns;
	return 0;
}

struct conn *model_conn(const struct model *m, uint64_t inode)
{
	struct conn *c;

	HASH_FIND(hh, m->by_inode, &inode, sizeof(inode), c);
	return c;
}

size_t model_first_at(const struct model *m, uint64_t t)
{
	size_t lo = 0, hi = m->nall;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->all[mid].r->t_ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int model_grow(void **arr, size_t n, size_t *cap, size_t elem)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, *cap * elem);
	if (!p)
		return -1;
	*arr = p;
	return 0;
}

struct conn *model_conn_get(struct model *m, uint64_t inode, int pid, int domain, int type)
{
	struct conn *c;

	HASH_FIND(hh, m->by_inode, &inode, sizeof(inode), c);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c || model_grow((void **)&m->conns, m->nconns, &m->capconns, sizeof(*m->conns)))
		goto oom;
	c->inode = inode;
	c->kinode = model_kinode(m, inode);
	c->pid = pid;
	c->domain = domain;
	c->type = type;
	HASH_ADD(hh, m->by_inode, inode, sizeof(c->inode), c);
	m->conns[m->nconns++] = c;
	return c;
oom:
	free(c);
	return NULL;
}

static struct conn *conn_get(struct model *m, uint64_t inode, const struct ev *e)
{
	return model_conn_get(m, inode, e->p->pid, e->r->domain, e->r->type);
}

void conn_note_fd(struct conn *c, int fd)
{
	if (fd < 0)
		return;
	for (size_t i = 0; i < c->nfds; i++)
		if (c->fds[i] == fd)
			return;
	if (c->nfds < sizeof(c->fds) / sizeof(c->fds[0]))
		c->fds[c->nfds++] = fd;
}

static void learn_addrs(struct conn *c, const struct trace_rec *r);

/* What this event teaches about the connection: role, addresses, fds. */
static void learn(struct conn *c, const struct ev *e)
{
	const struct trace_rec *r = e->r;

	if (!c->domain && r->domain)
		c->domain = r->domain;
	if (!c->type && r->type)
		c->type = r->type;
	/* Born outside the trace only when its first event says so (not an exec'd image's scan). */
	if ((r->flags & ST_REC_FIRST_SEEN) && c->nevs == 1)
		c->first_seen = 1;
	if (e->as_listener)
		return;
	switch (r->op) {
	case ST_OP_SOCKET:
		conn_note_fd(c, (int)r->ret);
		break;
	case ST_OP_SOCKETPAIR:
		if (r->ret == 0) {
			c->role = ROLE_PAIR;
			c->peer_inode = r->inode2;
		}
		break;
	case ST_OP_ACCEPT:
	case ST_OP_ACCEPT4:
		/* Only a successful accept's own copy is about the new socket. */
		conn_note_fd(c, (int)r->ret);
		c->role = ROLE_SERVER;
		learn_addrs(c, r);
		return;
	case ST_OP_LISTEN:
		if (r->ret == 0)
			c->role = ROLE_LISTENER;
		break;
	case ST_OP_INHERITED:
		if (r->arg[0] == 1)
			c->role = ROLE_LISTENER;
		break;
	case ST_OP_CONNECT:
		if (c->role == ROLE_UNCONNECTED)
			c->role = ROLE_CLIENT;
		break;
	case ST_OP_FCNTL:
	case ST_OP_FCNTL64:
		if (r->arg[0] == F_SETFD)
			break;	/* ret is 0, not an fd */
		/* fall through */
	case ST_OP_DUP:
	case ST_OP_DUP2:
	case ST_OP_DUP3:
		if (!(r->flags & ST_REC_IMPLICIT_CLOSE) && r->ret >= 0)
			conn_note_fd(c, (int)r->ret);
		break;
	default:
		break;
	}
	if (r->fd >= 0 && !(r->flags & ST_REC_IMPLICIT_CLOSE))
		conn_note_fd(c, r->fd);
	learn_addrs(c, r);
}

/* The addresses an event reports become the connection's. */
static void learn_addrs(struct conn *c, const struct trace_rec *r)
{
	char buf[ADDR_STR_MAX];
	const char *a;

	if ((a = ev_addr_str(r, ST_ADDR_LOCAL, buf)))
		strcpy(c->local, a);
	if ((a = ev_addr_str(r, ST_ADDR_PEER, buf)))
		strcpy(c->peer, a);
	else if (r->op == ST_OP_CONNECT && !c->peer[0] && (a = ev_addr_str(r, ST_ADDR_ARG, buf)))
		strcpy(c->peer, a);	/* the peer it tried to reach */
}

static int add_ev(struct conn *c, const struct ev *e)
{
	if (model_grow((void **)&c->evs, c->nevs, &c->capevs, sizeof(*c->evs)))
		return -1;
	c->evs[c->nevs++] = *e;
	learn(c, e);
	return 0;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->r->t_ns != y->r->t_ns)
		return x->r->t_ns < y->r->t_ns ? -1 : 1;
	if (x->p->pid != y->p->pid)
		return x->p->pid < y->p->pid ? -1 : 1;
	if (x->r->pos != y->r->pos)
		return x->r->pos < y->r->pos ? -1 : 1;
	/* The state applies before the end it is the state of. */
	return (y->r->op == VIEW_OP_STATE) - (x->r->op == VIEW_OP_STATE);
}

static int is_failure(const struct trace_rec *r)
{
	if (r->op >= 100)
		return 0;	/* synthetic: no call failed */
	switch (r->op) {
	case ST_OP_TRACE_START: case ST_OP_FORK_CHILD: case ST_OP_MISSED_CLOSE:
	case ST_OP_EXIT: case ST_OP__EXIT:
		return 0;
	default:
		return r->ret < 0;
	}
}

/* Route one record to its connection(s), or to its process. */
static int place(struct model *m, struct ev *e)
{
	const struct trace_rec *r = e->r;
	int accept = r->op == ST_OP_ACCEPT || r->op == ST_OP_ACCEPT4;
	struct conn *c;

	if (r->op == VIEW_OP_STATE)
		return refs_state(m, e);
	if (r->op == VIEW_OP_STATE_OPEN)
		return refs_state_open(m, e);
	if (is_failure(r) && record_would_block(r))
		m->would_block++;
	else if (is_failure(r))
		m->failed_calls++;
	c = r->inode ? conn_get(m, r->inode, e) : NULL;
	if ((r->inode && !c) || refs_apply(m, e, c))
		return -1;
	if (!r->inode) {
		if (model_grow((void **)&e->p->evs, e->p->nevs, &e->p->capevs, sizeof(*e->p->evs)))
			return -1;
		e->p->evs[e->p->nevs++] = e;
		return 0;
	}
	if (accept && r->ret < 0) {
		/* A failed accept is the listener's own event (inode is the listener). */
		e->as_listener = 1;
	} else if (accept && r->inode2) {
		/* Shown on the listener's timeline too. */
		struct ev le = *e;

		struct conn *l;

		le.as_listener = 1;
		le.released = -1;
		l = conn_get(m, r->inode2, &le);
		if (!l)
			return -1;
		le.refs_total = l->live + l->in_flight;
		le.refs_elsewhere = refs_elsewhere(l, r->pid, ev_refs(&le));
		if (add_ev(l, &le))
			return -1;
	}
	if (add_ev(c, e))
		return -1;
	return 0;
}

/* When the reference of fd entry d began, as the state says; 0 when not known. */
static uint64_t state_ref_start(const struct trace_file *tf, const struct vfd *d)
{
	const struct st_sock *s = &tf->socks[d->slot].s;

	return s->forks ? tf->hdr.image_start_ns : s->made_ns;
}

/*
 * A VIEW_OP_STATE_OPEN record (trace_read.h) for each reference a file's
 * state holds whose beginning is in the history that file lost.
 */
static int state_opens(struct model *m, struct trace_file **files, size_t nfiles)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nfiles; i++) {
			const struct trace_file *tf = files[i];

			for (size_t j = 0; tf->lost_last_pos && j < tf->nfds; j++) {
				uint64_t t = state_ref_start(tf, &tf->fds[j]);
				struct trace_rec *r;

				if (!t || t >= tf->history_from_ns)
					continue;
				if (pass == 0) {
					n++;
					continue;
				}
				r = &m->syn[m->nsyn];
				r->op = VIEW_OP_STATE_OPEN;
				r->pid = r->tid = tf->hdr.pid;
				r->t_ns = t;
				r->fd = tf->fds[j].fd;
				r->fd2 = (int)j;
				m->syn_proc[m->nsyn++] = i;
			}
		}
		if (pass == 0) {
			m->syn = calloc(n ? n : 1, sizeof(*m->syn));
			m->syn_proc = calloc(n ? n : 1, sizeof(*m->syn_proc));
			if (!m->syn || !m->syn_proc)
				return -1;
		}
	}
	return 0;
}

int model_build(struct model *m, struct trace_file **files, size_t nfiles,
		const struct run_reap *reaps, size_t nreaps)
{
	struct ev *all = NULL;
	size_t n = 0, k = 0, next_reap = 0;

	memset(m, 0, sizeof(*m));
	m->procs = calloc(nfiles ? nfiles : 1, sizeof(*m->procs));
	m->stacks = stacks_new();
	if (!m->procs || !m->stacks)
		return -1;
	for (size_t i = 0; i < nfiles; i++) {
		struct proc *p = &m->procs[i];

		p->tf = files[i];
		p->pid = files[i]->hdr.pid;
		p->ppid = files[i]->hdr.ppid;
		p->exited = files[i]->hdr.state == ST_STATE_EXITED;
		p->lost = files[i]->overwritten + files[i]->torn + files[i]->corrupt;
		m->lost += p->lost;
		n += files[i]->nrecs;
	}
	m->nprocs = nfiles;
	if (state_opens(m, files, nfiles))
		return -1;
	/* Process events point into all[]: it lives as long as the model. */
	all = m->all = calloc(n + m->nsyn ? n + m->nsyn : 1, sizeof(*all));
	if (!all)
		return -1;
	for (size_t i = 0; i < nfiles; i++)
		for (size_t j = 0; j < files[i]->nrecs; j++) {
			all[k].r = &files[i]->recs[j];
			all[k].p = &m->procs[i];
			k++;
		}
	for (size_t i = 0; i < m->nsyn; i++) {
		all[k].r = &m->syn[i];
		all[k].p = &m->procs[m->syn_proc[i]];
		k++;
	}
	n += m->nsyn;
	m->nall = n;
	qsort(all, n, sizeof(*all), cmp_ev);
	/* The trace's first event: its first record, or a file's making when records before were lost. */
	m->t0 = n ? all[0].r->t_ns : 0;
	for (size_t i = 0; i < nfiles; i++)
		if (files[i]->lost_last_pos && files[i]->hdr.mono_anchor_ns &&
		    (!m->t0 || files[i]->hdr.mono_anchor_ns < m->t0))
			m->t0 = files[i]->hdr.mono_anchor_ns;
	m->t0_wall_ns = tf_wall_of_t0(m);
	refs_link_images(m);
	if (model_keys(m))
		return -1;
	for (size_t i = 0; i <= n; i++) {
		/* socktrace run's reaps (in time order) go where a traced parent's wait would. */
		while (next_reap < nreaps && (i == n || reaps[next_reap].t_ns < all[i].r->t_ns)) {
			m->run_end_ns = reaps[next_reap].t_ns;
			refs_reaped_by_run(m, &reaps[next_reap++]);
		}
		if (i < n && place(m, &all[i]))
			return -1;
	}
	if (refs_finish(m) || history_counts(m, &m->sockets_total, &m->sockets_with_timeline))
		return -1;
	/* Nothing kept says what it was: say so rather than "unconnected". */
	for (size_t i = 0; i < m->nconns; i++)
		if (m->conns[i]->role == ROLE_UNCONNECTED && !m->conns[i]->in_state &&
		    !conn_timeline_complete(m->conns[i]))
			m->conns[i]->role = ROLE_UNKNOWN;
	conn_fates_count(m);
	conn_data(m);
	leak_rule_apply(m);
	return 0;
}

void model_free(struct model *m)
{
	struct conn *c, *ct;
	struct ref *x, *xt;

	/* References are owned by their connection: unlink them while both live. */
	for (size_t i = 0; i < m->nprocs; i++)
		HASH_ITER(hh, m->procs[i].fds, x, xt)
			HASH_DEL(m->procs[i].fds, x);
	HASH_ITER(hh, m->by_inode, c, ct) {
		HASH_DEL(m->by_inode, c);
		for (size_t k = 0; k < c->nevs; k++)
			free(c->evs[k].held_by);
		for (size_t k = 0; k < c->nrefs; k++)
			free(c->refs[k]);
		free(c->refs);
		free(c->evs);
		free(c);
	}
	{
		struct kinode_ent *k, *kt;

		HASH_ITER(hh, m->kinodes, k, kt) {
			HASH_DEL(m->kinodes, k);
			free(k);
		}
	}
	stacks_free(m->stacks);
	free(m->flights);
	for (size_t i = 0; i < m->nfindings; i++)
		free(m->findings[i].message);
	free(m->findings);
	for (size_t i = 0; i < m->nprocs; i++) {
		free(m->procs[i].reap_end);
		free(m->procs[i].evs);
		trace_free(m->procs[i].tf);
	}
	free(m->procs);
	free(m->conns);
	free(m->all);
	free(m->syn);
	free(m->syn_proc);
}

/*
 * model.c - the store: connections by key, processes, their lookups and
 * allocation, and freeing it all.  What fills it is the replay's
 * (replay.h); this file decides nothing.
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

/* c's first event of its own (not as a listener's accept), or NULL. */
static const struct ev *first_own_ev(const struct conn *c)
{
	for (size_t k = 0; k < c->nevs; k++)
		if (!c->evs[k].as_listener)
			return &c->evs[k];
	return NULL;
}

uint64_t conn_start_ns(const struct conn *c)
{
	const struct ev *e = first_own_ev(c);

	/* The state's birth is where the holder it kept got it: a received socket's is its recvmsg. */
	if (e && (!c->made_ns || e->r->t_ns < c->made_ns))
		return e->r->t_ns;
	return c->made_ns;
}

uint64_t conn_made_ns(const struct conn *c)
{
	const struct ev *e = first_own_ev(c);

	if (e && record_is_birth(e->r) && (!c->made_ns || e->r->t_ns < c->made_ns))
		return e->r->t_ns;
	return c->made_ns;
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

/*
 * keys.c - which socket each record and slot names: the connection keys.
 *
 * The shim names a socket by its sid: the tag of the image that made it
 * and a serial.  A fork child keeps its parent's sids, so a sid's tag is
 * looked up from the image itself up through its fork parents; a socket
 * that reaches another image by exec or SCM_RIGHTS gets a new sid there,
 * and the two are joined by the kernel inode both sides recorded.  The
 * key of a connection is the sid of its birth (socket, accept, socketpair)
 * when the files hold it, so that its name is its maker's whatever order
 * the files load in; else the smallest (image, serial) of its sids.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "model.h"

struct keynode {
	uint64_t key;		/* hash key */
	UT_hash_handle hh;
	struct keynode *parent;	/* union-find */
	uint64_t kinode;	/* the kernel's inode, when some record or slot said */
	int born;		/* a record or slot says the socket was made under this key */
};

struct inode_first {
	uint64_t kinode;
	UT_hash_handle hh;
	struct keynode *node;
};

struct keys {
	struct keynode *nodes;
	struct inode_first *inodes;
};

/* The fork parent of p: the image of its ppid that was running when p began. */
static struct proc *fork_parent(struct model *m, const struct proc *p)
{
	const struct st_file_header *h = &p->tf->hdr;
	struct proc *best = NULL;

	if (h->origin != ST_ORIGIN_FORK)
		return NULL;
	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *q = &m->procs[i];
		const struct st_file_header *qh = &q->tf->hdr;

		if (q == p || qh->pid != h->ppid || qh->mono_anchor_ns > h->image_start_ns ||
		    (qh->end_mono_ns && qh->end_mono_ns < h->image_start_ns))
			continue;
		if (!best || qh->mono_anchor_ns > best->tf->hdr.mono_anchor_ns)
			best = q;
	}
	return best;
}

/* The image that made sid, seen from p: p, a fork ancestor, or the one image with that tag. */
static struct proc *creator(struct model *m, struct proc *p, uint64_t sid)
{
	uint32_t tag = (uint32_t)(sid >> 32);
	struct proc *q = p, *only = NULL;
	int depth = 0;

	while (q && depth++ < 256) {
		if (q->tf->hdr.tag == tag)
			return q;
		q = q->fork_parent;
	}
	for (size_t i = 0; i < m->nprocs; i++) {
		if (m->procs[i].tf->hdr.tag != tag)
			continue;
		if (only)
			return p;	/* two images share the tag and neither is p's: p's own name */
		only = &m->procs[i];
	}
	return only ? only : p;
}

static uint64_t raw_key(struct model *m, struct proc *p, uint64_t sid)
{
	struct proc *c;

	if (!sid)
		return 0;
	c = creator(m, p, sid);
	return (uint64_t)(c - m->procs + 1) << 32 | (uint32_t)sid;
}

static struct keynode *node(struct model *m, struct keys *k, uint64_t key)
{
	struct keynode *n;

	HASH_FIND(hh, k->nodes, &key, sizeof(key), n);
	if (n)
		return n;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	/* One more of its image's sids the files name somewhere. */
	if ((key >> 32) >= 1 && (key >> 32) <= m->nprocs)
		m->procs[(key >> 32) - 1].sids_seen++;
	n->key = key;
	n->parent = n;
	HASH_ADD(hh, k->nodes, key, sizeof(n->key), n);
	return n;
}

static struct keynode *root(struct keynode *n)
{
	while (n->parent != n) {
		n->parent = n->parent->parent;
		n = n->parent;
	}
	return n;
}

/* The socket of key has kernel inode kinode: join it to every other key with that inode. */
static int learn(struct model *m, struct keys *k, uint64_t key, uint64_t kinode)
{
	struct keynode *n = node(m, k, key), *a, *b;
	struct inode_first *f;

	if (!n)
		return -1;
	if (!kinode)
		return 0;
	HASH_FIND(hh, k->inodes, &kinode, sizeof(kinode), f);
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f)
			return -1;
		f->kinode = kinode;
		f->node = n;
		HASH_ADD(hh, k->inodes, kinode, sizeof(f->kinode), f);
	}
	a = root(n);
	b = root(f->node);
	/* The smaller key leads for now (model_keys gives the lead to a birth after). */
	if (a != b) {
		if (a->key < b->key)
			b->parent = a;
		else
			a->parent = b;
	}
	root(n)->kinode = kinode;
	return 0;
}

/* The socket of key was made under it (a creating record or slot says so). */
static int learn_born(struct model *m, struct keys *k, uint64_t key)
{
	struct keynode *n = key ? node(m, k, key) : NULL;

	if (key && !n)
		return -1;
	if (n)
		n->born = 1;
	return 0;
}

/*
 * Make n the root of its set when it is a birth and the root is not (or
 * is a birth with a larger key): the set's name is then its smallest birth
 * key, whichever order the nodes are visited in.
 */
static void lead_born(struct keynode *n)
{
	struct keynode *r = root(n);

	if (!n->born || r == n || (r->born && r->key < n->key))
		return;
	n->parent = n;
	r->parent = n;
	if (!n->kinode)
		n->kinode = r->kinode;
}

static uint64_t canon(struct keys *k, uint64_t key)
{
	struct keynode *n;

	if (!key)
		return 0;
	HASH_FIND(hh, k->nodes, &key, sizeof(key), n);
	return n ? root(n)->key : key;
}

int model_keys(struct model *m)
{
	struct keys k = { 0 };
	struct keynode *n, *nt;
	struct inode_first *f, *ft;
	int rc = -1;

	for (size_t i = 0; i < m->nprocs; i++)
		m->procs[i].fork_parent = fork_parent(m, &m->procs[i]);
	/* Pass 1: every (key, inode) the files say. */
	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *p = &m->procs[i];
		struct trace_file *tf = p->tf;

		for (size_t j = 0; j < tf->nrecs; j++) {
			struct trace_rec *r = &tf->recs[j];

			r->inode = raw_key(m, p, r->sid);
			r->inode2 = raw_key(m, p, r->sid2);
			if (r->inode && learn(m, &k, r->inode, r->kinode))
				goto out;
			if (r->inode2 && learn(m, &k, r->inode2, 0))
				goto out;
			if (record_is_birth(r) &&
			    (learn_born(m, &k, r->inode) ||
			     (r->op == ST_OP_SOCKETPAIR && learn_born(m, &k, r->inode2))))
				goto out;
		}
		for (size_t j = 0; j < tf->nsocks; j++) {
			struct vsock *s = &tf->socks[j];

			s->key = raw_key(m, p, s->s.sid);
			if (learn(m, &k, s->key, s->s.inode) || (s->s.sid2 && learn(m, &k, raw_key(m, p, s->s.sid2), 0)))
				goto out;
			if (st_op_class(s->s.made_by) == ST_CLASS_CREATE && !(s->s.flags & ST_SK_FIRST_SEEN) &&
			    learn_born(m, &k, s->key))
				goto out;
		}
	}
	HASH_ITER(hh, k.nodes, n, nt)
		lead_born(n);
	/* Pass 2: every key as its connection's. */
	for (size_t i = 0; i < m->nprocs; i++) {
		struct trace_file *tf = m->procs[i].tf;

		for (size_t j = 0; j < tf->nrecs; j++) {
			tf->recs[j].inode = canon(&k, tf->recs[j].inode);
			tf->recs[j].inode2 = canon(&k, tf->recs[j].inode2);
		}
		for (size_t j = 0; j < tf->nsocks; j++) {
			tf->socks[j].key = canon(&k, tf->socks[j].key);
			tf->socks[j].key2 = canon(&k, raw_key(m, &m->procs[i], tf->socks[j].s.sid2));
		}
	}
	/* The kernel inodes, per connection key, for the report. */
	HASH_ITER(hh, k.nodes, n, nt) {
		struct keynode *r = root(n);

		if (r == n && r->kinode && model_kinode_add(m, r->key, r->kinode))
			goto out;
	}
	rc = 0;
out:
	HASH_ITER(hh, k.nodes, n, nt) {
		HASH_DEL(k.nodes, n);
		free(n);
	}
	HASH_ITER(hh, k.inodes, f, ft) {
		HASH_DEL(k.inodes, f);
		free(f);
	}
	return rc;
}

const struct proc *model_key_proc(const struct model *m, uint64_t key)
{
	size_t i = (size_t)(key >> 32);

	return key && i >= 1 && i <= m->nprocs ? &m->procs[i - 1] : NULL;
}

const char *model_key_name(const struct model *m, uint64_t key, char *out, size_t n)
{
	size_t i = (size_t)(key >> 32);
	const struct proc *p;
	int gen = 0;

	if (!key || i == 0 || i > m->nprocs) {
		snprintf(out, n, "?");
		return out;
	}
	p = &m->procs[i - 1];
	/* An exec'd image shares its pid with the image before it: count them. */
	for (const struct proc *q = p->exec_prev; q && gen < 1000; q = q->exec_prev)
		gen++;
	if (gen)
		snprintf(out, n, "%d/%d:%u", p->pid, gen, (unsigned)(uint32_t)key);
	else
		snprintf(out, n, "%d:%u", p->pid, (unsigned)(uint32_t)key);
	return out;
}

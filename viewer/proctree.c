/*
 * proctree.c - ordering processes as the user started them.
 *
 * A process's start is its file's clock anchor (taken as the image began).
 * The image that forked a child is the latest image of the child's parent
 * pid that started before it: the parent may exec later, and its new image
 * did not fork the child.
 */
#define _GNU_SOURCE
#include "proctree.h"

#include <stdlib.h>
#include <string.h>

/* Deeper than this, children are listed as roots (a fork chain, or corrupt input). */
#define TREE_DEPTH_MAX	1024

struct build {
	const struct model *m;
	struct proc_tree *t;
	size_t *kids;		/* children of each process, grouped by parent, by start */
	size_t *kid_start;	/* kids[kid_start[i] .. kid_start[i + 1]) are i's children */
	size_t *parent;		/* index of the forking image, or SIZE_MAX */
	char *seen;
};

static uint64_t start_of(const struct proc *p)
{
	return p->tf->hdr.mono_anchor_ns;
}

/* By start, then pid, then file name: the same order every time. */
static int earlier(const struct proc *a, const struct proc *b)
{
	if (start_of(a) != start_of(b))
		return start_of(a) < start_of(b);
	if (a->pid != b->pid)
		return a->pid < b->pid;
	return strcmp(a->tf->name, b->tf->name) < 0;
}

static int cmp_start(const void *x, const void *y, void *model)
{
	const struct model *m = model;
	const struct proc *a = &m->procs[*(const size_t *)x];
	const struct proc *b = &m->procs[*(const size_t *)y];

	return earlier(a, b) ? -1 : earlier(b, a) ? 1 : 0;
}

/* The image that forked (or spawned) p: latest of pid p->ppid started before p; SIZE_MAX if none. */
static size_t forker(const struct model *m, const struct proc *p)
{
	size_t best = SIZE_MAX;

	if (p->exec_prev)
		return SIZE_MAX;	/* it follows the image it replaced */
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *q = &m->procs[i];

		if (q == p || q->pid != p->ppid || !earlier(q, p))
			continue;
		if (best == SIZE_MAX || earlier(&m->procs[best], q))
			best = i;
	}
	return best;
}

static void emit(struct build *b, size_t i, int depth)
{
	struct proc_tree *t = b->t;

	for (const struct proc *q = &b->m->procs[i]; q; q = q->exec_next) {
		size_t k = (size_t)(q - b->m->procs);

		if (b->seen[k])
			return;
		b->seen[k] = 1;
		t->order[t->n] = q;
		t->depth[t->n] = depth;
		t->parent[t->n] = b->parent[k] == SIZE_MAX ? NULL : &b->m->procs[b->parent[k]];
		t->n++;
		if (depth >= TREE_DEPTH_MAX)
			continue;
		for (size_t c = b->kid_start[k]; c < b->kid_start[k + 1]; c++)
			emit(b, b->kids[c], depth + 1);
	}
}

int proc_tree_build(const struct model *m, struct proc_tree *t)
{
	size_t n = m->nprocs, *by_start = calloc(n + 1, sizeof(size_t));
	struct build b = { m, t, calloc(n + 1, sizeof(size_t)), calloc(n + 2, sizeof(size_t)),
			   calloc(n + 1, sizeof(size_t)), calloc(n + 1, 1) };

	memset(t, 0, sizeof(*t));
	t->order = calloc(n + 1, sizeof(*t->order));
	t->depth = calloc(n + 1, sizeof(*t->depth));
	t->parent = calloc(n + 1, sizeof(*t->parent));
	if (!by_start || !b.kids || !b.kid_start || !b.parent || !b.seen || !t->order || !t->depth ||
	    !t->parent) {
		proc_tree_free(t);
		free(by_start), free(b.kids), free(b.kid_start), free(b.parent), free(b.seen);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		by_start[i] = i;
		b.parent[i] = forker(m, &m->procs[i]);
	}
	qsort_r(by_start, n, sizeof(*by_start), cmp_start, (void *)m);
	/* Children grouped by parent, each group in start order: a counting sort. */
	for (size_t i = 0; i < n; i++)
		if (b.parent[i] != SIZE_MAX)
			b.kid_start[b.parent[i] + 2]++;
	for (size_t i = 2; i < n + 2; i++)
		b.kid_start[i] += b.kid_start[i - 1];
	for (size_t k = 0; k < n; k++) {
		size_t i = by_start[k];

		if (b.parent[i] != SIZE_MAX)
			b.kids[b.kid_start[b.parent[i] + 1]++] = i;
	}
	/* Roots first in start order; then whatever a loop in corrupt input left out. */
	for (size_t k = 0; k < n; k++)
		if (b.parent[by_start[k]] == SIZE_MAX && !m->procs[by_start[k]].exec_prev)
			emit(&b, by_start[k], 0);
	for (size_t k = 0; k < n; k++)
		if (!b.seen[by_start[k]])
			emit(&b, by_start[k], 0);
	free(by_start), free(b.kids), free(b.kid_start), free(b.parent), free(b.seen);
	return 0;
}

void proc_tree_free(struct proc_tree *t)
{
	free(t->order);
	free(t->depth);
	free(t->parent);
	memset(t, 0, sizeof(*t));
}

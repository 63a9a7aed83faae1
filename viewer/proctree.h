/*
 * proctree.h - the processes of a trace as a tree: by start time, each
 * child under the image that forked it (or spawned it: a root image whose
 * parent pid is traced), each exec'd image right after the image it
 * replaced, at the same depth.
 */
#ifndef SOCKTRACE_PROCTREE_H
#define SOCKTRACE_PROCTREE_H

#include <stddef.h>

#include "model.h"

struct proc_tree {
	const struct proc **order;	/* every process once, parents before children */
	int *depth;			/* 0 for a root */
	const struct proc **parent;	/* the image that forked it; NULL for a root or an exec'd image */
	size_t n;
};

/*
 * The tree of m's processes into t.  Corrupt input (a parent loop) cannot
 * lose a process: any left over is listed as a root.  Returns 0, or -1
 * when out of memory (t is then empty).
 */
int proc_tree_build(const struct model *m, struct proc_tree *t);

void proc_tree_free(struct proc_tree *t);

#endif

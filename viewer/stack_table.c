/*
 * stack_table.c - reading the stack table and module map of a trace file.
 *
 * The sections were copied by trace_read.c within the file's bounds, but
 * what they say about themselves (depth, entry size, used counts, each
 * entry's depth) is the writer's word: checked here before any index.
 */
#define _GNU_SOURCE
#include "stack_table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_LIMIT	1024u	/* far above the shim's 64: a bigger one is corrupt */

/* Say why (printf-style) in st->note, keeping the first reason. */
__attribute__((format(printf, 2, 3)))
static void note(struct stack_table *st, const char *fmt, ...)
{
	va_list ap;

	if (st->note[0])
		return;
	va_start(ap, fmt);
	vsnprintf(st->note, sizeof(st->note), fmt, ap);
	va_end(ap);
}

static void open_stacks(struct stack_table *st, const struct trace_file *tf)
{
	/* A stack table or module map trace_read.c refused (the module map's case still has stacks). */
	if (tf->note[0])
		note(st, "%s", tf->note);
	if (!tf->stacks)
		return;
	if (tf->hdr.stack_depth == 0 || tf->hdr.stack_depth > DEPTH_LIMIT ||
	    tf->stack_entry_size < sizeof(struct st_stack) + (uint64_t)tf->hdr.stack_depth * sizeof(uint64_t)) {
		note(st, "stack table corrupt (depth %u, entry size %u): stacks ignored",
		     tf->hdr.stack_depth, tf->stack_entry_size);
		return;
	}
	/* Frames that no module names cannot be shown: the stacks are as good as lost. */
	st->modules_bad = tf->modules_bad;
	st->stacks = tf->stacks;
	st->count = tf->nstacks;
	st->entry_size = tf->stack_entry_size;
	st->depth = tf->hdr.stack_depth;
	st->dropped = tf->hdr.totals.stacks_dropped;
	st->skipped = tf->hdr.totals.stacks_skipped;
}

static int open_modules(struct stack_table *st, const struct trace_file *tf)
{
	const struct st_module *e = tf->modules;
	uint64_t n = tf->nmodules;

	st->mods = calloc(n ? n : 1, sizeof(*st->mods));
	if (!st->mods)
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		struct vmodule *m = &st->mods[st->nmods];

		if (e[i].state != ST_MODULE_READY || e[i].lo >= e[i].hi)
			continue;
		m->bias = e[i].bias;
		m->lo = e[i].lo;
		m->hi = e[i].hi;
		m->t_load_ns = e[i].t_load_ns;
		m->t_unload_ns = e[i].t_unload_ns;
		m->build_id_len = e[i].build_id_len <= ST_BUILD_ID_MAX ? e[i].build_id_len : 0;
		memcpy(m->build_id, e[i].build_id, m->build_id_len);
		m->is_exe = e[i].is_exe;
		memcpy(m->path, e[i].path, sizeof(m->path));
		m->path[sizeof(m->path) - 1] = 0;
		st->nmods++;
	}
	return 0;
}

int stack_table_open(struct stack_table *st, const struct trace_file *tf)
{
	memset(st, 0, sizeof(*st));
	st->tf = tf;
	open_stacks(st, tf);
	return open_modules(st, tf);
}

void stack_table_close(struct stack_table *st)
{
	free(st->mods);
	st->mods = NULL;
	st->nmods = 0;
}

int stack_table_get(const struct stack_table *st, uint32_t id, struct raw_stack *out,
		    const char **why)
{
	const struct st_stack *e;

	if (!st->stacks || st->modules_bad) {
		*why = st->note[0] ? st->note : "no stack table in this trace";
		return -1;
	}
	if (id == 0 || id > st->count) {
		*why = "stack id outside the stack table (corrupt record)";
		return -1;
	}
	e = (const struct st_stack *)(st->stacks + (uint64_t)(id - 1) * st->entry_size);
	if (e->state != ST_STACK_READY) {
		*why = "stack not complete (the process died while storing it)";
		return -1;
	}
	if (e->depth == 0 || e->depth > st->depth) {
		*why = "stack entry corrupt (impossible depth)";
		return -1;
	}
	out->ips = e->ips;
	out->depth = e->depth;
	out->truncated = e->truncated != 0;
	out->t_ns = e->t_ns;
	return 0;
}

const struct vmodule *stack_table_module(const struct stack_table *st, uint64_t ip, uint64_t t)
{
	const struct vmodule *before = NULL, *after = NULL;

	for (size_t i = 0; i < st->nmods; i++) {
		const struct vmodule *m = &st->mods[i];

		if (ip < m->lo || ip >= m->hi)
			continue;
		if (m->t_load_ns <= t) {
			if ((!m->t_unload_ns || m->t_unload_ns > t) &&
			    (!before || m->t_load_ns >= before->t_load_ns))
				before = m;
		} else if (!after || m->t_load_ns < after->t_load_ns) {
			after = m;
		}
	}
	return before ? before : after;
}

void stack_table_why_none(const struct stack_table *st, unsigned op, char *out, size_t n)
{
	const struct st_file_header *h = &st->tf->hdr;
	int drop = op == ST_OP_CLOSE || op == ST_OP_SHUTDOWN || op == ST_OP_CLOSE_RANGE ||
		   op == ST_OP_CLOSEFROM || op == ST_OP_FCLOSE || op == ST_OP_FCLOSEALL;

	if (!(h->opts & ST_OPT_STACKS_CREATE))
		snprintf(out, n, "stacks were off (SOCKTRACE_STACKS=0, or libunwind missing: see the shim's log)");
	else if (drop && !(h->opts & ST_OPT_STACKS_ALL))
		snprintf(out, n, "close and shutdown stacks not recorded (SOCKTRACE_STACKS=create)");
	else if (st->note[0])
		snprintf(out, n, "%s", st->note);
	else
		snprintf(out, n, "not captured: before the shim's constructor, from a signal handler "
			 "that interrupted a capture, or the table full (%llu dropped, %llu skipped)",
			 (unsigned long long)st->dropped, (unsigned long long)st->skipped);
}

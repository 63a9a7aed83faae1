/*
 * callstack.c - resolving stack ids, once each per trace file.
 *
 * Every recorded ip is a return address, symbolised at ip - 1 (its call),
 * except the one below a signal trampoline: there the kernel saved the
 * interrupted instruction itself.
 */
#define _GNU_SOURCE
#include "callstack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "stack_table.h"

struct resolved {
	uint32_t id;		/* key */
	UT_hash_handle hh;
	struct callstack cs;
	char *why;		/* set instead of cs when the id names no usable stack */
};

struct per_file {
	const struct trace_file *tf;	/* key */
	UT_hash_handle hh;
	struct stack_table st;
	struct resolved *by_id;
};

struct stacks {
	struct symbolizer *sym;
	struct per_file *files;
};

static const struct sym_src sigframe = { "<signal handler called>", NULL, 0, 0 };

struct stacks *stacks_new(void)
{
	struct stacks *s = calloc(1, sizeof(*s));

	if (s && !(s->sym = sym_new())) {
		free(s);
		return NULL;
	}
	return s;
}

void stacks_free(struct stacks *s)
{
	struct per_file *f, *ft;
	struct resolved *r, *rt;

	if (!s)
		return;
	HASH_ITER(hh, s->files, f, ft) {
		HASH_DEL(s->files, f);
		HASH_ITER(hh, f->by_id, r, rt) {
			HASH_DEL(f->by_id, r);
			free(r->cs.frames);
			free((char *)r->cs.key);
			free(r->why);
			free(r);
		}
		stack_table_close(&f->st);
		free(f);
	}
	sym_free(s->sym);
	free(s);
}

static struct per_file *per_file(struct stacks *s, const struct trace_file *tf)
{
	struct per_file *f;

	HASH_FIND_PTR(s->files, &tf, f);
	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f || stack_table_open(&f->st, tf)) {
		free(f);
		return NULL;
	}
	f->tf = tf;
	HASH_ADD_PTR(s->files, tf, f);
	return f;
}

/* Symbolise frame fr at ip (exact: not a return address); 1 when it is a signal trampoline. */
static int resolve_frame(struct stacks *s, const struct stack_table *st, struct frame *fr,
			 uint64_t ip, uint64_t t, int exact)
{
	const struct vmodule *m = stack_table_module(st, ip, t);
	struct sym_file *f;

	fr->ip = ip;
	if (!m) {
		fr->why = st->note[0] ? st->note : "no recorded module holds this address";
		return 0;
	}
	fr->module = m->path;
	fr->offset = ip - m->bias;
	f = sym_file(s->sym, m->path, m->build_id, m->build_id_len);
	if (!f) {
		fr->why = "out of memory";
		return 0;
	}
	if (!exact && sym_is_sigreturn(f, fr->offset)) {
		fr->src = &sigframe;
		fr->nsrc = 1;
		return 1;
	}
	fr->src = sym_lookup(f, fr->offset, exact, &fr->nsrc, &fr->why);
	return 0;
}

/* The grouping key: each frame's source frames, or its module and offset. */
static char *make_key(const struct callstack *cs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < cs->n; i++) {
		const struct frame *fr = &cs->frames[i];

		if (!fr->nsrc)
			fprintf(f, "%s+%llx;", fr->module ? fr->module : "?",
				(unsigned long long)(fr->module ? fr->offset : fr->ip));
		for (size_t k = 0; k < fr->nsrc; k++)
			fprintf(f, "%s|%s|%d;", fr->src[k].function ? fr->src[k].function : "?",
				fr->src[k].file ? fr->src[k].file : "?", fr->src[k].line);
	}
	fprintf(f, "%s", cs->truncated ? "..." : "");
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Fill r for its id (not 0) in f: frames, or why not. */
static int resolve(struct stacks *s, struct per_file *f, struct resolved *r)
{
	struct raw_stack raw;
	const char *why;
	char buf[256];
	int exact = 0;

	if (stack_table_get(&f->st, r->id, &raw, &why)) {
		snprintf(buf, sizeof(buf), "stack %u: %s", r->id, why);
		return (r->why = strdup(buf)) ? 0 : -1;
	}
	r->cs.frames = calloc(raw.depth, sizeof(*r->cs.frames));
	if (!r->cs.frames)
		return -1;
	r->cs.n = raw.depth;
	r->cs.truncated = raw.truncated;
	for (unsigned i = 0; i < raw.depth; i++)
		exact = resolve_frame(s, &f->st, &r->cs.frames[i], raw.ips[i], raw.t_ns, exact);
	r->cs.key = make_key(&r->cs);
	return r->cs.key ? 0 : -1;
}

const struct callstack *stacks_get(struct stacks *s, const struct trace_file *tf, uint32_t id,
				   unsigned op, char *why, size_t n)
{
	struct per_file *f = per_file(s, tf);
	struct resolved *r;

	snprintf(why, n, "out of memory");
	if (!f)
		return NULL;
	/* Id 0's reason depends on the op: looked up each time, never cached. */
	if (id == 0) {
		stack_table_why_none(&f->st, op, why, n);
		return NULL;
	}
	HASH_FIND(hh, f->by_id, &id, sizeof(id), r);
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		r->id = id;
		if (resolve(s, f, r)) {
			free(r->cs.frames);
			free(r);
			return NULL;
		}
		HASH_ADD(hh, f->by_id, id, sizeof(r->id), r);
	}
	if (r->why) {
		snprintf(why, n, "%s", r->why);
		return NULL;
	}
	return &r->cs;
}

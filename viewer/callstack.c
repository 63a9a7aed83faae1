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
#include <time.h>
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
	struct sym_file **files;	/* per module of st, opened on first use */
	struct resolved *by_id;
};

struct stacks {
	struct symbolizer *sym;
	struct per_file *files;
	uint64_t resolved, frames;	/* stacks and frames symbolised, for the stats */
	uint64_t ns;			/* time spent doing it */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct stacks *stacks_new(void)
{
	struct stacks *s = calloc(1, sizeof(*s));

	if (s && !(s->sym = sym_new())) {
		free(s);
		return NULL;
	}
	return s;
}

static void per_file_free(struct per_file *f);

void stacks_free(struct stacks *s)
{
	struct per_file *f, *ft;

	if (!s)
		return;
	/* SOCKTRACE_VIEWER_STATS: the symbolisation cost alone, apart from writing (bench/symbolize.sh). */
	if (getenv("SOCKTRACE_VIEWER_STATS"))
		fprintf(stderr, "socktrace: symbolised %llu distinct stacks (%llu frames) in %.3f s\n",
			(unsigned long long)s->resolved, (unsigned long long)s->frames, (double)s->ns / 1e9);
	HASH_ITER(hh, s->files, f, ft) {
		HASH_DEL(s->files, f);
		per_file_free(f);
	}
	sym_free(s->sym);
	free(s);
}

/* Free f's resolved stacks and table (f already out of the hash). */
static void per_file_free(struct per_file *f)
{
	struct resolved *r, *rt;

	HASH_ITER(hh, f->by_id, r, rt) {
		HASH_DEL(f->by_id, r);
		free(r->cs.frames);
		free(r->why);
		free(r);
	}
	stack_table_close(&f->st);
	free(f->files);
	free(f);
}

void stacks_forget(struct stacks *s, const struct trace_file *tf)
{
	struct per_file *f;

	if (!s)
		return;
	HASH_FIND_PTR(s->files, &tf, f);
	if (!f)
		return;
	HASH_DEL(s->files, f);
	per_file_free(f);
}

char *callstack_key(const struct callstack *cs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!cs)
		return strdup("");
	if (!(f = open_memstream(&buf, &len)))
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
	fputs(cs->truncated ? "..." : "", f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct callstack *callstack_copy(const struct callstack *cs)
{
	struct callstack *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->truncated = cs->truncated;
	c->frames = calloc(cs->n ? cs->n : 1, sizeof(*c->frames));
	if (!c->frames)
		goto fail;
	for (size_t i = 0; i < cs->n; i++) {
		struct frame *d = &c->frames[c->n++];

		*d = cs->frames[i];
		d->module = NULL;
		d->why = NULL;
		if ((cs->frames[i].module && !(d->module = strdup(cs->frames[i].module))) ||
		    (cs->frames[i].why && !(d->why = strdup(cs->frames[i].why))))
			goto fail;
	}
	return c;
fail:
	callstack_free(c);
	return NULL;
}

void callstack_free(struct callstack *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n; i++) {
		free((char *)cs->frames[i].module);
		free((char *)cs->frames[i].why);
	}
	free(cs->frames);
	free(cs);
}

static struct per_file *per_file(struct stacks *s, const struct trace_file *tf)
{
	struct per_file *f;

	HASH_FIND_PTR(s->files, &tf, f);
	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f || stack_table_open(&f->st, tf) ||
	    !(f->files = calloc(f->st.nmods ? f->st.nmods : 1, sizeof(*f->files)))) {
		if (f)
			stack_table_close(&f->st);
		free(f);
		return NULL;
	}
	f->tf = tf;
	HASH_ADD_PTR(s->files, tf, f);
	return f;
}

/* Symbolise frame fr at ip (exact: not a return address); 1 when it is a signal trampoline. */
static int resolve_frame(struct stacks *s, struct per_file *pf, struct frame *fr, uint64_t ip,
			 uint64_t t, int exact)
{
	const struct vmodule *m = stack_table_module(&pf->st, ip, t);
	struct sym_file **f;
	int sigframe = 0;

	fr->ip = ip;
	if (!m) {
		fr->why = pf->st.note[0] ? pf->st.note : "no recorded module holds this address";
		return 0;
	}
	fr->module = m->path;
	fr->offset = ip - m->bias;
	f = &pf->files[m - pf->st.mods];
	if (!*f && !(*f = sym_file(s->sym, m->path, m->build_id, m->build_id_len))) {
		fr->why = "out of memory";
		return 0;
	}
	fr->src = sym_lookup(*f, fr->offset, exact, &fr->nsrc, &fr->why, &sigframe);
	return sigframe;
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
		exact = resolve_frame(s, f, &r->cs.frames[i], raw.ips[i], raw.t_ns, exact);
	return 0;
}

char *stacks_site_key(struct stacks *s, const struct trace_file *tf, uint32_t id)
{
	struct per_file *f = id ? per_file(s, tf) : NULL;
	struct frame fr = { 0 };
	struct callstack one = { &fr, 1, 0 };
	struct raw_stack raw;
	const char *why;

	if (!f || stack_table_get(&f->st, id, &raw, &why) || !raw.depth)
		return NULL;
	resolve_frame(s, f, &fr, raw.ips[0], raw.t_ns, 0);
	return callstack_key(&one);
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
		uint64_t t = now_ns();

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
		s->resolved += !r->why;
		s->frames += r->cs.n;
		s->ns += now_ns() - t;
	}
	if (r->why) {
		snprintf(why, n, "%s", r->why);
		return NULL;
	}
	return &r->cs;
}

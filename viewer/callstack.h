/*
 * callstack.h - a record's stack_id resolved into symbolised frames: the
 * trace file's stack table and module map, then the symboliser, each
 * stack resolved once.
 */
#ifndef SOCKTRACE_CALLSTACK_H
#define SOCKTRACE_CALLSTACK_H

#include <stddef.h>
#include <stdint.h>

#include "symbolize.h"
#include "trace_read.h"

/* One physical frame. */
struct frame {
	uint64_t ip;			/* the runtime address recorded */
	const char *module;		/* its object's path; NULL when no recorded module holds ip */
	uint64_t offset;		/* ip - load bias: the address in the object file */
	const struct sym_src *src;	/* source frames, innermost inlined first; nsrc 0: unknown */
	size_t nsrc;
	const char *why;		/* why nsrc is 0 */
};

struct callstack {
	struct frame *frames;	/* innermost (the app's call) first */
	size_t n;
	int truncated;		/* deeper than SOCKTRACE_STACK_DEPTH */
};

struct stacks;

/* NULL when out of memory. */
struct stacks *stacks_new(void);
void stacks_free(struct stacks *s);

/*
 * The stack id of a record of op in tf, symbolised.  NULL when there is
 * none (id 0, corrupt, table missing), with the reason in why (n bytes).
 */
const struct callstack *stacks_get(struct stacks *s, const struct trace_file *tf, uint32_t id,
				   unsigned op, char *why, size_t n);

/*
 * Forget what s holds for tf (its table and the stacks resolved from it),
 * before tf is freed: a live file's snapshot is replaced by a newer one.
 * What the symboliser learnt of each object stays for the next snapshot.
 */
void stacks_forget(struct stacks *s, const struct trace_file *tf);

/*
 * The call site of stack id of tf, as a key: the source frames of its
 * innermost frame (the app's call of socket(), accept...), or its module
 * and offset when they are unknown.  One call in the source is one site
 * however the compiler copied it (an unrolled loop calls socket() from
 * several addresses).  Only that frame is symbolised.  NULL when there is
 * no such stack, or out of memory.  Newly allocated.
 */
char *stacks_site_key(struct stacks *s, const struct trace_file *tf, uint32_t id);

/*
 * The grouping key of cs: each frame's source frames, or its module and
 * offset, so one call site in several processes (ASLR or not) is one key.
 * "" for no stack; NULL when out of memory.  Newly allocated.
 */
char *callstack_key(const struct callstack *cs);

/*
 * A copy of cs that outlives the file it came from (modules and reasons
 * copied; the source frames stay the symboliser's, which lives as long as
 * the struct stacks).  NULL when out of memory.  callstack_free frees it.
 */
struct callstack *callstack_copy(const struct callstack *cs);
void callstack_free(struct callstack *cs);

#endif

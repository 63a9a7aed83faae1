/*
 * stack_table.h - the call-site stacks and the module map of one trace
 * file, read from its copied extension sections and trusted only after
 * checking.
 */
#ifndef SOCKTRACE_STACK_TABLE_H
#define SOCKTRACE_STACK_TABLE_H

#include <stdint.h>

#include "trace_read.h"

/* One loaded object, as the shim saw it, with a NUL-terminated path. */
struct vmodule {
	uint64_t bias, lo, hi;
	uint64_t t_load_ns, t_unload_ns;
	uint8_t build_id[ST_BUILD_ID_MAX];
	unsigned build_id_len;
	int is_exe;
	char path[ST_MODULE_PATH_MAX];
};

/* What one trace file offers for symbolising: filled by stack_table_open. */
struct stack_table {
	const struct trace_file *tf;
	const char *stacks;		/* first entry; NULL: no usable stack table */
	uint64_t count;			/* entries */
	uint32_t entry_size, depth;
	uint64_t dropped, skipped;	/* the shim's counts of stacks not stored */
	struct vmodule *mods;		/* READY entries, in table order */
	size_t nmods;
	char note[200];			/* why stacks or modules are unusable; "" = fine */
	int modules_bad;		/* the module map is unusable: no stack can be named */
};

/* One stack: ips innermost first. */
struct raw_stack {
	const uint64_t *ips;
	unsigned depth;
	int truncated;
	uint64_t t_ns;
};

/*
 * Check and index tf's stack table and module map into st.  Never fails:
 * a corrupt or missing section leaves st->stacks NULL or no modules, with
 * the reason in st->note.  Returns -1 only when out of memory.
 */
int stack_table_open(struct stack_table *st, const struct trace_file *tf);

void stack_table_close(struct stack_table *st);

/* Stack id (slot + 1) of st: 0 and *out, or -1 with *why (static text or st->note). */
int stack_table_get(const struct stack_table *st, uint32_t id, struct raw_stack *out,
		    const char **why);

/*
 * The module holding ip for a stack stored at t: of the entries whose range
 * holds ip, the latest loaded by t and not unloaded before it; failing that
 * the earliest loaded after t (a stack's own store triggers the scan that
 * finds a newly loaded object, so its load time follows the stack's).
 * NULL when no entry holds ip.
 */
const struct vmodule *stack_table_module(const struct stack_table *st, uint64_t ip, uint64_t t);

/*
 * Why a record of op with stack_id 0 has no stack, in words, from the
 * header's opts and the table's counts (out has n bytes).
 */
void stack_table_why_none(const struct stack_table *st, unsigned op, char *out, size_t n);

#endif

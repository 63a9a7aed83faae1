/*
 * symbolize.h - addresses in object files to functions, source files and
 * lines, offline, with elfutils' libdwfl: one Dwfl per distinct file (by
 * path and build id), every answer cached per (file, address).
 */
#ifndef SOCKTRACE_SYMBOLIZE_H
#define SOCKTRACE_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

/* One source-level frame; a physical frame gives one per inlined call, innermost first. */
struct sym_src {
	const char *function;	/* NULL when unknown */
	const char *file;	/* full path as the debug info names it; NULL when unknown */
	int line;		/* 0 when unknown */
	int inlined;		/* 1: inlined into the next frame */
};

struct sym_file;
struct symbolizer;

struct symbolizer *sym_new(void);
void sym_free(struct symbolizer *s);

/*
 * The object at path whose build id the trace recorded (len 0: none
 * recorded, not checked), opened once.  NULL only when out of memory.
 * sym_file_why tells why its addresses cannot be symbolised (file
 * missing, build id differs...), NULL when they can.
 */
struct sym_file *sym_file(struct symbolizer *s, const char *path, const uint8_t *build_id,
			  unsigned len);
const char *sym_file_why(const struct sym_file *f);

/*
 * The source frames at file address addr (a link-time address: runtime
 * address minus the load bias) of a usable f: *n of them (0 when nothing
 * is known, with *why).  exact: addr is the instruction itself (a frame
 * interrupted by a signal), else a return address (its call is at addr - 1).
 * A return address into the signal trampoline (rt_sigreturn) gives one
 * frame "<signal handler called>" and sets *sigframe: the frame below it
 * was interrupted, its address exact.
 */
const struct sym_src *sym_lookup(struct sym_file *f, uint64_t addr, int exact, size_t *n,
				 const char **why, int *sigframe);

#endif

/*
 * stacks.h - call-site stacks: captured with libunwind, stored once each in
 * the trace file's stack table, named in records by stack_id.
 */
#ifndef SOCKTRACE_STACKS_H
#define SOCKTRACE_STACKS_H

#include <stddef.h>
#include <stdint.h>

#include "../include/trace_format.h"

enum stacks_mode {
	STACKS_OFF = 0,
	STACKS_CREATE = 1,	/* calls that create a socket reference */
	STACKS_ALL = 2,		/* ... and close, shutdown */
};

/* What the stack of an event is for: compared against the mode. */
enum stack_kind {
	STACK_CREATE = 1,
	STACK_DROP = 2,
};

/* The configured mode; STACKS_OFF until libunwind is loaded. */
extern int stacks_mode;

/*
 * Read SOCKTRACE_STACKS, SOCKTRACE_STACK_DEPTH and SOCKTRACE_STACK_TABLE.
 * Called at set-up, before the trace file is made (its size depends on them).
 */
void stacks_config(void);

/*
 * Load libunwind privately (RTLD_LOCAL: its _Unwind_* and backtrace never
 * join the app's symbol scope, where they would replace libgcc's and
 * glibc's for the app).  Only from our constructor: dlopen is
 * no call for a signal handler or a lazy first wrapper.  On failure stacks
 * stay off and the log says why.
 */
void stacks_load(void);

/* Is this thread inside libunwind (its pipe2 and close are its own)? */
int stacks_in_unwind(void);

/* Stop capturing for the rest of the process, and log why (once). */
void stacks_disable(const char *why);

/* Stop capturing for a moment: the mode to give stacks_resume. */
int stacks_pause(void);

/* Capture again in mode (from stacks_pause), unless disabled since. */
void stacks_resume(int mode);

/* Bytes the stack table needs in the trace file (0 when stacks are off). */
size_t stacks_ext_size(void);

/* Lay out an empty stack table at base (the file's mapping + e->offset). */
void stacks_ext_init(struct st_file_header *h, struct st_ext *e, char *base);

/* Forget the table (the fork child's is in its new file). */
void stacks_ext_detach(void);

/*
 * The stack of the current call, stored in the table: its id, or 0 when not
 * captured (off, table full, re-entered from a signal handler that
 * interrupted a capture on this thread; each counted in the table).
 * Async-signal-safe as far as libunwind's local unwinding is.
 */
uint32_t stack_capture(void);

/* The record's stack when the mode asks for this kind; r must be a ring slot. */
static inline uint32_t stack_for(enum stack_kind kind)
{
	if (__builtin_expect(stacks_mode < (int)kind, 0))
		return 0;
	return stack_capture();
}

/* Give r (a ring slot, not the caller's scratch) the stack of this call. */
static inline void ev_stack(struct st_record *r, const struct st_record *scratch,
			    enum stack_kind kind)
{
	if (r != scratch)
		r->stack_id = stack_for(kind);
}

#endif

/*
 * stacks.h - call-site stacks: captured with libunwind, stored once each in
 * the trace file's stack table (ST_REG_STACKS), named in records and socket
 * slots by stack_id, each entry also the call site's socket counters.
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

/* The mode asked for (SOCKTRACE_STACKS); STACKS_OFF once disabled for good. */
extern int stacks_mode;

/*
 * Read SOCKTRACE_STACKS, SOCKTRACE_STACK_DEPTH and SOCKTRACE_STACK_TABLE.
 * Called at set-up; nothing is loaded until the first capture.
 */
void stacks_config(void);

/* The table's entry size and most entries (for regions_reserve), and the header's bits. */
uint32_t stacks_entry_size(void);
uint64_t stacks_capacity(void);
uint32_t stacks_opts(void);
uint32_t stacks_depth(void);

/* Is this thread inside libunwind (its pipe2 and close are its own)? */
int stacks_in_unwind(void);

/* Stop capturing for the rest of the process, and log why (once). */
void stacks_disable(const char *why);

/* Stop capturing for a moment: the mode to give stacks_resume. */
int stacks_pause(void);

/* Capture again in mode (from stacks_pause), unless disabled since. */
void stacks_resume(int mode);

/* A fork child's table starts empty in its own image. */
void stacks_forked(void);

/*
 * The stack of the current call, stored in the table: its id, or 0 when not
 * captured (off, table full, re-entered from a signal handler that
 * interrupted a capture on this thread; each counted in the header).  The
 * first capture loads libunwind (dlopen: see README, limits).
 * Async-signal-safe as far as libunwind's local unwinding is.
 */
uint32_t stack_capture(void);

#ifdef ST_UNIT_SEAMS
/* Unit builds: store the made-up frames ips[0..n) as a capture would (its id or 0). */
uint32_t unit_stack_store(void *const *ips, unsigned n);
#endif

/* The stack of the current call when the mode asks for this kind, else 0. */
static inline uint32_t stack_for(enum stack_kind kind)
{
	if (__builtin_expect(stacks_mode < (int)kind, 0))
		return 0;
	return stack_capture();
}

/* A socket was made at the call site of stack id: count it there. */
void stacks_site_made(uint32_t id);

#endif

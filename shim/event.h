/*
 * event.h - filling one record and publishing it.
 *
 * Every wrapper follows the same shape: call the real function, save errno,
 * trace_enter() (skip tracing if it says no), ev_begin() a record, fill it,
 * ev_end(), trace_leave(), restore errno, return the real result untouched.
 * A traced record is written straight into its ring slot (no copy); an
 * untraced one, still needed to keep the fd table true, goes to a scratch
 * record on the caller's stack.
 */
#ifndef SOCKTRACE_EVENT_H
#define SOCKTRACE_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "shim.h"

/* Set while this thread is inside the shim's own tracing code. */
extern __thread int shim_busy TLS_IE;

/*
 * May this call be traced?  No while set-up is pending elsewhere, while
 * tracing is off, or when the shim itself is the caller (our own calls
 * must not show up as the app's).  A yes must be paired with trace_leave().
 */
static inline int trace_enter(void)
{
	if (unlikely(__atomic_load_n(&shim.init, __ATOMIC_ACQUIRE) != SHIM_READY))
		shim_ensure_init();
	if (!shim_hdr() || shim_busy)
		return 0;
	shim_busy = 1;
	return 1;
}

static inline void trace_leave(void)
{
	shim_busy = 0;
}

/*
 * Begin a record: a claimed ring slot when traced (and a trace file is
 * mapped), else scratch.  Every fixed field is set: op, fd, time, pid, tid,
 * the rest zero (fd2 -1).  Must be paired with ev_end(), on every path.
 */
struct st_record *ev_begin(struct st_record *scratch, int traced, enum st_op op, int fd);

/* Publish r if it is a ring slot. */
void ev_end(struct st_record *r, const struct st_record *scratch);

/* Is a trace file mapped?  (For records made inside another wrapper's record.) */
static inline int ev_tracing(void)
{
	return shim_hdr() != NULL;
}

/* Store the call's result: ret, and err when ret < 0. */
static inline void ev_result(struct st_record *r, int64_t ret, int err)
{
	r->ret = ret;
	r->err = ret < 0 ? err : 0;
}

/*
 * Add an address of the given ST_ADDR_* kinds.  An identical address already
 * present gains the kinds instead of a second copy.  Sets ST_REC_ADDR_TRUNC
 * when it does not fit.
 */
void ev_addr(struct st_record *r, unsigned kinds, const struct sockaddr *sa, socklen_t len);

/* Add getsockname(fd) as ST_ADDR_LOCAL / getpeername(fd) as ST_ADDR_PEER. */
void ev_sockname(struct st_record *r, int fd);
void ev_peername(struct st_record *r, int fd);

#endif

/*
 * event.h - building one record on the stack and publishing it.
 *
 * Every wrapper follows the same shape: call the real function, save errno,
 * trace_enter() (skip tracing if it says no), fill a record, ev_commit(),
 * trace_leave(), restore errno, return the real result untouched.
 */
#ifndef SOCKTRACE_EVENT_H
#define SOCKTRACE_EVENT_H

#include <stdint.h>
#include <sys/socket.h>

#include "shim.h"

/*
 * May this call be traced?  No while set-up is pending elsewhere, while
 * tracing is off, or when the shim itself is the caller (our own calls
 * must not show up as the app's).  A yes must be paired with trace_leave().
 */
int trace_enter(void);
void trace_leave(void);

/* Zero r's fixed part and stamp op, fd, time, pid and tid. */
void ev_start(struct st_record *r, enum st_op op, int fd);

/* Store the call's result: ret, and err when ret < 0. */
void ev_result(struct st_record *r, int64_t ret, int err);

/* Publish r to the ring (if still tracing). */
void ev_commit(const struct st_record *r);

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

/*
 * resfd.h - the fds the shim keeps for itself, out of the app's way: the
 * trace file (kept open so the file can grow after a chroot or a
 * privilege drop) and libunwind's validation pipe.  Each is moved to the
 * top of the fd range and hidden from the app's closes.
 */
#ifndef SOCKTRACE_RESFD_H
#define SOCKTRACE_RESFD_H

#include <limits.h>

enum resfd_owner {
	RESFD_FREE = 0,
	RESFD_UNWIND,		/* libunwind's pipe (2 fds) */
	RESFD_TRACE,		/* the trace file */
};

#include "shim.h"

/* Could fd be one of ours?  One compare (shim.resfd_min): the close() fast path's. */
static inline int resfd_maybe(int fd)
{
	return (unsigned)fd >= __atomic_load_n(&shim.resfd_min, __ATOMIC_RELAXED);
}

/* Who keeps fd (RESFD_FREE: the app's). */
enum resfd_owner resfd_owner(int fd);

/*
 * Move fd out of the app's way and reserve it for who: the new fd (fd
 * itself is closed), or a negative errno when there is no room (fd is
 * closed then too).  Best is just above the soft RLIMIT_NOFILE, where the
 * app cannot allocate (the hard limit must leave room); else just under
 * it, when the soft limit is at least 64.
 */
int resfd_adopt(int fd, enum resfd_owner who);

/* Forget fd (its owner closes it, or it was handed to the app). */
void resfd_release(int fd);

/*
 * close() of a reserved fd: libunwind's own close goes through; the app's
 * fails with EBADF, as it would without us (it never opened that fd).
 */
int resfd_close(int fd);

/*
 * dup2 (is_dup2) or dup3 of oldfd onto reserved newfd, for the app: it gets
 * the number as it would without us.  The trace file moves to another
 * number first; libunwind's pipe is given up (stacks stop for good).
 * Returns the call's result with its errno.
 */
int resfd_dup_onto(int newfd, int oldfd, int flags, int is_dup2, unsigned via);

/*
 * Call fn(first, last) for the parts of [first, last] that hold no
 * reserved fd (close_range, closefrom: a daemon closing everything must
 * not take ours).  Returns fn's first failure, else 0.
 */
int resfd_around(unsigned first, unsigned last, int (*fn)(unsigned, unsigned, void *), void *arg);

#endif

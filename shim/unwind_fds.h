/*
 * unwind_fds.h - the fds libunwind keeps for itself, kept out of the app's
 * way: moved to the top of the fd range and hidden from the app's closes.
 */
#ifndef SOCKTRACE_UNWIND_FDS_H
#define SOCKTRACE_UNWIND_FDS_H

#include <stdint.h>

#include "fdtab.h"

/* Is the entry word one of libunwind's fds? */
static inline int fde_reserved(uint64_t word)
{
	return (word & FDE_RESERVED) != 0;
}

/*
 * close() of a reserved fd: libunwind's own close goes through; the app's
 * fails with EBADF, as it would without us (it never opened that fd).
 */
int unwind_fd_close(int fd);

/*
 * dup2 (is_dup2) or dup3 of oldfd onto reserved newfd, for the app: it gets
 * the number as it would without us.  Stacks pause during the call and, if
 * it succeeds, stop for good (libunwind would use the app's file as its
 * pipe).  Returns the call's result with its errno.
 */
int unwind_fd_dup_onto(int newfd, int oldfd, int flags, int is_dup2, unsigned via);

/*
 * Call fn(first, last) for the parts of [first, last] that hold no
 * reserved fd (close_range, closefrom: a daemon closing everything must
 * not take libunwind's pipe).  Returns fn's first failure, else 0.
 */
int unwind_fds_around(unsigned first, unsigned last, int (*fn)(unsigned, unsigned, void *),
		      void *arg);

#endif

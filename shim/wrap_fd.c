/*
 * wrap_fd.c - the calls that copy or drop fds: close, dup, dup2, dup3,
 * fcntl(F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD), fcntl64.
 *
 * These run on every fd the app has, so each starts with a table test that
 * lets files and pipes through at the cost of a few loads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>

#include "event.h"
#include "fdtab.h"
#include "real.h"
#include "track.h"

/* close() of an fd the table holds as a socket. */
static __attribute__((noinline)) int close_traced(int fd, uint64_t *slot)
{
	uint64_t word = fdtab_begin_close_at(slot);
	int ret = REAL(close)(fd);
	int err = errno;
	struct st_record scratch, *r;

	if (!word)		/* another thread's close of fd owns the entry */
		return ret;
	/* Linux releases the fd even when close fails with EINTR: only EBADF kept nothing. */
	fdtab_end_close_at(slot, word);
	r = ev_begin(&scratch, trace_enter(), ST_OP_CLOSE, fd);
	track_drop(r, word);
	ev_result(r, ret, err);
	ev_end(r, &scratch);
	errno = err;
	return ret;
}

EXPORT int close(int fd)
{
	uint64_t *slot = fdtab_slot(fd);

	if (likely(!fdtab_slot_holds(slot)))
		return REAL(close)(fd);
	return close_traced(fd, slot);
}

/*
 * After a dup-family call that made newfd (or failed: newfd < 0) from
 * oldfd, whose entry word was oldword (0: not a socket we track).  A copy
 * of a socket gets the socket's reference even when untraced; a failed
 * copy of a socket is a failed call on it.
 */
static void copied(enum st_op op, int oldfd, int newfd, uint64_t oldword, int cloexec,
		   int64_t arg0, int err)
{
	struct st_record scratch, *r;

	if (!oldword) {
		if (newfd >= 0)
			track_forget_stale(newfd);
		return;
	}
	r = ev_begin(&scratch, trace_enter(), op, oldfd);
	r->arg[0] = arg0;
	if (newfd >= 0)
		track_copy(r, oldword, newfd, cloexec);
	else
		track_identify(r, oldfd);
	ev_result(r, newfd, err);
	ev_end(r, &scratch);
}

EXPORT int dup(int fd)
{
	uint64_t word;
	int ret, err;

	word = fdtab_lookup(fd);
	ret = REAL(dup)(fd);
	if (!word && (ret < 0 || likely(!fdtab_may_hold(ret))))
		return ret;
	err = errno;
	copied(ST_OP_DUP, fd, ret, word, 0, 0, err);
	errno = err;
	return ret;
}

/*
 * dup2/dup3: newfd is closed first if open.  When it held a socket, that
 * is a close of that socket (ST_REC_IMPLICIT_CLOSE), recorded with its own
 * reference count.
 */
static int dup_onto(enum st_op op, int oldfd, int newfd, int flags)
{
	uint64_t oldword = fdtab_lookup(oldfd), newword;
	struct st_record scratch, *r;
	int ret, err;

	if (!oldword && likely(!fdtab_may_hold(newfd)))
		return op == ST_OP_DUP2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
	if (oldfd == newfd) {
		/* dup2(fd, fd) changes nothing; dup3 refuses it.  Recorded, counts unchanged. */
		ret = op == ST_OP_DUP2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
		err = errno;
		if (oldword && trace_enter()) {
			r = ev_begin(&scratch, 1, op, oldfd);
			r->fd2 = newfd;
			r->arg[0] = flags;
			track_identify(r, oldfd);
			ev_result(r, ret, err);
			ev_end(r, &scratch);
		}
		errno = err;
		return ret;
	}
	newword = fdtab_begin_close(newfd);
	ret = op == ST_OP_DUP2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
	err = errno;
	if (newword) {
		if (ret < 0) {
			/* Nothing was closed: give the entry back. */
			fdtab_install(newfd, fde_idx(newword),
				      newword & FDE_CLOEXEC);
		} else {
			fdtab_end_close(newfd, newword);
			r = ev_begin(&scratch, trace_enter(), op, oldfd);
			r->fd2 = newfd;
			r->flags |= ST_REC_IMPLICIT_CLOSE;
			r->arg[0] = flags;
			track_drop(r, newword);
			ev_result(r, ret, err);
			ev_end(r, &scratch);
		}
	}
	copied(op, oldfd, ret, oldword, flags & O_CLOEXEC, flags, err);
	errno = err;
	return ret;
}

EXPORT int dup2(int oldfd, int newfd)
{
	return dup_onto(ST_OP_DUP2, oldfd, newfd, 0);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	return dup_onto(ST_OP_DUP3, oldfd, newfd, flags);
}

/* fcntl and fcntl64: only the dup commands and FD_CLOEXEC concern us. */
static int fcntl_common(enum st_op op, int fd, int cmd, long arg)
{
	uint64_t word;
	int ret, err;

	if (likely(cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC && cmd != F_SETFD))
		return op == ST_OP_FCNTL ? REAL(fcntl)(fd, cmd, arg) : REAL(fcntl64)(fd, cmd, arg);
	word = fdtab_lookup(fd);
	ret = op == ST_OP_FCNTL ? REAL(fcntl)(fd, cmd, arg) : REAL(fcntl64)(fd, cmd, arg);
	err = errno;
	if (cmd == F_SETFD) {
		if (word && ret == 0)
			fdtab_set_cloexec(fd, (int)arg & FD_CLOEXEC);
		return ret;
	}
	if (word || (ret >= 0 && fdtab_may_hold(ret))) {
		copied(op, fd, ret, word, cmd == F_DUPFD_CLOEXEC, cmd, err);
		errno = err;
	}
	return ret;
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return fcntl_common(ST_OP_FCNTL, fd, cmd, arg);
}

EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return fcntl_common(ST_OP_FCNTL64, fd, cmd, arg);
}

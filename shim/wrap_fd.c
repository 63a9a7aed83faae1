/*
 * wrap_fd.c - the calls that copy or drop fds: close, dup, dup2, dup3,
 * fcntl(F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD), fcntl64; and the same calls
 * made through syscall() (fd_close, fd_dup, fd_dup_onto, for wrap_syscall.c).
 *
 * These run on every fd the app has, so each starts with a table test that
 * lets files and pipes through at the cost of a few loads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "event.h"
#include "fdtab.h"
#include "real.h"
#include "resfd.h"
#include "socks.h"
#include "stacks.h"
#include "wrap.h"

/* The real close: libc's, or the raw call when the app used syscall(). */
static inline int real_close(int fd, unsigned via)
{
	return via ? (int)REAL(syscall)(SYS_close, fd) : REAL(close)(fd);
}

/*
 * close() of an fd whose number last held a socket, now closed: EBADF is
 * a double close, recorded; success closed whatever file reused the number.
 */
static int close_tomb(int fd, struct st_fd *ent, unsigned via)
{
	int ret = real_close(fd, via), err = errno;
	struct st_record *r;
	struct ev e;

	if (ret == 0 || err != EBADF) {
		fdtab_clear_tomb(ent);
		return ret;
	}
	if (trace_enter()) {
		r = ev_begin(&e, ST_OP_CLOSE, fd);
		r->flags |= (uint16_t)via;
		ev_result(r, ret, err);
		ev_end(&e);
	}
	errno = err;
	return ret;
}

/*
 * close() of an fd the table holds as a socket or its tombstone, or of
 * one of our own fds.  Inlined into its two callers so via is a constant
 * in each.
 */
static inline __attribute__((always_inline)) int close_traced(int fd, struct st_fd *ent,
							      unsigned via)
{
	struct st_tcp_snapshot tcp_info;
	struct st_record *r;
	uint64_t word;
	int64_t unread;
	int ret, err, tcp;
	struct ev e;

	if (shim_in_vfork_child())
		return resfd_owner(fd) ? resfd_close(fd) : real_close(fd, via);
	word = fdtab_begin_close_at(ent);
	if (!word) {
		uint64_t now = ent ? __atomic_load_n(&ent->word, __ATOMIC_ACQUIRE) : 0;

		if (unlikely(resfd_owner(fd)))
			return resfd_close(fd);
		if (now && !fde_live(now))
			return close_tomb(fd, ent, via);
		return real_close(fd, via);	/* another thread's close of fd owns the entry */
	}
	tcp = socks_final_close(fd, word, &unread, &tcp_info);
	ret = real_close(fd, via);
	err = errno;
	/* Linux releases the fd even when close fails with EINTR: only EBADF kept nothing. */
	fdtab_end_close_at(ent, word);
	r = ev_begin(&e, ST_OP_CLOSE, fd);
	r->flags |= (uint16_t)via;
	r->stack_id = stack_for(STACK_DROP);
	rec_drop(&e, word, unread);
	if (tcp)
		ev_value(&e, ST_ADDR_TCPINFO, &tcp_info, sizeof(tcp_info));
	ev_result(r, ret, err);
	ev_end(&e);
	errno = err;
	return ret;
}

static HOT_PATH __attribute__((noinline)) int close_slow(int fd, struct st_fd *ent)
{
	return close_traced(fd, ent, 0);
}

EXPORT HOT_PATH int close(int fd)
{
	struct st_fd *ent = fdtab_ent(fd);

	if (likely(!fdtab_ent_holds(ent) && !resfd_maybe(fd)))
		return REAL(close)(fd);
	return close_slow(fd, ent);
}

int fd_close(int fd)
{
	struct st_fd *ent = fdtab_ent(fd);

	if (!fdtab_ent_holds(ent) && !resfd_maybe(fd))
		return real_close(fd, ST_REC_VIA_SYSCALL);
	return close_traced(fd, ent, ST_REC_VIA_SYSCALL);
}

/*
 * After a dup-family call that made newfd (or failed: newfd < 0) from
 * oldfd, whose entry word was oldword (0: not a socket we track).  A copy
 * of a socket gets the socket's reference; a failed copy of a socket is a
 * failed call on it.
 */
static void copied(enum st_op op, int oldfd, int newfd, uint64_t oldword, uint64_t oldsid,
		   int cloexec, int64_t arg0, int err, unsigned via)
{
	struct st_record *r;
	uint64_t inode;
	struct ev e;

	if (!oldword) {
		if (newfd >= 0)
			socks_missed(newfd);
		return;
	}
	r = ev_begin(&e, op, oldfd);
	r->flags |= (uint16_t)via;
	r->arg[0] = arg0;
	if (newfd >= 0) {
		r->stack_id = stack_for(STACK_CREATE);
		if (socks_copy(oldword, oldsid, newfd, cloexec, op, r->stack_id) == -ESRCH) {
			/*
			 * Another thread's close of oldfd dropped the socket's last
			 * reference during the call: newfd holds it alone, first seen here.
			 */
			inode = socks_fd_inode(newfd);
			oldword = inode ? socks_arrived(newfd, inode, ST_OP_NONE, cloexec, r->stack_id,
							r->t_ns) : 0;
			r->flags |= ST_REC_FIRST_SEEN;
		}
		if (cloexec)
			r->flags |= ST_REC_CLOEXEC;
	}
	if (oldword) {
		rec_sock(r, oldword);
	} else {
		r->flags |= ST_REC_REFS_UNKNOWN;
		r->refs = -1;
	}
	ev_result(r, newfd, err);
	ev_end(&e);
}

static inline int real_dup(int fd, unsigned via)
{
	return via ? (int)REAL(syscall)(SYS_dup, fd) : REAL(dup)(fd);
}

int fd_dup(int fd, unsigned via)
{
	uint64_t word, sid;
	int ret, err;

	if (shim_in_vfork_child())
		return real_dup(fd, via);
	word = fdtab_lookup(fd);
	sid = socks_word_sid(word);
	ret = real_dup(fd, via);
	if (!word && (ret < 0 || likely(!fdtab_may_hold(ret))))
		return ret;
	err = errno;
	copied(ST_OP_DUP, fd, ret, word, sid, 0, 0, err, via);
	errno = err;
	return ret;
}

EXPORT int dup(int fd)
{
	return fd_dup(fd, 0);
}

static int real_dup_onto(enum st_op op, int oldfd, int newfd, int flags, unsigned via)
{
	if (via)
		return op == ST_OP_DUP2 ? (int)REAL(syscall)(SYS_dup2, oldfd, newfd) :
			(int)REAL(syscall)(SYS_dup3, oldfd, newfd, flags);
	return op == ST_OP_DUP2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
}

/*
 * dup2/dup3: newfd is closed first if open.  When it held a socket, that
 * is a close of that socket (ST_REC_IMPLICIT_CLOSE), recorded with its own
 * reference count.
 */
int fd_dup_onto(enum st_op op, int oldfd, int newfd, int flags, unsigned via)
{
	uint64_t oldword, oldsid, newword;
	struct st_record *r;
	int64_t unread;
	int ret, err;
	struct ev e;

	if (shim_in_vfork_child())
		return real_dup_onto(op, oldfd, newfd, flags, via);
	oldword = fdtab_lookup(oldfd);
	oldsid = socks_word_sid(oldword);
	if (!oldword && likely(!fdtab_may_hold(newfd) && !resfd_maybe(newfd)))
		return real_dup_onto(op, oldfd, newfd, flags, via);
	if (oldfd == newfd) {
		/* dup2(fd, fd) changes nothing; dup3 refuses it.  Recorded, counts unchanged. */
		ret = real_dup_onto(op, oldfd, newfd, flags, via);
		err = errno;
		if (oldword && trace_enter()) {
			r = ev_begin(&e, op, oldfd);
			r->flags |= (uint16_t)via;
			r->fd2 = newfd;
			r->arg[0] = flags;
			rec_sock(r, oldword);
			ev_result(r, ret, err);
			ev_end(&e);
		}
		errno = err;
		return ret;
	}
	if (unlikely(resfd_owner(newfd))) {
		ret = resfd_dup_onto(newfd, oldfd, flags, op == ST_OP_DUP2, via);
		err = errno;
		copied(op, oldfd, ret, oldword, oldsid, flags & O_CLOEXEC, flags, err, via);
		errno = err;
		return ret;
	}
	newword = fdtab_begin_close(newfd);
	unread = newword ? socks_unread(newfd, newword) : -1;
	ret = real_dup_onto(op, oldfd, newfd, flags, via);
	err = errno;
	if (newword) {
		if (ret < 0) {
			fdtab_abort_close_at(fdtab_ent(newfd), newword);	/* nothing was closed */
		} else {
			fdtab_end_close(newfd, newword);
			r = ev_begin(&e, op, oldfd);
			r->flags |= (uint16_t)(ST_REC_IMPLICIT_CLOSE | via);
			r->stack_id = stack_for(STACK_DROP);
			r->fd2 = newfd;
			r->arg[0] = flags;
			rec_drop(&e, newword, unread);
			ev_result(r, ret, err);
			ev_end(&e);
		}
	}
	copied(op, oldfd, ret, oldword, oldsid, flags & O_CLOEXEC, flags, err, via);
	errno = err;
	return ret;
}

EXPORT int dup2(int oldfd, int newfd)
{
	return fd_dup_onto(ST_OP_DUP2, oldfd, newfd, 0, 0);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	return fd_dup_onto(ST_OP_DUP3, oldfd, newfd, flags, 0);
}

/* F_SETFD on a socket: the close-on-exec flag decides what survives an exec. */
static void set_cloexec(enum st_op op, int fd, uint64_t word, long arg, int ret, int err)
{
	struct st_record *r;
	struct ev e;

	fdtab_set_cloexec(fd, (int)arg & FD_CLOEXEC);
	if (!trace_enter())
		return;
	r = ev_begin(&e, op, fd);
	r->arg[0] = F_SETFD;
	r->arg[1] = arg;
	if ((int)arg & FD_CLOEXEC)
		r->flags |= ST_REC_CLOEXEC;
	rec_sock(r, word);
	ev_result(r, ret, err);
	ev_end(&e);
}

/* fcntl and fcntl64: only the dup commands and FD_CLOEXEC concern us. */
static int fcntl_common(enum st_op op, int fd, int cmd, long arg)
{
	uint64_t word, sid;
	int ret, err;

	if (likely(cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC && cmd != F_SETFD) ||
	    shim_in_vfork_child())
		return op == ST_OP_FCNTL ? REAL(fcntl)(fd, cmd, arg) : REAL(fcntl64)(fd, cmd, arg);
	word = fdtab_lookup(fd);
	sid = socks_word_sid(word);
	ret = op == ST_OP_FCNTL ? REAL(fcntl)(fd, cmd, arg) : REAL(fcntl64)(fd, cmd, arg);
	err = errno;
	if (cmd == F_SETFD) {
		if (word && ret == 0)
			set_cloexec(op, fd, word, arg, ret, err);
		errno = err;
		return ret;
	}
	if (word || (ret >= 0 && fdtab_may_hold(ret))) {
		copied(op, fd, ret, word, sid, cmd == F_DUPFD_CLOEXEC, cmd, err, 0);
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

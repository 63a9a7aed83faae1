/*
 * wrap_close.c - the calls that close sockets other than close():
 * close_range, closefrom (glibc does not route it through close_range's
 * PLT entry), fclose of a FILE on a socket, fcloseall.
 *
 * The kernel closes the whole range at once, so the records are written
 * after the call, one per socket fd it dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "event.h"
#include "fdtab.h"
#include "real.h"
#include "stacks.h"
#include "resfd.h"
#include "socks.h"
#include "sys.h"
#include "wrap.h"

/* Unread counts measured before a range close, for the first sockets in it. */
#define UNREAD_MAX	64

struct unread_set {
	int n;
	int fd[UNREAD_MAX];
	int64_t bytes[UNREAD_MAX];
};

/* The highest fd the table may hold in [first, last], or -1 when none can. */
static int64_t range_top(unsigned first, unsigned last)
{
	unsigned hwm = __atomic_load_n(&fdtab_hwm, __ATOMIC_ACQUIRE);

	if (!hwm || first >= hwm)
		return -1;
	return last < hwm - 1 ? last : hwm - 1;
}

static void unread_measure(struct unread_set *u, unsigned first, int64_t top)
{
	u->n = 0;
	for (int64_t fd = first; fd <= top && u->n < UNREAD_MAX; fd++) {
		uint64_t word = fdtab_lookup((int)fd);
		int64_t n = word ? socks_unread((int)fd, word) : -1;

		if (n >= 0) {
			u->fd[u->n] = (int)fd;
			u->bytes[u->n++] = n;
		}
	}
}

static int64_t unread_of(const struct unread_set *u, int fd)
{
	for (int i = 0; i < u->n; i++)
		if (u->fd[i] == fd)
			return u->bytes[i];
	return -1;
}

/*
 * Everything in [first, top] is closed: a tombstone there no longer stands
 * for the number's last close (a file that reused it was closed too).
 */
static void range_clear_tombs(unsigned first, int64_t top)
{
	for (int64_t fd = first; fd <= top; fd++)
		fdtab_clear_tomb(fdtab_ent((int)fd));
}

/* CLOSE_RANGE_CLOEXEC: nothing closes; each socket in the range now closes at exec. */
static void range_cloexec(unsigned first, unsigned last, int flags, unsigned via, int64_t top)
{
	struct st_record *r;
	struct ev e;

	for (int64_t fd = first; fd <= top; fd++) {
		uint64_t word = fdtab_lookup((int)fd);

		if (!word)
			continue;
		fdtab_set_cloexec((int)fd, 1);
		if (!trace_enter())
			continue;
		r = ev_begin(&e, ST_OP_CLOSE_RANGE, (int)fd);
		r->flags |= (uint16_t)(ST_REC_CLOEXEC | via);
		r->arg[0] = (int64_t)((uint64_t)first | (uint64_t)last << 32);
		r->fd2 = flags;
		rec_sock(r, word);
		ev_end(&e);
	}
}

/*
 * A call the kernel has already completed closed fd (close_range,
 * closefrom, fcloseall): drop its reference and record op, with the
 * unread count measured before the call.  Nothing when the table holds
 * no socket at fd.
 */
static void dropped_fd(enum st_op op, int fd, int64_t arg0, int fd2, unsigned flags, int64_t unread)
{
	uint64_t word = fdtab_begin_close(fd);
	struct st_record *r;
	struct ev e;

	if (!word)
		return;
	fdtab_end_close(fd, word);
	r = ev_begin(&e, op, fd);
	r->flags |= (uint16_t)flags;
	r->arg[0] = arg0;
	r->fd2 = fd2;
	r->stack_id = stack_for(STACK_DROP);
	rec_drop(&e, word, unread);
	ev_end(&e);
}

struct range_call {
	int flags;
	unsigned via;
};

/* close_range over one part of the app's range (unwind_fds_around). */
static int close_range_part(unsigned first, unsigned last, void *arg)
{
	const struct range_call *c = arg;

	if (c->via)
		return (int)REAL(syscall)(SYS_close_range, first, last, c->flags);
	return REAL(close_range)(first, last, c->flags);
}

/* closefrom over one part: the last part is open-ended. */
static int closefrom_part(unsigned first, unsigned last, void *arg)
{
	(void)arg;
	if (last == ~0u) {
		REAL(closefrom)((int)first);
		return 0;
	}
	if (REAL(close_range)(first, last, 0) == 0)
		return 0;
	for (unsigned fd = first; fd <= last; fd++)	/* no close_range: bounded by our fd */
		REAL(close)((int)fd);
	return 0;
}

int fd_close_range(unsigned first, unsigned last, int flags, unsigned via)
{
	struct range_call call = { flags, via };
	struct unread_set u;
	int64_t top;
	int ret, err;

#define REAL_CLOSE_RANGE() (via ? (int)REAL(syscall)(SYS_close_range, first, last, flags) : \
			    REAL(close_range)(first, last, flags))
	if (shim_in_vfork_child() || first > last)
		return REAL_CLOSE_RANGE();
	top = range_top(first, last);
	if (top < 0)
		return REAL_CLOSE_RANGE();
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		unread_measure(&u, first, top);
	if (flags & CLOSE_RANGE_CLOEXEC)
		ret = REAL_CLOSE_RANGE();
	else
		ret = resfd_around(first, last, close_range_part, &call);
	err = errno;
#undef REAL_CLOSE_RANGE
	if (ret != 0)
		return ret;
	if (flags & CLOSE_RANGE_CLOEXEC) {
		range_cloexec(first, last, flags, via, top);
	} else {
		range_clear_tombs(first, top);
		for (int64_t fd = first; fd <= top; fd++)
			dropped_fd(ST_OP_CLOSE_RANGE, (int)fd,
					 (int64_t)((uint64_t)first | (uint64_t)last << 32), flags,
					 via, unread_of(&u, (int)fd));
	}
	errno = err;
	return ret;
}

EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	return fd_close_range(first, last, flags, 0);
}

EXPORT void closefrom(int lowfd)
{
	unsigned low = lowfd < 0 ? 0 : (unsigned)lowfd;	/* glibc closes from 0 then */
	struct unread_set u;
	int64_t top;
	int saved;

	if (shim_in_vfork_child() || (top = range_top(low, ~0u)) < 0) {
		REAL(closefrom)(lowfd);
		return;
	}
	unread_measure(&u, low, top);
	/* Returns only when every fd >= lowfd is closed (but libunwind's). */
	resfd_around(low, ~0u, closefrom_part, NULL);
	saved = errno;
	range_clear_tombs(low, top);
	for (int64_t fd = low; fd <= top; fd++)
		dropped_fd(ST_OP_CLOSEFROM, (int)fd, lowfd, -1, 0, unread_of(&u, (int)fd));
	errno = saved;
}

/* fclose of a stream whose fd the table holds (a socket, or its tombstone). */
static __attribute__((noinline)) int fclose_traced(FILE *fp, int fd, struct st_fd *ent)
{
	uint64_t word = fdtab_begin_close_at(ent);
	struct st_record *r;
	int64_t unread;
	int ret, err;
	struct ev e;

	if (!word) {
		ret = REAL(fclose)(fp);
		if (ret == 0)
			fdtab_clear_tomb(ent);
		return ret;
	}
	unread = socks_unread(fd, word);
	ret = REAL(fclose)(fp);
	err = errno;
	/* fclose releases the fd whatever it returns (a failed flush still closes). */
	fdtab_end_close_at(ent, word);
	r = ev_begin(&e, ST_OP_FCLOSE, fd);
	r->stack_id = stack_for(STACK_DROP);
	rec_drop(&e, word, unread);
	ev_result(r, ret, err);
	ev_end(&e);
	errno = err;
	return ret;
}

EXPORT int fclose(FILE *fp)
{
	int saved = errno, fd = fp ? fileno(fp) : -1;	/* -1 for memory streams */
	struct st_fd *ent;

	errno = saved;
	ent = fdtab_ent(fd);
	if (likely(!fdtab_ent_holds(ent)) || shim_in_vfork_child())
		return REAL(fclose)(fp);
	return fclose_traced(fp, fd, ent);
}

/* fcloseall: every socket fd that is no longer open was a stream's. */
EXPORT int fcloseall(void)
{
	int ret = REAL(fcloseall)(), err = errno;
	int64_t top = range_top(0, ~0u);

	if (shim_in_vfork_child())
		return ret;
	for (int64_t fd = 0; fd <= top; fd++)
		if (fdtab_lookup((int)fd) && sys_raw(SYS_fcntl, fd, F_GETFD, 0) == -EBADF)
			dropped_fd(ST_OP_FCLOSEALL, (int)fd, 0, -1, 0, -1);
	errno = err;
	return ret;
}

/*
 * data.h - the data path's common case, inlined into each data wrapper:
 * after the real call, find the fd in the table (anything that is not a
 * socket leaves here), add the bytes to the socket's slot and stamp its
 * activity clock.  No record, no system call, no lock.  Everything rarer
 * (a socket's first data call, EOF, a failure, a pending connect, per-call
 * events) goes to data_slow().
 */
#ifndef SOCKTRACE_DATA_H
#define SOCKTRACE_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "fdtab.h"
#include "shim.h"
#include "sockstats.h"

enum data_dir {
	DATA_SENT = 0,
	DATA_RECEIVED = 1,	/* bytes came off the socket */
};

/* One data call, as the slow path needs to know it. */
struct data_call {
	enum st_op op;
	enum data_dir dir;
	size_t want;		/* bytes asked for (messages for sendmmsg/recvmmsg) */
	int flags;		/* the call's MSG_* flags */
	int fd2;		/* the other fd of sendfile/splice; -1 */
	const struct iovec *iov;	/* readv, recvmsg: want is their total, */
	int iovcnt;			/* worked out only on the slow path */
};

/*
 * The rare cases of a data call on a socket (word: its table entry) that
 * returned ret with errno as the call left it: counts, records what must
 * be recorded, and returns ret with errno unchanged.
 */
ssize_t data_slow(const struct data_call *c, int fd, uint64_t word, ssize_t ret);

/*
 * A non-blocking connect on fd ended as the app just learned through op:
 * err 0 = connected.  so_error: the SO_ERROR value when op is getsockopt.
 * Recorded once (the first to learn it); errno is kept.
 */
void data_connect_done(int fd, uint64_t word, int err, enum st_op via, int so_error);

/*
 * The fast path: ret bytes moved on fd (or ret <= 0).  Returns ret;
 * errno is touched only on the slow path, which restores it.
 */
static inline __attribute__((always_inline)) ssize_t
data_done(const struct data_call *c, int fd, ssize_t ret)
{
	uint64_t *slot = fdtab_slot(fd);
	uint64_t word;
	struct st_sockstat *s;

	if (unlikely(!slot))
		return ret;
	word = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (likely(!fde_live(word)))
		return ret;
	s = sockstat_of(word);
	if (likely(ret > 0 && !__atomic_load_n(&s->flags, __ATOMIC_RELAXED) &&
		   !(c->flags & MSG_PEEK))) {
		__atomic_fetch_add(c->dir == DATA_RECEIVED ? &s->bytes_received : &s->bytes_sent,
				   (uint64_t)ret, __ATOMIC_RELAXED);
		__atomic_store_n(&s->last_tick, sockstats_tick(), __ATOMIC_RELAXED);
		return ret;
	}
	return data_slow(c, fd, word, ret);
}

#endif

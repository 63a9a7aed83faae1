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
#include "socks.h"

/* Slot flags that make every data call on the socket take the slow path. */
#define DATA_SLOW_FLAGS	(ST_SK_FRESH | ST_SK_EVENTS | ST_SK_CONNECTING)

enum data_dir {
	DATA_SENT = 0,
	DATA_RECEIVED = 1,	/* bytes came off the socket */
};

/*
 * A data call, packed so that the slow path takes six arguments (all in
 * registers: the fast path tail-calls it without a stack frame): the op,
 * the direction, and the call's MSG_* flags, or for sendfile and splice
 * (which have none) the other fd.
 */
#define DATA_CALL(op, dir, flags_or_fd2) \
	((uint64_t)(op) | (uint64_t)(dir) << 16 | (uint64_t)(uint32_t)(flags_or_fd2) << 32)

/*
 * Added by data_done_iov on the way to the slow path: MSG_PEEK was in the
 * call's flags (its bytes stay queued: not counted), one bit to test there.
 */
#define DATA_PEEK	(1ull << 17)
_Static_assert((uint64_t)MSG_PEEK << 16 == DATA_PEEK, "MSG_PEEK shifted is DATA_PEEK");

static inline enum st_op data_call_op(uint64_t call) { return (enum st_op)(call & 0xffff); }
static inline int data_call_peek(uint64_t call) { return (call & DATA_PEEK) != 0; }
static inline enum data_dir data_call_dir(uint64_t call) { return (enum data_dir)((call >> 16) & 1); }
static inline int data_call_flags(uint64_t call) { return (int)(uint32_t)(call >> 32); }

/*
 * The rare cases of a data call on a socket (word: its table entry) that
 * returned ret with errno as the call left it (call: DATA_CALL, with
 * DATA_PEEK for a peek): counts, records what must
 * be recorded, and returns ret with errno unchanged.  want: bytes asked
 * for (messages for sendmmsg/recvmmsg), or with iov (readv, writev,
 * sendmsg, recvmsg) the iovec count, the total then worked out here.
 */
ssize_t data_slow(uint64_t call, size_t want, const struct iovec *iov, int fd, uint64_t word,
		  ssize_t ret);

/*
 * A non-blocking connect on fd ended as the app just learned through op:
 * err 0 = connected.  so_error: the SO_ERROR value when op is getsockopt.
 * Recorded once (the first to learn it); errno is kept.
 */
void data_connect_done(int fd, uint64_t word, int err, enum st_op via, int so_error);

/*
 * The fast path: ret bytes moved on fd (or ret <= 0) by the call.
 * Returns ret; errno is touched only on the slow path, which restores it.
 * flags: the call's MSG_* flags (MSG_PEEK bytes are not consumed, so not
 * counted).
 */
static inline __attribute__((always_inline)) ssize_t
data_done_iov(uint64_t call, int flags, size_t want, const struct iovec *iov, int fd, ssize_t ret)
{
	uint64_t word;
	struct st_sock *s;

	/* fdtab_ent's test, without its NULL for the compiler to test again. */
	if (unlikely((unsigned)fd >= __atomic_load_n(&shim.nfds, __ATOMIC_ACQUIRE)))
		return ret;
	word = __atomic_load_n(&shim.fds[(unsigned)fd].word, __ATOMIC_RELAXED);
	if (likely(!fde_live(word)))
		return ret;
	s = sock_of(word);
	/* Counting flags (FRESH, EVENTS, CONNECTING, EOF) send it to the slow path. */
	if (likely(ret > 0 && !(__atomic_load_n(&s->flags, __ATOMIC_RELAXED) & DATA_SLOW_FLAGS) &&
		   !(flags & MSG_PEEK))) {
		__atomic_fetch_add(data_call_dir(call) == DATA_RECEIVED ? &s->bytes_received :
				   &s->bytes_sent, (uint64_t)ret, __ATOMIC_RELAXED);
		sock_stamp(s);
		return ret;
	}
	return data_slow(call | (uint64_t)(flags & MSG_PEEK) << 16, want, iov, fd, word, ret);
}

/* The common shape: one fd, no iovec. */
static inline __attribute__((always_inline)) ssize_t
data_done(enum st_op op, enum data_dir dir, int flags, size_t want, int fd, ssize_t ret)
{
	return data_done_iov(DATA_CALL(op, dir, flags), flags, want, NULL, fd, ret);
}

#endif

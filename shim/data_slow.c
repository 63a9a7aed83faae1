/*
 * data_slow.c - the data path's rare cases (data.h has the common one):
 * a socket's first data call (its first activity time), the peer's FIN
 * (the first read that returns 0 on a stream), failures, the completion
 * of a non-blocking connect as the app learns it, and a record per call
 * when SOCKTRACE_DATA=events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "data.h"
#include "event.h"
#include "fdtab.h"
#include "socks.h"
#include "sys.h"

/* Failures that are the normal life of a non-blocking or interrupted socket, not events. */
static int transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/*
 * Bytes the call asked for.  An iovec is read only after a call that
 * succeeded (ret >= 0): the kernel has then read it too, so it is valid.
 */
static size_t wanted(size_t want, const struct iovec *iov, ssize_t ret)
{
	size_t n = 0;

	if (!iov)
		return want;
	if (ret < 0)
		return 0;
	for (size_t i = 0; i < want; i++)
		n += iov[i].iov_len;
	return n;
}

/* One record of the data call on fd. */
static void record_call(uint64_t call, size_t want, int fd, uint64_t word, ssize_t ret, int err)
{
	enum st_op op = data_call_op(call);
	int moved = op == ST_OP_SENDFILE || op == ST_OP_SPLICE;
	struct st_record *r;
	struct ev e;

	r = ev_begin(&e, op, fd);
	r->fd2 = moved ? data_call_flags(call) : -1;
	r->arg[0] = (int64_t)want;
	r->arg[1] = (int64_t)(uint32_t)(moved ? 0 : data_call_flags(call)) |
		    (data_call_dir(call) == DATA_RECEIVED ? ST_DATA_RECEIVED : 0);
	rec_sock(r, word);
	ev_result(r, ret, err);
	ev_end(&e);
}

/* The peer's FIN, seen by op: recorded once per socket in this process. */
static void record_eof(struct st_sock *s, enum st_op op, int fd, uint64_t word)
{
	struct st_record *r;
	struct ev e;

	if (__atomic_fetch_or(&s->flags, ST_SK_EOF, __ATOMIC_ACQ_REL) & ST_SK_EOF)
		return;		/* seen before, or by another thread first */
	r = ev_begin(&e, ST_OP_PEER_EOF, fd);
	s->eof_ns = r->t_ns;
	sock_tcp(s, s->tcp_state == ST_TCP_FIN_WAIT ? ST_TCP_TIME_WAIT : ST_TCP_CLOSE_WAIT);
	r->arg[0] = op;
	rec_sock(r, word);
	ev_end(&e);
}

void data_connect_done(int fd, uint64_t word, int err, enum st_op via, int so_error)
{
	struct st_sock *s = sock_of(word);
	struct st_record *r;
	int saved = errno;
	struct ev e;

	if (!(__atomic_fetch_and(&s->flags, ~ST_SK_CONNECTING, __ATOMIC_ACQ_REL) & ST_SK_CONNECTING))
		return;		/* another thread learned it first */
	if (!err)
		sock_set(s, ST_SK_CONNECTED);
	sock_tcp(s, err ? ST_TCP_CLOSED : ST_TCP_ESTABLISHED);
	if (trace_enter()) {
		r = ev_begin(&e, ST_OP_CONNECTED, fd);
		r->arg[0] = via;
		r->arg[1] = so_error;
		rec_sock(r, word);
		ev_result(r, err ? -1 : 0, err);
		ev_end(&e);
	}
	errno = saved;
}

/* What a data call says about a pending connect: done, failed, or nothing yet. */
static void connect_learned(enum st_op op, int fd, uint64_t word, ssize_t ret, int err)
{
	if (ret >= 0)
		data_connect_done(fd, word, 0, op, 0);
	else if (!transient(err) && err != ENOTCONN)
		data_connect_done(fd, word, err, op, 0);
}

/*
 * Everything rarer than a first call that moved bytes: EOF, failures, a
 * pending connect, per-call events.  Out of line, so that data_slow's
 * common case (first_bytes) saves no registers and sets up no frame.
 */
static HOT_PATH __attribute__((noinline)) ssize_t
data_rare(uint64_t call, size_t want, const struct iovec *iov, int fd, uint64_t word, ssize_t ret)
{
	struct st_sock *s = sock_of(word);
	enum st_op op = data_call_op(call);
	enum data_dir dir = data_call_dir(call);
	int peek = data_call_peek(call);
	uint32_t flags;
	uint64_t tick;
	int err;

	err = errno;
	tick = socks_tick();
	if (ret > 0 && !peek) {
		__atomic_fetch_add(dir == DATA_RECEIVED ? &s->bytes_received : &s->bytes_sent,
				   (uint64_t)ret, __ATOMIC_RELAXED);
		__atomic_store_n(&s->last_tick, tick, __ATOMIC_RELAXED);
	}
	flags = sock_flags(s);
	if (flags & ST_SK_FRESH) {
		/* The first activity: its tick (the reader converts it with the file's anchors). */
		s->first_tick = tick;
		if (!s->last_tick)
			s->last_tick = tick;
		__atomic_fetch_and(&s->flags, ~ST_SK_FRESH, __ATOMIC_RELEASE);
		if (!(flags & (ST_SK_EVENTS | ST_SK_CONNECTING)) && ret > 0)
			goto out;	/* a first call that moved bytes: nothing to record */
	}
	if (!trace_enter())
		goto out;
	want = wanted(want, iov, ret);
	if (flags & ST_SK_CONNECTING)
		connect_learned(op, fd, word, ret, err);
	if (ret == 0 && dir == DATA_RECEIVED && want > 0 && op != ST_OP_RECVMMSG &&
	    s->type == SOCK_STREAM) {
		if (flags & ST_SK_EVENTS)
			record_call(call, want, fd, word, ret, err);
		record_eof(s, op, fd, word);
	} else if ((ret < 0 && !transient(err)) || (flags & ST_SK_EVENTS)) {
		record_call(call, want, fd, word, ret, err);
	}
out:
	errno = err;
	return ret;
}

/*
 * The commonest rare case, a socket's first data call that moved bytes
 * (not a peek), is handled here: count them and stamp its first activity,
 * with nothing to record.  The rest goes to data_rare.
 */
HOT_PATH ssize_t data_slow(uint64_t call, size_t want, const struct iovec *iov, int fd,
			   uint64_t word, ssize_t ret)
{
	struct st_sock *s = sock_of(word);
	int peek = data_call_peek(call);
	uint64_t tick;

	/* A vfork child borrows our memory: its calls must change nothing here. */
	if (shim_in_vfork_child())
		return ret;
	if ((sock_flags(s) & DATA_SLOW_FLAGS) != ST_SK_FRESH || ret <= 0 || peek)
		return data_rare(call, want, iov, fd, word, ret);
	tick = socks_tick();
	__atomic_fetch_add(data_call_dir(call) == DATA_RECEIVED ? &s->bytes_received : &s->bytes_sent,
			   (uint64_t)ret, __ATOMIC_RELAXED);
	s->first_tick = tick;
	__atomic_store_n(&s->last_tick, tick, __ATOMIC_RELAXED);
	__atomic_fetch_and(&s->flags, ~ST_SK_FRESH, __ATOMIC_RELEASE);
	return ret;
}

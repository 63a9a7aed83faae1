/*
 * event.h - filling one record and publishing it.
 *
 * Every wrapper follows the same shape: call the real function, save errno,
 * trace_enter() (skip tracing if it says no), ev_begin() a record, fill it,
 * ev_end(), restore errno, return the real result untouched.
 * A traced record is written straight into its ring slot (no copy); an
 * untraced one, still needed to keep the fd table true, goes to a scratch
 * record on the caller's stack.
 */
#ifndef SOCKTRACE_EVENT_H
#define SOCKTRACE_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ring.h"
#include "shim.h"

/*
 * May this call be traced?  No while set-up is pending elsewhere, tracing
 * is off, or a vfork child is borrowing the thread.  There is deliberately no "inside the shim" guard: the shim's own
 * calls go straight to the real functions (REAL), never through a wrapper,
 * so any wrapper entered while another is half-way through a record is the
 * app's own call, from a signal handler, and must be recorded like any
 * other (the ring and the tables are wait-free for exactly this).
 */
static inline int trace_enter_checked(void)
{
	if (unlikely(__atomic_load_n(&shim.init, __ATOMIC_ACQUIRE) != SHIM_READY))
		shim_ensure_init();
	return shim_hdr() != NULL;
}

static inline int trace_enter(void)
{
	if (shim_in_vfork_child())
		return 0;
	return trace_enter_checked();
}

/*
 * Begin a record: a claimed ring slot when traced (and a trace file is
 * mapped) and the slot could be taken, else scratch.  Every fixed field is
 * set: op, fd, time, pid, tid, the rest zero (fd2 -1).  Must be paired with ev_end(), on every path.
 * Inline: it runs once per event and is most of the per-event cost.
 */
/* Store v into the 8 bytes at p (adjacent fields written as one). */
static inline void put64(void *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

_Static_assert(offsetof(struct st_record, tid) == offsetof(struct st_record, pid) + 4, "pid, tid");
_Static_assert(offsetof(struct st_record, fd2) == offsetof(struct st_record, fd) + 4, "fd, fd2");
_Static_assert(offsetof(struct st_record, refs) == offsetof(struct st_record, err) + 4, "err, refs");
_Static_assert(offsetof(struct st_record, type) == offsetof(struct st_record, op) + 6, "op..type");
_Static_assert(offsetof(struct st_record, reserved) == offsetof(struct st_record, stack_id) + 6,
	       "stack_id..reserved");

static inline struct st_record *ev_begin(struct st_record *scratch, int traced, enum st_op op,
					 int fd)
{
	struct st_file_header *hdr = traced ? shim_hdr() : NULL;
	struct st_record *r = hdr ? ring_claim(hdr, shim.recs) : NULL;

	if (!r)		/* untraced, or dropped: the tables still need the record */
		r = scratch;
	/* Every field is written: a ring slot holds a record from the last lap. */
	r->t_ns = shim_now();
	r->inode = 0;
	r->inode2 = 0;
	r->ret = 0;
	r->arg[0] = 0;
	r->arg[1] = 0;
	put64(&r->pid, (uint32_t)shim.pid | (uint64_t)(uint32_t)shim_tid() << 32);
	put64(&r->fd, (uint32_t)fd | (uint64_t)UINT32_MAX << 32);		/* fd2 = -1 */
	put64(&r->err, 0);							/* err, refs */
	put64(&r->op, (uint16_t)op);						/* flags, domain, type = 0 */
	put64(&r->stack_id, 0);							/* addrs_len, reserved = 0 */
	return r;
}

/* Publish r if it is a ring slot. */
static inline void ev_end(struct st_record *r, const struct st_record *scratch)
{
	if (r != scratch)
		ring_publish(r);
}

/* Store the call's result: ret, and err when ret < 0. */
static inline void ev_result(struct st_record *r, int64_t ret, int err)
{
	r->ret = ret;
	r->err = ret < 0 ? err : 0;
}

/* ev_addr for long (unix) addresses: dedupes, since room is short. */
void ev_addr_slow(struct st_record *r, unsigned kinds, const struct sockaddr *sa, socklen_t len);

/*
 * Add an address of the given ST_ADDR_* kinds.  An identical long address
 * already present gains the kinds instead of a second copy.  Sets
 * ST_REC_ADDR_TRUNC when it does not fit.  Inet addresses (three inet6
 * always fit) take an inline path with constant-size copies.
 */
static inline void ev_addr(struct st_record *r, unsigned kinds, const struct sockaddr *sa,
			   socklen_t len)
{
	struct st_addr_hdr *h = (struct st_addr_hdr *)&r->addrs[r->addrs_len];
	int inet = len == sizeof(struct sockaddr_in), inet6 = len == sizeof(struct sockaddr_in6);

	if (sa && (inet || inet6) && r->addrs_len + sizeof(*h) + len <= ST_ADDRS_SIZE) {
		h->kinds = (uint8_t)kinds;
		h->len = (uint8_t)len;
		if (inet)
			memcpy(h + 1, sa, sizeof(struct sockaddr_in));
		else
			memcpy(h + 1, sa, sizeof(struct sockaddr_in6));
		r->addrs_len = (uint16_t)(r->addrs_len + sizeof(*h) + len);
	} else {
		ev_addr_slow(r, kinds, sa, len);
	}
}

/*
 * Add a value entry (ST_ADDR_DATA, ST_ADDR_TCPINFO, ST_ADDR_OPTVAL...) of
 * len bytes; ST_REC_ADDR_TRUNC when it does not fit.
 */
static inline void ev_value(struct st_record *r, unsigned kind, const void *v, size_t len)
{
	struct st_addr_hdr *h = (struct st_addr_hdr *)&r->addrs[r->addrs_len];

	if (len > 255 || r->addrs_len + sizeof(*h) + len > ST_ADDRS_SIZE) {
		r->flags |= ST_REC_ADDR_TRUNC;
		return;
	}
	h->kinds = (uint8_t)kind;
	h->len = (uint8_t)len;
	memcpy(h + 1, v, len);
	r->addrs_len = (uint16_t)(r->addrs_len + sizeof(*h) + len);
}

/* Add getsockname(fd) as ST_ADDR_LOCAL / getpeername(fd) as ST_ADDR_PEER. */
void ev_sockname(struct st_record *r, int fd);
void ev_peername(struct st_record *r, int fd);

#endif

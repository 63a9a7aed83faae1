/*
 * event.h - filling one record of the ring and publishing it.
 *
 * Every wrapper follows the same shape: call the real function, save errno,
 * bring its sockets' state up to date (socks.h), then ev_begin() a record,
 * fill it, ev_end(), restore errno, return the real result untouched.
 * A record is written straight into its ring slot (no copy); when there is
 * no file, or the ring had no slot to give, it goes to a scratch record in
 * the caller's struct ev and is forgotten: the state does not depend on it.
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
#include "sys.h"

/* One record being written: its head slot, and continuations as entries need them. */
struct ev {
	struct st_record *r;		/* the ring slot, or &scratch */
	uint64_t pos;			/* r's position, when a ring slot */
	unsigned ncont;
	struct st_cont *cont[ST_CONT_MAX];
	uint64_t cont_pos[ST_CONT_MAX];
	struct st_record scratch;
};

/*
 * May this call be traced?  No while set-up is pending elsewhere, no file
 * exists, or a vfork child is borrowing the thread.  There is deliberately
 * no "inside the shim" guard: the shim's own calls go straight to the real
 * functions (REAL), never through a wrapper, so any wrapper entered while
 * another is half-way through a record is the app's own call, from a
 * signal handler, and must be recorded like any other (the ring and the
 * tables are wait-free for exactly this).
 */
static inline int trace_enter(void)
{
	if (shim_in_vfork_child())
		return 0;
	if (unlikely(__atomic_load_n(&shim.init, __ATOMIC_ACQUIRE) != SHIM_READY))
		shim_ensure_init();
	return shim_hdr() != NULL;
}

/*
 * The process now holds a socket (made, accepted, received): may it be
 * traced?  Starts tracing (the file) when it had not.
 */
static inline int trace_start(void)
{
	if (shim_in_vfork_child())
		return 0;
	if (unlikely(__atomic_load_n(&shim.init, __ATOMIC_ACQUIRE) != SHIM_READY))
		shim_ensure_init();
	return shim_start();
}

/* Store v into the 8 bytes at p (adjacent fields written as one). */
static inline void put64(void *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

_Static_assert(offsetof(struct st_record, flags) == offsetof(struct st_record, op) + 2, "op, flags");
_Static_assert(offsetof(struct st_record, fd) == offsetof(struct st_record, tid) + 4, "tid, fd");
_Static_assert(offsetof(struct st_record, fd2) == offsetof(struct st_record, fd) + 4, "fd, fd2");
_Static_assert(offsetof(struct st_record, refs) == offsetof(struct st_record, fd2) + 4, "fd2, refs");
_Static_assert(offsetof(struct st_record, addrs_len) == offsetof(struct st_record, stack_id) + 4,
	       "stack_id, addrs_len");

/*
 * Refresh the header's latest clock anchor with now, when more than a
 * second old (shim.anchor_due); nothing without a file.
 */
void ev_anchor(struct st_file_header *hdr, uint64_t now) __attribute__((cold, noinline));

/*
 * Begin a record of op about fd: e's head slot is a claimed ring slot
 * while tracing, else the scratch record; e is reset for a new record.
 * Every field is set (a ring slot holds a record from the last lap): op,
 * fd, time, tid, the rest zero (fd2 -1).  Must be paired with ev_end(),
 * on every path.  Inline into each wrapper, claim included (its rare
 * paths are out of line in ring.c): it runs once per event and is most
 * of the per-event cost.
 */
static inline __attribute__((always_inline)) struct st_record *ev_begin(struct ev *e, enum st_op op,
									int fd)
{
	struct st_file_header *hdr = shim_hdr();
	struct st_record *r;
	uint64_t now;

	if (likely(hdr != NULL)) {
		r = ring_claim(hdr, &e->pos, &e->scratch);
	} else {
		r = &e->scratch;
		e->pos = 0;
	}
	e->r = r;
	e->ncont = 0;
	put64(&r->op, (uint16_t)op);			/* flags, err, domain, type = 0 */
	r->t_ns = now = shim_now();
	memset(&r->sid, 0, offsetof(struct st_record, tid) - offsetof(struct st_record, sid));
	put64(&r->tid, (uint32_t)shim_tid() | (uint64_t)(uint32_t)fd << 32);
	put64(&r->fd2, UINT32_MAX);			/* fd2 = -1, refs = 0 */
	put64(&r->stack_id, 0);				/* addrs_len, ncont, reserved = 0 */
	if (unlikely(now >= __atomic_load_n(&shim.anchor_due, __ATOMIC_RELAXED)))
		ev_anchor(hdr, now);
	return r;
}

/* Is e's record a ring slot (not the scratch one)? */
static inline int ev_traced(const struct ev *e)
{
	return e->r != &e->scratch;
}

void ev_publish_conts(struct ev *e);

/*
 * Publish e's record (its continuations first) if it is a ring slot.  The
 * scratch record is "published" too, into itself (its pos is 0, and it
 * never has continuations): no test on the common path.
 */
static inline void ev_end(struct ev *e)
{
	if (unlikely(e->ncont))
		ev_publish_conts(e);
	ring_publish(e->r, e->pos);
}

/* Store the call's result: ret, and err when ret < 0. */
static inline void ev_result(struct st_record *r, int64_t ret, int err)
{
	r->ret = ret;
	r->err = (int16_t)(ret < 0 ? err : 0);
}

/*
 * Add an entry of the given ST_ADDR_* kinds (ST_ADDR_INODE for an inode)
 * with len bytes of v, into the head's room or continuation slots claimed
 * for it.  An identical long address already there gains the kinds
 * instead.  ST_REC_ADDR_TRUNC when it does not fit.
 */
void ev_put(struct ev *e, unsigned kinds, const void *v, size_t len);

/*
 * Add an address entry.  Inet addresses that fit in the head take an
 * inline path with constant-size copies (the common case: connect,
 * accept).
 */
static inline void ev_addr(struct ev *e, unsigned kinds, const struct sockaddr *sa, socklen_t len)
{
	struct st_record *r = e->r;
	struct st_addr_hdr *h = (struct st_addr_hdr *)&r->addrs[r->addrs_len];
	int inet = len == sizeof(struct sockaddr_in);

	if (sa && inet && r->addrs_len + sizeof(*h) + sizeof(struct sockaddr_in) <= ST_REC_ADDRS) {
		h->kinds = (uint8_t)kinds;
		h->len = (uint8_t)len;
		memcpy(h + 1, sa, sizeof(struct sockaddr_in));
		r->addrs_len = (uint16_t)(r->addrs_len + sizeof(*h) + sizeof(struct sockaddr_in));
	} else if (sa && len) {
		ev_put(e, kinds, sa, len);
	}
}

/*
 * A value entry (ST_ADDR_DATA, ST_ADDR_TCPINFO, ST_ADDR_OPTVAL, ST_ADDR_INODE...):
 * inline while it fits in the head (the final close's totals do).
 */
static inline void ev_value(struct ev *e, unsigned kind, const void *v, size_t len)
{
	struct st_record *r = e->r;
	uint8_t *p = &r->addrs[r->addrs_len];

	if (r->addrs_len + sizeof(struct st_addr_hdr) + len <= ST_REC_ADDRS) {
		p[0] = (uint8_t)(kind == ST_ADDR_INODE ? 0 : kind);
		p[1] = (uint8_t)len;
		memcpy(p + sizeof(struct st_addr_hdr), v, len);
		r->addrs_len = (uint16_t)(r->addrs_len + sizeof(struct st_addr_hdr) + len);
	} else {
		ev_put(e, kind, v, len);
	}
}

/* The socket's inode as an entry (when known: 0 is not written). */
static inline void ev_inode(struct ev *e, uint64_t inode)
{
	if (inode)
		ev_put(e, ST_ADDR_INODE, &inode, sizeof(inode));
}

/*
 * A name call (getsockname, getpeername: nr, raw) on fd: its address as
 * an entry of the given kind in e, also copied into *out when out is
 * given.  Returns the length, 0 when the call failed.  Inline: once per
 * call that needs it, and an inet address is copied at a constant size.
 */
static inline __attribute__((always_inline)) unsigned ev_name(struct ev *e, long nr, unsigned kind,
							      int fd,
							      struct sockaddr_storage *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (sys_raw(nr, fd, &ss, &len) != 0)
		return 0;
	if (len > sizeof(ss))
		len = sizeof(ss);
	ev_addr(e, kind, (struct sockaddr *)&ss, len);
	if (out) {
		if (len == sizeof(struct sockaddr_in))
			memcpy(out, &ss, sizeof(struct sockaddr_in));
		else
			memcpy(out, &ss, len);
	}
	return len;
}

/*
 * Add getsockname(fd) as ST_ADDR_LOCAL / getpeername(fd) as ST_ADDR_PEER;
 * the address is also copied into *out when out is given.  Returns the
 * length, 0 when the call failed.
 */
static inline unsigned ev_sockname(struct ev *e, int fd, struct sockaddr_storage *out)
{
	return ev_name(e, SYS_getsockname, ST_ADDR_LOCAL, fd, out);
}

static inline unsigned ev_peername(struct ev *e, int fd, struct sockaddr_storage *out)
{
	return ev_name(e, SYS_getpeername, ST_ADDR_PEER, fd, out);
}

#endif

/*
 * event.c - one record per call: stamping, addresses, publishing.
 */
#define _GNU_SOURCE
#include "event.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

__thread int shim_busy TLS_IE;
static __thread pid_t tls_tid TLS_IE;

pid_t shim_tid(void)
{
	if (unlikely(!tls_tid))
		tls_tid = (pid_t)syscall(SYS_gettid);
	return tls_tid;
}

void shim_tid_reset(void)
{
	tls_tid = 0;
}

uint64_t shim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

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

struct st_record *ev_begin(struct st_record *scratch, int traced, enum st_op op, int fd)
{
	struct st_file_header *hdr = traced ? shim_hdr() : NULL;
	struct st_record *r = hdr ? ring_claim(hdr, shim.recs) : scratch;

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

void ev_end(struct st_record *r, const struct st_record *scratch)
{
	if (r != scratch)
		ring_publish(r);
}

/* Append one entry; the caller checked the room. */
static inline void addr_append(struct st_record *r, unsigned kinds, const void *sa, socklen_t len)
{
	struct st_addr_hdr *h = (struct st_addr_hdr *)&r->addrs[r->addrs_len];

	h->kinds = (uint8_t)kinds;
	h->len = (uint8_t)len;
	/* Constant sizes copy inline: inet and inet6 are the hot cases. */
	if (len == sizeof(struct sockaddr_in))
		memcpy(h + 1, sa, sizeof(struct sockaddr_in));
	else if (len == sizeof(struct sockaddr_in6))
		memcpy(h + 1, sa, sizeof(struct sockaddr_in6));
	else
		memcpy(h + 1, sa, len);
	r->addrs_len = (uint16_t)(r->addrs_len + sizeof(*h) + len);
}

void ev_addr(struct st_record *r, unsigned kinds, const struct sockaddr *sa, socklen_t len)
{
	size_t off = 0;
	struct st_addr_hdr *h;

	if (!sa || len == 0 || len > 255)
		return;
	/*
	 * Three inet6 addresses always fit; only long (unix) addresses need
	 * the room an identical earlier entry can save.
	 */
	if (len > sizeof(struct sockaddr_in6)) {
		while (off + sizeof(*h) <= r->addrs_len) {
			h = (struct st_addr_hdr *)&r->addrs[off];
			if (h->len == len && !memcmp(h + 1, sa, len)) {
				h->kinds |= (uint8_t)kinds;
				return;
			}
			off += sizeof(*h) + h->len;
		}
	}
	if (r->addrs_len + sizeof(*h) + len > ST_ADDRS_SIZE) {
		r->flags |= ST_REC_ADDR_TRUNC;
		return;
	}
	addr_append(r, kinds, sa, len);
}

void ev_sockname(struct st_record *r, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		ev_addr(r, ST_ADDR_LOCAL, (struct sockaddr *)&ss, len < sizeof(ss) ? len : sizeof(ss));
}

void ev_peername(struct st_record *r, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		ev_addr(r, ST_ADDR_PEER, (struct sockaddr *)&ss, len < sizeof(ss) ? len : sizeof(ss));
}

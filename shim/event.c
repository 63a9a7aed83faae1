/*
 * event.c - one record per call: stamping, addresses, publishing.
 */
#define _GNU_SOURCE
#include "event.h"

#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

static __thread int tls_busy TLS_IE;
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

int trace_enter(void)
{
	if (unlikely(__atomic_load_n(&shim.init, __ATOMIC_ACQUIRE) != SHIM_READY))
		shim_ensure_init();
	if (!shim_hdr() || tls_busy)
		return 0;
	tls_busy = 1;
	return 1;
}

void trace_leave(void)
{
	tls_busy = 0;
}

void ev_start(struct st_record *r, enum st_op op, int fd)
{
	memset(r, 0, offsetof(struct st_record, addrs));
	r->op = (uint16_t)op;
	r->fd = fd;
	r->fd2 = -1;
	r->t_ns = shim_now();
	r->pid = shim.pid;
	r->tid = shim_tid();
}

void ev_result(struct st_record *r, int64_t ret, int err)
{
	r->ret = ret;
	r->err = ret < 0 ? err : 0;
}

void ev_commit(const struct st_record *r)
{
	struct st_file_header *hdr = shim_hdr();

	if (hdr)
		ring_commit(hdr, shim.recs, r, ring_record_len(r));
}

void ev_addr(struct st_record *r, unsigned kinds, const struct sockaddr *sa, socklen_t len)
{
	size_t off = 0;
	struct st_addr_hdr *h;

	if (!sa || len == 0 || len > 255)
		return;
	while (off + sizeof(*h) <= r->addrs_len) {
		h = (struct st_addr_hdr *)&r->addrs[off];
		if (h->len == len && !memcmp(h + 1, sa, len)) {
			h->kinds |= (uint8_t)kinds;
			return;
		}
		off += sizeof(*h) + h->len;
	}
	if (r->addrs_len + sizeof(*h) + len > ST_ADDRS_SIZE) {
		r->flags |= ST_REC_ADDR_TRUNC;
		return;
	}
	h = (struct st_addr_hdr *)&r->addrs[r->addrs_len];
	h->kinds = (uint8_t)kinds;
	h->len = (uint8_t)len;
	memcpy(h + 1, sa, len);
	r->addrs_len = (uint16_t)(r->addrs_len + sizeof(*h) + len);
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

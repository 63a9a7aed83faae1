/*
 * event.c - one record per call: entries that need continuation slots,
 * addresses, the clocks and the thread id.
 */
#define _GNU_SOURCE
#include "event.h"
#include "sys.h"

#include <string.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__thread pid_t shim_tls_tid TLS_IE;

pid_t shim_tid_fetch(void)
{
	shim_tls_tid = (pid_t)sys_raw(SYS_gettid, 0, 0, 0);
	return shim_tls_tid;
}

PROC_PATH void shim_tid_reset(pid_t tid)
{
	shim_tls_tid = tid;
}

void ev_anchor(struct st_file_header *hdr, uint64_t now)
{
	uint32_t lo, hi;
	uint64_t tick;

	if (!hdr || hdr->tick_clock != ST_TICK_TSC)
		return;
#if defined(__x86_64__)
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
#else
	lo = hi = 0;
#endif
	tick = (uint64_t)hi << 32 | lo;
	/* Two stores a reader may see apart: tick 0 meanwhile says "none". */
	__atomic_store_n(&hdr->anchor_last.tick, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&hdr->anchor_last.ns, now, __ATOMIC_RELEASE);
	__atomic_store_n(&hdr->anchor_last.tick, tick, __ATOMIC_RELEASE);
	__atomic_store_n(&shim.anchor_due, now + 1000000001u, __ATOMIC_RELAXED);
}

/* Bytes the record can hold with the continuations it may still claim. */
static size_t room(const struct ev *e)
{
	return ev_traced(e) ? ST_ADDRS_MAX : ST_REC_ADDRS;
}

/* Claim continuation k (0-based) of e's record; 0 when the ring gave none. */
static int claim_cont(struct ev *e, unsigned k)
{
	struct st_file_header *hdr = shim_hdr();
	struct st_cont *c;
	uint64_t pos;

	if (!hdr || !(c = ring_claim(hdr, &pos, NULL)))
		return 0;
	c->op = ST_OP_CONT;
	c->index = (uint16_t)(k + 1);
	c->tid = e->r->tid;
	c->head_pos = e->pos;
	e->cont[k] = c;
	e->cont_pos[k] = pos;
	e->ncont = k + 1;
	e->r->ncont = (uint8_t)(k + 1);
	return 1;
}

/* Copy len bytes of v into the record's joined area at off, claiming continuations. */
static int area_write(struct ev *e, size_t off, const void *v, size_t len)
{
	const uint8_t *src = v;

	while (len) {
		uint8_t *dst;
		size_t n;

		if (off < ST_REC_ADDRS) {
			dst = &e->r->addrs[off];
			n = ST_REC_ADDRS - off;
		} else {
			unsigned k = (unsigned)((off - ST_REC_ADDRS) / ST_CONT_DATA);
			size_t in = (off - ST_REC_ADDRS) % ST_CONT_DATA;

			while (e->ncont <= k)
				if (!claim_cont(e, e->ncont))
					return -1;
			dst = &e->cont[k]->data[in];
			n = ST_CONT_DATA - in;
		}
		if (n > len)
			n = len;
		memcpy(dst, src, n);
		src += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Read the joined area [0, len) into out. */
static void area_read(const struct ev *e, uint8_t *out, size_t len)
{
	size_t n = len < ST_REC_ADDRS ? len : ST_REC_ADDRS;

	memcpy(out, e->r->addrs, n);
	for (unsigned k = 0; n < len && k < e->ncont; k++) {
		size_t m = len - n < ST_CONT_DATA ? len - n : ST_CONT_DATA;

		memcpy(out + n, e->cont[k]->data, m);
		n += m;
	}
}

/*
 * A pathname unix address: apps often pass sizeof(struct sockaddr_un);
 * keep the path and its NUL only, as getsockname reports it.
 */
static size_t unix_len(const struct sockaddr *sa, size_t len)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	size_t max, n;

	if (sa->sa_family != AF_UNIX || len <= offsetof(struct sockaddr_un, sun_path) || !un->sun_path[0])
		return len;
	max = len - offsetof(struct sockaddr_un, sun_path);
	n = strnlen(un->sun_path, max);
	return n < max ? offsetof(struct sockaddr_un, sun_path) + n + 1 : len;
}

/* An identical entry already there gains kinds: room is short. */
static int merge_dup(struct ev *e, unsigned kinds, const void *v, size_t len)
{
	uint8_t area[ST_ADDRS_MAX];
	const struct st_addr_hdr *h;
	const uint8_t *val;
	size_t off = 0, at;

	area_read(e, area, e->r->addrs_len);
	for (at = off; (h = st_entry_next(area, e->r->addrs_len, &off, &val)); at = off) {
		struct st_addr_hdr nh;

		if (h->kinds == 0 || h->len != len || memcmp(val, v, len))
			continue;
		nh = *h;
		nh.kinds |= (uint8_t)kinds;
		area_write(e, at, &nh, sizeof(nh));
		return 1;
	}
	return 0;
}

void ev_put(struct ev *e, unsigned kinds, const void *v, size_t len)
{
	struct st_record *r = e->r;
	struct st_addr_hdr h;
	int address = !(kinds & (ST_ADDR_OPTVAL | ST_ADDR_DATA | ST_ADDR_TCPINFO | ST_ADDR_NAME |
				 ST_ADDR_INODE));

	if (!v || len == 0 || len > 255)
		return;
	if (address) {
		len = unix_len(v, len);
		if (len > 2 * sizeof(struct sockaddr_in) && merge_dup(e, kinds, v, len))
			return;
	}
	h.kinds = (uint8_t)(kinds == ST_ADDR_INODE ? 0 : kinds);
	h.len = (uint8_t)len;
	if (r->addrs_len + sizeof(h) + len > room(e) ||
	    area_write(e, r->addrs_len, &h, sizeof(h)) ||
	    area_write(e, r->addrs_len + sizeof(h), v, len)) {
		r->flags |= ST_REC_ADDR_TRUNC;
		return;
	}
	r->addrs_len = (uint16_t)(r->addrs_len + sizeof(h) + len);
}

void ev_publish_conts(struct ev *e)
{
	for (unsigned k = 0; k < e->ncont; k++)
		ring_publish(e->cont[k], e->cont_pos[k]);
}

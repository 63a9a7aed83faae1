/*
 * event.c - one record per call: stamping, addresses, publishing.
 */
#define _GNU_SOURCE
#include "event.h"
#include "sys.h"

#include <string.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

static __thread pid_t tls_tid TLS_IE;

pid_t shim_tid(void)
{
	if (unlikely(!tls_tid))
		tls_tid = (pid_t)sys_raw(SYS_gettid, 0, 0, 0);
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


void ev_addr_slow(struct st_record *r, unsigned kinds, const struct sockaddr *sa, socklen_t len)
{
	size_t off = 0;
	struct st_addr_hdr *h;

	if (!sa || len == 0 || len > 255)
		return;
	if (sa->sa_family == AF_UNIX && len > offsetof(struct sockaddr_un, sun_path) &&
	    ((const struct sockaddr_un *)sa)->sun_path[0]) {
		/*
		 * A pathname: apps often pass sizeof(struct sockaddr_un); keep the
		 * path and its NUL only, as getsockname reports it.
		 */
		size_t max = len - offsetof(struct sockaddr_un, sun_path);
		size_t n = strnlen(((const struct sockaddr_un *)sa)->sun_path, max);

		if (n < max)
			len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
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

/*
 * wrap_sockopt.c - setsockopt of the options that decide how a socket
 * ends: SO_LINGER (a {1, 0} linger turns the final close into a RST).
 * Other options pass with one comparison.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>

#include "event.h"
#include "fdtab.h"
#include "real.h"
#include "track.h"

static int recorded_option(int level, int optname)
{
	return level == SOL_SOCKET && optname == SO_LINGER;
}

EXPORT int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	int ret = REAL(setsockopt)(fd, level, optname, optval, optlen);
	int err = errno;
	struct st_record scratch, *r;
	struct st_addr_hdr *h;

	if (likely(!recorded_option(level, optname)) || !trace_enter())
		return ret;
	r = ev_begin(&scratch, 1, ST_OP_SETSOCKOPT, fd);
	r->arg[0] = level;
	r->arg[1] = optname;
	track_identify(r, fd);
	if (ret == 0 && optval && optlen > 0 && optlen <= 64) {
		/* The value as given: only read when the kernel accepted it. */
		h = (struct st_addr_hdr *)&r->addrs[r->addrs_len];
		h->kinds = ST_ADDR_OPTVAL;
		h->len = (uint8_t)optlen;
		__builtin_memcpy(h + 1, optval, optlen);
		r->addrs_len = (uint16_t)(r->addrs_len + sizeof(*h) + optlen);
	}
	ev_result(r, ret, err);
	ev_end(r, &scratch);
	errno = err;
	return ret;
}

/*
 * wrap_sockopt.c - socket options that change a connection's fate.
 *
 * setsockopt: SO_LINGER (a {1, 0} linger turns the final close into a
 * RST), SO_REUSEADDR, SO_REUSEPORT (bind over TIME_WAIT, port sharing),
 * SO_KEEPALIVE, TCP_NODELAY, SO_SNDBUF, SO_RCVBUF, recorded with their
 * values.  getsockopt(SO_ERROR): how the app learns a non-blocking
 * connect's outcome.  Other options pass with two comparisons.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <string.h>
#include <sys/syscall.h>

#include "data.h"
#include "event.h"
#include "fdtab.h"
#include "real.h"
#include "sys.h"
#include "socks.h"

static int recorded_option(int level, int optname)
{
	if (level == SOL_SOCKET)
		return optname == SO_LINGER || optname == SO_REUSEADDR || optname == SO_REUSEPORT ||
		       optname == SO_KEEPALIVE || optname == SO_SNDBUF || optname == SO_RCVBUF;
	return level == IPPROTO_TCP && optname == TCP_NODELAY;
}

/* SO_LINGER {1, 0} makes the final close a RST: the state says so. */
static void linger_set(struct st_sock *s, const void *optval)
{
	struct linger l;

	memcpy(&l, optval, sizeof(l));
	if (l.l_onoff && !l.l_linger)
		sock_set(s, ST_SK_LINGER0);
	else
		__atomic_fetch_and(&s->flags, ~ST_SK_LINGER0, __ATOMIC_RELEASE);
}

EXPORT int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	int ret = REAL(setsockopt)(fd, level, optname, optval, optlen);
	int err = errno;
	struct st_record *r;
	uint64_t word;
	struct ev e;

	if (likely(level != SOL_SOCKET && level != IPPROTO_TCP) ||
	    !recorded_option(level, optname) || !trace_on_fd(fd))
		return ret;
	r = ev_begin(&e, ST_OP_SETSOCKOPT, fd);
	r->arg[0] = level;
	r->arg[1] = optname;
	word = socks_word(fd, r->t_ns, &r->flags);
	if (word)
		rec_sock(r, word);
	/* The value as given: only read when the kernel accepted it. */
	if (ret == 0 && optval && optlen > 0 && optlen <= 64) {
		ev_value(&e, ST_ADDR_OPTVAL, optval, optlen);
		if (word && level == SOL_SOCKET && optname == SO_LINGER && optlen >= sizeof(struct linger))
			linger_set(sock_of(word), optval);
	}
	ev_result(r, ret, err);
	ev_end(&e);
	errno = err;
	return ret;
}

/* Is fd connected now (a pending connect that SO_ERROR 0 does not prove done)? */
static int connected(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return sys_raw(SYS_getpeername, fd, &ss, &len) == 0;
}

/* getsockopt(SO_ERROR) succeeded on a socket we hold, reporting value. */
static void so_error_seen(int fd, uint64_t word, int value, socklen_t len)
{
	struct st_record *r;
	struct ev e;

	if (sock_flags(sock_of(word)) & ST_SK_CONNECTING) {
		if (value)
			data_connect_done(fd, word, value, ST_OP_GETSOCKOPT, value);
		else if (connected(fd))
			data_connect_done(fd, word, 0, ST_OP_GETSOCKOPT, 0);
		return;
	}
	if (!value)
		return;		/* nothing pending, nothing wrong: routine polling */
	r = ev_begin(&e, ST_OP_GETSOCKOPT, fd);
	r->arg[0] = SOL_SOCKET;
	r->arg[1] = SO_ERROR;
	rec_sock(r, word);
	ev_value(&e, ST_ADDR_OPTVAL, &value, len < sizeof(value) ? len : sizeof(value));
	ev_end(&e);
}

EXPORT int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	int ret = REAL(getsockopt)(fd, level, optname, optval, optlen);
	int err, value = 0;
	uint64_t word;

	if (likely(level != SOL_SOCKET || optname != SO_ERROR) || ret != 0)
		return ret;
	err = errno;
	word = fdtab_lookup(fd);
	if (word && trace_enter() && *optlen >= sizeof(value)) {
		__builtin_memcpy(&value, optval, sizeof(value));
		so_error_seen(fd, word, value, *optlen);
	}
	errno = err;
	return ret;
}

/*
 * wrap_socket.c - the calls that make sockets and give them addresses:
 * socket, socketpair, bind, listen, accept, accept4, connect, shutdown.
 *
 * Each returns exactly what the real call returned, with its errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "data.h"
#include "event.h"
#include "fdtab.h"
#include "real.h"
#include "stacks.h"
#include "track.h"

#define SOCK_FLAGS	(SOCK_NONBLOCK | SOCK_CLOEXEC)

EXPORT int socket(int domain, int type, int protocol)
{
	int fd = REAL(socket)(domain, type, protocol);
	int err = errno;
	struct st_record scratch, *r;

	if (!trace_enter())
		return fd;
	r = ev_begin(&scratch, 1, ST_OP_SOCKET, -1);
	r->arg[0] = type;
	r->arg[1] = protocol;
	r->domain = (uint16_t)domain;
	r->type = (uint16_t)(type & ~SOCK_FLAGS);
	if (fd >= 0) {
		track_born(r, fd, domain, type & ~SOCK_FLAGS, type & SOCK_CLOEXEC, 0);
		ev_stack(r, &scratch, STACK_CREATE);
	}
	ev_result(r, fd, err);
	ev_end(r, &scratch);
	errno = err;
	return fd;
}

/* Fill one socketpair record: end i of sv. */
static void pair_end(struct st_record *r, int domain, int type, int protocol, int ret, int err,
		     const int sv[2], int i)
{
	r->arg[0] = type;
	r->arg[1] = protocol;
	r->domain = (uint16_t)domain;
	r->type = (uint16_t)(type & ~SOCK_FLAGS);
	if (ret == 0) {
		r->fd2 = sv[1 - i];
		track_born(r, sv[i], domain, type & ~SOCK_FLAGS, type & SOCK_CLOEXEC, 1);
		if (domain == AF_UNIX) {
			/* Both ends of a unix pair are unnamed: no need to ask. */
			sa_family_t unnamed = AF_UNIX;

			ev_addr(r, ST_ADDR_LOCAL | ST_ADDR_PEER, (const struct sockaddr *)&unnamed,
				sizeof(unnamed));
		}
	}
	ev_result(r, ret, err);
}

EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	int ret = REAL(socketpair)(domain, type, protocol, sv);
	int err = errno;
	struct st_record scratch[2], *r[2];

	if (!trace_enter())
		return ret;
	if (ret != 0) {
		/* A failed socketpair is one failed call, not two. */
		r[0] = ev_begin(&scratch[0], 1, ST_OP_SOCKETPAIR, -1);
		pair_end(r[0], domain, type, protocol, ret, err, sv, 0);
		ev_end(r[0], &scratch[0]);
	} else {
		for (int i = 0; i < 2; i++) {
			r[i] = ev_begin(&scratch[i], 1, ST_OP_SOCKETPAIR, sv[i]);
			pair_end(r[i], domain, type, protocol, ret, err, sv, i);
		}
		r[0]->inode2 = r[1]->inode;
		r[1]->inode2 = r[0]->inode;
		/* One capture serves both ends: the same call made them. */
		ev_stack(r[0], &scratch[0], STACK_CREATE);
		if (r[1] != &scratch[1])
			r[1]->stack_id = r[0] != &scratch[0] ? r[0]->stack_id : stack_for(STACK_CREATE);
		ev_end(r[0], &scratch[0]);
		ev_end(r[1], &scratch[1]);
	}
	errno = err;
	return ret;
}

/*
 * Did the kernel read the app's address (so we may too)?  It looks the fd
 * up first (EBADF, ENOTSOCK), refuses a length over sockaddr_storage
 * unread (EINVAL), then copies (EFAULT); any other outcome means it read
 * len bytes from there.  Reading an address the kernel did not could fault
 * inside the app.
 */
static int arg_was_read(int ret, int err, socklen_t len)
{
	if (len > sizeof(struct sockaddr_storage))
		return 0;
	return ret == 0 || (err != EFAULT && err != EBADF && err != ENOTSOCK);
}

EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	int ret = REAL(bind)(fd, addr, len);
	int err = errno;
	struct st_record scratch, *r;

	if (!trace_enter())
		return ret;
	r = ev_begin(&scratch, 1, ST_OP_BIND, fd);
	track_identify(r, fd);
	if (ret == 0)
		ev_sockname(r, fd);
	if (arg_was_read(ret, err, len))
		ev_addr(r, ST_ADDR_ARG, addr, len);
	ev_result(r, ret, err);
	ev_end(r, &scratch);
	errno = err;
	return ret;
}

/* Keep the listener's local address (just recorded in r) for its accepts. */
static void cache_listen_addr(const struct st_record *r, uint64_t word)
{
	const struct st_addr_hdr *h = (const void *)r->addrs;

	if (r->addrs_len >= sizeof(*h) && (h->kinds & ST_ADDR_LOCAL))
		sock_set_listen_addr(fde_idx(word), h + 1, h->len);
}

EXPORT int listen(int fd, int backlog)
{
	int ret = REAL(listen)(fd, backlog);
	int err = errno;
	struct st_record scratch, *r;
	uint64_t word;

	if (!trace_enter())
		return ret;
	r = ev_begin(&scratch, 1, ST_OP_LISTEN, fd);
	r->arg[0] = backlog;
	word = track_identify(r, fd);
	if (ret == 0) {
		ev_sockname(r, fd);
		if (word)
			cache_listen_addr(r, word);
	}
	ev_result(r, ret, err);
	ev_end(r, &scratch);
	errno = err;
	return ret;
}

/*
 * Record an accept.  peer/plen is where the kernel wrote the peer's address
 * (our buffer when the app passed none); NULL when the app's buffer was used
 * and its size is unknown to us, so getpeername is asked instead.
 */
static void accepted(enum st_op op, int lfd, int fd, int flags, int err,
		     const struct sockaddr *peer, socklen_t plen)
{
	struct st_record scratch, *r;
	struct sock *listener = NULL;
	uint64_t lword;

	r = ev_begin(&scratch, 1, op, lfd);
	r->arg[0] = flags;
	lword = track_identify(r, lfd);
	if (lword)
		listener = sock_get(fde_idx(lword));
	r->inode2 = r->inode;
	r->arg[1] = r->refs;	/* the listener's own count, for its timeline */
	if (fd < 0) {
		/* A failed accept belongs to the listener's story. */
		ev_result(r, fd, err);
		ev_end(r, &scratch);
		return;
	}
	r->flags = 0;
	track_born(r, fd, r->domain, r->type, flags & SOCK_CLOEXEC, 1);
	ev_stack(r, &scratch, STACK_CREATE);
	if (listener && listener->local_len)
		ev_addr(r, ST_ADDR_LOCAL, (const struct sockaddr *)listener->local, listener->local_len);
	else
		ev_sockname(r, fd);
	if (peer && plen)
		ev_addr(r, ST_ADDR_PEER, peer, plen);
	else
		ev_peername(r, fd);
	ev_result(r, fd, 0);
	ev_end(r, &scratch);
}

/* The body shared by accept and accept4. */
static int accept_common(enum st_op op, int lfd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	int fd, err;

	if (addr) {
		fd = op == ST_OP_ACCEPT ? REAL(accept)(lfd, addr, alen)
					: REAL(accept4)(lfd, addr, alen, flags);
	} else {
		/* The app wants no address: let the kernel hand it to us. */
		fd = op == ST_OP_ACCEPT ? REAL(accept)(lfd, (struct sockaddr *)&ss, &slen)
					: REAL(accept4)(lfd, (struct sockaddr *)&ss, &slen, flags);
	}
	err = errno;
	if (!trace_enter())
		return fd;
	accepted(op, lfd, fd, flags, err, addr ? NULL : (struct sockaddr *)&ss,
		 slen <= sizeof(ss) ? slen : sizeof(ss));
	errno = err;
	return fd;
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *alen)
{
	return accept_common(ST_OP_ACCEPT, fd, addr, alen, 0);
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	return accept_common(ST_OP_ACCEPT4, fd, addr, alen, flags);
}

/*
 * After a successful inet connect the peer is exactly the address given,
 * unless that was a wildcard the kernel rewrote (0.0.0.0 means loopback).
 */
static int peer_is_arg(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr != htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return !IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return 0;
}

/*
 * A connect on a socket whose non-blocking connect is pending: 0 or
 * EISCONN says it completed, EALREADY that it has not, anything else
 * that it failed.
 */
static void connect_again(int fd, uint64_t word, int ret, int err)
{
	if (!(__atomic_load_n(&sockstat_of(word)->flags, __ATOMIC_ACQUIRE) & ST_SS_CONNECTING) ||
	    (ret < 0 && (err == EALREADY || err == EINPROGRESS || err == EINTR)))
		return;
	data_connect_done(fd, word, ret == 0 || err == EISCONN ? 0 : err, ST_OP_CONNECT, 0);
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	/* The call's own duration: a blocking connect's latency (arg[0]). */
	uint64_t t0 = shim_now();
	int ret = REAL(connect)(fd, addr, len);
	int err = errno;
	struct st_record scratch, *r;
	uint64_t word;
	int readable;

	if (!trace_enter())
		return ret;
	r = ev_begin(&scratch, 1, ST_OP_CONNECT, fd);
	r->arg[0] = (int64_t)(r->t_ns - t0);
	word = track_identify(r, fd);
	if (word)
		connect_again(fd, word, ret, err);
	readable = arg_was_read(ret, err, len);
	if (ret == 0 || err == EINPROGRESS) {
		ev_sockname(r, fd);
		if (word)
			sock_get(fde_idx(word))->peered = 1;
	}
	if (ret < 0 && err == EINPROGRESS && word)
		__atomic_fetch_or(&sockstat_of(word)->flags, ST_SS_CONNECTING, __ATOMIC_ACQ_REL);
	if (ret == 0 && readable && peer_is_arg(addr, len)) {
		ev_addr(r, ST_ADDR_ARG | ST_ADDR_PEER, addr, len);
	} else {
		if (ret == 0)
			ev_peername(r, fd);
		if (readable)
			ev_addr(r, ST_ADDR_ARG, addr, len);
	}
	ev_result(r, ret, err);
	ev_end(r, &scratch);
	errno = err;
	return ret;
}

EXPORT int shutdown(int fd, int how)
{
	int ret = REAL(shutdown)(fd, how);
	int err = errno;
	struct st_record scratch, *r;

	if (!trace_enter())
		return ret;
	r = ev_begin(&scratch, 1, ST_OP_SHUTDOWN, fd);
	r->arg[0] = how;
	ev_stack(r, &scratch, STACK_DROP);
	track_identify(r, fd);
	ev_result(r, ret, err);
	ev_end(r, &scratch);
	errno = err;
	return ret;
}

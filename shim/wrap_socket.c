/*
 * wrap_socket.c - the calls that make sockets and give them addresses:
 * socket, socketpair, bind, listen, accept, accept4, connect, shutdown.
 *
 * Each returns exactly what the real call returned, with its errno.  The
 * socket's state (socks.h) is brought up to date first, then the call is
 * recorded.  The only system call of ours on a connection's way is the
 * client's getsockname after connect: its local address cannot be had
 * otherwise.  An accepted socket's local address is its listener's when
 * the listener is bound to one address; its peer comes with accept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "data.h"
#include "event.h"
#include "fdtab.h"
#include "real.h"
#include "socks.h"
#include "stacks.h"
#include "sys.h"

#define SOCK_FLAGS	(SOCK_NONBLOCK | SOCK_CLOEXEC)

/* The inode of a newborn socket, only when SOCKTRACE_INODES asks (one fstat). */
static uint64_t birth_inode(int fd)
{
	struct stat st;

	if (!(socks_opts & ST_OPT_INODES) || sys_raw(SYS_fstat, fd, &st, 0) != 0)
		return 0;
	return st.st_ino;
}

/*
 * A socket born at fd, with its record r: the state, then the record's
 * identity.  Inline: once per birth, and b's constants then fold.
 */
static inline __attribute__((always_inline)) int64_t born(struct ev *e, int fd,
							  struct sock_birth *b)
{
	struct st_record *r = e->r;
	int64_t idx;

	b->t_ns = r->t_ns;
	b->inode = birth_inode(fd);
	idx = socks_born(fd, b);
	r->domain = b->domain;
	r->type = b->type;
	r->stack_id = b->stack_id;
	if (b->cloexec)
		r->flags |= ST_REC_CLOEXEC;
	if (idx < 0) {
		r->flags |= ST_REC_REFS_UNKNOWN;
		r->refs = -1;
		return idx;
	}
	r->sid = sock_sid((uint32_t)idx);
	r->refs = 1;
	ev_inode(e, b->inode);
	return idx;
}

/* A call on an existing socket that failed before any socket was traced: nothing to say. */
static int failed_untraced(void)
{
	return !trace_enter();
}

EXPORT int socket(int domain, int type, int protocol)
{
	int fd = REAL(socket)(domain, type, protocol);
	int err = errno;
	struct sock_birth b = { .domain = (uint8_t)domain, .type = (uint8_t)(type & ~SOCK_FLAGS),
				.made_by = ST_OP_SOCKET, .made = 1, .cloexec = type & SOCK_CLOEXEC };
	struct st_record *r;
	struct ev e;

	if (fd < 0 ? failed_untraced() : !trace_start())
		return fd;
	r = ev_begin(&e, ST_OP_SOCKET, -1);
	r->arg[0] = type;
	r->arg[1] = protocol;
	r->domain = b.domain;
	r->type = b.type;
	if (fd >= 0) {
		b.stack_id = stack_for(STACK_CREATE);
		born(&e, fd, &b);
	}
	ev_result(r, fd, err);
	ev_end(&e);
	errno = err;
	return fd;
}

EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	int ret = REAL(socketpair)(domain, type, protocol, sv);
	int err = errno;
	struct sock_birth b = { .domain = (uint8_t)domain, .type = (uint8_t)(type & ~SOCK_FLAGS),
				.made_by = ST_OP_SOCKETPAIR, .flags = ST_SK_PEERED, .made = 1,
				.cloexec = type & SOCK_CLOEXEC };
	/* Both ends of a unix pair are unnamed: no need to ask. */
	sa_family_t unnamed = AF_UNIX;
	struct st_record *r[2];
	int64_t idx[2];
	struct ev e[2];

	if (ret != 0 ? failed_untraced() : !trace_start())
		return ret;
	if (ret != 0) {
		/* A failed socketpair is one failed call, not two. */
		r[0] = ev_begin(&e[0], ST_OP_SOCKETPAIR, -1);
		r[0]->arg[0] = type;
		r[0]->arg[1] = protocol;
		r[0]->domain = b.domain;
		r[0]->type = b.type;
		ev_result(r[0], ret, err);
		ev_end(&e[0]);
		errno = err;
		return ret;
	}
	/* One capture serves both ends: the same call made them. */
	b.stack_id = stack_for(STACK_CREATE);
	for (int i = 0; i < 2; i++) {
		r[i] = ev_begin(&e[i], ST_OP_SOCKETPAIR, sv[i]);
		r[i]->arg[0] = type;
		r[i]->arg[1] = protocol;
		r[i]->fd2 = sv[1 - i];
		idx[i] = born(&e[i], sv[i], &b);
		if (idx[i] >= 0 && domain == AF_UNIX)
			sock_set_addr(sock_at((uint32_t)idx[i]), 0, &unnamed, sizeof(unnamed)),
			sock_set_addr(sock_at((uint32_t)idx[i]), 1, &unnamed, sizeof(unnamed));
		if (domain == AF_UNIX)
			ev_addr(&e[i], ST_ADDR_LOCAL | ST_ADDR_PEER, (const struct sockaddr *)&unnamed,
				sizeof(unnamed));
		ev_result(r[i], 0, 0);
	}
	if (idx[0] >= 0 && idx[1] >= 0)
		socks_pair((uint32_t)idx[0], (uint32_t)idx[1]);
	r[0]->sid2 = r[1]->sid;
	r[1]->sid2 = r[0]->sid;
	ev_end(&e[0]);
	ev_end(&e[1]);
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

/*
 * The socket at fd for a call on it, recorded in r: its word (0 when fd is
 * not a socket we trace: r then has no sid).  Inline: a table load and the
 * record's identity.
 */
static inline __attribute__((always_inline)) uint64_t on_socket(struct st_record *r, int fd)
{
	uint64_t word = socks_word(fd, r->t_ns, &r->flags);

	if (word)
		rec_sock(r, word);
	return word;
}


EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	int ret = REAL(bind)(fd, addr, len);
	int err = errno;
	struct sockaddr_storage local;
	struct st_record *r;
	uint64_t word;
	unsigned n;
	struct ev e;

	if (!trace_on_fd(fd))
		return ret;
	r = ev_begin(&e, ST_OP_BIND, fd);
	word = on_socket(r, fd);
	if (ret == 0 && (n = ev_sockname(&e, fd, &local)) && word)
		sock_set_addr(sock_of(word), 0, &local, n);
	if (arg_was_read(ret, err, len))
		ev_addr(&e, ST_ADDR_ARG, addr, len);
	ev_result(r, ret, err);
	ev_end(&e);
	errno = err;
	return ret;
}

/*
 * Is sa an inet address of one host (not a wildcard)?  Only the two inet
 * lengths can be: each copied whole (sa may be unaligned), a constant
 * size, so no call to memcpy.
 */
static int inet_specific(const void *sa, unsigned len)
{
	struct sockaddr_in in;
	struct sockaddr_in6 in6;

	if (len == sizeof(in)) {
		memcpy(&in, sa, sizeof(in));
		return in.sin_family == AF_INET && in.sin_addr.s_addr != htonl(INADDR_ANY);
	}
	if (len == sizeof(in6)) {
		memcpy(&in6, sa, sizeof(in6));
		return in6.sin6_family == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&in6.sin6_addr);
	}
	return 0;
}

EXPORT int listen(int fd, int backlog)
{
	int ret = REAL(listen)(fd, backlog);
	int err = errno;
	struct sockaddr_storage local;
	struct st_record *r;
	struct st_sock *s;
	uint64_t word;
	unsigned n;
	struct ev e;

	if (!trace_on_fd(fd))
		return ret;
	r = ev_begin(&e, ST_OP_LISTEN, fd);
	r->arg[0] = backlog;
	word = on_socket(r, fd);
	if (ret == 0) {
		n = ev_sockname(&e, fd, &local);
		if (word) {
			s = sock_of(word);
			sock_set_addr(s, 0, &local, n);
			/* Every socket it accepts has this local address: no getsockname then. */
			sock_set(s, ST_SK_LISTENING | (n && inet_specific(&local, n) ? ST_SK_LISTEN_SPECIFIC : 0));
			sock_tcp(s, ST_TCP_LISTEN);
			if (!s->listen_ns)
				s->listen_ns = r->t_ns;
		}
	}
	ev_result(r, ret, err);
	ev_end(&e);
	errno = err;
	return ret;
}

/*
 * Record an accept.  peer/plen is where the kernel wrote the peer's address
 * (our buffer when the app passed none, or the app's when it is whole).
 * Inline into accept_common's two calls: the arguments then fold.
 */
static inline __attribute__((always_inline)) void accepted(enum st_op op, int lfd, int fd,
							   int flags, int err,
							   const struct sockaddr *peer,
							   socklen_t plen)
{
	struct sock_birth b = { .made_by = (uint8_t)op, .flags = ST_SK_PEERED | ST_SK_CONNECTED,
				.made = 1, .cloexec = flags & SOCK_CLOEXEC };
	struct sockaddr_storage local, asked;
	struct st_sock *l = NULL, *s;
	struct st_record *r;
	uint64_t lword;
	int64_t idx;
	unsigned n = 0;
	struct ev e;

	r = ev_begin(&e, op, lfd);
	r->arg[0] = flags;
	lword = on_socket(r, lfd);
	r->sid2 = r->sid;
	r->arg[1] = r->refs;	/* the listener's own count, for its timeline */
	if (fd < 0) {
		/* A failed accept belongs to the listener's story. */
		ev_result(r, fd, err);
		ev_end(&e);
		return;
	}
	if (lword) {
		l = sock_of(lword);
		b.domain = l->domain;
		b.type = l->type;
		b.sid2 = r->sid2;
		/* Accepted sockets inherit the listener's linger. */
		b.flags |= sock_flags(l) & ST_SK_LINGER0;
	}
	r->flags = 0;
	b.stack_id = stack_for(STACK_CREATE);
	idx = born(&e, fd, &b);
	if (!peer || !plen) {
		/* The app's buffer was too small for the whole address: ask. */
		plen = ev_peername(&e, fd, &asked);
		peer = (const struct sockaddr *)&asked;
	} else {
		ev_addr(&e, ST_ADDR_PEER, peer, plen);
	}
	s = idx >= 0 ? sock_at((uint32_t)idx) : NULL;
	if (l && (sock_flags(l) & ST_SK_LISTEN_SPECIFIC) && l->local_len == sizeof(struct sockaddr_in)) {
		/* Every socket a listener bound to one address accepts has that address. */
		ev_addr(&e, ST_ADDR_LOCAL, (const struct sockaddr *)l->local, sizeof(struct sockaddr_in));
		if (s)
			sock_set_addr(s, 0, l->local, sizeof(struct sockaddr_in));
	} else {
		n = ev_sockname(&e, fd, &local);
		if (s)
			sock_set_addr(s, 0, &local, n);
	}
	if (s) {
		sock_set_addr(s, 1, peer, plen);
		sock_tcp(s, ST_TCP_ESTABLISHED);
	}
	ev_result(r, fd, 0);
	ev_end(&e);
}

/* The body shared by accept and accept4. */
static int accept_common(enum st_op op, int lfd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss), given = addr && alen ? *alen : 0;
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
	if (fd < 0 ? !trace_on_fd(lfd) : !trace_start())
		return fd;
	if (addr) {
		/* The app's buffer holds the whole address when it was big enough. */
		socklen_t got = alen ? *alen : 0;

		accepted(op, lfd, fd, flags, err, fd >= 0 && got <= given ? addr : NULL,
			 got <= given ? got : 0);
	} else {
		accepted(op, lfd, fd, flags, err, (struct sockaddr *)&ss,
			 slen <= sizeof(ss) ? slen : sizeof(ss));
	}
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
	return (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) && inet_specific(sa, len);
}

/*
 * A connect on a socket whose non-blocking connect is pending: 0 or
 * EISCONN says it completed, EALREADY that it has not, anything else
 * that it failed.
 */
static void connect_again(int fd, uint64_t word, int ret, int err)
{
	if (!(sock_flags(sock_of(word)) & ST_SK_CONNECTING) ||
	    (ret < 0 && (err == EALREADY || err == EINPROGRESS || err == EINTR)))
		return;
	data_connect_done(fd, word, ret == 0 || err == EISCONN ? 0 : err, ST_OP_CONNECT, 0);
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	/* The call's own duration in ticks: a blocking connect's latency (arg[0]). */
	uint64_t t0 = socks_tick();
	int ret = REAL(connect)(fd, addr, len);
	int err = errno;
	struct sockaddr_storage local, peer;
	struct st_record *r;
	struct st_sock *s = NULL;
	uint64_t word;
	int readable;
	unsigned n;
	struct ev e;

	if (!trace_on_fd(fd))
		return ret;
	r = ev_begin(&e, ST_OP_CONNECT, fd);
	r->arg[0] = (int64_t)(socks_tick() - t0);
	word = on_socket(r, fd);
	if (word) {
		s = sock_of(word);
		connect_again(fd, word, ret, err);
	}
	readable = arg_was_read(ret, err, len);
	if (ret == 0 || err == EINPROGRESS) {
		n = ev_sockname(&e, fd, &local);
		if (s) {
			sock_set_addr(s, 0, &local, n);
			sock_set(s, ST_SK_PEERED | (ret == 0 ? ST_SK_CONNECTED : ST_SK_CONNECTING));
			sock_tcp(s, ret == 0 ? ST_TCP_ESTABLISHED : ST_TCP_SYN_SENT);
		}
	} else if (s && err != EALREADY && err != EISCONN && err != EINTR) {
		sock_tcp(s, ST_TCP_CLOSED);
	}
	if (ret == 0 && readable && peer_is_arg(addr, len)) {
		ev_addr(&e, ST_ADDR_ARG | ST_ADDR_PEER, addr, len);
		if (s)
			sock_set_addr(s, 1, addr, len);
	} else {
		if (ret == 0 && (n = ev_peername(&e, fd, &peer)) && s)
			sock_set_addr(s, 1, &peer, n);
		if (readable) {
			ev_addr(&e, ST_ADDR_ARG, addr, len);
			/* The peer it tries to reach, until the kernel says who it is. */
			if (s && ret != 0 && !s->peer_len)
				sock_set_addr(s, 1, addr, len);
		}
	}
	ev_result(r, ret, err);
	ev_end(&e);
	errno = err;
	return ret;
}

EXPORT HOT_PATH int shutdown(int fd, int how)
{
	int ret = REAL(shutdown)(fd, how);
	int err = errno;
	struct st_record *r;
	struct st_sock *s;
	uint64_t word;
	struct ev e;

	if (!trace_on_fd(fd))
		return ret;
	r = ev_begin(&e, ST_OP_SHUTDOWN, fd);
	r->arg[0] = how;
	r->stack_id = stack_for(STACK_DROP);
	word = on_socket(r, fd);
	if (word && ret == 0) {
		s = sock_of(word);
		if (!s->shut_ns)
			s->shut_ns = r->t_ns;
		if (how == SHUT_RD || how == SHUT_RDWR)
			sock_set(s, ST_SK_SHUT_RD);
		if (how == SHUT_WR || how == SHUT_RDWR) {
			sock_set(s, ST_SK_SHUT_WR);
			sock_tcp(s, s->tcp_state == ST_TCP_CLOSE_WAIT ? ST_TCP_LAST_ACK : ST_TCP_FIN_WAIT);
		}
	}
	ev_result(r, ret, err);
	ev_end(&e);
	errno = err;
	return ret;
}

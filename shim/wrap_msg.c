/*
 * wrap_msg.c - sockets passed between processes with SCM_RIGHTS:
 * sendmsg (one record per socket sent) and recvmsg (one per socket
 * received, each a new reference born in this process).
 *
 * Messages without control data, the common case, pass at the cost of one
 * test, then have their bytes counted like any data call (data.h).
 * sendmmsg/recvmmsg count bytes (wrap_data.c) but do not follow
 * SCM_RIGHTS (README: limits).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "data.h"
#include "event.h"
#include "fdtab.h"
#include "real.h"
#include "stacks.h"
#include "socks.h"
#include "sys.h"
#include <sys/syscall.h>

/* A walk over the fds of a message's SCM_RIGHTS control messages. */
struct passed {
	struct msghdr *msg;
	struct cmsghdr *c;
	size_t i, n;
};

static void passed_start(struct passed *it, const struct msghdr *msg)
{
	it->msg = (struct msghdr *)msg;	/* only read: CMSG_NXTHDR takes no const */
	it->c = CMSG_FIRSTHDR(it->msg);
	it->i = it->n = 0;
}

/* The next passed fd into *fd; 0 at the end. */
static int passed_next(struct passed *it, int *fd)
{
	while (it->c) {
		if (it->c->cmsg_level == SOL_SOCKET && it->c->cmsg_type == SCM_RIGHTS &&
		    it->c->cmsg_len >= CMSG_LEN(0)) {
			it->n = (it->c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			if (it->i < it->n) {
				memcpy(fd, CMSG_DATA(it->c) + it->i++ * sizeof(int), sizeof(int));
				return 1;
			}
		}
		it->c = CMSG_NXTHDR(it->msg, it->c);
		it->i = 0;
	}
	return 0;
}

/* The carrier socket's word (first seen when the table does not hold it), for records about what it carries. */
static uint64_t carrier_word(int sockfd, struct st_record *r)
{
	uint16_t flags = 0;
	uint64_t word = socks_word(sockfd, r->t_ns, &flags);

	if (word)
		r->sid2 = sock_sid(fde_idx(word));
	return word;
}

/*
 * The passed sockets' records, stamped t: before the call, so that the
 * receiver's recvmsg (which returns after it) always sorts after them,
 * whoever the scheduler ran first afterwards.
 */
static void sent(int sockfd, const struct msghdr *msg, ssize_t ret, uint64_t t)
{
	struct st_record *r;
	struct passed it;
	uint64_t word;
	struct ev e;
	int fd;

	passed_start(&it, msg);
	while (passed_next(&it, &fd)) {
		if (!fdtab_lookup(fd) && !socks_fd_inode(fd))
			continue;	/* not a socket */
		r = ev_begin(&e, ST_OP_SENDMSG, fd);
		r->t_ns = t;
		r->fd2 = sockfd;
		carrier_word(sockfd, r);
		word = socks_word(fd, r->t_ns, &r->flags);
		if (word) {
			rec_sock(r, word);
			ev_inode(&e, socks_inode(word, fd));
		}
		ev_result(r, ret, 0);
		ev_end(&e);
	}
}

static void received(int sockfd, struct msghdr *msg, int flags, ssize_t ret)
{
	struct sockaddr_storage local, peer;
	struct st_record *r;
	struct passed it;
	uint64_t inode, word;
	unsigned n;
	struct ev e;
	int fd;

	passed_start(&it, msg);
	while (passed_next(&it, &fd)) {
		inode = socks_fd_inode(fd);
		if (!inode || !trace_start())
			continue;	/* a pipe or file: not ours to count */
		r = ev_begin(&e, ST_OP_RECVMSG, fd);
		r->fd2 = sockfd;
		carrier_word(sockfd, r);
		r->stack_id = stack_for(STACK_CREATE);
		word = socks_arrived(fd, inode, ST_OP_RECVMSG, flags & MSG_CMSG_CLOEXEC, r->stack_id,
				     r->t_ns);
		if (flags & MSG_CMSG_CLOEXEC)
			r->flags |= ST_REC_CLOEXEC;
		ev_inode(&e, inode);
		if (word) {
			rec_sock(r, word);
		} else {
			r->flags |= ST_REC_REFS_UNKNOWN;
			r->refs = -1;
		}
		n = ev_sockname(&e, fd, &local);
		if (word && n && !sock_of(word)->local_len)
			sock_set_addr(sock_of(word), 0, &local, n);
		n = ev_peername(&e, fd, &peer);
		if (word && n && !sock_of(word)->peer_len)
			sock_set_addr(sock_of(word), 1, &peer, n);
		ev_result(r, ret, 0);
		ev_end(&e);
	}
}

/* A sendmsg/recvmsg's bytes (data.h); its iovec is read only when the call succeeded (valid then). */
static inline __attribute__((always_inline)) ssize_t
msg_done(enum st_op op, enum data_dir dir, int fd, const struct msghdr *msg, int flags, ssize_t ret)
{
	return data_done_iov(DATA_CALL(op, dir, flags), flags, ret >= 0 ? msg->msg_iovlen : 0,
			     ret >= 0 ? msg->msg_iov : NULL, fd, ret);
}

EXPORT ssize_t sendmsg(int sockfd, const struct msghdr *msg, int flags)
{
	/*
	 * The clock before the call, whatever msg holds: msg may be read only
	 * once the kernel has found it valid (ret >= 0), and passed fds'
	 * records must sort before the receiver's.
	 */
	uint64_t t = shim_now();
	ssize_t ret = REAL(sendmsg)(sockfd, msg, flags);
	int err;

	if (likely(ret < 0 || !msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr)))
		return msg_done(ST_OP_SENDMSG, DATA_SENT, sockfd, msg, flags, ret);
	err = errno;
	if (trace_on_fd(sockfd))
		sent(sockfd, msg, ret, t);
	errno = err;
	return msg_done(ST_OP_SENDMSG, DATA_SENT, sockfd, msg, flags, ret);
}

/*
 * MSG_CTRUNC: the control buffer (or its absence) had no room for passed
 * fds, and the kernel closed the ones that did not fit.  Their in-flight
 * references are gone: one record, fd -1, on the carrier.
 */
static void discarded(int sockfd, ssize_t ret)
{
	struct st_record *r;
	struct ev e;

	r = ev_begin(&e, ST_OP_RECVMSG, -1);
	r->fd2 = sockfd;
	carrier_word(sockfd, r);
	r->arg[0] = MSG_CTRUNC;
	ev_result(r, ret, 0);
	ev_end(&e);
}

EXPORT ssize_t recvmsg(int sockfd, struct msghdr *msg, int flags)
{
	ssize_t ret = REAL(recvmsg)(sockfd, msg, flags);
	int err, ctrunc;

	if (likely(ret < 0))
		return msg_done(ST_OP_RECVMSG, DATA_RECEIVED, sockfd, msg, flags, ret);
	ctrunc = msg->msg_flags & MSG_CTRUNC;
	if (likely(!ctrunc && (!msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr))))
		return msg_done(ST_OP_RECVMSG, DATA_RECEIVED, sockfd, msg, flags, ret);
	err = errno;
	if (!shim_in_vfork_child()) {
		if (msg->msg_control && msg->msg_controllen >= sizeof(struct cmsghdr))
			received(sockfd, msg, flags, ret);
		if (ctrunc && trace_on_fd(sockfd))
			discarded(sockfd, ret);
	}
	errno = err;
	return msg_done(ST_OP_RECVMSG, DATA_RECEIVED, sockfd, msg, flags, ret);
}

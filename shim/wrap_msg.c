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
#include "track.h"

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

/* The carrier socket's identity, for records about the sockets it carries. */
static uint64_t carrier_inode(int fd)
{
	uint64_t word = fdtab_lookup(fd);

	return word ? __atomic_load_n(&sock_get(fde_idx(word))->inode, __ATOMIC_ACQUIRE) :
		fd_inode(fd);
}

static void sent(int sockfd, const struct msghdr *msg, ssize_t ret)
{
	uint64_t carrier = 0;
	struct st_record scratch, *r;

	struct passed it;
	int fd;

	passed_start(&it, msg);
	while (passed_next(&it, &fd)) {
		if (!fdtab_lookup(fd) && !fd_inode(fd))
			continue;	/* not a socket */
		if (!carrier)
			carrier = carrier_inode(sockfd);
		r = ev_begin(&scratch, 1, ST_OP_SENDMSG, fd);
		r->fd2 = sockfd;
		r->inode2 = carrier;
		track_identify(r, fd);
		ev_result(r, ret, 0);
		ev_end(r, &scratch);
	}
}

static void received(int sockfd, struct msghdr *msg, int flags, ssize_t ret)
{
	uint64_t carrier = 0;
	struct st_record scratch, *r;

	struct passed it;
	int fd;

	passed_start(&it, msg);
	while (passed_next(&it, &fd)) {
		uint64_t inode = fd_inode(fd);
		int domain = 0, type = 0;
		socklen_t len;

		if (!inode)
			continue;	/* a pipe or file: not ours to count */
		if (!carrier)
			carrier = carrier_inode(sockfd);
		len = sizeof(domain);
		getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
		len = sizeof(type);
		getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
		r = ev_begin(&scratch, 1, ST_OP_RECVMSG, fd);
		r->fd2 = sockfd;
		r->inode2 = carrier;
		track_received(r, fd, inode, domain, type, flags & MSG_CMSG_CLOEXEC);
		ev_stack(r, &scratch, STACK_CREATE);
		ev_sockname(r, fd);
		ev_peername(r, fd);
		ev_result(r, ret, 0);
		ev_end(r, &scratch);
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
	ssize_t ret = REAL(sendmsg)(sockfd, msg, flags);
	int err;

	if (likely(ret < 0 || !msg || !msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr)))
		return msg_done(ST_OP_SENDMSG, DATA_SENT, sockfd, msg, flags, ret);
	err = errno;
	if (trace_enter())
		sent(sockfd, msg, ret);
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
	struct st_record scratch, *r;

	r = ev_begin(&scratch, 1, ST_OP_RECVMSG, -1);
	r->fd2 = sockfd;
	r->inode2 = carrier_inode(sockfd);
	r->arg[0] = MSG_CTRUNC;
	ev_result(r, ret, 0);
	ev_end(r, &scratch);
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
	if (trace_enter()) {
		if (msg->msg_control && msg->msg_controllen >= sizeof(struct cmsghdr))
			received(sockfd, msg, flags, ret);
		if (ctrunc)
			discarded(sockfd, ret);
	}
	errno = err;
	return msg_done(ST_OP_RECVMSG, DATA_RECEIVED, sockfd, msg, flags, ret);
}

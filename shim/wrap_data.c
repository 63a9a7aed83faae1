/*
 * wrap_data.c - the data path: send, sendto, sendmmsg, recv, recvfrom,
 * recvmmsg, read, write, readv, writev, sendfile, splice (and the
 * _FORTIFY_SOURCE entry points of read, recv, recvfrom).  sendmsg and
 * recvmsg are in wrap_msg.c, with SCM_RIGHTS.
 *
 * Each makes the real call, then data_done() (data.h): a table load lets
 * every fd that is not a socket go, a socket's bytes are counted in its
 * slot.  The result and errno are the real call's, untouched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "data.h"
#include "real.h"

#define SENT(op_, want_, flags_) \
	((const struct data_call){ .op = (op_), .dir = DATA_SENT, .want = (want_), .flags = (flags_), .fd2 = -1 })
#define RECEIVED(op_, want_, flags_) \
	((const struct data_call){ .op = (op_), .dir = DATA_RECEIVED, .want = (want_), .flags = (flags_), .fd2 = -1 })

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return data_done(&SENT(ST_OP_SEND, len, flags), fd, REAL(send)(fd, buf, len, flags));
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
		      socklen_t tolen)
{
	return data_done(&SENT(ST_OP_SENDTO, len, flags), fd,
			 REAL(sendto)(fd, buf, len, flags, to, tolen));
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	return data_done(&RECEIVED(ST_OP_RECV, len, flags), fd, REAL(recv)(fd, buf, len, flags));
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t cap, int flags)
{
	return data_done(&RECEIVED(ST_OP_RECV, len, flags), fd,
			 REAL(__recv_chk)(fd, buf, len, cap, flags));
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			socklen_t *fromlen)
{
	return data_done(&RECEIVED(ST_OP_RECVFROM, len, flags), fd,
			 REAL(recvfrom)(fd, buf, len, flags, from, fromlen));
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t cap, int flags,
			      struct sockaddr *from, socklen_t *fromlen)
{
	return data_done(&RECEIVED(ST_OP_RECVFROM, len, flags), fd,
			 REAL(__recvfrom_chk)(fd, buf, len, cap, flags, from, fromlen));
}

EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	return data_done(&RECEIVED(ST_OP_READ, len, 0), fd, REAL(read)(fd, buf, len));
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t cap)
{
	return data_done(&RECEIVED(ST_OP_READ, len, 0), fd, REAL(__read_chk)(fd, buf, len, cap));
}

EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	return data_done(&SENT(ST_OP_WRITE, len, 0), fd, REAL(write)(fd, buf, len));
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	struct data_call c = RECEIVED(ST_OP_READV, 0, 0);

	c.iov = iov;
	c.iovcnt = iovcnt;
	return data_done(&c, fd, REAL(readv)(fd, iov, iovcnt));
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	struct data_call c = SENT(ST_OP_WRITEV, 0, 0);

	c.iov = iov;
	c.iovcnt = iovcnt;
	return data_done(&c, fd, REAL(writev)(fd, iov, iovcnt));
}

/* Bytes in the first n messages of a sendmmsg/recvmmsg (n > 0: the kernel filled msg_len). */
static ssize_t mmsg_bytes(const struct mmsghdr *vec, int n)
{
	ssize_t bytes = 0;

	for (int i = 0; i < n; i++)
		bytes += vec[i].msg_len;
	return bytes;
}

/*
 * sendmmsg/recvmmsg return a message count: the slot counts the bytes of
 * the messages that went through; a failure is recorded with the count.
 */
static int mmsg_done(const struct data_call *c, int fd, int n, const struct mmsghdr *vec)
{
	data_done(c, fd, n > 0 ? mmsg_bytes(vec, n) : n);
	return n;
}

EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	int n = REAL(sendmmsg)(fd, vec, vlen, flags);

	return mmsg_done(&SENT(ST_OP_SENDMMSG, vlen, flags), fd, n, vec);
}

EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *timeout)
{
	int n = REAL(recvmmsg)(fd, vec, vlen, flags, timeout);

	return mmsg_done(&RECEIVED(ST_OP_RECVMMSG, vlen, flags), fd, n, vec);
}

/*
 * sendfile and splice move bytes between two fds, either of which may be a
 * socket: out_fd's are sent, in_fd's received.
 */
static ssize_t moved(enum st_op op, int in_fd, int out_fd, size_t want, ssize_t ret)
{
	struct data_call in = RECEIVED(op, want, 0), out = SENT(op, want, 0);

	in.fd2 = out_fd;
	out.fd2 = in_fd;
	data_done(&in, in_fd, ret);
	return data_done(&out, out_fd, ret);
}

EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
	return moved(ST_OP_SENDFILE, in_fd, out_fd, count, REAL(sendfile)(out_fd, in_fd, offset, count));
}

EXPORT ssize_t sendfile64(int out_fd, int in_fd, off_t *offset, size_t count)
{
	return moved(ST_OP_SENDFILE, in_fd, out_fd, count,
		     REAL(sendfile64)(out_fd, in_fd, offset, count));
}

EXPORT ssize_t splice(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len,
		      unsigned flags)
{
	return moved(ST_OP_SPLICE, fd_in, fd_out, len,
		     REAL(splice)(fd_in, off_in, fd_out, off_out, len, flags));
}

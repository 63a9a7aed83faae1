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

EXPORT HOT_PATH ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return data_done(ST_OP_SEND, DATA_SENT, flags, len, fd, REAL_DATA(send)(fd, buf, len, flags));
}

EXPORT HOT_PATH ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			       const struct sockaddr *to, socklen_t tolen)
{
	return data_done(ST_OP_SENDTO, DATA_SENT, flags, len, fd,
			 REAL_DATA(sendto)(fd, buf, len, flags, to, tolen));
}

EXPORT HOT_PATH ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	return data_done(ST_OP_RECV, DATA_RECEIVED, flags, len, fd, REAL_DATA(recv)(fd, buf, len, flags));
}

EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t cap, int flags)
{
	return data_done(ST_OP_RECV, DATA_RECEIVED, flags, len, fd,
			 REAL_DATA(__recv_chk)(fd, buf, len, cap, flags));
}

EXPORT HOT_PATH ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
				 struct sockaddr *from, socklen_t *fromlen)
{
	return data_done(ST_OP_RECVFROM, DATA_RECEIVED, flags, len, fd,
			 REAL_DATA(recvfrom)(fd, buf, len, flags, from, fromlen));
}

EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t cap, int flags,
			      struct sockaddr *from, socklen_t *fromlen)
{
	return data_done(ST_OP_RECVFROM, DATA_RECEIVED, flags, len, fd,
			 REAL_DATA(__recvfrom_chk)(fd, buf, len, cap, flags, from, fromlen));
}

EXPORT HOT_PATH ssize_t read(int fd, void *buf, size_t len)
{
	return data_done(ST_OP_READ, DATA_RECEIVED, 0, len, fd, REAL_DATA(read)(fd, buf, len));
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t cap)
{
	return data_done(ST_OP_READ, DATA_RECEIVED, 0, len, fd, REAL_DATA(__read_chk)(fd, buf, len, cap));
}

EXPORT HOT_PATH ssize_t write(int fd, const void *buf, size_t len)
{
	return data_done(ST_OP_WRITE, DATA_SENT, 0, len, fd, REAL_DATA(write)(fd, buf, len));
}

EXPORT HOT_PATH ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	return data_done_iov(DATA_CALL(ST_OP_READV, DATA_RECEIVED, 0), 0, (size_t)iovcnt, iov, fd,
			     REAL_DATA(readv)(fd, iov, iovcnt));
}

EXPORT HOT_PATH ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	return data_done_iov(DATA_CALL(ST_OP_WRITEV, DATA_SENT, 0), 0, (size_t)iovcnt, iov, fd,
			     REAL_DATA(writev)(fd, iov, iovcnt));
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
EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags)
{
	int n = REAL_DATA(sendmmsg)(fd, vec, vlen, flags);

	data_done(ST_OP_SENDMMSG, DATA_SENT, flags, vlen, fd, n > 0 ? mmsg_bytes(vec, n) : n);
	return n;
}

EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *timeout)
{
	int n = REAL_DATA(recvmmsg)(fd, vec, vlen, flags, timeout);

	data_done(ST_OP_RECVMMSG, DATA_RECEIVED, flags, vlen, fd, n > 0 ? mmsg_bytes(vec, n) : n);
	return n;
}

/*
 * sendfile and splice move bytes between two fds, either of which may be a
 * socket: out_fd's are sent, in_fd's received.
 */
static ssize_t moved(enum st_op op, int in_fd, int out_fd, size_t want, ssize_t ret)
{
	/* No MSG_* flags: the other fd rides in their place. */
	data_done_iov(DATA_CALL(op, DATA_RECEIVED, out_fd), 0, want, NULL, in_fd, ret);
	return data_done_iov(DATA_CALL(op, DATA_SENT, in_fd), 0, want, NULL, out_fd, ret);
}

EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
	return moved(ST_OP_SENDFILE, in_fd, out_fd, count, REAL_DATA(sendfile)(out_fd, in_fd, offset, count));
}

EXPORT ssize_t sendfile64(int out_fd, int in_fd, off_t *offset, size_t count)
{
	return moved(ST_OP_SENDFILE, in_fd, out_fd, count,
		     REAL_DATA(sendfile64)(out_fd, in_fd, offset, count));
}

EXPORT ssize_t splice(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len,
		      unsigned flags)
{
	return moved(ST_OP_SPLICE, fd_in, fd_out, len,
		     REAL_DATA(splice)(fd_in, off_in, fd_out, off_out, len, flags));
}

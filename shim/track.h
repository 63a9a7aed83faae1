/*
 * track.h - keeping the fd table true to the kernel's, and telling the
 * record what it learned (inode, family, type, references left).
 */
#ifndef SOCKTRACE_TRACK_H
#define SOCKTRACE_TRACK_H

#include <stdint.h>

#include "../include/trace_format.h"

/* The socket inode behind fd, or 0 when fd is not a socket (or not open). */
uint64_t fd_inode(int fd);

/*
 * fd was just born as a socket (socket, socketpair, accept): give it a new
 * object and fill r's inode, domain, type and refs.  A socket the table still
 * held at fd is closed out with a ST_OP_MISSED_CLOSE record first.  peered:
 * connected from birth (accept, socketpair), so its close may find unread data.
 */
void track_born(struct st_record *r, int fd, int domain, int type, int cloexec, int peered);

/*
 * Identify fd for a call on an existing socket (bind, connect, shutdown...):
 * from the table, or else (a socket born where we could not see it) by fstat,
 * entering it in the table flagged ST_REC_FIRST_SEEN.  Fills r's identity;
 * returns the entry word, 0 when fd is not a socket.
 */
uint64_t track_identify(struct st_record *r, int fd);

/* newfd now names the socket of word (the dup family); fills r->refs. */
void track_copy(struct st_record *r, uint64_t word, int newfd, int cloexec);

/*
 * Drop the reference of word, whose entry the caller took with
 * fdtab_begin_close(); fills r's identity and the refs left.
 */
void track_drop(struct st_record *r, uint64_t word);

/*
 * newfd was reused by a non-socket (dup of a file onto it, say) while the
 * table still held a socket there: record the close we missed.
 */
void track_forget_stale(int newfd);

/*
 * fd arrived by SCM_RIGHTS (recvmsg): a new reference to socket inode,
 * which this process may already hold under another fd.  Fills r.
 */
void track_received(struct st_record *r, int fd, uint64_t inode, int domain, int type, int cloexec);

/*
 * Bytes unread in the receive queue of the stream socket of word, when
 * closing fd will drop this process's last reference to it (FIONREAD; the
 * kernel answers a final close with unread data by RST); -1 when not
 * measured.  errno is kept.
 */
int64_t track_unread(int fd, uint64_t word);

/*
 * A TCP_INFO snapshot of the connected TCP socket of word into out, when
 * closing fd will drop this process's last reference to it and a snapshot
 * is wanted (sockstats_want_tcp_info): one getsockopt.  Returns 0 when not
 * taken.
 * errno is kept.
 */
int track_tcp_info(int fd, uint64_t word, struct st_tcp_snapshot *out);

/* Put an unread count from track_unread into r (ST_REC_UNREAD, arg[1]). */
void track_set_unread(struct st_record *r, int64_t unread);

/*
 * A call the kernel has already completed closed fd (close_range,
 * closefrom, fcloseall, exec): drop its reference and record op (with arg0,
 * fd2, extra record flags and the unread count measured before the call).  Nothing
 * when the table holds no socket at fd.
 */
void track_dropped_fd(enum st_op op, int fd, int64_t arg0, int fd2, unsigned flags, int64_t unread);

#endif

/*
 * socks.h - the one module that owns a socket's state in this process:
 * its slot in the trace file (ST_REG_SOCKS), its references (the fds of
 * the fd table naming it), its counters (bytes, activity) and what the
 * calls imply (flags, TCP state, addresses).  Wrappers call the verbs
 * below; the record of a call is the wrapper's business (event.h).
 *
 * Lock-free and async-signal-safe throughout: slots come from a free list
 * (a tagged Treiber stack) or a bump index, every update is one atomic
 * operation or a store published by one.
 */
#ifndef SOCKTRACE_SOCKS_H
#define SOCKTRACE_SOCKS_H

#include <stdint.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "../include/trace_format.h"
#include "fdtab.h"
#include "regions.h"
#include "event.h"
#include "shim.h"
#include "sys.h"

/* ST_OPT_DATA_EVENTS | ST_OPT_TCP_INFO | ST_OPT_INODES, from the environment. */
extern unsigned socks_opts;

/* Slot idx (the caller has it from a live fd word or from socks_born). */
static inline struct st_sock *sock_at(uint32_t idx)
{
	return shim.socks + idx;
}

/* The slot a live fd word names. */
static inline struct st_sock *sock_of(uint64_t word)
{
	return sock_at(fde_idx(word));
}

/* The sid in slot idx (0 once freed). */
static inline uint64_t sock_sid(uint32_t idx)
{
	return __atomic_load_n(&sock_at(idx)->sid, __ATOMIC_ACQUIRE);
}

/*
 * The activity clock: on x86-64 the time-stamp counter (one instruction,
 * no vDSO call on the data path), elsewhere the coarse monotonic clock.
 */
static inline uint64_t socks_tick(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/*
 * Stamp the slot's last activity.  On x86-64 the counter's two halves are
 * stored as they come (2 instructions, not 4 to join them first): a
 * reader racing the store at the moment the low half wraps (every 2^32
 * ticks, about a second) may see the old high half; readers are the final
 * close, after the calls, and the viewer, which takes the later of
 * first_tick and this.
 */
static inline void sock_stamp(struct st_sock *s)
{
#if defined(__x86_64__)
	uint32_t lo, hi, *half = (uint32_t *)&s->last_tick;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	__atomic_store_n(&half[1], hi, __ATOMIC_RELAXED);
	__atomic_store_n(&half[0], lo, __ATOMIC_RELAXED);
#else
	__atomic_store_n(&s->last_tick, socks_tick(), __ATOMIC_RELAXED);
#endif
}

static inline uint32_t sock_flags(const struct st_sock *s)
{
	return __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE);
}

static inline void sock_set(struct st_sock *s, uint32_t flags)
{
	__atomic_fetch_or(&s->flags, flags, __ATOMIC_RELEASE);
}

/* Name socket s in record r: sid, family, type, this process's references now. */
static inline void rec_sock_at(struct st_record *r, const struct st_sock *s)
{
	r->sid = __atomic_load_n(&s->sid, __ATOMIC_ACQUIRE);
	r->domain = s->domain;
	r->type = s->type;
	r->refs = __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE);
}

/* The same for the socket of word. */
static inline void rec_sock(struct st_record *r, uint64_t word)
{
	rec_sock_at(r, sock_of(word));
}

/* The inode of fd when it is a socket, else 0 (one raw fstat: errno kept). */
uint64_t socks_fd_inode(int fd);

/* Is fd a socket (one fstat)? */
static inline int socks_fd_is_socket(int fd)
{
	return socks_fd_inode(fd) != 0;
}

/*
 * May a socket-API call on fd (bind, connect, shutdown...) be recorded:
 * tracing is on, or fd is a socket born where we could not see it, and
 * tracing starts now?
 */
static inline int trace_on_fd(int fd)
{
	if (trace_enter())
		return 1;
	return !shim_in_vfork_child() && socks_fd_is_socket(fd) && trace_start();
}

/* Read SOCKTRACE_DATA, SOCKTRACE_TCP_INFO, SOCKTRACE_INODES (set-up, before any socket). */
void socks_configure(void);

/* Entries the tables need at most: what regions_reserve is given. */
uint64_t socks_capacity(void);
uint64_t fds_capacity(void);

/* What a socket's birth knows. */
struct sock_birth {
	uint8_t domain, type;
	uint8_t made_by;	/* enum st_op: socket, accept, recvmsg, inherited; NONE: first seen */
	uint8_t made;		/* made here (socket, socketpair, accept), not arrived */
	uint32_t flags;		/* ST_SK_* to start with (PEERED for accept, socketpair...) */
	int cloexec;
	uint32_t stack_id;	/* the call's stack, when captured */
	uint64_t inode;		/* when known (0: not fetched) */
	uint64_t sid2;		/* the socketpair's other end, an accept's listener */
	uint64_t t_ns;		/* the birth's time (its record's) */
};

/*
 * fd was just born as a socket (or first seen): a new slot, fd installed
 * naming it.  A socket the table still held at fd is closed out first,
 * with a missed-close record.  Returns the slot, or -1 when it has no
 * state (the table is full or could not grow: ST_HDR_STATE_FULL, or no
 * tables).  Counts the process's and the call site's totals.
 */
int64_t socks_born(int fd, const struct sock_birth *b);

/*
 * The sid a new slot will get next is not needed by callers: this is the
 * socketpair's need to name each end in the other.  Fills sid2 of slot a
 * and b with each other's sid.
 */
void socks_pair(uint32_t a, uint32_t b);

/*
 * A call dropped the reference of word (its fd entry already ended): the
 * state first (socks_drop), then what e's record says of it: identity,
 * references left, ST_REC_LAST_REF, the data totals at a last one, the
 * unread count measured before (-1: none).
 */
void rec_drop(struct ev *e, uint64_t word, int64_t unread);

/*
 * fd was just given to something that is not a socket we track (a dup of
 * a file onto it, say): a socket the table still held there was closed
 * where we could not see it; record the missed close.
 */
void socks_missed(int fd);

/*
 * newfd now names the socket of word too (dup family, a socket passed to
 * itself), if word's slot still holds the socket sid (read with the word,
 * socks_word_sid): 0; -ESRCH when that socket's last reference here was
 * dropped meanwhile (another thread closed its fd), nothing taken: newfd's
 * socket then needs a slot of its own (socks_arrived); -ENOSPC when the fd
 * table cannot hold newfd.
 */
int socks_copy(uint64_t word, uint64_t sid, int newfd, int cloexec, unsigned op, uint32_t stack_id);

/* The sid of word's socket (0 for no word), read with the word before the call that copies it. */
static inline uint64_t socks_word_sid(uint64_t word)
{
	return word ? sock_sid(fde_idx(word)) : 0;
}

/*
 * The reference of word (its fd entry already ended by the caller) is
 * gone.  Returns the references left in this process; at 0 the slot is
 * freed and, when the socket moved data, its totals added to the
 * process's and *tot filled (*moved set).
 */
int32_t socks_drop(uint64_t word, struct st_data_totals *tot, int *moved);

/*
 * The socket at fd for a socket-API call (bind, connect, shutdown...):
 * its word from the table; or, for one born where we could not see it
 * (before tracing, inside libc), fstat says it is one: tracing starts if
 * it had not, it gets a slot flagged FIRST_SEEN, and *rec_flags gains
 * ST_REC_FIRST_SEEN.  0 when fd is not a socket, or cannot be traced.
 * Inline: the table's answer; socks_word_unseen (out of line) does the
 * rest for an fd the table does not hold.
 */
uint64_t socks_word_unseen(int fd, uint64_t t_ns, uint16_t *rec_flags);

static inline uint64_t socks_word(int fd, uint64_t t_ns, uint16_t *rec_flags)
{
	uint64_t word = fdtab_lookup(fd);

	if (likely(word))
		return word;
	return socks_word_unseen(fd, t_ns, rec_flags);
}

/*
 * fd came to this process holding the socket inode (received with
 * SCM_RIGHTS, inherited at start: op; ST_OP_NONE for first seen): one more
 * reference to a socket it already holds under another fd, or a new slot.
 * Returns its word, 0 when it has no state.
 */
uint64_t socks_arrived(int fd, uint64_t inode, unsigned op, int cloexec, uint32_t stack_id,
		       uint64_t t_ns);

/* The slot of the live socket whose inode is inode, or -1 (a linear scan). */
int64_t socks_find_inode(uint64_t inode);

/* The kernel's inode for the socket of word, fetched once (fstat on fd). */
uint64_t socks_inode(uint64_t word, int fd);

void sock_set_addr_slow(struct st_sock *s, int peer, const void *sa, unsigned len);

/* Keep addr as the socket's local or peer address in its slot (inet: inline). */
static inline void sock_set_addr(struct st_sock *s, int peer, const void *sa, unsigned len)
{
	if (len == sizeof(struct sockaddr_in) && sa) {
		memcpy(peer ? s->peer : s->local, sa, sizeof(struct sockaddr_in));
		__atomic_store_n(peer ? &s->peer_len : &s->local_len, (uint8_t)len, __ATOMIC_RELEASE);
	} else {
		sock_set_addr_slow(s, peer, sa, len);
	}
}

/* The TCP state implied now (one store; nothing for non-TCP). */
static inline void sock_tcp(struct st_sock *s, enum st_tcp_state st)
{
	if (s->type == SOCK_STREAM && (s->domain == AF_INET || s->domain == AF_INET6))
		__atomic_store_n(&s->tcp_state, (uint8_t)st, __ATOMIC_RELEASE);
}

/*
 * Bytes unread in the receive queue of the stream socket of word when
 * closing fd drops this process's last reference (FIONREAD; the kernel
 * answers a final close with unread data by RST); -1 when not measured:
 * not connected, not the last reference, or the peer's FIN was seen
 * (nothing can be queued after it).  errno is kept.  Inline: the close
 * path's tests, then at most one system call.
 */
static inline int64_t socks_unread(int fd, uint64_t word)
{
	const struct st_sock *s = sock_of(word);
	uint32_t flags = sock_flags(s);
	int n = 0;

	if (!(flags & ST_SK_PEERED) || (flags & ST_SK_EOF) || s->type != SOCK_STREAM ||
	    __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE) != 1)
		return -1;
	/* Raw: leaves errno alone, and skips libc's wrapper on the close path. */
	if (sys_raw(SYS_ioctl, fd, FIONREAD, &n) != 0)
		return -1;
	return n;
}

/* SOCKTRACE_TCP_INFO: when a final close takes a TCP_INFO snapshot. */
enum tcp_info_mode { TCP_INFO_OFF, TCP_INFO_ALWAYS, TCP_INFO_AUTO };
extern enum tcp_info_mode socks_tcp_info_mode;

/*
 * TCP_INFO at a final close costs one getsockopt, about 0.35 us here: 2%
 * of a loopback connection that lives 20 us, nothing for one that lives
 * a millisecond.  By default ("auto") only connections whose first data
 * call is at least this old get one; SOCKTRACE_TCP_INFO=1: every one, 0:
 * none.  The age is read in ticks (no clock call on the close path): 5
 * million TSC ticks are 1 ms at 5 GHz, 2.5 ms at 2 GHz.
 */
#define TCP_INFO_MIN_AGE_NS	1000000ull
#define TCP_INFO_MIN_AGE_TICKS	5000000ull

/* Is a TCP_INFO snapshot wanted at the final close of s (SOCKTRACE_TCP_INFO)? */
static inline int socks_want_tcp_info(const struct st_sock *s)
{
	if (socks_tcp_info_mode != TCP_INFO_AUTO)
		return socks_tcp_info_mode == TCP_INFO_ALWAYS;
	if (!s->first_tick)
		return 0;	/* no data moved: nothing to say about rtt or retransmits */
#if defined(__x86_64__)
	return socks_tick() - s->first_tick > TCP_INFO_MIN_AGE_TICKS;
#else
	return socks_tick() - s->first_tick > TCP_INFO_MIN_AGE_NS;
#endif
}

/* getsockopt(TCP_INFO) on fd into out: 1, or 0 when it failed.  errno is kept. */
int socks_tcp_snapshot(int fd, struct st_tcp_snapshot *out);

/*
 * Before a close of fd drops the reference of word: socks_unread's count
 * into *unread (-1: not measured) and, when closing fd drops this
 * process's last reference to a connected TCP socket and one is wanted
 * (SOCKTRACE_TCP_INFO), a TCP_INFO snapshot into tcp (returns 1 when
 * taken, else 0), with their common tests made once.  Inline: a close
 * that is not a connected stream's last reference pays three tests.
 * errno is kept.
 */
static inline int socks_final_close(int fd, uint64_t word, int64_t *unread,
				    struct st_tcp_snapshot *tcp)
{
	const struct st_sock *s = sock_of(word);
	uint32_t flags = sock_flags(s);
	int n = 0;

	*unread = -1;
	if (!(flags & ST_SK_PEERED) || s->type != SOCK_STREAM ||
	    __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE) != 1)
		return 0;
	/* Raw: leaves errno alone, and skips libc's wrapper on the close path. */
	if (!(flags & ST_SK_EOF) && sys_raw(SYS_ioctl, fd, FIONREAD, &n) == 0)
		*unread = n;
	if (!(socks_opts & ST_OPT_TCP_INFO) || (s->domain != AF_INET && s->domain != AF_INET6) ||
	    !socks_want_tcp_info(s))
		return 0;
	return socks_tcp_snapshot(fd, tcp);
}

/*
 * The tables as the forking thread saw them just before fork.  The file
 * is shared with the parent, who goes on changing it (a fork server
 * closes its copy of the connection at once): the child starts from this
 * copy, not from the live file.
 */
struct socks_snap {
	const struct st_file_header *hdr;	/* the header as it was at the fork */
	const struct st_fd *fds;
	uint32_t nfds;
	const struct st_sock *socks;
	uint32_t nsocks;
};

/*
 * Before fork (pthread_atfork prepare): take the snapshot.  Async-signal-safe.
 * A fork inside another's handlers (from a signal handler) takes one of its
 * own and gives the outer fork's back at its socks_fork_done; deeper than
 * that, a fork uses the level above's.
 */
void socks_fork_prepare(void);

/* After fork, in the parent (it failed or not): let the snapshot go. */
void socks_fork_done(void);

/* After fork, in the child: let go of every snapshot its thread held (nested forks' too). */
void socks_fork_child_done(void);

/* The forking thread's snapshot (nfds 0: none, the process had no tables). */
const struct socks_snap *socks_fork_snap(void);

/*
 * After fork, in the child (one thread, its own image just attached with
 * the snapshot in it): the slots and fd entries now describe the child's
 * references: counts rebuilt from its fd entries, bytes from zero, stacks
 * one fork further up.  An entry whose close was in flight costs an fstat:
 * it stays only if the fd is still a socket (the same inode, when known).
 */
void socks_forked(const struct socks_snap *snap);

/* Does the snapshot name any socket (the child holds some)? */
int socks_snap_holds(const struct socks_snap *snap);

/* Slots handed out so far. */
uint32_t socks_used(void);

/* Forget every slot and fd entry (the tables are gone: a fork child without sockets). */
void socks_reset(void);

/*
 * A reading of the tick clock and CLOCK_MONOTONIC into the header: its
 * first anchor (first: the file is being made), or its latest.
 */
void socks_anchor(struct st_file_header *h, int first);

#endif

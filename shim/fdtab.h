/*
 * fdtab.h - which fds are sockets: the fd table, in the trace file
 * (ST_REG_FDS), one struct st_fd per fd number.
 *
 * Lock-free and async-signal-safe: every change is one atomic operation
 * (exchange, CAS) on the entry's word, so any thread, or a handler
 * interrupting one, makes progress.  A process without tables (no socket
 * yet, or untraced) has no mapped entries: every lookup misses at the
 * first compare, which is the whole cost of close() on a file then.
 */
#ifndef SOCKTRACE_FDTAB_H
#define SOCKTRACE_FDTAB_H

#include <stdint.h>

#include "../include/trace_format.h"
#include "regions.h"
#include "shim.h"

/* The entry of fd, or NULL when the table does not reach it. */
static inline struct st_fd *fdtab_ent(int fd)
{
	if ((unsigned)fd >= __atomic_load_n(&shim.nfds, __ATOMIC_ACQUIRE))
		return 0;
	return shim.fds + (unsigned)fd;
}

/* Does the entry word name a socket (not only a tombstone)? */
static inline int fde_live(uint64_t word)
{
	return (word & ST_FDE_IDX_MASK) != 0;
}

/* The socket slot a live word names. */
static inline uint32_t fde_idx(uint64_t word)
{
	return (uint32_t)((word & ST_FDE_IDX_MASK) - 1);
}

/* Does e (may be NULL) need a wrapper's slow path: a socket, or the tombstone of one? */
static inline int fdtab_ent_holds(const struct st_fd *e)
{
	return e && __atomic_load_n(&e->word, __ATOMIC_RELAXED) != 0;
}

/* The word of fd naming a socket; 0 = none (tombstones read as 0). */
static inline uint64_t fdtab_lookup(int fd)
{
	struct st_fd *e = fdtab_ent(fd);
	uint64_t word = e ? __atomic_load_n(&e->word, __ATOMIC_ACQUIRE) : 0;

	return fde_live(word) ? word : 0;
}

/* The fast test: could fd be a socket we track (or its tombstone)? */
static inline int fdtab_may_hold(int fd)
{
	return fdtab_ent_holds(fdtab_ent(fd));
}

/* One more than the highest fd ever installed: where scans of the table stop. */
extern unsigned fdtab_hwm;

/* Entries are installed by socks.c (fdtab_install), which owns the references. */

/* Forget the tombstone at e (a close of the file reusing the fd succeeded). */
static inline void fdtab_clear_tomb(struct st_fd *e)
{
	uint64_t expected = ST_FDE_TOMB;

	if (e)
		__atomic_compare_exchange_n(&e->word, &expected, 0, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
}

/*
 * Mark the entry e (may be NULL) as closing and return its word, or 0
 * when it holds no socket or another close of it is in flight.  The closer
 * then owns the reference of that word.
 */
static inline uint64_t fdtab_begin_close_at(struct st_fd *e)
{
	uint64_t word;

	if (!e)
		return 0;
	word = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
	do {
		if (!fde_live(word) || (word & ST_FDE_CLOSING))
			return 0;
	} while (!__atomic_compare_exchange_n(&e->word, &word, word | ST_FDE_CLOSING, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return word;
}

/* Leave a tombstone at e if it still holds word (a new socket may have taken it). */
static inline void fdtab_end_close_at(struct st_fd *e, uint64_t word)
{
	uint64_t expected = word | ST_FDE_CLOSING;

	if (e)
		__atomic_compare_exchange_n(&e->word, &expected, ST_FDE_TOMB, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
}

/* Give the entry back after a close that closed nothing (the call failed). */
static inline void fdtab_abort_close_at(struct st_fd *e, uint64_t word)
{
	uint64_t expected = word | ST_FDE_CLOSING;

	if (e)
		__atomic_compare_exchange_n(&e->word, &expected, word, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
}

static inline uint64_t fdtab_begin_close(int fd)
{
	return fdtab_begin_close_at(fdtab_ent(fd));
}

static inline void fdtab_end_close(int fd, uint64_t word)
{
	fdtab_end_close_at(fdtab_ent(fd), word);
}

/* Set or clear ST_FDE_CLOEXEC on fd's entry, if it names a socket. */
void fdtab_set_cloexec(int fd, int on);

#endif

/*
 * fdtab.h - which fds are sockets, and how many references each socket has
 * in this process.
 *
 * Two structures, both lock-free and async-signal-safe:
 *  - the fd table: fd -> one 64-bit word naming a socket object (or 0);
 *  - the socket pool: objects holding inode, family, type and an atomic
 *    reference count; the dup family shares one object between fds.
 * Memory comes from mmap, never malloc.  fork copies both (the child's fds
 * are copies, so are its counts); a vfork child must not touch them.
 */
#ifndef SOCKTRACE_FDTAB_H
#define SOCKTRACE_FDTAB_H

#include <stdint.h>

#define FDTAB_CHUNK_BITS	12
#define FDTAB_CHUNK		(1u << FDTAB_CHUNK_BITS)
#define FDTAB_DIR		4096u		/* 16M fds: beyond that, untracked */
#define FDTAB_MAX		(FDTAB_CHUNK * FDTAB_DIR)

/* Entry word: bits 0-31 socket index + 1, then flags. */
#define FDE_IDX_MASK	0xffffffffull
#define FDE_CLOSING	(1ull << 32)	/* a close of this fd is in flight */
#define FDE_CLOEXEC	(1ull << 33)
/*
 * A word with no index but FDE_TOMB: the last thing closed on this fd was a
 * socket.  Its close path can then tell a double close (EBADF) from a
 * close of whatever file reused the number (which clears the mark).
 */
#define FDE_TOMB	(1ull << 34)
/*
 * A word with no index but FDE_RESERVED: an fd libunwind keeps open for
 * itself (unwind_fds.c), hidden from the app's closes.
 */
#define FDE_RESERVED	(1ull << 35)

/* The socket object a (non-zero) entry word names. */
static inline uint32_t fde_idx(uint64_t word)
{
	return (uint32_t)((word & FDE_IDX_MASK) - 1);
}

struct sock {
	uint64_t inode;
	int32_t refs;		/* atomic: fds of this process naming it */
	uint16_t domain;
	uint16_t type;
	uint32_t next_free;	/* free list link: index + 1, 0 = end */
	uint8_t peered;		/* connected (or may be): its close may find unread bytes */
	uint8_t local_len;	/* a listener bound to one inet address: every */
	uint8_t local[28];	/* socket it accepts has that local address */
};

extern uint64_t *fdtab_dir[FDTAB_DIR];

/* The entry word's slot for fd, or NULL when fd has no chunk yet. */
static inline uint64_t *fdtab_slot(int fd)
{
	unsigned u = (unsigned)fd;
	uint64_t *chunk;

	if (u >= FDTAB_MAX)
		return 0;
	chunk = __atomic_load_n(&fdtab_dir[u >> FDTAB_CHUNK_BITS], __ATOMIC_ACQUIRE);
	return chunk ? &chunk[u & (FDTAB_CHUNK - 1)] : 0;
}

/*
 * Does slot (from fdtab_slot, may be NULL) need a wrapper's slow path: a
 * socket, or the tombstone of one?
 */
static inline int fdtab_slot_holds(const uint64_t *slot)
{
	return slot && __atomic_load_n(slot, __ATOMIC_RELAXED) != 0;
}

/* Does the entry word name a socket object (not only a tombstone)? */
static inline int fde_live(uint64_t word)
{
	return (word & FDE_IDX_MASK) != 0;
}

/* The fast test: could fd be a socket we track (or its tombstone)? */
static inline int fdtab_may_hold(int fd)
{
	return fdtab_slot_holds(fdtab_slot(fd));
}

/* The raw entry word for fd (socket, tombstone or reserved mark); 0 = none. */
static inline uint64_t fdtab_peek(int fd)
{
	uint64_t *slot = fdtab_slot(fd);

	return slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : 0;
}

/* Entry word for fd naming a socket object; 0 = none (tombstones read as 0). */
uint64_t fdtab_lookup(int fd);

/* Mark fd as ours (on) or forget the mark; -1 when the table has no room. */
int fdtab_reserve(int fd, int on);

/* One more than the highest fd ever installed: where scans of the table stop. */
extern unsigned fdtab_hwm;

/* Forget the tombstone at slot (a close of the file reusing the fd succeeded). */
static inline void fdtab_clear_tomb(uint64_t *slot)
{
	uint64_t expected = FDE_TOMB;

	if (slot)
		__atomic_compare_exchange_n(slot, &expected, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/*
 * Make fd name socket object idx (flags: FDE_CLOEXEC).  Returns the word it
 * replaced, so the caller can tell a missed close (a socket was still there)
 * from a close racing in another thread (FDE_CLOSING: that thread owns it).
 * Returns -1 when the table has no room for fd (chunk mmap failed).
 */
int64_t fdtab_install(int fd, uint32_t idx, uint64_t flags);

/*
 * Mark the entry at slot (from fdtab_slot; may be NULL) as closing and
 * return its word, or 0 when it holds no socket or another close of it is
 * in flight.  The closer then owns the reference of that word.
 */
static inline uint64_t fdtab_begin_close_at(uint64_t *slot)
{
	uint64_t word;

	if (!slot)
		return 0;
	word = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	do {
		if (!fde_live(word) || (word & FDE_CLOSING))
			return 0;
	} while (!__atomic_compare_exchange_n(slot, &word, word | FDE_CLOSING, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return word;
}

/*
 * Leave a tombstone at slot if it still holds word (a new socket may have
 * taken it).
 */
static inline void fdtab_end_close_at(uint64_t *slot, uint64_t word)
{
	uint64_t expected = word | FDE_CLOSING;

	if (slot)
		__atomic_compare_exchange_n(slot, &expected, FDE_TOMB, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
}

/* Give the entry back after a close that closed nothing (the call failed). */
static inline void fdtab_abort_close_at(uint64_t *slot, uint64_t word)
{
	uint64_t expected = word | FDE_CLOSING;

	if (slot)
		__atomic_compare_exchange_n(slot, &expected, word, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
}

/* The same, by fd. */
static inline uint64_t fdtab_begin_close(int fd)
{
	return fdtab_begin_close_at(fdtab_slot(fd));
}

static inline void fdtab_end_close(int fd, uint64_t word)
{
	fdtab_end_close_at(fdtab_slot(fd), word);
}

/* Set or clear FDE_CLOEXEC on fd's entry, if any. */
void fdtab_set_cloexec(int fd, int on);

/* Socket object idx (from an entry word: fde_idx). */
struct sock *sock_get(uint32_t idx);

/*
 * A new socket object with one reference; returns its index, or -1 when the
 * pool is exhausted (the socket is then traced without reference counts).
 */
int64_t sock_new(uint64_t inode, int domain, int type);

/*
 * Remember a listener's local address when accepted sockets are sure to
 * share it (inet, not a wildcard); forget it otherwise.
 */
void sock_set_listen_addr(uint32_t idx, const void *sa, unsigned len);

/* Add a reference; returns the count after. */
int32_t sock_ref(uint32_t idx);

/* Drop a reference, freeing the object at zero; returns the count after. */
int32_t sock_unref(uint32_t idx);

/*
 * The live object for inode, or -1.  A linear scan: only for sockets that
 * reach us through a path we did not see them born on.
 */
int64_t sock_find(uint64_t inode);

/*
 * Reserve the pool (capacity objects, address space only; pages are used as
 * objects are) and its data-counter slots (sockstats.h).  Returns 0 or a
 * negative errno.
 */
int sock_pool_init(uint32_t capacity);

/* One more than the highest object index ever handed out. */
uint32_t sock_pool_used(void);

#endif

/*
 * socks.c - a socket's slot, references, counters and state (socks.h),
 * and the fd table entries that are its references.
 *
 * Why no locks: close() and accept() may run in signal handlers, so every
 * update is a single atomic operation (exchange, CAS, add) or plain stores
 * published by one, and any thread, or a handler interrupting one, makes
 * progress.  Growing a table takes a try-lock that nobody waits on.
 */
#define _GNU_SOURCE
#include "socks.h"

#include <errno.h>
#include <linux/tcp.h>	/* the kernel's tcp_info: glibc's lacks the byte counts */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "event.h"
#include "stacks.h"
#include "sys.h"
#include "tracefile.h"

#define FDS_MAX		(1u << 20)	/* fds tracked at most (16 MiB of table) */
#define SOCKS_MAX	(1u << 18)	/* sockets held at once with state (64 MiB) */
#define TABLE_MIN	1024u

unsigned socks_opts = ST_OPT_TCP_INFO;
unsigned fdtab_hwm;

/* What socks_born gives every new slot: FRESH, and EVENTS when asked. */
static uint32_t slot_flags = ST_SK_FRESH;

static uint32_t used;		/* slots ever handed out: the bump index (atomic) */
static uint64_t free_head;	/* (tag << 32) | (index + 1) of the free list (atomic) */
static uint32_t serial;		/* sids made here (atomic) */

enum tcp_info_mode socks_tcp_info_mode = TCP_INFO_AUTO;

#if defined(__x86_64__)
#define TICK_CLOCK	ST_TICK_TSC
#else
#define TICK_CLOCK	ST_TICK_MONO
#endif

PROC_PATH void socks_configure(void)
{
	const char *data = getenv(DATA_STR("SOCKTRACE_DATA"));
	const char *tcp = getenv(DATA_STR("SOCKTRACE_TCP_INFO"));
	const char *ino = getenv(DATA_STR("SOCKTRACE_INODES"));

	if (data && !strcmp(data, "events"))
		socks_opts |= ST_OPT_DATA_EVENTS;
	if (ino && !strcmp(ino, "1"))
		socks_opts |= ST_OPT_INODES;
	if (tcp && !strcmp(tcp, "0"))
		socks_tcp_info_mode = TCP_INFO_OFF;
	else if (tcp && !strcmp(tcp, "1"))
		socks_tcp_info_mode = TCP_INFO_ALWAYS;
	if (socks_tcp_info_mode == TCP_INFO_OFF)
		socks_opts &= ~ST_OPT_TCP_INFO;
	slot_flags = ST_SK_FRESH | (socks_opts & ST_OPT_DATA_EVENTS ? ST_SK_EVENTS : 0);
}

/* One entry per possible open fd, within bounds. */
uint64_t fds_capacity(void)
{
	struct rlimit rl;

	if (sys_raw(SYS_getrlimit, RLIMIT_NOFILE, &rl, 0) != 0 || rl.rlim_max == RLIM_INFINITY ||
	    rl.rlim_max > FDS_MAX)
		return FDS_MAX;
	return rl.rlim_max < TABLE_MIN ? TABLE_MIN : rl.rlim_max;
}

uint64_t socks_capacity(void)
{
	uint64_t n = fds_capacity();

	return n < SOCKS_MAX ? n : SOCKS_MAX;
}

/*
 * ensure_mapped's rare case: i is in the region's last quarter, or beyond
 * it (m mapped).  A growth that failed because another thread's stayed
 * stuck past the wait (-EBUSY: that thread stopped half-way, in a signal
 * handler) is said in the header: the table is not full, but what
 * needed the entry goes untracked.
 */
static __attribute__((noinline, cold)) int grow_for(enum st_region r, uint64_t i, uint64_t m)
{
	int rc;

	if (i < m) {
		if (m < regions[r].capacity)
			tracefile_grow(r, m + 1);
		return 0;
	}
	rc = tracefile_grow(r, i + 1);
	if (rc == -EBUSY && shim_hdr())
		__atomic_fetch_or(&shim_hdr()->flags, ST_HDR_GROW_STALLED, __ATOMIC_RELAXED);
	return rc;
}

/*
 * Entry i of region r is about to be used: map it (growing the file), and
 * when the region is three quarters used, grow it ahead, so that a racing
 * thread rarely finds the grower busy.  0, or negative errno when i cannot
 * be had (-EBUSY: another thread's growth stalled).
 */
static inline int ensure_mapped(enum st_region r, uint64_t i)
{
	uint64_t m = region_mapped(r);

	if (likely(i < m - m / 4))
		return 0;
	return grow_for(r, i, m);
}

/* ------------------------------------------------------------------ fd entries */

/* Raise fdtab_hwm to at least want (racing installs: the highest wins). */
static __attribute__((noinline, cold)) void hwm_raise(unsigned want)
{
	unsigned hwm = __atomic_load_n(&fdtab_hwm, __ATOMIC_RELAXED);

	while (hwm < want && !__atomic_compare_exchange_n(&fdtab_hwm, &hwm, want, 1, __ATOMIC_RELAXED,
							   __ATOMIC_RELAXED))
		;
}

/*
 * fdtab_install's rare case: fd is in the mapped table's last quarter or
 * beyond it.  0 when its entry is mapped now (grown ahead if it was near
 * the end), -1 when the table cannot reach it.
 */
static __attribute__((noinline, cold)) int fd_room(int fd)
{
	int rc = fd < 0 ? -EINVAL : ensure_mapped(ST_REG_FDS, (unsigned)fd);

	if (rc)
		return rc;
	return (unsigned)fd < __atomic_load_n(&shim.nfds, __ATOMIC_ACQUIRE) ? 0 : -ENOSPC;
}

/*
 * The fd table cannot reach an fd (rc: why, from fd_room); -1.  Said in the
 * header unless another thread's stalled growth was why (grow_for said that).
 */
static __attribute__((noinline, cold)) int64_t fds_full(int rc)
{
	if (rc != -EBUSY && shim_hdr())
		__atomic_fetch_or(&shim_hdr()->flags, ST_HDR_FDS_FULL, __ATOMIC_RELAXED);
	return -1;
}

/*
 * Make fd name socket slot idx (flags: ST_FDE_CLOEXEC), made by op with
 * stack stack_id.  Returns the word it replaced, so the caller can tell a
 * missed close (a socket was still there) from a close racing in another
 * thread (ST_FDE_CLOSING: that thread owns it).  -1 when the table cannot
 * reach fd (it could not grow).  Inline into its two callers, a birth and
 * a copy: its rare paths are out of line.
 */
static inline __attribute__((always_inline)) int64_t fdtab_install(int fd, uint32_t idx,
								   uint64_t flags, unsigned op,
								   uint32_t stack_id)
{
	uint32_t n = __atomic_load_n(&shim.nfds, __ATOMIC_ACQUIRE);
	struct st_fd *e;

	/* shim.nfds: the table's mapped entries (regions.c keeps it with the region's count). */
	if (unlikely((unsigned)fd >= n - n / 4)) {
		int rc = fd_room(fd);

		if (rc)
			return fds_full(rc);
	}
	e = shim.fds + (unsigned)fd;
	if (unlikely((unsigned)fd >= __atomic_load_n(&fdtab_hwm, __ATOMIC_RELAXED)))
		hwm_raise((unsigned)fd + 1);
	/* Who made this reference: written before the word that publishes it. */
	e->stack_id = stack_id;
	e->op = (uint16_t)op;
	e->forks = 0;
	return (int64_t)__atomic_exchange_n(&e->word, ((uint64_t)idx + 1) | flags, __ATOMIC_ACQ_REL);
}

void fdtab_set_cloexec(int fd, int on)
{
	struct st_fd *e = fdtab_ent(fd);
	uint64_t word, want;

	if (!e)
		return;
	word = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
	do {
		if (!fde_live(word))
			return;
		want = on ? word | ST_FDE_CLOEXEC : word & ~ST_FDE_CLOEXEC;
	} while (!__atomic_compare_exchange_n(&e->word, &word, want, 0, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
}

/* ------------------------------------------------------------------ slots */

/*
 * Pop a free slot (Treiber stack; the tag defeats ABA), or take a new one;
 * -1 when the table is full, -2 when its growth stalled in another thread.
 */
static inline __attribute__((always_inline)) int64_t slot_alloc(void)
{
	uint64_t head = __atomic_load_n(&free_head, __ATOMIC_ACQUIRE), next;
	uint32_t top, n;

	do {
		top = (uint32_t)head;
		if (!top)
			break;
		next = ((head >> 32) + 1) << 32 |
		       __atomic_load_n(&sock_at(top - 1)->next_free, __ATOMIC_RELAXED);
	} while (!__atomic_compare_exchange_n(&free_head, &head, next, 0, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	if (top)
		return top - 1;
	/*
	 * A slot that cannot be mapped stays counted, never handed out: giving
	 * the index back would race with the threads that took the next ones
	 * (two sockets, one slot).  It fails when the region can grow no more
	 * (every later index fails too), or, rarely, when another thread's
	 * growth stalled past the wait (this index is lost, the next may do).
	 */
	n = __atomic_fetch_add(&used, 1, __ATOMIC_RELAXED);
	if (n >= regions[ST_REG_SOCKS].capacity)
		return -1;
	switch (ensure_mapped(ST_REG_SOCKS, n)) {
	case 0:
		break;
	case -EBUSY:
		return -2;
	default:
		return -1;
	}
	return n;
}

/* Free slot idx (s: its address, computed once by the caller). */
static inline void slot_free_at(struct st_sock *s, uint32_t idx)
{
	uint64_t head = __atomic_load_n(&free_head, __ATOMIC_ACQUIRE), next;

	__atomic_store_n(&s->sid, 0, __ATOMIC_RELEASE);
	do {
		__atomic_store_n(&s->next_free, (uint32_t)head, __ATOMIC_RELAXED);
		next = ((head >> 32) + 1) << 32 | (idx + 1);
	} while (!__atomic_compare_exchange_n(&free_head, &head, next, 0, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
}

static void slot_free(uint32_t idx)
{
	slot_free_at(sock_at(idx), idx);
}

/* close_missed's record: old names a socket no close of ours is dropping. */
static __attribute__((noinline)) void missed_rec(int fd, uint64_t old, uint64_t before)
{
	struct st_record *r;
	struct ev e;

	r = ev_begin(&e, ST_OP_MISSED_CLOSE, fd);
	/* The close happened before the event that revealed it. */
	if (before)
		r->t_ns = before - 1;
	rec_drop(&e, old, -1);
	ev_end(&e);
}

/*
 * A missed close at fd: old was still there when the kernel gave the
 * number out again.  Inline: the common old (nothing, a tombstone) costs
 * two tests.
 */
static inline void close_missed(int fd, int64_t old, uint64_t before)
{
	if (likely(old <= 0 || !fde_live((uint64_t)old) || ((uint64_t)old & ST_FDE_CLOSING)))
		return;
	missed_rec(fd, (uint64_t)old, before);
}

void socks_missed(int fd)
{
	struct st_fd *e = fdtab_ent(fd);
	uint64_t word = fdtab_begin_close_at(e);

	if (!word)
		return;
	fdtab_end_close_at(e, word);
	close_missed(fd, (int64_t)word, 0);
}

__attribute__((always_inline)) inline int64_t socks_born(int fd, const struct sock_birth *b)
{
	struct st_file_header *h = shim_hdr();
	struct st_sock *s;
	int64_t idx, old;

	if (!h)
		return -1;
	idx = slot_alloc();
	if (idx < 0) {
		if (idx == -1)
			__atomic_fetch_or(&h->flags, ST_HDR_STATE_FULL, __ATOMIC_RELAXED);
		return -1;
	}
	s = sock_at((uint32_t)idx);
	s->inode = b->inode;
	s->sid2 = b->sid2;
	s->made_ns = b->t_ns;
	s->stack_id = b->stack_id;
	s->forks = 0;
	s->domain = b->domain;
	s->type = b->type;
	s->made_by = b->made_by;
	__atomic_store_n(&s->refs, 1, __ATOMIC_RELAXED);	/* slot_ref may look at it meanwhile */
	s->local_len = 0;
	s->peer_len = 0;
	s->tcp_state = ST_TCP_NONE;
	s->listen_ns = 0;
	s->flags = slot_flags | b->flags;
	s->bytes_sent = 0;
	s->bytes_received = 0;
	s->first_tick = 0;
	s->last_tick = 0;
	s->eof_ns = 0;
	s->shut_ns = 0;
	/* Identity last: a reader of a killed process never takes a half-made slot for this socket. */
	__atomic_store_n(&s->sid, (uint64_t)h->tag << 32 | (__atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED)),
			 __ATOMIC_RELEASE);
	old = fdtab_install(fd, (uint32_t)idx, b->cloexec ? ST_FDE_CLOEXEC : 0, b->made_by, b->stack_id);
	if (old < 0) {
		slot_free((uint32_t)idx);
		return -1;
	}
	__atomic_fetch_add(b->made ? &h->totals.sockets_made : &h->totals.sockets_arrived, 1,
			   __ATOMIC_RELAXED);
	if (b->stack_id)
		stacks_site_made(b->stack_id);
	close_missed(fd, old, b->t_ns);
	return idx;
}

void socks_pair(uint32_t a, uint32_t b)
{
	sock_at(a)->sid2 = sock_sid(b);
	sock_at(b)->sid2 = sock_sid(a);
}

/* socks_drop for slot idx at s (computed once by the caller). */
static inline __attribute__((always_inline)) int32_t drop_at(struct st_sock *s, uint32_t idx,
							     struct st_data_totals *tot, int *moved)
{
	struct st_totals *t = &shim_hdr()->totals;
	int32_t left = __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);

	*moved = 0;
	if (left > 0)
		return left;
	/* The last reference here: what it moved goes into the record and the process's totals. */
	if (!(__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & ST_SK_FRESH)) {
		tot->bytes_sent = __atomic_load_n(&s->bytes_sent, __ATOMIC_RELAXED);
		tot->bytes_received = __atomic_load_n(&s->bytes_received, __ATOMIC_RELAXED);
		tot->first_tick = s->first_tick;
		tot->last_tick = __atomic_load_n(&s->last_tick, __ATOMIC_RELAXED);
		if (tot->last_tick < tot->first_tick)
			tot->last_tick = tot->first_tick;	/* a torn stamp (see sock_stamp) */
		__atomic_fetch_add(&t->bytes_sent, tot->bytes_sent, __ATOMIC_RELAXED);
		__atomic_fetch_add(&t->bytes_received, tot->bytes_received, __ATOMIC_RELAXED);
		*moved = 1;
	}
	slot_free_at(s, idx);
	return left;
}

__attribute__((always_inline)) inline int32_t socks_drop(uint64_t word, struct st_data_totals *tot,
							 int *moved)
{
	return drop_at(sock_of(word), fde_idx(word), tot, moved);
}

/*
 * One more reference to slot idx while it still holds the socket sid: 0, or
 * -1 when that socket's last reference went meanwhile (another thread's
 * close) and nothing was taken.  refs never rises from 0, so a slot being
 * freed is never revived; a slot freed and born again between the check
 * and the increment has another sid, and the reference is given back.
 */
static int slot_ref(uint32_t idx, uint64_t sid)
{
	struct st_sock *s = sock_at(idx);
	int32_t refs = __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE);
	struct st_data_totals tot;
	int moved;

	do {
		if (refs <= 0 || !sid || sock_sid(idx) != sid)
			return -1;
	} while (!__atomic_compare_exchange_n(&s->refs, &refs, refs + 1, 0, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	if (sock_sid(idx) == sid)
		return 0;
	drop_at(s, idx, &tot, &moved);
	return -1;
}

int socks_copy(uint64_t word, uint64_t sid, int newfd, int cloexec, unsigned op, uint32_t stack_id)
{
	uint32_t idx = fde_idx(word);
	struct st_data_totals tot;
	int64_t old;
	int moved;

	if (slot_ref(idx, sid))
		return -ESRCH;
	old = fdtab_install(newfd, idx, cloexec ? ST_FDE_CLOEXEC : 0, op, stack_id);
	if (old < 0) {
		drop_at(sock_at(idx), idx, &tot, &moved);
		return -ENOSPC;
	}
	close_missed(newfd, old, 0);
	return 0;
}

__attribute__((always_inline)) inline void rec_drop(struct ev *e, uint64_t word, int64_t unread)
{
	struct st_record *r = e->r;
	struct st_sock *s = sock_of(word);
	struct st_data_totals tot;
	int moved;

	rec_sock_at(r, s);
	r->refs = drop_at(s, fde_idx(word), &tot, &moved);
	if (r->refs == 0)
		r->flags |= ST_REC_LAST_REF;
	if (moved)
		ev_value(e, ST_ADDR_DATA, &tot, sizeof(tot));
	if (unread >= 0) {
		r->flags |= ST_REC_UNREAD;
		r->arg[1] = unread;
	}
}

/*
 * The live slot whose inode is inode, and its sid in *sid; -1 if none.  The
 * sid is read before the inode: a birth stores the inode first, so a slot
 * still showing this inode after its sid was read holds this socket under
 * that sid (inodes are unique among live sockets).
 */
static int64_t find_inode(uint64_t inode, uint64_t *sid)
{
	uint32_t n = socks_used();

	if (!inode)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		*sid = sock_sid(i);
		if (*sid && __atomic_load_n(&sock_at(i)->inode, __ATOMIC_ACQUIRE) == inode &&
		    __atomic_load_n(&sock_at(i)->refs, __ATOMIC_ACQUIRE) > 0)
			return i;
	}
	return -1;
}

int64_t socks_find_inode(uint64_t inode)
{
	uint64_t sid;

	return find_inode(inode, &sid);
}

uint64_t socks_fd_inode(int fd)
{
	struct stat st;

	if (sys_raw(SYS_fstat, fd, &st, 0) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	return st.st_ino;
}

uint64_t socks_inode(uint64_t word, int fd)
{
	struct st_sock *s = sock_of(word);
	uint64_t ino = __atomic_load_n(&s->inode, __ATOMIC_ACQUIRE);

	if (!ino && (ino = socks_fd_inode(fd)))
		__atomic_store_n(&s->inode, ino, __ATOMIC_RELEASE);
	return ino;
}

/*
 * Give every live slot whose inode is not known yet its inode, from one
 * of its fds: before a socket received by SCM_RIGHTS is looked up among
 * those this process holds (it may be one it made and passed to itself,
 * or one a child sent back).
 */
static void learn_inodes(void)
{
	for (unsigned fd = 0; fd < __atomic_load_n(&fdtab_hwm, __ATOMIC_ACQUIRE); fd++) {
		uint64_t word = fdtab_lookup((int)fd);

		if (word && !__atomic_load_n(&sock_of(word)->inode, __ATOMIC_ACQUIRE))
			socks_inode(word, (int)fd);
	}
}

/* SO_DOMAIN and SO_TYPE of a socket we did not see born. */
static void sock_kind(int fd, int *domain, int *type)
{
	socklen_t len = sizeof(*domain);

	*domain = 0;
	*type = 0;
	sys_raw6(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, (long)domain, (long)&len, 0);
	len = sizeof(*type);
	sys_raw6(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, (long)type, (long)&len, 0);
}

#ifdef ST_UNIT_SEAMS
/* Unit tests act here, between finding an arrived socket's slot and taking a reference on it. */
__attribute__((weak)) void unit_seam_arrived(void)
{
}
#else
static inline void unit_seam_arrived(void)
{
}
#endif

uint64_t socks_arrived(int fd, uint64_t inode, unsigned op, int cloexec, uint32_t stack_id,
		       uint64_t t_ns)
{
	struct sock_birth b = { .made_by = (uint8_t)op, .flags = ST_SK_PEERED, .cloexec = cloexec,
				.stack_id = stack_id, .inode = inode, .t_ns = t_ns };
	int domain, type, learned = 0;
	uint64_t sid;
	int64_t idx;

	/*
	 * One it holds already under another fd: one more reference.  Unless
	 * that fd's close (another thread's) dropped the last one meanwhile:
	 * then fd holds it alone, in a new slot.
	 */
	for (int tries = 0; tries < 2; tries++) {
		idx = find_inode(inode, &sid);
		if (idx < 0 && inode && !learned) {
			learn_inodes();
			learned = 1;
			idx = find_inode(inode, &sid);
		}
		if (idx < 0)
			break;
		unit_seam_arrived();
		switch (socks_copy((uint64_t)idx + 1, sid, fd, cloexec, op, stack_id)) {
		case 0:
			return fdtab_lookup(fd);
		case -ENOSPC:
			return 0;
		}
	}
	sock_kind(fd, &domain, &type);
	b.domain = (uint8_t)domain;
	b.type = (uint8_t)type;
	if (op == ST_OP_NONE)
		b.flags |= ST_SK_FIRST_SEEN;
	return socks_born(fd, &b) >= 0 ? fdtab_lookup(fd) : 0;
}

uint64_t socks_word_unseen(int fd, uint64_t t_ns, uint16_t *rec_flags)
{
	uint64_t inode;

	if (shim_in_vfork_child() || !(inode = socks_fd_inode(fd)) || !shim_start())
		return 0;
	*rec_flags |= ST_REC_FIRST_SEEN;
	return socks_arrived(fd, inode, ST_OP_NONE, 0, 0, t_ns);
}

/* ------------------------------------------------------------------ state */

void sock_set_addr_slow(struct st_sock *s, int peer, const void *sa, unsigned len)
{
	uint8_t *dst = peer ? s->peer : s->local;

	if (!sa || !len)
		return;
	if (len > ST_SOCK_ADDR_MAX) {
		len = ST_SOCK_ADDR_MAX;
		sock_set(s, ST_SK_ADDR_TRUNC);
	}
	memcpy(dst, sa, len);
	__atomic_store_n(peer ? &s->peer_len : &s->local_len, (uint8_t)len, __ATOMIC_RELEASE);
}

int socks_tcp_snapshot(int fd, struct st_tcp_snapshot *out)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	/* Raw: errno untouched, and no wrapper of ours in between. */
	if (sys_raw6(SYS_getsockopt, fd, IPPROTO_TCP, TCP_INFO, (long)&ti, (long)&len, 0) != 0)
		return 0;
	memset(out, 0, sizeof(*out));
	out->state = ti.tcpi_state;
	out->ca_state = ti.tcpi_ca_state;
	out->retransmits = ti.tcpi_retransmits;
	out->rtt_us = ti.tcpi_rtt;
	out->rttvar_us = ti.tcpi_rttvar;
	out->total_retrans = ti.tcpi_total_retrans;
	out->lost = ti.tcpi_lost;
	out->unacked = ti.tcpi_unacked;
	out->bytes_acked = ti.tcpi_bytes_acked;
	out->bytes_received = ti.tcpi_bytes_received;
	return 1;
}

static __thread struct socks_snap snap TLS_IE;	/* the forking thread's */
static __thread int snap_own TLS_IE;			/* snap is a mapping of its own */
static __thread int snap_depth TLS_IE;			/* fork handlers this thread is inside */
static __thread struct {
	struct socks_snap snap;
	int own;
} snap_outer TLS_IE;					/* the outer fork's, during a nested one */
static char *snap_buf;					/* the buffer kept between forks */
static size_t snap_cap;
static int snap_busy;					/* a fork is using snap_buf (atomic) */

/* Bytes of a snapshot buffer: the header, then the fd entries and slots, in whole pages. */
static size_t snap_len(uint32_t nfds, uint32_t nsocks)
{
	size_t len = sizeof(struct st_file_header) + (size_t)nfds * sizeof(struct st_fd) +
		     (size_t)nsocks * sizeof(struct st_sock);

	return (len + 4095) & ~(size_t)4095;
}

PROC_PATH void socks_fork_prepare(void)
{
	uint32_t nfds = __atomic_load_n(&fdtab_hwm, __ATOMIC_ACQUIRE), nsocks = socks_used();
	size_t len = snap_len(nfds, nsocks);
	int expected = 0, depth = ++snap_depth;
	char *buf;

	if (depth > 2)
		return;		/* the level above's snapshot serves */
	if (depth == 2) {
		snap_outer.snap = snap;
		snap_outer.own = snap_own;
	}
	snap.nfds = 0;
	if (!shim_hdr() || shim_in_vfork_child() || !nfds)
		return;
	if (__atomic_compare_exchange_n(&snap_busy, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		if (snap_cap < len) {
			if (snap_buf)
				sys_raw(SYS_munmap, snap_buf, snap_cap, 0);
			snap_cap = 0;
			buf = (char *)sys_raw6(SYS_mmap, 0, (long)(len * 2), PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if ((unsigned long)buf > -4096ul) {
				snap_buf = NULL;
				__atomic_store_n(&snap_busy, 0, __ATOMIC_RELEASE);
				return;
			}
			snap_buf = buf;
			snap_cap = len * 2;
		}
		buf = snap_buf;
		snap_own = 0;
	} else {
		/* Another thread is forking with the kept buffer: a buffer of our own. */
		buf = (char *)sys_raw6(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if ((unsigned long)buf > -4096ul)
			return;
		snap_own = 1;
	}
	memcpy(buf, shim_hdr(), sizeof(struct st_file_header));
	memcpy(buf + sizeof(struct st_file_header), fdtab_ent(0), (size_t)nfds * sizeof(struct st_fd));
	memcpy(buf + sizeof(struct st_file_header) + (size_t)nfds * sizeof(struct st_fd), sock_at(0),
	       (size_t)nsocks * sizeof(struct st_sock));
	snap.hdr = (const struct st_file_header *)buf;
	snap.fds = (const struct st_fd *)(buf + sizeof(struct st_file_header));
	snap.socks = (const struct st_sock *)(buf + sizeof(struct st_file_header) +
					      (size_t)nfds * sizeof(struct st_fd));
	snap.nsocks = nsocks;
	__atomic_store_n(&snap.nfds, nfds, __ATOMIC_RELEASE);
}

/* The snapshot in snap let go: its own mapping unmapped, or the kept buffer free again. */
static PROC_PATH void snap_release(void)
{
	if (!snap.nfds)
		return;
	if (snap_own)
		sys_raw(SYS_munmap, (void *)snap.hdr, snap_len(snap.nfds, snap.nsocks), 0);
	else
		__atomic_store_n(&snap_busy, 0, __ATOMIC_RELEASE);
	snap.nfds = 0;
}

PROC_PATH void socks_fork_done(void)
{
	int depth = snap_depth;

	if (depth)
		snap_depth = depth - 1;
	if (depth > 2)
		return;
	snap_release();
	if (depth == 2) {
		snap = snap_outer.snap;
		snap_own = snap_outer.own;
	}
}

PROC_PATH void socks_fork_child_done(void)
{
	snap_release();
	if (snap_depth >= 2) {
		snap = snap_outer.snap;
		snap_own = snap_outer.own;
		snap_release();
	}
	snap_depth = 0;
}

PROC_PATH const struct socks_snap *socks_fork_snap(void)
{
	return &snap;
}

int socks_snap_holds(const struct socks_snap *sn)
{
	for (uint32_t fd = 0; fd < sn->nfds; fd++) {
		int64_t idx = st_fde_slot(sn->fds[fd].word);

		if (idx >= 0 && (uint64_t)idx < sn->nsocks && sn->socks[idx].sid)
			return 1;
	}
	return 0;
}

void socks_forked(const struct socks_snap *sn)
{
	uint32_t nfds, n;

	fdtab_hwm = sn->nfds;
	used = sn->nsocks;
	nfds = fdtab_hwm < shim.nfds ? fdtab_hwm : shim.nfds;
	n = used;

	/* The child's references are its fd entries: counts rebuilt from them. */
	for (uint32_t i = 0; i < n; i++)
		sock_at(i)->refs = 0;
	for (unsigned fd = 0; fd < nfds; fd++) {
		struct st_fd *e = fdtab_ent((int)fd);
		int64_t idx = st_fde_slot(e->word);

		if (idx < 0 || (uint64_t)idx >= n || !sock_at((uint32_t)idx)->sid) {
			if (idx >= 0)
				e->word = ST_FDE_TOMB;	/* names a slot freed meanwhile: not ours */
			continue;
		}
		if (e->word & ST_FDE_CLOSING) {
			/*
			 * A close in flight at the fork: whether the child has the fd
			 * depends on whether the kernel had removed it when the fork
			 * copied the table, and its number may hold another file since.
			 */
			uint64_t ino = socks_fd_inode((int)fd), known = sock_at((uint32_t)idx)->inode;

			if (!ino || (known && known != ino)) {
				e->word = ST_FDE_TOMB;
				continue;
			}
			e->word &= ~ST_FDE_CLOSING;
		}
		if (e->forks < UINT8_MAX)
			e->forks++;
		sock_at((uint32_t)idx)->refs++;
	}
	uint64_t live = 0;

	free_head = 0;
	for (uint32_t i = n; i-- > 0;) {
		struct st_sock *s = sock_at(i);

		if (!s->sid || !s->refs) {
			s->sid = 0;
			s->next_free = (uint32_t)free_head;
			free_head = (uint64_t)(i + 1);
			continue;
		}
		live++;
		/* The child counts its own bytes; the parent's stay in the parent's file. */
		s->flags = (s->flags & ~ST_SK_EVENTS) | slot_flags;
		s->bytes_sent = 0;
		s->bytes_received = 0;
		s->first_tick = 0;
		s->last_tick = 0;
		if (s->forks < UINT8_MAX)
			s->forks++;
	}
	shim_hdr()->totals.sockets_forked_in = live;
	serial = 0;
}

uint32_t socks_used(void)
{
	uint32_t n = __atomic_load_n(&used, __ATOMIC_ACQUIRE);
	uint64_t m = region_mapped(ST_REG_SOCKS);

	return n < m ? n : (uint32_t)m;		/* indexes past the mapped ones were never handed out */
}

PROC_PATH void socks_reset(void)
{
	used = 0;
	free_head = 0;
	serial = 0;
	fdtab_hwm = 0;
}

void socks_anchor(struct st_file_header *h, int first)
{
	uint64_t tick = socks_tick(), now = shim_now();

	if (first) {
		h->tick_clock = TICK_CLOCK;
		h->anchor.tick = tick;
		h->anchor.ns = now;
		h->anchor_last.tick = 0;
	} else {
		/* Two stores a reader may see apart: it refuses a pair out of order. */
		__atomic_store_n(&h->anchor_last.tick, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&h->anchor_last.ns, now, __ATOMIC_RELEASE);
		__atomic_store_n(&h->anchor_last.tick, tick, __ATOMIC_RELEASE);
		/* Events refresh it once it is more than a second old (ev_begin). */
		__atomic_store_n(&shim.anchor_due, now + 1000000001u, __ATOMIC_RELAXED);
	}
}

/*
 * fdtab.c - the state: socket slots (shim/socks.c: socks_born, socks_copy,
 * socks_drop, the free list, references) and the fd entries naming them
 * (shim/fdtab.h: install, begin_close/end_close, tombstones), in a trace
 * file made by the shim's own set-up, and read back as a reader reads it.
 *
 *  1. basics: a birth, a copy, closes, tombstones, the last drop and its
 *     totals, a freed slot reused with a new sid, a socketpair's ends,
 *     addresses, a missed close (and its record), a new socket on an fd
 *     whose close is in flight, a stale end_close;
 *  2. reuse and bounds: churn reuses slots (none lost), the fd table grows
 *     by doubling chunks up to its capacity (RLIMIT_NOFILE), an fd past it
 *     has no state (FDS_FULL) and gives its slot back, out-of-range fds;
 *  3. threads: 8 threads make, copy and close sockets at once: no slot
 *     handed out twice, every count right, the free list intact;
 *  4. races: threads whose first fds or sockets need the tables to grow,
 *     all at once, and 8 threads closing one fd (exactly one owns each);
 *  5. deterministic: the thread growing the fd table is preempted half-way
 *     (its space reservation trapped, shimfile.h) while another makes a
 *     socket on an fd past the entries mapped;
 *  6. stale copies: a dup or a socket passed to itself whose socket's last
 *     reference goes between the lookup and the copy (a seam in socks.c);
 *  7. a fork while closes are in flight: the child keeps an entry whose
 *     close had not reached the kernel, and no entry whose fd was closed
 *     or holds another file by then (socks_forked on real fds).
 *
 * Each scenario is a child process (tap_isolated): the state is made once
 * per process.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fdtab.h"
#include "regions.h"
#include "socks.h"
#include "tap.h"
#include "shimfile.h"

#define WORD(idx) ((uint64_t)(idx) + 1)

static struct sock_birth birth(uint64_t inode, int domain, int type)
{
	return (struct sock_birth){ .domain = (uint8_t)domain, .type = (uint8_t)type,
				    .made_by = ST_OP_SOCKET, .made = 1, .inode = inode,
				    .t_ns = shim_now() };
}

/* A socket made at fd (as socket() does): its slot, or -1. */
static int64_t born(int fd, uint64_t inode)
{
	struct sock_birth b = birth(inode, AF_INET, SOCK_STREAM);

	return socks_born(fd, &b);
}

/*
 * close(fd) as the close wrapper does it: own the entry, tombstone, drop.
 * References left, or -1; what a last drop hands over in *tot (may be NULL).
 */
static int close_fd_tot(int fd, struct st_data_totals *tot)
{
	struct st_data_totals scratch;
	uint64_t w = fdtab_begin_close(fd);
	int moved;

	if (!w)
		return -1;
	fdtab_end_close(fd, w);
	return socks_drop(w, tot ? tot : &scratch, &moved);
}

static int close_fd(int fd)
{
	return close_fd_tot(fd, NULL);
}

/* The first record of op at positions [from, head) as a reader finds it, or 0. */
static int find_rec(const struct reader *rd, uint64_t from, unsigned op, struct st_record *out)
{
	if (!rd->base)
		return 0;
	for (uint64_t p = from; p < rd->h->head; p++)
		if (reader_slot(rd, p, out) && out->op == op)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ 1. basics */

static void basics(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(80),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sock_birth b;
	struct st_file_header *h;
	struct st_data_totals tot;
	struct st_record rec;
	struct reader rd = { .fd = -1 };
	const struct st_sock *rs = NULL;
	const struct st_fd *rf5, *rf6;
	struct st_sock *s;
	int64_t a, c, d, e2;
	uint64_t w, w6, wd, w8, head0, csid;
	int moved;

	is_int(born(5, 1001), -1, "before the file: socks_born has no table (-1)");
	ok(fdtab_lookup(5) == 0 && fdtab_ent(5) == NULL && !fdtab_may_hold(5),
	   "before the file: no fd entry is mapped, fd 5 holds nothing");
	h = unit_trace(0);
	if (!ok(h != NULL, "the process's first socket makes its file (shim_start)")) {
		skip(50, "no trace file");
		return;
	}
	ok(region_mapped(ST_REG_FDS) == 256 && region_mapped(ST_REG_SOCKS) == 16,
	   "the fd table starts with 256 entries, the socket table with 16 slots (a page each)");

	a = born(5, 1001);
	ok(a == 0, "the first birth takes slot 0 (%lld)", (long long)a);
	if (a < 0) {
		skip(48, "no slot");
		return;
	}
	s = sock_at((uint32_t)a);
	is_int((long long)s->sid, (long long)((uint64_t)h->tag << 32 | 1),
	       "its sid: the image's tag, serial 1");
	ok(s->inode == 1001 && s->domain == AF_INET && s->type == SOCK_STREAM &&
	   s->made_by == ST_OP_SOCKET, "the slot holds inode, domain, type and the op that made it");
	ok(s->refs == 1 && (s->flags & ST_SK_FRESH), "a new slot: one reference, FRESH (no data call yet)");
	w = fdtab_lookup(5);
	is_int((long long)w, 1, "fd 5's word names slot 0 as 1 (index + 1: 0 is no socket)");
	ok(fdtab_ent(5)->op == ST_OP_SOCKET && fdtab_ent(5)->stack_id == 0 && fdtab_ent(5)->forks == 0,
	   "the fd entry says which call made the reference");
	is_int((long long)h->totals.sockets_made, 1, "the header counts one socket made");
	ok(!fdtab_may_hold(4) && !fdtab_may_hold(6), "neighbouring fds hold nothing");

	is_int(socks_copy(w, socks_word_sid(w), 6, 1, ST_OP_DUP, 0), 0, "a copy to fd 6 succeeds");
	is_int(s->refs, 2, "a copy to fd 6: two references");
	is_int((long long)fdtab_lookup(6), (long long)(WORD(a) | ST_FDE_CLOEXEC),
	       "fd 6 names the same slot, with FD_CLOEXEC");
	is_int(fdtab_ent(6)->op, ST_OP_DUP, "fd 6's entry says dup made it");
	is_int(socks_find_inode(1001), a, "socks_find_inode finds the live socket by inode");
	fdtab_set_cloexec(6, 0);
	is_int((long long)fdtab_lookup(6), (long long)WORD(a), "set_cloexec(0) clears the flag");
	fdtab_set_cloexec(6, 1);
	is_int((long long)fdtab_lookup(6), (long long)(WORD(a) | ST_FDE_CLOEXEC), "set_cloexec(1) sets it");

	if (reader_open(&rd, 1u << 20)) {
		skip(1, "cannot map the trace file");
	} else {
		rs = reader_entry(&rd, ST_REG_SOCKS, (uint64_t)a);
		rf5 = reader_entry(&rd, ST_REG_FDS, 5);
		rf6 = reader_entry(&rd, ST_REG_FDS, 6);
		ok(rs && rf5 && rf6 && rs->sid == s->sid && st_fde_slot(rf5->word) == a &&
		   st_fde_slot(rf6->word) == a && (rf6->word & ST_FDE_CLOEXEC),
		   "a reader of the file finds the slot and both fds naming it");
	}

	/* close(6): one reference left */
	w6 = fdtab_begin_close(6);
	is_int((long long)w6, (long long)(WORD(a) | ST_FDE_CLOEXEC), "begin_close returns the entry's word, flags too");
	is_int((long long)fdtab_ent(6)->word, (long long)(w6 | ST_FDE_CLOSING),
	       "while the close is in flight the entry has ST_FDE_CLOSING");
	ok(fdtab_may_hold(6) && fdtab_lookup(6) == (w6 | ST_FDE_CLOSING),
	   "... and still names the socket (held until the close completes)");
	is_int((long long)fdtab_begin_close(6), 0, "a second close of the same fd gets 0 (the first owns it)");
	fdtab_end_close(6, w6);
	is_int((long long)fdtab_ent(6)->word, (long long)ST_FDE_TOMB, "end_close leaves a tombstone");
	ok(fdtab_lookup(6) == 0 && fdtab_may_hold(6),
	   "a tombstone names no socket, but the slow path still sees it (double closes)");
	is_int(socks_drop(w6, &tot, &moved), 1, "the drop leaves one reference");
	is_int((long long)fdtab_begin_close(6), 0, "begin_close on a tombstone gets 0");
	fdtab_clear_tomb(fdtab_ent(6));
	ok(!fdtab_may_hold(6), "clear_tomb empties the entry");
	is_int(socks_find_inode(1001), a, "still found with one reference left");

	/* close(5): the last, after data moved */
	s->bytes_sent = 100;
	s->bytes_received = 7;
	s->first_tick = 10;
	s->last_tick = 20;
	__atomic_fetch_and(&s->flags, ~ST_SK_FRESH, __ATOMIC_RELEASE);
	memset(&tot, 0, sizeof(tot));
	is_int(close_fd_tot(5, &tot), 0, "closing fd 5: no reference left");
	ok(tot.bytes_sent == 100 && tot.bytes_received == 7 && tot.first_tick == 10 && tot.last_tick == 20,
	   "the last drop hands over what the socket moved");
	ok(h->totals.bytes_sent == 100 && h->totals.bytes_received == 7,
	   "... and adds it to the process's totals");
	ok(s->sid == 0 && (!rs || rs->sid == 0), "the freed slot's sid is 0, for a reader too");
	ok(socks_find_inode(1001) == -1 && socks_find_inode(0) == -1,
	   "a freed inode is not found; nor is inode 0");

	/* reuse: the freed slot first, fully re-made, with a new identity */
	s->local_len = 16;
	b = birth(2002, AF_INET6, SOCK_DGRAM);
	is_int(socks_born(7, &b), a, "the freed slot is reused first (free list)");
	ok(s->sid == ((uint64_t)h->tag << 32 | 2) && s->refs == 1 && s->inode == 2002 &&
	   s->domain == AF_INET6 && s->type == SOCK_DGRAM && s->local_len == 0 && s->bytes_sent == 0 &&
	   s->flags == ST_SK_FRESH, "a reused slot is fully re-made, with serial 2 in its sid");
	c = born(8, 3003);
	ok(c >= 0 && c != a, "a second live socket gets another slot (%lld)", (long long)c);
	ok(socks_find_inode(2002) == a && socks_find_inode(3003) == c && socks_find_inode(1001) == -1,
	   "socks_find_inode tells live sockets apart; the reused slot's old inode is gone");
	socks_pair((uint32_t)a, (uint32_t)c);
	ok(sock_at((uint32_t)a)->sid2 == sock_at((uint32_t)c)->sid &&
	   sock_at((uint32_t)c)->sid2 == sock_at((uint32_t)a)->sid, "socks_pair names each end in the other");

	/* addresses */
	sock_set_addr(s, 0, &in, sizeof(in));
	ok(s->local_len == sizeof(in) && !memcmp(s->local, &in, sizeof(in)), "a local inet address is kept");
	memset(un.sun_path, 'p', sizeof(un.sun_path) - 1);
	sock_set_addr(s, 1, &un, sizeof(un));
	ok(s->peer_len == ST_SOCK_ADDR_MAX && !memcmp(s->peer, &un, ST_SOCK_ADDR_MAX) &&
	   (s->flags & ST_SK_ADDR_TRUNC), "an address longer than a slot keeps its first 62 bytes, flagged ADDR_TRUNC");

	/* a missed close: a new socket at fd 8 while the table still holds c there */
	head0 = h->head;
	csid = sock_at((uint32_t)c)->sid;
	d = born(8, 4004);
	ok(d >= 0 && d != c && sock_at((uint32_t)c)->sid == 0,
	   "a birth on an fd the table still held closes the old socket out (its only reference)");
	is_int((long long)fdtab_lookup(8), (long long)WORD(d), "fd 8 names the new socket");
	reader_refresh(&rd);
	ok(find_rec(&rd, head0, ST_OP_MISSED_CLOSE, &rec) && rec.sid == csid && rec.fd == 8 &&
	   rec.refs == 0 && (rec.flags & ST_REC_LAST_REF) && rec.t_ns < sock_at((uint32_t)d)->made_ns,
	   "a missed-close record names the old socket, its last reference, before the birth that revealed it");

	/* a new socket at fd 8 while a close of it is in flight */
	wd = fdtab_begin_close(8);
	head0 = h->head;
	e2 = born(8, 5005);
	ok(e2 >= 0 && h->head == head0, "a birth on an fd whose close is in flight: no missed close recorded");
	fdtab_end_close(8, wd);
	is_int((long long)fdtab_lookup(8), (long long)WORD(e2),
	       "the close's end_close leaves the entry the new socket took meanwhile");
	is_int(socks_drop(wd, &tot, &moved), 0, "... and its drop frees only the old socket");
	ok(sock_at((uint32_t)d)->sid == 0 && sock_at((uint32_t)e2)->sid != 0, "the old slot freed, the new one live");

	/* an end_close with a stale word changes nothing */
	w8 = fdtab_begin_close(8);
	fdtab_end_close(8, wd);
	is_int((long long)fdtab_ent(8)->word, (long long)(w8 | ST_FDE_CLOSING),
	       "end_close with another word leaves the entry alone");
	fdtab_end_close(8, w8);
	is_int((long long)fdtab_ent(8)->word, (long long)ST_FDE_TOMB, "end_close with the right word leaves the tombstone");
	is_int(socks_drop(w8, &tot, &moved), 0, "... and its drop frees the slot");
	fdtab_set_cloexec(8, 1);
	is_int((long long)fdtab_ent(8)->word, (long long)ST_FDE_TOMB, "set_cloexec on a tombstone changes nothing");
	ok(h->totals.sockets_made == 5 && !(h->flags & (ST_HDR_STATE_FULL | ST_HDR_FDS_FULL)),
	   "the header counts the 5 sockets made, no table full");
	if (rd.base)
		reader_close(&rd);
}

/* ------------------------------------------------------------------ 2. reuse and bounds */

static void bounds(void)
{
	struct rlimit rl = { 1024, 1024 };
	struct st_file_header *h;
	struct reader rd = { .fd = -1 };
	long bad = 0;
	uint32_t used;
	int64_t last, past, again;

	/* The tables' capacity comes from the hard RLIMIT_NOFILE when the file is made. */
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || !(h = unit_trace(0))) {
		skip(15, "no trace file with RLIMIT_NOFILE 1024");
		return;
	}
	is_int((long long)h->region[ST_REG_FDS].capacity, 1024, "RLIMIT_NOFILE 1024: the fd table may grow to 1024 entries");
	for (int round = 0; round < 1000; round++) {
		for (int j = 0; j < 3; j++)
			bad += born(10 + j, (uint64_t)round << 8 | (unsigned)j) < 0;
		for (int j = 0; j < 3; j++)
			bad += close_fd(10 + j) != 0;
	}
	ok(bad == 0 && socks_used() == 3 && h->totals.sockets_made == 3000,
	   "1000 rounds of 3 sockets made and closed use 3 slots: freed slots are reused, none lost");

	ok(born(200, 1) >= 0 && region_mapped(ST_REG_FDS) == 512,
	   "fd 200, past three quarters of the table, grows it ahead to 512 entries");
	last = born(1023, 2);
	ok(last >= 0 && fdtab_lookup(1023) == WORD(last) && region_mapped(ST_REG_FDS) == 1024,
	   "fd 1023, the last the table may hold: installed, the table at 1024");
	if (reader_open(&rd, 1u << 20) == 0) {
		const struct st_region_dir *d = &rd.h->region[ST_REG_FDS];

		ok(d->nchunks == 3 && d->chunk[0].first == 0 && d->chunk[0].count == 256 &&
		   d->chunk[1].first == 256 && d->chunk[1].count == 256 && d->chunk[2].first == 512 &&
		   d->chunk[2].count == 512 && st_region_mapped(d) == 1024,
		   "a reader finds the fd table in 3 chunks, each doubling, numbered on from the last");
		ok(st_region_entry(rd.base, rd.size, d, 1023) && st_fde_slot(((const struct st_fd *)reader_entry(&rd, ST_REG_FDS, 1023))->word) == last &&
		   rd.h->file_size == rd.size, "... with fd 1023 naming its slot, and the file as long as the header says");
		reader_close(&rd);
	} else {
		skip(2, "cannot map the trace file");
	}
	used = socks_used();
	past = born(1024, 3);
	ok(past == -1 && (h->flags & ST_HDR_FDS_FULL),
	   "fd 1024, past the table's capacity: no state, and the header says FDS_FULL");
	again = born(13, 4);
	ok(again >= 0 && socks_used() == used, "the slot that failed birth took is given back: the next birth reuses it");
	is_int(fdtab_hwm, 1024, "the high-water mark is one past the highest fd installed");

	is_int(born(-1, 5), -1, "a birth at fd -1 is refused");
	is_int(born(INT_MAX, 6), -1, "a birth at fd INT_MAX is refused");
	is_int(born(INT_MIN, 7), -1, "a birth at fd INT_MIN is refused");
	ok(fdtab_ent(-1) == NULL && fdtab_ent(1024) == NULL && fdtab_ent(INT_MIN) == NULL &&
	   fdtab_lookup(-1) == 0 && fdtab_lookup(1024) == 0 && !fdtab_may_hold(INT_MAX),
	   "out-of-range fds have no entry and look empty");
	ok(fdtab_begin_close(-1) == 0 && fdtab_begin_close(1024) == 0, "begin_close of out-of-range fds is 0");
	fdtab_end_close(-1, 1);
	fdtab_set_cloexec(-1, 1);
	fdtab_set_cloexec(1024, 1);
	fdtab_clear_tomb(fdtab_ent(-1));
	ok(region_mapped(ST_REG_FDS) == 1024, "end_close, set_cloexec, clear_tomb on them change nothing");
}

/* ------------------------------------------------------------------ 3. threads */

enum { MT_THREADS = 8, MT_OBJS = 32, MT_ROUNDS = 3000, MT_SLOTS = MT_THREADS * MT_OBJS };

static int owner[MT_SLOTS];		/* slot -> thread holding it, or -1 */
static pthread_barrier_t mt_go;

struct mt_result {
	long born_failed, double_handout, bad_count, bad_find, births;
};

/* Thread me's fds: j's socket at A, its copies at B and C. */
static int fd_a(int me, int j) { return me * MT_OBJS + j; }
static int fd_b(int me, int j) { return MT_SLOTS + me * MT_OBJS + j; }
static int fd_c(int me, int j) { return 2 * MT_SLOTS + me * MT_OBJS + j; }

static void *mt_main(void *arg)
{
	int me = (int)(intptr_t)arg;
	struct mt_result *res = calloc(1, sizeof(*res));
	int64_t idx[MT_OBJS];

	pthread_barrier_wait(&mt_go);
	for (int round = 0; round < MT_ROUNDS; round++) {
		int n = 1 + (round * 7 + me) % MT_OBJS;		/* vary how many are held */

		for (int j = 0; j < n; j++) {
			uint64_t inode = (uint64_t)me << 40 | (uint64_t)round << 8 | (uint64_t)j | 1ull << 62;
			int expected = -1;

			idx[j] = born(fd_a(me, j), inode);
			res->births++;
			if (idx[j] < 0 || idx[j] >= MT_SLOTS) {
				res->born_failed++;
				idx[j] = -1;
				continue;
			}
			if (!__atomic_compare_exchange_n(&owner[idx[j]], &expected, me, 0,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				res->double_handout++;
			if (sock_at((uint32_t)idx[j])->inode != inode)
				res->bad_count++;
		}
		/* dup, dup, close, close, close: 1 -> 2 -> 3 -> 2 -> 1 -> 0 */
		for (int j = 0; j < n; j++) {
			uint32_t i = (uint32_t)idx[j];
			uint64_t w = fdtab_lookup(fd_a(me, j));

			if (idx[j] < 0)
				continue;
			if (socks_copy(w, socks_word_sid(w), fd_b(me, j), 0, ST_OP_DUP, 0) ||
			    sock_at(i)->refs != 2)
				res->bad_count++;
			socks_copy(w, socks_word_sid(w), fd_c(me, j), 0, ST_OP_DUP, 0);
			if (sock_at(i)->refs != 3 || close_fd(fd_b(me, j)) != 2 || close_fd(fd_c(me, j)) != 1)
				res->bad_count++;
			if (j == 0 && round % 50 == 0 && socks_find_inode(sock_at(i)->inode) != idx[j])
				res->bad_find++;
			__atomic_store_n(&owner[i], -1, __ATOMIC_RELEASE);	/* before it can be reused */
			if (close_fd(fd_a(me, j)) != 0)
				res->bad_count++;
		}
	}
	return res;
}

static void threads(void)
{
	pthread_t th[MT_THREADS];
	struct mt_result total = { 0 };
	struct st_file_header *h = unit_trace(0);
	long nonzero = 0, dups = 0, got = 0;
	uint8_t seen[MT_SLOTS] = { 0 };

	if (!h) {
		skip(10, "no trace file");
		return;
	}
	/*
	 * Every slot and fd the threads can need is made first, so this tests
	 * the free list and the counts; the tables' growth races have their own test.
	 */
	for (int i = 0; i < MT_SLOTS; i++)
		born(3 * MT_SLOTS + i, 1);
	for (int i = 0; i < MT_SLOTS; i++)
		close_fd(3 * MT_SLOTS + i);
	ok(socks_used() == MT_SLOTS && region_mapped(ST_REG_FDS) >= 4 * MT_SLOTS,
	   "threads: %d slots made and freed first, the fd table at %llu", MT_SLOTS,
	   (unsigned long long)region_mapped(ST_REG_FDS));
	for (int i = 0; i < MT_SLOTS; i++)
		owner[i] = -1;
	pthread_barrier_init(&mt_go, NULL, MT_THREADS);
	for (int t = 0; t < MT_THREADS; t++)
		pthread_create(&th[t], NULL, mt_main, (void *)(intptr_t)t);
	for (int t = 0; t < MT_THREADS; t++) {
		struct mt_result *r;

		pthread_join(th[t], (void **)&r);
		total.born_failed += r->born_failed;
		total.double_handout += r->double_handout;
		total.bad_count += r->bad_count;
		total.bad_find += r->bad_find;
		total.births += r->births;
		free(r);
	}
	pthread_barrier_destroy(&mt_go);

	is_int(total.born_failed, 0, "threads: every birth got one of the slots made before (none lost, none grown)");
	is_int(total.double_handout, 0, "threads: no slot was handed to two holders at once");
	is_int(total.bad_count, 0, "threads: every copy and drop left the expected references");
	is_int(total.bad_find, 0, "threads: socks_find_inode found live sockets while others churned");
	for (uint32_t i = 0; i < MT_SLOTS; i++)
		if (sock_at(i)->refs != 0 || sock_at(i)->sid != 0)
			nonzero++;
	is_int(nonzero, 0, "threads: at the end every slot is free (sid 0, no reference)");
	is_int((long long)h->totals.sockets_made, MT_SLOTS + total.births, "threads: the header counted every socket made");
	/* Take everything: the free list yields exactly the slots made, distinct; then a new one. */
	for (int i = 0; i < MT_SLOTS; i++) {
		int64_t k = born(3 * MT_SLOTS + i, 2);

		if (k < 0 || k >= MT_SLOTS || seen[k]++)
			dups++;
		else
			got++;
	}
	is_int(got, MT_SLOTS, "threads: the free list then yields exactly the slots made");
	is_int(dups, 0, "threads: ... as distinct slots (free list not corrupted)");
	is_int(born(5 * MT_SLOTS, 3), MT_SLOTS, "threads: the next birth takes a new slot");
}

/* ------------------------------------------------------------------ 4. races */

enum { RACE_THREADS = 8, RACE_PER = 8, RACE_GENS = 8, RACE_TRIALS = 8, RACE_ROUNDS = 2000,
       RACE_FD = 3 };
static pthread_barrier_t race_go;
static uint64_t race_base[RACE_GENS];		/* fd entries mapped when generation g starts; 0: none */
static int64_t race_slot[RACE_GENS][RACE_THREADS][RACE_PER];
static long race_close_wins[RACE_ROUNDS];
static uint64_t race_word[RACE_ROUNDS];

static int race_seam_yields;	/* the grower's yields between the stores that publish a chunk */

/*
 * The shim's seam (regions.c, unit builds only): a grower that lingers
 * between publishing a chunk's stores lets the waiting threads see the
 * one store without the other; the trials make it linger.
 */
void unit_seam_publish(void)
{
	for (int i = 0; i < __atomic_load_n(&race_seam_yields, __ATOMIC_RELAXED); i++)
		sched_yield();
}

/* Generation g's fds: past the entries mapped, all in the one chunk the table grows by next. */
static int race_fd(int g, int me, int j)
{
	uint64_t b = race_base[g];

	return (int)(b + (uint64_t)(me * RACE_PER + j) * (b / (RACE_THREADS * RACE_PER)));
}

/*
 * Generation after generation, all threads at once make sockets on fds the
 * table does not reach yet, and beyond the slots mapped.
 */
static void *grow_main(void *arg)
{
	int me = (int)(intptr_t)arg;

	for (int g = 0; g < RACE_GENS; g++) {
		pthread_barrier_wait(&race_go);
		if (!race_base[g])
			break;
		for (int j = 0; j < RACE_PER; j++)
			race_slot[g][me][j] = born(race_fd(g, me, j), 7000 + (uint64_t)me);
		pthread_barrier_wait(&race_go);
	}
	return NULL;
}

/*
 * One trial in a process of its own (a fresh file): its exit status has
 * bit 0 when a socket was not installed, bit 1 when the header calls a
 * table full, bit 2 when the tables were not as the trial needs them.
 */
static __attribute__((noreturn)) void grow_trial(void)
{
	pthread_t th[RACE_THREADS];
	struct st_file_header *h = unit_trace(0);
	int status = 0, gens = 0;
	uint64_t cap;

	if (!h)
		_exit(4);
	cap = h->region[ST_REG_FDS].capacity;
	/*
	 * 11 of the 16 slots of the first chunk taken, short of the three
	 * quarters where a birth grows the table ahead: the first
	 * generation's sockets need it to grow while the others race for it.
	 */
	for (int i = 0; i < 11; i++)
		born(10 + i, 1);
	__atomic_store_n(&race_seam_yields, 50, __ATOMIC_RELAXED);
	if (region_mapped(ST_REG_FDS) != 256 || region_mapped(ST_REG_SOCKS) != 16 || socks_used() != 11)
		status |= 4;
	pthread_barrier_init(&race_go, NULL, RACE_THREADS + 1);	/* and this thread, between generations */
	for (int t = 0; t < RACE_THREADS; t++)
		pthread_create(&th[t], NULL, grow_main, (void *)(intptr_t)t);
	for (int g = 0; g < RACE_GENS; g++) {
		uint64_t b = region_mapped(ST_REG_FDS);

		race_base[g] = 2 * b <= cap ? b : 0;
		pthread_barrier_wait(&race_go);
		if (!race_base[g])
			break;
		gens++;
		pthread_barrier_wait(&race_go);
	}
	for (int t = 0; t < RACE_THREADS; t++)
		pthread_join(th[t], NULL);
	for (int g = 0; g < gens; g++)
		for (int t = 0; t < RACE_THREADS; t++)
			for (int j = 0; j < RACE_PER; j++) {
				int64_t k = race_slot[g][t][j];

				if (k < 0 || fdtab_lookup(race_fd(g, t, j)) != WORD(k)) {
					if (!(status & 1))
						diag("generation %d (fds past %llu): thread %d's fd %d: slot %lld",
						     g, (unsigned long long)race_base[g], t, race_fd(g, t, j),
						     (long long)k);
					status |= 1;
				}
			}
	if (h->flags & (ST_HDR_FDS_FULL | ST_HDR_STATE_FULL))
		status |= 2;
	fflush(stdout);
	_exit(status);
}

/* All threads close the same fd; only one may own each close. */
static void *close_main(void *arg)
{
	int me = (int)(intptr_t)arg;

	for (int r = 0; r < RACE_ROUNDS; r++) {
		uint64_t w;

		if (me == 0) {
			born(RACE_FD, 1);
			race_word[r] = fdtab_lookup(RACE_FD);
		}
		pthread_barrier_wait(&race_go);
		w = fdtab_begin_close(RACE_FD);
		if (w) {
			__atomic_fetch_add(&race_close_wins[r], 1, __ATOMIC_RELAXED);
			if (w != race_word[r])
				__atomic_fetch_add(&race_close_wins[r], 1000, __ATOMIC_RELAXED);
		}
		pthread_barrier_wait(&race_go);
		if (w) {
			struct st_data_totals tot;
			int moved;

			fdtab_end_close(RACE_FD, w);
			socks_drop(w, &tot, &moved);
		}
		pthread_barrier_wait(&race_go);
	}
	return NULL;
}

static void races(void)
{
	pthread_t th[RACE_THREADS];
	int lost = 0, full = 0, unready = 0, bad_rounds = 0;
	struct st_file_header *h;

	/* The growth race is a matter of timing: several trials, each its own process and file. */
	for (int k = 0; k < RACE_TRIALS; k++) {
		int status = 0;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0)
			grow_trial();
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
			unready++;
			continue;
		}
		lost += !!(WEXITSTATUS(status) & 1);
		full += !!(WEXITSTATUS(status) & 2);
		unready += !!(WEXITSTATUS(status) & 4);
	}
	is_int(unready, 0, "races: every trial ran, its tables at 256 fds and 16 slots (11 used) to start");
	is_int(lost, 0, "races: sockets made by 8 threads at once on fds the table does not reach yet, "
	       "past the slots mapped, the grower lingering as it publishes: every one installed, in all 8 trials");
	is_int(full, 0, "races: ... and no trial's header calls a table full");

	h = unit_trace(0);
	if (!h) {
		skip(2, "no trace file");
		return;
	}
	pthread_barrier_init(&race_go, NULL, RACE_THREADS);
	for (int t = 0; t < RACE_THREADS; t++)
		pthread_create(&th[t], NULL, close_main, (void *)(intptr_t)t);
	for (int t = 0; t < RACE_THREADS; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&race_go);
	for (int r = 0; r < RACE_ROUNDS; r++)
		if (race_close_wins[r] != 1)
			bad_rounds++;
	is_int(bad_rounds, 0, "races: each close of one fd is owned by exactly one of 8 threads");
	ok(fdtab_lookup(RACE_FD) == 0 && fdtab_ent(RACE_FD)->word == ST_FDE_TOMB,
	   "races: the raced fd ends a tombstone");
}

/* ------------------------------------------------------------------ 5. the grower preempted */

static int pre_go, pre_done;	/* atomic: the other thread let go, and finished */
static int64_t pre_slot = -2;

/* Wait (bounded, async-signal-safe) until *flag is set. */
static int wait_flag(int *flag)
{
	struct timespec ts = { 0, 100000 };

	for (int i = 0; i < 100000 && !__atomic_load_n(flag, __ATOMIC_ACQUIRE); i++)
		nanosleep(&ts, NULL);
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

static void *pre_thread(void *arg)
{
	(void)arg;
	if (wait_flag(&pre_go))
		pre_slot = born(700, 77);
	__atomic_store_n(&pre_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* In the grower, half-way through the fd table's growth: the other thread runs meanwhile. */
static void grower_preempted(void)
{
	__atomic_store_n(&pre_go, 1, __ATOMIC_RELEASE);
	wait_flag(&pre_done);
}

static void preempted(void)
{
	struct st_file_header *h = unit_trace(0);
	pthread_t th;
	int64_t mine;

	if (!h) {
		skip(4, "no trace file");
		return;
	}
	pthread_create(&th, NULL, pre_thread, NULL);
	if (unit_trap_fallocate(grower_preempted)) {
		__atomic_store_n(&pre_go, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		skip(4, "no seccomp filter here to stop the grower half-way");
		return;
	}
	mine = born(300, 1);		/* fd 300: past the 256 entries mapped, the table grows */
	pthread_join(th, NULL);
	ok(unit_trapped > 0 && mine >= 0 && fdtab_lookup(300) == WORD(mine),
	   "grower preempted: fd 300 is installed, its table's growth stopped half-way meanwhile");
	/*
	 * The other thread waited for the grower, which could not finish: it
	 * was stopped in a handler that waits for that very thread.  The wait
	 * is bounded, so the other thread gave up: its socket is untracked,
	 * and the header says why, without calling the table full.
	 */
	if (!ok(pre_slot == -1 && fdtab_lookup(700) == 0,
		"grower stopped for good: the thread that needed fd 700 gave up waiting, its socket untracked"))
		diag("its birth returned %lld; the fd table is at %llu of %llu", (long long)pre_slot,
		     (unsigned long long)region_mapped(ST_REG_FDS), (unsigned long long)h->region[ST_REG_FDS].capacity);
	ok(!(h->flags & ST_HDR_FDS_FULL) && (h->flags & ST_HDR_GROW_STALLED),
	   "grower stopped: the header says a growth stalled, not that the fd table is full (flags 0x%x)",
	   h->flags);
	ok(born(701, 78) >= 0 && fdtab_lookup(701) != 0,
	   "grower stopped: once it finished, the next socket past the old end is tracked");
}

/* ------------------------------------------------------------------ 6. stale copies */

static int seam_close_fd = -1;	/* the fd unit_seam_arrived closes, once */

/*
 * The shim's seam (socks.c, unit builds only): between finding an arrived
 * socket's slot by inode and taking a reference on it, the fd the slot was
 * found through is closed, as another thread's close would.
 */
void unit_seam_arrived(void)
{
	int fd = seam_close_fd;

	seam_close_fd = -1;
	if (fd >= 0)
		close_fd(fd);
}

/*
 * A copy (dup, a socket passed to itself) whose socket's last reference is
 * dropped between the lookup and the copy: no reference is taken on the
 * freed slot, nor on the socket that reuses it; the arrived fd gets a slot
 * of its own.
 */
static void stale(void)
{
	struct st_file_header *h = unit_trace(0);
	uint64_t w, sid, w2, sid2, got, csid;
	int64_t a, b2, c, next;

	if (!ok(h != NULL, "stale: the file is made")) {
		skip(14, "no trace file");
		return;
	}
	a = born(5, 1001);
	w = fdtab_lookup(5);
	sid = socks_word_sid(w);
	ok(a >= 0 && sid == sock_at((uint32_t)a)->sid && sid != 0, "stale: socks_word_sid is the slot's sid");
	is_int(close_fd(5), 0, "stale: the socket's only fd is closed, its slot freed");
	is_int(socks_copy(w, sid, 6, 0, ST_OP_DUP, 0), -ESRCH,
	       "a copy after the last reference went takes nothing (-ESRCH)");
	ok(sock_at((uint32_t)a)->refs == 0 && fdtab_lookup(6) == 0,
	   "... the freed slot gains no reference, fd 6 names nothing");
	b2 = born(7, 2002);
	is_int(b2, a, "the freed slot is reused by the next socket");
	is_int(socks_copy(w, sid, 6, 0, ST_OP_DUP, 0), -ESRCH,
	       "a copy naming the old sid takes nothing from the socket now in its slot");
	ok(sock_at((uint32_t)a)->refs == 1 && fdtab_lookup(6) == 0, "... whose count stays 1");
	w2 = fdtab_lookup(7);
	sid2 = socks_word_sid(w2);
	ok(socks_copy(w2, sid2, 6, 0, ST_OP_DUP, 0) == 0 && sock_at((uint32_t)a)->refs == 2 &&
	   fdtab_lookup(6) == w2, "a copy with the live sid: two references, fd 6 names the slot");
	ok(socks_copy(w2, sid2, (int)h->region[ST_REG_FDS].capacity, 0, ST_OP_DUP, 0) == -ENOSPC &&
	   sock_at((uint32_t)a)->refs == 2, "a copy onto an fd past the table: -ENOSPC, its reference given back");

	/* A socket passed to itself, its sender's fd closed while the receiver looks it up. */
	c = born(9, 3003);
	csid = sock_at((uint32_t)c)->sid;
	seam_close_fd = 9;
	got = socks_arrived(10, 3003, ST_OP_RECVMSG, 0, 0, shim_now());
	ok(seam_close_fd == -1 && fdtab_lookup(9) == 0, "arrived: the seam closed the sender's fd 9");
	ok(got && fdtab_lookup(10) == got, "arrived: fd 10 is tracked");
	ok(got && sock_at(fde_idx(got))->refs == 1 && sock_at(fde_idx(got))->sid != csid &&
	   sock_at(fde_idx(got))->inode == 3003,
	   "arrived: it is a socket of its own (one reference, a new sid, the inode)");
	next = born(11, 4004);
	ok(got && next >= 0 && (uint64_t)next != fde_idx(got),
	   "arrived: the next socket gets another slot (slot %lld, arrived in %lld)", (long long)next,
	   got ? (long long)fde_idx(got) : -1LL);
	is_int(close_fd(10), 0, "arrived: its close drops its only reference");
}

/* ------------------------------------------------------------------ 7. closes in flight at fork */

/* A real TCP socket and its inode (0 when it cannot be made). */
static int real_socket(uint64_t *inode)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct stat st;

	*inode = 0;
	if (fd >= 0 && fstat(fd, &st) == 0)
		*inode = st.st_ino;
	return fd;
}

/*
 * The forking thread's snapshot is taken while other threads have closes
 * in flight (their entries marked closing).  This process then plays the
 * child: socks_forked must keep only the entries whose fd is still the
 * socket, found with an fstat of each closing one.
 */
static void fork_closing(void)
{
	struct st_file_header *h = unit_trace(0);
	uint64_t ia, ib, ic, id, ie, ix;
	int a, b, c, d, e, x;
	int64_t sa, sb, sc, sd, se;
	const struct socks_snap *sn;

	if (!ok(h != NULL, "fork: the file is made")) {
		skip(10, "no trace file");
		return;
	}
	a = real_socket(&ia);
	b = real_socket(&ib);
	c = real_socket(&ic);
	d = real_socket(&id);
	e = real_socket(&ie);
	x = real_socket(&ix);
	if (!ok(a >= 0 && b >= 0 && c >= 0 && d >= 0 && e >= 0 && x >= 0 && ia && ib && ic && id && ie && ix,
		"fork: six real sockets")) {
		skip(9, "no sockets");
		return;
	}
	sa = born(a, 0);	/* its inode not fetched, as after socket() */
	sb = born(b, ib);
	sc = born(c, ic);
	sd = born(d, id);
	se = born(e, 0);	/* not closing: the control */
	/* Closes in flight in other threads: the entries marked, the kernel's part done or not. */
	fdtab_begin_close(a);
	close(a);			/* a: closed before the fork */
	fdtab_begin_close(b);		/* b: the close had not reached the kernel */
	fdtab_begin_close(c);
	close(c);
	dup2(open("/dev/null", O_RDONLY), c);	/* c: its number reused by a file */
	fdtab_begin_close(d);
	close(d);
	dup2(x, d);			/* d: its number reused by another socket */
	socks_fork_prepare();
	sn = socks_fork_snap();
	if (!ok(sn->nfds > (uint32_t)e, "fork: the snapshot covers the fds (%u)", sn->nfds)) {
		skip(8, "no snapshot");
		return;
	}
	socks_forked(sn);
	socks_fork_done();
	ok(fdtab_lookup(a) == 0 && fdtab_ent(a)->word == ST_FDE_TOMB && !sock_at((uint32_t)sa)->sid,
	   "fork: a closing fd closed by then is a tombstone, its slot freed (word 0x%llx, refs %d)",
	   (unsigned long long)fdtab_ent(a)->word, sock_at((uint32_t)sa)->refs);
	ok(fdtab_lookup(b) == WORD(sb) && sock_at((uint32_t)sb)->refs == 1,
	   "fork: a closing fd still open is the child's reference, no longer closing (word 0x%llx, refs %d)",
	   (unsigned long long)fdtab_ent(b)->word, sock_at((uint32_t)sb)->refs);
	ok(fdtab_lookup(c) == 0 && !sock_at((uint32_t)sc)->sid,
	   "fork: a closing fd now holding a file is not a socket here (refs %d)", sock_at((uint32_t)sc)->refs);
	ok(fdtab_lookup(d) == 0 && !sock_at((uint32_t)sd)->sid,
	   "fork: a closing fd now holding another socket (the inode differs) is not this one (refs %d)",
	   sock_at((uint32_t)sd)->refs);
	ok(fdtab_lookup(e) == WORD(se) && sock_at((uint32_t)se)->refs == 1,
	   "fork: an fd not closing keeps its reference, no fstat needed");
	is_int((int)h->totals.sockets_forked_in, 2, "fork: the child holds two of the five sockets");
	is_int(close_fd(b), 0, "fork: the child's close of b drops its only reference");
	ok(born(a, 0) >= 0 && born(c, 0) >= 0 && sock_at((uint32_t)se)->refs == 1,
	   "fork: the freed slots are reused without touching the live one");
}

int main(int argc, char **argv)
{
	int rc;

	(void)argc;
	unit_setup(argv);
	alarm(120);
	plan(54 + 15 + 10 + 5 + 4 + 15 + 11);
	tap_isolated("basics", basics);
	tap_isolated("reuse and bounds", bounds);
	tap_isolated("threads", threads);
	tap_isolated("races", races);
	tap_isolated("grower preempted", preempted);
	tap_isolated("stale copies", stale);
	tap_isolated("closes in flight at fork", fork_closing);
	rc = done_testing();
	unit_cleanup();
	return rc;
}

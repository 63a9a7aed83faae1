/*
 * fdtab.c - the fd table and the socket pool (shim/fdtab.h).
 *
 * The pool is process-wide and set up once (sock_pool_init), so each pool
 * scenario runs in its own child process (tap_isolated).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdtab.h"
#include "tap.h"

#define WORD(idx) ((uint64_t)(idx) + 1)

/* ------------------------------------------------------------------ */
/* The socket pool: counts, free list, find, listen address.            */

static void pool_basics(void)
{
	int64_t a, b, c;
	struct sock *s;
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(80) };

	is_int(sock_new(1001, AF_INET, SOCK_STREAM), -1, "pool: sock_new before sock_pool_init is -1");
	is_int(sock_find(1001), -1, "pool: sock_find before sock_pool_init is -1");
	is_int(sock_pool_init(64), 0, "pool: sock_pool_init(64) succeeds");

	a = sock_new(1001, AF_INET, SOCK_STREAM);
	ok(a >= 0 && a < 64, "pool: sock_new gives an index in range (%lld)", (long long)a);
	if (a < 0) {
		skip(22, "no socket object");
		return;
	}
	s = sock_get((uint32_t)a);
	ok(s->inode == 1001 && s->domain == AF_INET && s->type == SOCK_STREAM,
	   "pool: the object holds inode, domain and type");
	is_int(s->refs, 1, "pool: a new object has one reference");
	is_int(sock_find(1001), a, "pool: sock_find finds the live inode");
	is_int(sock_ref((uint32_t)a), 2, "pool: dup -> 2 references");
	is_int(sock_unref((uint32_t)a), 1, "pool: close one -> 1 reference");
	is_int(sock_find(1001), a, "pool: still found with one reference left");
	is_int(sock_unref((uint32_t)a), 0, "pool: close the last -> 0 references");
	ok(s->refs == 0 && s->inode == 0, "pool: a freed object has refs 0 and inode cleared");
	is_int(sock_find(1001), -1, "pool: sock_find does not find a freed inode");
	is_int(sock_find(0), -1, "pool: sock_find(0) is -1 (0 means no socket)");

	b = sock_new(2002, AF_INET6, SOCK_DGRAM);
	is_int(b, a, "pool: the freed object is reused first (free list)");
	s = sock_get((uint32_t)b);
	ok(s->inode == 2002 && s->refs == 1 && s->domain == AF_INET6 && s->type == SOCK_DGRAM,
	   "pool: a reused object is fully re-initialised");
	c = sock_new(3003, AF_UNIX, SOCK_STREAM);
	ok(c >= 0 && c != b, "pool: a second live object gets another index");
	is_int(sock_find(2002), b, "pool: sock_find tells live objects apart (first)");
	is_int(sock_find(3003), c, "pool: sock_find tells live objects apart (second)");
	is_int(sock_find(1001), -1, "pool: the old inode of a reused object is not found");

	/* A listener's local address: kept only for a specific inet address. */
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sock_set_listen_addr((uint32_t)b, &in, sizeof(in));
	ok(s->local_len == sizeof(in) && !memcmp(s->local, &in, sizeof(in)),
	   "pool: listen address 127.0.0.1:80 is remembered");
	in.sin_addr.s_addr = htonl(INADDR_ANY);
	sock_set_listen_addr((uint32_t)b, &in, sizeof(in));
	is_int(s->local_len, 0, "pool: a wildcard 0.0.0.0 listen address is forgotten");
	in6.sin6_addr = in6addr_loopback;
	sock_set_listen_addr((uint32_t)b, &in6, sizeof(in6));
	is_int(s->local_len, sizeof(in6), "pool: [::1]:80 is remembered");
	in6.sin6_addr = in6addr_any;
	sock_set_listen_addr((uint32_t)b, &in6, sizeof(in6));
	is_int(s->local_len, 0, "pool: [::] is forgotten");
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sock_set_listen_addr((uint32_t)b, &in, sizeof(in) - 2);
	is_int(s->local_len, 0, "pool: a short inet address is not kept");
	sock_set_listen_addr((uint32_t)b, &in, sizeof(in));
	sock_unref((uint32_t)b);
	b = sock_new(4004, AF_INET, SOCK_STREAM);
	is_int(sock_get((uint32_t)b)->local_len, 0, "pool: a reused object forgets the old listen address");
}

static void pool_exhaustion(void)
{
	int64_t i0, i1, i2, i3, again;

	is_int(sock_pool_init(3), 0, "exhaustion: sock_pool_init(3)");
	i0 = sock_new(1, AF_INET, SOCK_STREAM);
	i1 = sock_new(2, AF_INET, SOCK_STREAM);
	i2 = sock_new(3, AF_INET, SOCK_STREAM);
	ok(i0 >= 0 && i1 >= 0 && i2 >= 0 && i0 != i1 && i1 != i2 && i0 != i2,
	   "exhaustion: three distinct objects fit (%lld %lld %lld)",
	   (long long)i0, (long long)i1, (long long)i2);
	i3 = sock_new(4, AF_INET, SOCK_STREAM);
	is_int(i3, -1, "exhaustion: the fourth sock_new is -1");
	for (int k = 0; k < 1000; k++)
		sock_new(5, AF_INET, SOCK_STREAM);
	is_int(sock_new(6, AF_INET, SOCK_STREAM), -1, "exhaustion: still -1 after many failed tries");
	is_int(sock_find(4), -1, "exhaustion: a failed sock_new left no object behind");
	is_int(sock_unref((uint32_t)i1), 0, "exhaustion: freeing one object");
	again = sock_new(7, AF_INET, SOCK_STREAM);
	is_int(again, i1, "exhaustion: then sock_new gets exactly that object back");
	is_int(sock_new(8, AF_INET, SOCK_STREAM), -1, "exhaustion: and the pool is full again");
	ok(sock_find(1) == i0 && sock_find(3) == i2 && sock_find(7) == i1,
	   "exhaustion: the live objects are all still found");
}

/* ------------------------------------------------------------------ */
/* The pool under concurrency.                                           */

enum { MT_THREADS = 8, MT_OBJS = 64, MT_ROUNDS = 3000 };

static int owner[MT_THREADS * MT_OBJS];	/* index -> thread holding it, or -1 */
static pthread_barrier_t mt_go;

struct mt_result {
	long new_failed, double_handout, bad_count, bad_find;
};

static void *mt_main(void *arg)
{
	int me = (int)(intptr_t)arg;
	struct mt_result *res = calloc(1, sizeof(*res));
	int64_t idx[MT_OBJS];

	pthread_barrier_wait(&mt_go);
	for (int round = 0; round < MT_ROUNDS; round++) {
		int n = 1 + (round * 7 + me) % MT_OBJS;		/* vary how many are held */

		for (int j = 0; j < n; j++) {
			uint64_t inode = ((uint64_t)me << 40) | ((uint64_t)round << 8) | (uint64_t)j | 1ull << 62;
			int expected = -1;

			idx[j] = sock_new(inode, AF_INET, SOCK_STREAM);
			if (idx[j] < 0) {
				res->new_failed++;
				continue;
			}
			if (!__atomic_compare_exchange_n(&owner[idx[j]], &expected, me, 0,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				res->double_handout++;
			if (sock_get((uint32_t)idx[j])->inode != inode)
				res->bad_count++;
		}
		/* dup, dup, close, close, close: 1 -> 2 -> 3 -> 2 -> 1 -> 0 */
		for (int j = 0; j < n; j++) {
			uint32_t i = (uint32_t)idx[j];

			if (idx[j] < 0)
				continue;
			if (sock_ref(i) != 2 || sock_ref(i) != 3 || sock_unref(i) != 2 ||
			    sock_unref(i) != 1)
				res->bad_count++;
			if (j == 0 && round % 50 == 0 &&
			    sock_find(sock_get(i)->inode) != idx[j])
				res->bad_find++;
			__atomic_store_n(&owner[i], -1, __ATOMIC_RELEASE);	/* before it can be reused */
			if (sock_unref(i) != 0)
				res->bad_count++;
		}
	}
	return res;
}

static void pool_threads(void)
{
	const uint32_t cap = MT_THREADS * MT_OBJS;	/* exactly enough: a lost object shows */
	pthread_t th[MT_THREADS];
	struct mt_result total = { 0 };
	long nonzero = 0, dups = 0, got = 0;
	uint8_t *seen;

	is_int(sock_pool_init(cap), 0, "threads: sock_pool_init(8 x 64)");
	for (uint32_t i = 0; i < cap; i++)
		owner[i] = -1;
	pthread_barrier_init(&mt_go, NULL, MT_THREADS);
	for (int t = 0; t < MT_THREADS; t++)
		pthread_create(&th[t], NULL, mt_main, (void *)(intptr_t)t);
	for (int t = 0; t < MT_THREADS; t++) {
		struct mt_result *r;

		pthread_join(th[t], (void **)&r);
		total.new_failed += r->new_failed;
		total.double_handout += r->double_handout;
		total.bad_count += r->bad_count;
		total.bad_find += r->bad_find;
		free(r);
	}
	pthread_barrier_destroy(&mt_go);

	is_int(total.new_failed, 0, "threads: sock_new never failed (no object lost from the pool)");
	is_int(total.double_handout, 0, "threads: no object was handed to two holders at once");
	is_int(total.bad_count, 0, "threads: every ref/unref returned the expected count");
	is_int(total.bad_find, 0, "threads: sock_find found live objects while others churned");
	for (uint32_t i = 0; i < cap; i++)
		if (sock_get(i)->refs != 0 || sock_get(i)->inode != 0)
			nonzero++;
	is_int(nonzero, 0, "threads: at the end every object has 0 references and no inode");

	/* Pop everything: cap distinct indices, then -1. */
	seen = calloc(cap, 1);
	for (;;) {
		int64_t i = sock_new(42, AF_INET, SOCK_STREAM);

		if (i < 0 || got > (long)cap)
			break;
		got++;
		if (i >= (int64_t)cap || seen[i]++)
			dups++;
	}
	is_int(got, cap, "threads: the pool then yields exactly its capacity");
	is_int(dups, 0, "threads: ... as distinct indices (free list not corrupted)");
	free(seen);
}

/* ------------------------------------------------------------------ */
/* The fd table.                                                         */

static void fdtab_basics(void)
{
	int64_t prev;
	uint64_t w, w2;

	/* Untouched fds. */
	ok(!fdtab_may_hold(3) && fdtab_lookup(3) == 0, "fdtab: an untouched fd holds nothing");
	ok(fdtab_slot(3) == NULL, "fdtab: no chunk exists before the first install");
	is_int((long long)fdtab_begin_close(3), 0, "fdtab: begin_close of an untracked fd is 0");
	fdtab_end_close(3, 1);
	fdtab_set_cloexec(3, 1);
	ok(fdtab_lookup(3) == 0, "fdtab: end_close / set_cloexec on an untracked fd change nothing");

	/* install / lookup */
	prev = fdtab_install(5, 10, 0);
	is_int(prev, 0, "fdtab: install on an empty fd replaces nothing (0)");
	is_int((long long)fdtab_lookup(5), (long long)WORD(10), "fdtab: the entry word is index + 1");
	ok(fdtab_may_hold(5), "fdtab: may_hold is true for an installed fd");
	ok(!fdtab_may_hold(4) && !fdtab_may_hold(6), "fdtab: neighbours in the same chunk stay empty");

	/* cloexec */
	fdtab_install(8, 11, FDE_CLOEXEC);
	is_int((long long)fdtab_lookup(8), (long long)(WORD(11) | FDE_CLOEXEC),
	       "fdtab: install with FDE_CLOEXEC keeps the flag");
	fdtab_set_cloexec(8, 0);
	is_int((long long)fdtab_lookup(8), (long long)WORD(11), "fdtab: set_cloexec(0) clears it");
	fdtab_set_cloexec(8, 1);
	is_int((long long)fdtab_lookup(8), (long long)(WORD(11) | FDE_CLOEXEC),
	       "fdtab: set_cloexec(1) sets it");

	/* an ordinary close */
	w = fdtab_begin_close(5);
	is_int((long long)w, (long long)WORD(10), "fdtab: begin_close returns the entry word");
	is_int((long long)fdtab_lookup(5), (long long)(WORD(10) | FDE_CLOSING),
	       "fdtab: during the close the entry has FDE_CLOSING");
	ok(fdtab_may_hold(5), "fdtab: may_hold stays true while the close is in flight");
	is_int((long long)fdtab_begin_close(5), 0, "fdtab: a second close of the same fd gets 0 (the first owns it)");
	fdtab_end_close(5, w);
	is_int((long long)fdtab_lookup(5), 0, "fdtab: end_close clears the entry");
	ok(fdtab_may_hold(5), "fdtab: may_hold stays true after the close: a tombstone for double closes");
	is_int((long long)*fdtab_slot(5), (long long)FDE_TOMB, "fdtab: the tombstone names no socket");
	is_int((long long)fdtab_begin_close(5), 0, "fdtab: begin_close on a tombstone gets 0");
	fdtab_clear_tomb(fdtab_slot(5));
	ok(!fdtab_may_hold(5), "fdtab: clear_tomb empties the entry");

	/* a close with cloexec keeps the whole word */
	w = fdtab_begin_close(8);
	is_int((long long)w, (long long)(WORD(11) | FDE_CLOEXEC), "fdtab: begin_close returns the flags too");
	fdtab_end_close(8, w);
	is_int((long long)fdtab_lookup(8), 0, "fdtab: end_close with a flagged word clears it");

	/* a new socket takes the fd while the close is in flight */
	fdtab_install(6, 12, 0);
	w = fdtab_begin_close(6);
	prev = fdtab_install(6, 13, 0);
	is_int(prev, (long long)(WORD(12) | FDE_CLOSING),
	       "fdtab: install over a closing entry returns the word with FDE_CLOSING");
	fdtab_end_close(6, w);
	is_int((long long)fdtab_lookup(6), (long long)WORD(13),
	       "fdtab: end_close leaves the entry a new socket took meanwhile");
	w2 = fdtab_begin_close(6);
	fdtab_end_close(6, w2);

	/* a missed close: install over a live entry */
	fdtab_install(7, 14, 0);
	prev = fdtab_install(7, 15, 0);
	is_int(prev, (long long)WORD(14), "fdtab: install over a live entry returns it (a missed close)");
	is_int((long long)fdtab_lookup(7), (long long)WORD(15), "fdtab: ... and the new socket is in place");

	/* end_close with a stale word does nothing */
	w = fdtab_begin_close(7);
	fdtab_end_close(7, WORD(14));
	is_int((long long)fdtab_lookup(7), (long long)(WORD(15) | FDE_CLOSING),
	       "fdtab: end_close with another word leaves the entry alone");
	fdtab_end_close(7, w);
	is_int((long long)fdtab_lookup(7), 0, "fdtab: end_close with the right word clears it");

	/* index 0 is a real object: its word is 1, not 0 */
	fdtab_install(9, 0, 0);
	ok(fdtab_may_hold(9) && fdtab_lookup(9) == 1, "fdtab: socket index 0 is stored as word 1");
	w = fdtab_begin_close(9);
	fdtab_end_close(9, w);

	/* the largest index fits in the 32-bit field */
	fdtab_install(10, UINT32_MAX - 1, 0);
	is_int((long long)(fdtab_lookup(10) & FDE_IDX_MASK), (long long)UINT32_MAX,
	       "fdtab: the largest index keeps the flag bits clear");
	ok(!(fdtab_lookup(10) & ~FDE_IDX_MASK), "fdtab: ... no flag set by accident");
	w = fdtab_begin_close(10);
	fdtab_end_close(10, w);
}

static void fdtab_far(void)
{
	const int fds[] = { 4095, 4096, 5000, 100000, (int)FDTAB_MAX - 1 };

	ok(fdtab_slot(5000) == NULL && !fdtab_may_hold(5000),
	   "fdtab: fd 5000 (second chunk) has no chunk before use");
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		int fd = fds[i];

		ok(fdtab_install(fd, 100 + (uint32_t)i, 0) == 0 &&
		   fdtab_lookup(fd) == WORD(100 + i) && fdtab_may_hold(fd),
		   "fdtab: fd %d installs and looks up", fd);
	}
	ok(!fdtab_may_hold(5001) && !fdtab_may_hold(99999) && !fdtab_may_hold(100001),
	   "fdtab: untouched neighbours of far fds hold nothing");
	ok(fdtab_slot(300000) == NULL && !fdtab_may_hold(300000),
	   "fdtab: a chunk never touched is not created by lookups");
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		uint64_t w = fdtab_begin_close(fds[i]);

		fdtab_end_close(fds[i], w);
	}
	ok(!fdtab_lookup(5000) && !fdtab_lookup(100000) && !fdtab_lookup((int)FDTAB_MAX - 1),
	   "fdtab: far fds close");
	is_int((long long)fdtab_hwm, (long long)FDTAB_MAX, "fdtab: the high-water mark is one past the highest fd installed");

	/* Out of range: FDTAB_MAX and beyond, negative. */
	is_int(fdtab_install((int)FDTAB_MAX, 1, 0), -1, "fdtab: install(FDTAB_MAX) is -1");
	is_int(fdtab_install(INT_MAX, 1, 0), -1, "fdtab: install(INT_MAX) is -1");
	is_int(fdtab_install(-1, 1, 0), -1, "fdtab: install(-1) is -1");
	is_int(fdtab_install(INT_MIN, 1, 0), -1, "fdtab: install(INT_MIN) is -1");
	ok(fdtab_slot((int)FDTAB_MAX) == NULL && fdtab_slot(-1) == NULL,
	   "fdtab: no slot for FDTAB_MAX or -1");
	ok(fdtab_lookup((int)FDTAB_MAX) == 0 && fdtab_lookup(-1) == 0 &&
	   !fdtab_may_hold((int)FDTAB_MAX) && !fdtab_may_hold(-1) && !fdtab_may_hold(INT_MIN),
	   "fdtab: out-of-range fds look empty");
	ok(fdtab_begin_close((int)FDTAB_MAX) == 0 && fdtab_begin_close(-1) == 0,
	   "fdtab: begin_close of out-of-range fds is 0");
	fdtab_end_close(-1, 1);
	fdtab_set_cloexec(-1, 1);
	fdtab_set_cloexec((int)FDTAB_MAX, 1);
	ok(1, "fdtab: end_close / set_cloexec on out-of-range fds do not crash");
}

/* Threads creating the same chunk at once, and racing closes of one fd. */
enum { RACE_THREADS = 8, RACE_ROUNDS = 2000 };
static pthread_barrier_t race_go;
static int race_base;
static long race_close_wins[RACE_ROUNDS];

static void *race_main(void *arg)
{
	int me = (int)(intptr_t)arg;

	pthread_barrier_wait(&race_go);
	/* All threads install into the same brand-new chunk. */
	fdtab_install(race_base + me, (uint32_t)(1000 + me), 0);
	pthread_barrier_wait(&race_go);
	/* All threads close the same fd; only one may own each close. */
	for (int r = 0; r < RACE_ROUNDS; r++) {
		uint64_t w;

		if (me == 0)
			fdtab_install(race_base + 100, (uint32_t)r, 0);
		pthread_barrier_wait(&race_go);
		w = fdtab_begin_close(race_base + 100);
		if (w) {
			__atomic_fetch_add(&race_close_wins[r], 1, __ATOMIC_RELAXED);
			if (w != WORD(r))
				__atomic_fetch_add(&race_close_wins[r], 1000, __ATOMIC_RELAXED);
		}
		pthread_barrier_wait(&race_go);
		if (w)
			fdtab_end_close(race_base + 100, w);
		pthread_barrier_wait(&race_go);
	}
	return NULL;
}

static void fdtab_threads(void)
{
	pthread_t th[RACE_THREADS];
	int lost = 0, bad_rounds = 0;

	race_base = 7 * (int)FDTAB_CHUNK;	/* a chunk nobody touched */
	ok(fdtab_slot(race_base) == NULL, "fdtab race: the chunk does not exist yet");
	pthread_barrier_init(&race_go, NULL, RACE_THREADS);
	for (int t = 0; t < RACE_THREADS; t++)
		pthread_create(&th[t], NULL, race_main, (void *)(intptr_t)t);
	for (int t = 0; t < RACE_THREADS; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&race_go);
	for (int t = 0; t < RACE_THREADS; t++)
		if (fdtab_lookup(race_base + t) != WORD(1000 + t))
			lost++;
	is_int(lost, 0, "fdtab race: installs by threads creating one chunk at once all survive");
	for (int r = 0; r < RACE_ROUNDS; r++)
		if (race_close_wins[r] != 1)
			bad_rounds++;
	is_int(bad_rounds, 0, "fdtab race: each close of one fd is owned by exactly one of 8 threads");
	is_int((long long)fdtab_lookup(race_base + 100), 0, "fdtab race: the raced fd ends empty");
}

int main(void)
{
	alarm(120);
	plan(26 + 9 + 8 + 31 + 18 + 4);
	tap_isolated("pool basics", pool_basics);
	tap_isolated("pool exhaustion", pool_exhaustion);
	tap_isolated("pool threads", pool_threads);
	fdtab_basics();
	fdtab_far();
	fdtab_threads();
	return done_testing();
}

/*
 * ring.c - the record ring (shim/ring.h: ring_claim, fill in place,
 * ring_publish, as shim/event.h does) under contention, checked the way a
 * reader sees it (include/trace_format.h: slot p & (capacity-1) holds
 * position p when seq == p + 1 and pos == p).
 *
 *  1. a ring big enough for everything: 8 writers x 10000 records; every
 *     position 0..head-1 is complete, untorn, and every (thread, seq) is
 *     there exactly once, in each thread's own order;
 *  2. a small ring (1024) that wraps: 4 x 5000; the last 1024 positions are
 *     present, each consistent, nothing outside that window but where a
 *     claim was refused (its slot still owned by a writer a lap behind);
 *  3. a reader scanning while writers write, with viewer/trace_read.c's
 *     validity rule: it must never accept a record whose payload is torn.
 *     Run with a roomy ring, a tiny one the writers lap constantly, and a
 *     tiny one whose writers are parked at random points (signals);
 *  4. deterministic, one thread: a writer lapped between ring_claim() and
 *     ring_publish() (it was preempted, or blocked in the getsockname the
 *     wrappers make between the two) keeps its slot: the lapping claim is
 *     refused, and no torn or unfinished record looks complete.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"
#include "tap.h"

/* ------------------------------------------------------------------ */
/* The payload: every field derived from (thread, seq).                 */

static uint64_t mix(uint64_t t, uint64_t s)
{
	uint64_t z = (t << 32 | (s & 0xffffffffu)) + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Bytes of r that carry data: the fixed part plus the used addresses. */
static size_t rec_len(const struct st_record *r)
{
	return offsetof(struct st_record, addrs) + r->addrs_len;
}

/* The record thread t commits as its s-th (seq and pos left 0). */
static void fill(struct st_record *r, uint32_t t, uint32_t s)
{
	uint64_t m = mix(t, s);

	memset(r, 0, sizeof(*r));
	r->t_ns = m;
	r->inode = m ^ 0x5555555555555555ull;
	r->inode2 = ~m;
	r->ret = s;
	r->arg[0] = (int64_t)t * 1000003 + s;
	r->arg[1] = -r->arg[0];
	r->pid = (int32_t)t;
	r->tid = (int32_t)s;
	r->fd = (int32_t)t;
	r->fd2 = (int32_t)(s ^ 0x3c3c3c3cu);
	r->err = (int32_t)(t + s);
	r->refs = (int32_t)(m >> 17);
	r->op = (uint16_t)(s % 18 + 1);
	r->flags = (uint16_t)(t * 7);
	r->domain = (uint16_t)s;
	r->type = (uint16_t)(t ^ 0xa5);
	r->stack_id = (uint32_t)m;
	r->addrs_len = (uint16_t)(2 + m % (ST_ADDRS_SIZE - 1));	/* 2..152 */
	for (unsigned i = 0; i < r->addrs_len; i++)
		r->addrs[i] = (uint8_t)(t * 37 + s * 11 + i * 3 + 1);
}

/*
 * Is r (a copy) exactly what some thread < nthreads committed as its seq
 * < nseq?  On success *t and *s name it.  Bytes past addrs_len are not
 * written by the writer and are not checked.
 */
static int consistent(const struct st_record *r, uint32_t nthreads, uint32_t nseq,
		      uint32_t *t, uint32_t *s)
{
	struct st_record want;
	const size_t from = offsetof(struct st_record, t_ns);

	if (r->fd < 0 || (uint32_t)r->fd >= nthreads || r->ret < 0 || r->ret >= nseq)
		return 0;
	fill(&want, (uint32_t)r->fd, (uint32_t)r->ret);
	if (memcmp((const char *)r + from, (const char *)&want + from,
		   rec_len(&want) - from))
		return 0;
	*t = (uint32_t)r->fd;
	*s = (uint32_t)r->ret;
	return 1;
}

/* The fields of r that differ from the record its fd and ret name, as text. */
static const char *mismatch(const struct st_record *r, char *out, size_t n)
{
	static const struct { const char *name; size_t off, len; } f[] = {
#define F(x) { #x, offsetof(struct st_record, x), sizeof(((struct st_record *)0)->x) }
		F(t_ns), F(inode), F(inode2), F(ret), F(arg), F(pid), F(tid), F(fd), F(fd2),
		F(err), F(refs), F(op), F(flags), F(domain), F(type), F(stack_id), F(addrs_len),
#undef F
	};
	struct st_record want;
	size_t o = 0;

	out[0] = 0;
	if (r->fd < 0 || r->ret < 0 || r->ret > UINT32_MAX)
		return "fd/ret name no record";
	fill(&want, (uint32_t)r->fd, (uint32_t)r->ret);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && o < n; i++)
		if (memcmp((const char *)r + f[i].off, (const char *)&want + f[i].off, f[i].len))
			o += (size_t)snprintf(out + o, n - o, "%s ", f[i].name);
	if (o < n && r->addrs_len == want.addrs_len && memcmp(r->addrs, want.addrs, want.addrs_len))
		snprintf(out + o, n - o, "addrs");
	return out[0] ? out : "(none)";
}

/* ------------------------------------------------------------------ */
/* A ring in anonymous memory, laid out as in a trace file.             */

struct ring {
	struct st_file_header *hdr;
	struct st_record *recs;
	size_t bytes;
};

static int ring_new(struct ring *rg, uint64_t capacity)
{
	void *p;

	rg->bytes = ST_HEADER_SIZE + capacity * ST_RECORD_SIZE;
	p = mmap(0, rg->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	rg->hdr = p;
	rg->recs = (struct st_record *)((char *)p + ST_HEADER_SIZE);
	memcpy(rg->hdr->magic, ST_MAGIC, sizeof(rg->hdr->magic));
	rg->hdr->version = ST_FORMAT_VERSION;
	rg->hdr->header_size = ST_HEADER_SIZE;
	rg->hdr->record_size = ST_RECORD_SIZE;
	rg->hdr->capacity = capacity;
	return 0;
}

static void ring_del(struct ring *rg)
{
	munmap(rg->hdr, rg->bytes);
}

/* ------------------------------------------------------------------ */
/* Writers.                                                             */

/*
 * The bytes of r from t_ns up to and including its used addresses: what the
 * shim writes between ring_claim() and ring_publish().
 */
#define FILL_FROM	offsetof(struct st_record, t_ns)

static void put_fields(struct st_record *slot, const struct st_record *r, size_t from, size_t to)
{
	memcpy((char *)slot + from, (const char *)r + from, to - from);
}

/*
 * What the shim does per event: claim, write the fields in place a few at a
 * time (ev_begin, then the result, then addresses), publish.
 */
static uint64_t ring_dropped;	/* claims ring_claim refused (atomic) */

static uint64_t commit(struct ring *rg, const struct st_record *r)
{
	static const size_t cut[] = {
		FILL_FROM, offsetof(struct st_record, ret), offsetof(struct st_record, pid),
		offsetof(struct st_record, op), offsetof(struct st_record, addrs),
	};
	struct st_record *slot = ring_claim(rg->hdr, rg->recs);
	uint64_t pos;

	if (!slot) {
		/* The slot's last-lap writer still owns it: the event is dropped. */
		__atomic_fetch_add(&ring_dropped, 1, __ATOMIC_RELAXED);
		return UINT64_MAX;
	}
	pos = slot->pos;

	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		put_fields(slot, r, cut[i], i + 1 < sizeof(cut) / sizeof(cut[0]) ? cut[i + 1] : rec_len(r));
		__asm__ __volatile__("" ::: "memory");
	}
	ring_publish(slot);
	return pos;
}

struct writer {
	pthread_t th;
	struct ring *rg;
	uint32_t id, n;
	uint64_t *pos;			/* pos[s]: the position seq s was given */
	pthread_barrier_t *go;
	int *stop;			/* optional: finish early when set */
	uint32_t done;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct st_record r;

	pthread_barrier_wait(w->go);
	for (uint32_t s = 0; s < w->n; s++) {
		uint64_t p;

		if (w->stop && __atomic_load_n(w->stop, __ATOMIC_RELAXED))
			break;
		fill(&r, w->id, s);
		p = commit(w->rg, &r);
		if (w->pos)
			w->pos[s] = p;
		w->done = s + 1;
	}
	return NULL;
}

/* Start n writers of k records each on rg (they wait on go, count n + extra). */
static struct writer *start_writers(struct ring *rg, uint32_t n, uint32_t k, int keep_pos,
				    pthread_barrier_t *go, int *stop)
{
	struct writer *w = calloc(n, sizeof(*w));

	if (!w)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		w[i].rg = rg;
		w[i].id = i;
		w[i].n = k;
		w[i].go = go;
		w[i].stop = stop;
		w[i].pos = keep_pos ? calloc(k, sizeof(uint64_t)) : NULL;
		if (pthread_create(&w[i].th, NULL, writer_main, &w[i])) {
			bail_out("pthread_create failed");
			exit(1);
		}
	}
	return w;
}

static void join_writers(struct writer *w, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		pthread_join(w[i].th, NULL);
}

static void free_writers(struct writer *w, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(w[i].pos);
	free(w);
}

/* ------------------------------------------------------------------ */
/* 1. Everything fits.                                                  */

static void test_fits(void)
{
	enum { NT = 8, K = 10000 };
	const uint64_t cap = 1u << 17;
	struct ring rg;
	pthread_barrier_t go;
	struct writer *w;
	uint64_t head, bad_seq = 0, bad_pos = 0, torn = 0, dup = 0, missing = 0, untouched_bad = 0;
	uint64_t order_bad = 0, ret_bad = 0;
	uint8_t *seen;

	if (ring_new(&rg, cap)) {
		skip(9, "cannot map the ring");
		return;
	}
	seen = calloc((size_t)NT * K, 1);
	pthread_barrier_init(&go, NULL, NT);
	w = start_writers(&rg, NT, K, 1, &go, NULL);
	join_writers(w, NT);
	pthread_barrier_destroy(&go);

	head = __atomic_load_n(&rg.hdr->head, __ATOMIC_ACQUIRE);
	is_int((long long)head, (long long)NT * K, "fits: head == 8 x 10000");
	is_int((long long)__atomic_load_n(&ring_dropped, __ATOMIC_RELAXED), 0,
	       "fits: no claim is refused while the ring never laps");

	for (uint64_t p = 0; p < head && p < cap; p++) {
		const struct st_record *r = &rg.recs[p & (cap - 1)];
		struct st_record copy;
		uint32_t t, s;

		if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != p + 1) {
			if (bad_seq++ < 5)
				diag("position %llu: seq %llu", (unsigned long long)p,
				     (unsigned long long)r->seq);
			continue;
		}
		if (r->pos != p) {
			bad_pos++;
			continue;
		}
		memcpy(&copy, r, sizeof(copy));
		if (!consistent(&copy, NT, K, &t, &s)) {
			if (torn++ < 5)
				diag("position %llu: payload inconsistent (fd %d ret %lld)",
				     (unsigned long long)p, copy.fd, (long long)copy.ret);
			continue;
		}
		if (seen[(size_t)t * K + s]++)
			dup++;
	}
	for (uint64_t p = head; p < cap; p++)
		if (rg.recs[p].seq || rg.recs[p].pos)
			untouched_bad++;
	for (size_t i = 0; i < (size_t)NT * K; i++)
		if (!seen[i])
			missing++;
	/* What each writer was told: its slot holds its record, in its order. */
	for (uint32_t i = 0; i < NT; i++)
		for (uint32_t s = 0; s < K; s++) {
			uint64_t p = w[i].pos[s];

			if (p >= cap || rg.recs[p].fd != (int32_t)i || rg.recs[p].ret != s)
				ret_bad++;
			if (s && p <= w[i].pos[s - 1])
				order_bad++;
		}

	is_int((long long)bad_seq, 0, "fits: every slot below head has seq == pos + 1");
	is_int((long long)bad_pos, 0, "fits: every slot's pos field == its position");
	is_int((long long)torn, 0, "fits: every payload is self-consistent (not torn)");
	is_int((long long)dup, 0, "fits: no (thread, seq) appears twice");
	is_int((long long)missing, 0, "fits: no (thread, seq) is missing");
	is_int((long long)untouched_bad, 0, "fits: slots at and above head were never written");
	is_int((long long)ret_bad, 0, "fits: the position each commit was given holds that record");
	is_int((long long)order_bad, 0, "fits: each thread's positions increase with its seq");

	free_writers(w, NT);
	free(seen);
	ring_del(&rg);
}

/* ------------------------------------------------------------------ */
/* 2. The ring wraps: only the last capacity positions survive.         */

static void test_wraps(void)
{
	enum { NT = 4, K = 5000, CAP = 1024 };
	struct ring rg;
	pthread_barrier_t go;
	struct writer *w;
	uint64_t head, lo, outside = 0, wrong_slot = 0, bad_pos = 0, torn = 0, dup = 0;
	uint64_t order_bad = 0, ret_mismatch = 0;
	uint8_t *seen;
	int64_t last_seq[NT];

	if (ring_new(&rg, CAP)) {
		skip(7, "cannot map the ring");
		return;
	}
	seen = calloc((size_t)NT * K, 1);
	pthread_barrier_init(&go, NULL, NT);
	w = start_writers(&rg, NT, K, 1, &go, NULL);
	join_writers(w, NT);
	pthread_barrier_destroy(&go);

	head = __atomic_load_n(&rg.hdr->head, __ATOMIC_ACQUIRE);
	is_int((long long)head, (long long)NT * K, "wraps: head == 4 x 5000");
	lo = head - CAP;
	for (int i = 0; i < NT; i++)
		last_seq[i] = -1;

	/* Walk positions in order, so each thread's seqs must increase. */
	for (uint64_t p = lo; p < head; p++) {
		const struct st_record *r = &rg.recs[p & (CAP - 1)];
		uint64_t seq = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
		struct st_record copy;
		uint32_t t, s;

		if (seq == 0 || seq - 1 < lo || seq - 1 >= head) {
			if (outside++ < 5)
				diag("slot %llu: seq %llu, outside the window [%llu, %llu)",
				     (unsigned long long)(p & (CAP - 1)), (unsigned long long)seq,
				     (unsigned long long)lo, (unsigned long long)head);
			continue;
		}
		if (seq != p + 1) {
			wrong_slot++;
			continue;
		}
		if (r->pos != p) {
			bad_pos++;
			continue;
		}
		memcpy(&copy, r, sizeof(copy));
		if (!consistent(&copy, NT, K, &t, &s)) {
			torn++;
			continue;
		}
		if (seen[(size_t)t * K + s]++)
			dup++;
		if ((int64_t)s <= last_seq[t])
			order_bad++;
		last_seq[t] = s;
		if (w[t].pos[s] != p)
			ret_mismatch++;
	}
	/* A hole in the window is a claim refused while a lapped writer owned the slot. */
	ok(outside <= __atomic_load_n(&ring_dropped, __ATOMIC_RELAXED),
	   "wraps: a slot holds a position outside [head-1024, head) only where a claim was dropped "
	   "(%llu such slots, %llu drops)", (unsigned long long)outside,
	   (unsigned long long)__atomic_load_n(&ring_dropped, __ATOMIC_RELAXED));
	is_int((long long)wrong_slot, 0, "wraps: every slot holds the position that maps to it");
	is_int((long long)bad_pos, 0, "wraps: every slot's pos field matches its seq");
	is_int((long long)torn, 0, "wraps: every surviving payload is self-consistent");
	is_int((long long)dup, 0, "wraps: no (thread, seq) appears twice in the window");
	ok(order_bad == 0 && ret_mismatch == 0,
	   "wraps: each record sits where its claim said, in its thread's order "
	   "(%llu out of order, %llu misplaced)",
	   (unsigned long long)order_bad, (unsigned long long)ret_mismatch);

	free_writers(w, NT);
	free(seen);
	ring_del(&rg);
}

/* ------------------------------------------------------------------ */
/* 3. A live reader never accepts a torn record.                        */

struct reader {
	struct ring *rg;
	uint32_t nthreads, nseq;
	int *stop;
	uint64_t scans, accepted, rejected, torn_accepted;
	struct st_record first_bad;
	uint64_t first_bad_pos;
};

/* viewer/trace_read.c's copy_records(), over the live ring. */
static void scan_once(struct reader *rd)
{
	struct st_file_header *hdr = rd->rg->hdr;
	const struct st_record *ring = rd->rg->recs;
	uint64_t cap = hdr->capacity, head = __atomic_load_n(&hdr->head, __ATOMIC_ACQUIRE);
	uint64_t start = head > cap ? head - cap : 0;
	struct st_record copy;

	for (uint64_t pos = start; pos < head; pos++) {
		const struct st_record *r = &ring[pos & (cap - 1)];
		uint64_t seq = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
		uint32_t t, s;

		if (seq != pos + 1 || r->pos != pos) {
			rd->rejected++;
			continue;
		}
		memcpy(&copy, r, sizeof(*r));
		if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != seq) {
			rd->rejected++;
			continue;
		}
		rd->accepted++;
		if (!consistent(&copy, rd->nthreads, rd->nseq, &t, &s) || copy.pos != pos) {
			if (!rd->torn_accepted++) {
				rd->first_bad = copy;
				rd->first_bad_pos = pos;
			}
		}
	}
	rd->scans++;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;

	while (!__atomic_load_n(rd->stop, __ATOMIC_ACQUIRE))
		scan_once(rd);
	scan_once(rd);		/* once more after the writers stopped */
	return NULL;
}

/*
 * The preemptor: SIGUSR1 to a random writer, whose handler sleeps a few
 * microseconds.  It parks writers at random points, also inside
 * a commit, the way preemption or a long signal handler does, so a tiny
 * ring is lapped while some writer is half-way through a commit.
 */
struct preemptor {
	struct writer *w;
	uint32_t nt;
	int *stop;
	uint64_t sent;
};

static void park_handler(int sig)
{
	struct timespec ts = { 0, 20000 };

	(void)sig;
	nanosleep(&ts, NULL);
}

static void *preemptor_main(void *arg)
{
	struct preemptor *pe = arg;
	unsigned seed = 12345;

	while (!__atomic_load_n(pe->stop, __ATOMIC_ACQUIRE)) {
		pthread_kill(pe->w[rand_r(&seed) % pe->nt].th, SIGUSR1);
		pe->sent++;
		if (pe->sent % 4 == 0)
			sched_yield();
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_live_reader(uint64_t cap, uint32_t nt, uint32_t k, double max_s, int park,
			     const char *what)
{
	struct preemptor pe = { 0 };
	pthread_t pth;
	struct ring rg;
	pthread_barrier_t go;
	struct writer *w;
	struct reader rd = { 0 };
	pthread_t rth;
	int stop_writers = 0, stop_reader = 0;
	double t0;
	int all_done;

	if (ring_new(&rg, cap)) {
		skip(3, "cannot map the ring");
		return;
	}
	rd.rg = &rg;
	rd.nthreads = nt;
	rd.nseq = k;
	rd.stop = &stop_reader;
	pthread_barrier_init(&go, NULL, nt + 1);
	w = start_writers(&rg, nt, k, 0, &go, &stop_writers);
	pthread_create(&rth, NULL, reader_main, &rd);
	pthread_barrier_wait(&go);
	if (park) {
		pe.w = w;
		pe.nt = nt;
		pe.stop = &stop_writers;
		pthread_create(&pth, NULL, preemptor_main, &pe);
	}
	/* Bounded: writers stop early after max_s seconds. */
	t0 = now_s();
	for (;;) {
		all_done = 1;
		for (uint32_t i = 0; i < nt; i++)
			if (__atomic_load_n(&w[i].done, __ATOMIC_RELAXED) < k)
				all_done = 0;
		if (all_done || now_s() - t0 > max_s ||
		    __atomic_load_n(&rd.torn_accepted, __ATOMIC_RELAXED))
			break;
		usleep(2000);
	}
	__atomic_store_n(&stop_writers, 1, __ATOMIC_RELEASE);
	if (park)
		pthread_join(pth, NULL);
	join_writers(w, nt);
	__atomic_store_n(&stop_reader, 1, __ATOMIC_RELEASE);
	pthread_join(rth, NULL);
	pthread_barrier_destroy(&go);

	diag("%s: %.2f s, %llu scans, %llu records accepted, %llu rejected, head %llu, %llu parks",
	     what, now_s() - t0, (unsigned long long)rd.scans, (unsigned long long)rd.accepted,
	     (unsigned long long)rd.rejected, (unsigned long long)rg.hdr->head,
	     (unsigned long long)pe.sent);
	ok(rd.scans > 1 && rd.accepted > 0, "%s: the reader scanned while the writers wrote", what);
	if (!ok(rd.torn_accepted == 0, "%s: the reader never accepted an inconsistent record", what)) {
		const struct st_record *b = &rd.first_bad;

		diag("%llu torn records accepted; first at position %llu: seq %llu pos %llu",
		     (unsigned long long)rd.torn_accepted, (unsigned long long)rd.first_bad_pos,
		     (unsigned long long)b->seq, (unsigned long long)b->pos);
		char why[256];

		diag("  fd %d ret %lld name writer %d's record %lld; fields that differ from it: %s",
		     b->fd, (long long)b->ret, b->fd, (long long)b->ret, mismatch(b, why, sizeof(why)));
	}
	/* Once everything is quiet, a final scan accepts only consistent records. */
	{
		uint64_t before = rd.torn_accepted;

		scan_once(&rd);
		ok(rd.torn_accepted == before,
		   "%s: once quiet, no accepted record is inconsistent", what);
	}
	free_writers(w, nt);
	ring_del(&rg);
}

/* ------------------------------------------------------------------ */
/* 4. A writer lapped between claim and publish (deterministic).        */

/* Positions the trace_read.c rule accepts now, and how many of them are torn. */
static void reader_view(struct ring *rg, uint32_t nthreads, uint32_t nseq, uint64_t *accepted,
			uint64_t *torn, uint64_t *torn_pos)
{
	uint64_t cap = rg->hdr->capacity, head = rg->hdr->head;
	uint64_t start = head > cap ? head - cap : 0;

	*accepted = *torn = 0;
	*torn_pos = UINT64_MAX;
	for (uint64_t pos = start; pos < head; pos++) {
		const struct st_record *r = &rg->recs[pos & (cap - 1)];
		struct st_record copy;
		uint32_t t, s;

		if (r->seq != pos + 1 || r->pos != pos)
			continue;
		memcpy(&copy, r, sizeof(copy));
		(*accepted)++;
		if (!consistent(&copy, nthreads, nseq, &t, &s)) {
			(*torn)++;
			*torn_pos = pos;
		}
	}
}

/* Which writer (Y = thread 0 seq 0, X = thread 1 seq 7) each part of r came from. */
static void show_slot(const char *what, const struct st_record *r)
{
	struct st_record y, x;
	const size_t half = offsetof(struct st_record, ret);

	fill(&y, 0, 0);
	fill(&x, 1, 7);
	diag("%s: seq %llu pos %llu; fields t_ns..inode2 from %s, fields ret..addrs from %s",
	     what, (unsigned long long)r->seq, (unsigned long long)r->pos,
	     !memcmp(&r->t_ns, &y.t_ns, half - FILL_FROM) ? "Y (position 0)" :
	     !memcmp(&r->t_ns, &x.t_ns, half - FILL_FROM) ? "X (position 8)" : "neither",
	     !memcmp(&r->ret, &y.ret, rec_len(&y) - half) ? "Y (position 0)" :
	     !memcmp(&r->ret, &x.ret, rec_len(&x) - half) ? "X (position 8)" : "neither");
}

static void test_lapped_writer(void)
{
	enum { CAP = 8 };
	const size_t half = offsetof(struct st_record, ret);
	struct ring rg;
	struct st_record y, x, *ys, *xs;
	uint64_t acc, torn, tpos;

	if (ring_new(&rg, CAP)) {
		skip(5, "cannot map the ring");
		return;
	}
	/*
	 * A: writer Y (thread 0) claims position 0 and writes the first fields
	 * (ev_begin), then stalls before the rest (a getsockname, preemption).
	 * Writer X (thread 1) commits a whole lap, 1..8; 8 reuses Y's slot.
	 * Y wakes, writes its other fields and publishes.
	 */
	fill(&y, 0, 0);
	ys = ring_claim(rg.hdr, rg.recs);
	put_fields(ys, &y, FILL_FROM, half);
	for (uint32_t s = 0; s < CAP; s++) {
		fill(&x, 1, s);
		commit(&rg, &x);
	}
	put_fields(ys, &y, half, rec_len(&y));
	ring_publish(ys);
	is_int((long long)rg.hdr->head, CAP + 1, "lapped writer: head counts 9 claims");
	reader_view(&rg, 2, CAP, &acc, &torn, &tpos);
	if (!is_int((long long)torn, 0,
		    "lapped writer, finishing after the lap: no accepted record is torn")) {
		diag("position %llu is accepted (seq == pos + 1) but mixes two writers' fields",
		     (unsigned long long)tpos);
		show_slot("slot 0", &rg.recs[0]);
	}
	ok(acc >= CAP - 1, "lapped writer: positions 1..7 are still readable (%llu accepted)",
	   (unsigned long long)acc);
	ring_del(&rg);

	/*
	 * B: the same, but X is itself mid-record in the shared slot when Y
	 * publishes: position 8 must not look complete before X publishes it.
	 */
	if (ring_new(&rg, CAP)) {
		skip(2, "cannot map the ring");
		return;
	}
	fill(&y, 0, 0);
	ys = ring_claim(rg.hdr, rg.recs);
	put_fields(ys, &y, FILL_FROM, half);
	for (uint32_t s = 0; s < CAP - 1; s++) {
		fill(&x, 1, s);
		commit(&rg, &x);
	}
	fill(&x, 1, CAP - 1);
	xs = ring_claim(rg.hdr, rg.recs);	/* position 8, Y's slot, Y still writing */
	ok(xs == NULL, "lapped writer: the claim of a slot a lapped writer still owns is refused "
	   "(the event is dropped, never mixed into Y's)");
	put_fields(ys, &y, half, rec_len(&y));
	ring_publish(ys);
	if (!ok(!(rg.recs[0].seq == CAP + 1 && rg.recs[0].pos == CAP),
		"lapped writer: position 8 never looks complete (its claim was dropped)")) {
		show_slot("slot 0", &rg.recs[0]);
	}
	reader_view(&rg, 2, CAP, &acc, &torn, &tpos);
	is_int((long long)torn, 0, "lapped writer: after Y publishes, no accepted record is torn");
	ring_del(&rg);
}

int main(void)
{
	struct sigaction sa = { 0 };

	alarm(120);	/* a hung writer or reader fails the test, not the suite */
	sa.sa_handler = park_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	plan(10 + 7 + 3 * 3 + 6);
	test_fits();
	test_wraps();
	test_live_reader(4096, 4, 200000, 5.0, 0, "live reader, 4096-slot ring");
	test_live_reader(16, 8, 200000, 5.0, 0, "live reader, 16-slot ring lapped constantly");
	/* Writers parked mid-commit while the ring laps them (ring.h allows it). */
	test_live_reader(4, 8, 2000000, 5.0, 1, "live reader, 4-slot ring, writers parked at random");
	test_lapped_writer();
	return done_testing();
}

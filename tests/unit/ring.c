/*
 * ring.c - the ring of records (shim/ring.h: ring_claim, fill in place,
 * ring_publish; shim/event.h: ev_begin, ev_put, ev_end with continuation
 * slots) in a trace file made by the shim's own set-up, under contention,
 * checked the way a reader sees it (include/trace_format.h: the window
 * st_ring_window, slot p & (ring_cap - 1) complete for p when its seq is
 * p + 1, continuations joined with st_record_join, entries walked with
 * st_entry_next), through a second mapping of the file.
 *
 *  1. a ring big enough for everything (16 MiB, growing from 64 slots as
 *     it fills): 8 writers x 10000 records; every position complete,
 *     untorn, every (thread, seq) there once, in its thread's order, none
 *     refused, the ring's chunks as the format says;
 *  2. a ring that wraps (8192 slots): 4 x 40000; the window holds each
 *     position's own record, nothing outside it but where a claim was
 *     refused (its slot still owned by a writer a lap behind);
 *  3. a reader scanning while writers write records, a third of them with
 *     continuations: it must never accept a record, or join a
 *     continuation, whose payload is torn.  With an 8192-slot ring, a
 *     16-slot one the writers lap constantly, and a 4-slot one whose
 *     writers are parked at random points (signals);
 *  4. deterministic: a writer lapped between claim and publish keeps its
 *     slot (the lapping claim is refused), and no torn or unfinished
 *     record looks complete; a continuation the ring cannot give leaves
 *     its entry out whole;
 *  5. deterministic: continuations as a reader joins them (a long unix
 *     address, one entry for an address given twice, an inode, entries
 *     past what a record holds);
 *  6. growth: one writer through 20000 positions: the ring's chunks double
 *     up to its capacity, then it wraps, nothing refused;
 *  7. growth refused (RLIMIT_FSIZE): the header says why, the ring wraps
 *     at the slots it has, and nothing is lost to it;
 *  8. deterministic: the writer growing the ring is preempted half-way
 *     (its space reservation trapped, shimfile.h) while another writes 100
 *     records: those past the slots mapped are refused, and the ring goes
 *     on growing to its capacity.
 *
 * Rings smaller than SOCKTRACE_RING_MB's 1 MiB are asked for through
 * tracefile_cfg (shimfile.h), before the file is made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "regions.h"
#include "ring.h"
#include "tap.h"
#include "shimfile.h"

#define CONT_REACH	256u	/* how far past its head a reader looks for a continuation */

/* ------------------------------------------------------------------ */
/* The payload: every field derived from (thread, seq).                 */

static uint64_t mix(uint64_t t, uint64_t s)
{
	uint64_t z = (t << 32 | (s & 0xffffffffu)) + 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The fields between seq and addrs that a writer fills; ncont and reserved are the ring's. */
#define PAY_FROM	offsetof(struct st_record, op)
#define PAY_TO		offsetof(struct st_record, ncont)

/* The record thread t commits as its s-th (seq left to the ring), entries in the head only. */
static void fill(struct st_record *r, uint32_t t, uint32_t s)
{
	uint64_t m = mix(t, s);

	memset(r, 0, sizeof(*r));
	r->op = (uint16_t)(s % 53 + 1);
	r->flags = (uint16_t)((t * 7) & ~ST_REC_ADDR_TRUNC);
	r->err = (int16_t)(t + s);
	r->domain = (uint8_t)s;
	r->type = (uint8_t)(t ^ 0xa5);
	r->t_ns = m;
	r->sid = m ^ 0x5555555555555555ull;
	r->sid2 = ~m;
	r->ret = s;
	r->arg[0] = (int64_t)t * 1000003 + s;
	r->arg[1] = -r->arg[0];
	r->tid = (int32_t)(m >> 40);
	r->fd = (int32_t)t;
	r->fd2 = (int32_t)(s ^ 0x3c3c3c3cu);
	r->refs = (int32_t)(m >> 17);
	r->stack_id = (uint32_t)m;
	r->addrs_len = (uint16_t)(m % (ST_REC_ADDRS + 1));	/* 0..40 */
	for (unsigned i = 0; i < r->addrs_len; i++)
		r->addrs[i] = (uint8_t)(t * 37 + s * 11 + i * 3 + 1);
}

/* The value entry (ST_ADDR_OPTVAL) thread t's s-th ev record carries: its length, bytes into v. */
static size_t value_of(uint32_t t, uint32_t s, uint8_t *v)
{
	uint64_t m = mix(t, s);
	/* a third need continuations: 1 to 3 of them */
	size_t len = m % 3 == 0 ? ST_REC_ADDRS + 1 + (m >> 8) % (255 - ST_REC_ADDRS) : 1 + (m >> 8) % 30;

	for (size_t i = 0; i < len; i++)
		v[i] = (uint8_t)(t * 131 + s * 7 + i * 13 + 5);
	return len;
}

/* Is r's payload exactly what some thread < nt committed as its seq < ns (fill)?  *t, *s name it. */
static int consistent(const struct st_record *r, uint32_t nt, uint32_t ns, uint32_t *t, uint32_t *s)
{
	struct st_record want;

	if (r->fd < 0 || (uint32_t)r->fd >= nt || r->ret < 0 || r->ret >= ns)
		return 0;
	fill(&want, (uint32_t)r->fd, (uint32_t)r->ret);
	if (memcmp((const char *)r + PAY_FROM, (const char *)&want + PAY_FROM, PAY_TO - PAY_FROM) ||
	    memcmp(r->addrs, want.addrs, want.addrs_len) || r->ncont)
		return 0;
	*t = (uint32_t)r->fd;
	*s = (uint32_t)r->ret;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Writers.                                                             */

/*
 * What the shim does per event: claim, write the fields in place a few at
 * a time (ev_begin, then the result, then addresses), publish.  The
 * position, or UINT64_MAX when the claim was refused (the event dropped).
 */
static uint64_t commit(struct st_file_header *hdr, const struct st_record *r)
{
	static const size_t cut[] = {
		PAY_FROM, offsetof(struct st_record, t_ns), offsetof(struct st_record, ret),
		offsetof(struct st_record, tid), offsetof(struct st_record, stack_id),
		offsetof(struct st_record, addrs),
	};
	const size_t n = sizeof(cut) / sizeof(cut[0]);
	struct st_record *slot;
	uint64_t pos;

	slot = ring_claim(hdr, &pos, NULL);
	if (!slot)
		return UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t to = i + 1 < n ? cut[i + 1] : offsetof(struct st_record, addrs) + r->addrs_len;

		memcpy((char *)slot + cut[i], (const char *)r + cut[i], to - cut[i]);
		__asm__ __volatile__("" ::: "memory");
	}
	ring_publish(slot, pos);
	return pos;
}

/*
 * The same through event.h, as the wrappers write: ev_begin, the fields,
 * a value entry that may take continuation slots, ev_end.
 */
static void commit_ev(uint32_t t, uint32_t s)
{
	uint8_t v[256];
	struct st_record want;
	struct st_record *r;
	struct ev e;
	size_t len = value_of(t, s, v);

	fill(&want, t, s);
	want.addrs_len = 0;
	r = ev_begin(&e, (enum st_op)want.op, (int)t);
	memcpy((char *)r + PAY_FROM, (const char *)&want + PAY_FROM, PAY_TO - PAY_FROM);
	ev_put(&e, ST_ADDR_OPTVAL, v, len);
	ev_end(&e);
}

struct writer {
	pthread_t th;
	struct st_file_header *hdr;
	uint32_t id, n;
	int ev;				/* write through event.h (with continuations) */
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
		uint64_t p = 0;

		if (w->stop && __atomic_load_n(w->stop, __ATOMIC_RELAXED))
			break;
		if (w->ev && s % 2) {
			commit_ev(w->id, s);
		} else {
			fill(&r, w->id, s);
			p = commit(w->hdr, &r);
		}
		if (w->pos)
			w->pos[s] = p;
		__atomic_store_n(&w->done, s + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Start n writers of k records each (they wait on go). */
static struct writer *start_writers(struct st_file_header *hdr, uint32_t n, uint32_t k, int keep_pos,
				    int ev, pthread_barrier_t *go, int *stop)
{
	struct writer *w = calloc(n, sizeof(*w));

	if (!w)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		w[i].hdr = hdr;
		w[i].id = i;
		w[i].n = k;
		w[i].ev = ev;
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

/* The ring's chunks hold together: numbered on from each other, each within the file. */
static int ring_chunks_ok(const struct reader *rd, unsigned *nchunks)
{
	const struct st_region_dir *d = &rd->h->region[ST_REG_RING];
	uint64_t next = 0;

	*nchunks = d->nchunks;
	for (unsigned k = 0; k < d->nchunks && k < ST_CHUNKS_MAX; k++) {
		const struct st_chunk *c = &d->chunk[k];

		if (!c->offset || c->first != next || c->offset % 4096 ||
		    c->offset + (uint64_t)c->count * ST_SLOT_SIZE > rd->size)
			return 0;
		next += c->count;
	}
	return d->nchunks <= ST_CHUNKS_MAX && next == st_region_mapped(d);
}

/* ------------------------------------------------------------------ 1. everything fits */

static void test_fits(void)
{
	enum { NT = 8, K = 10000 };
	const uint64_t cap = 1u << 17;
	struct st_file_header *hdr = unit_trace(cap);
	struct reader rd;
	pthread_barrier_t go;
	struct writer *w;
	uint64_t head, bad_seq = 0, torn = 0, dup = 0, missing = 0, untouched_bad = 0;
	uint64_t order_bad = 0, ret_bad = 0;
	unsigned nchunks = 0;
	int chunks_ok;
	uint8_t *seen;

	if (!hdr || reader_open(&rd, ST_HEADER_SIZE + (cap + (1u << 16)) * ST_SLOT_SIZE)) {
		skip(11, "no trace file");
		return;
	}
	ok(hdr->ring_cap == cap && region_mapped(ST_REG_RING) == 64,
	   "fits: a 16 MiB ring (%llu slots) starts with 64 mapped", (unsigned long long)hdr->ring_cap);
	seen = calloc((size_t)NT * K, 1);
	pthread_barrier_init(&go, NULL, NT);
	w = start_writers(hdr, NT, K, 1, 0, &go, NULL);
	join_writers(w, NT);
	pthread_barrier_destroy(&go);
	reader_refresh(&rd);

	/* the trace-start record took position 0 */
	head = __atomic_load_n(&hdr->head, __ATOMIC_ACQUIRE);
	is_int((long long)head, (long long)NT * K + 1, "fits: head == 8 x 10000 (and trace-start)");
	if (!is_int((long long)hdr->totals.ring_dropped, 0,
		    "fits: no claim is refused while the ring never laps (its growth keeps ahead)"))
		diag("%llu claims refused; the ring's first chunk was 64 slots", (unsigned long long)hdr->totals.ring_dropped);
	for (uint64_t p = 1; p < head; p++) {
		struct st_record copy;
		uint32_t t, s;

		if (!reader_slot(&rd, p, &copy)) {
			if (bad_seq++ < 5)
				diag("position %llu: not complete", (unsigned long long)p);
			continue;
		}
		if (!consistent(&copy, NT, K, &t, &s)) {
			if (torn++ < 5)
				diag("position %llu: payload inconsistent (fd %d ret %lld)",
				     (unsigned long long)p, copy.fd, (long long)copy.ret);
			continue;
		}
		if (seen[(size_t)t * K + s]++)
			dup++;
	}
	for (uint64_t p = head; p < st_region_mapped(&rd.h->region[ST_REG_RING]); p++) {
		const struct st_record *r = reader_entry(&rd, ST_REG_RING, p);

		if (r && r->seq)
			untouched_bad++;
	}
	for (size_t i = 0; i < (size_t)NT * K; i++)
		missing += !seen[i];
	/* What each writer was told: its position holds its record, in its order. */
	for (uint32_t i = 0; i < NT; i++)
		for (uint32_t s = 0; s < K; s++) {
			struct st_record copy;
			uint64_t p = w[i].pos[s];

			if (p == UINT64_MAX || !reader_slot(&rd, p, &copy) || copy.fd != (int32_t)i || copy.ret != s)
				ret_bad++;
			if (s && p != UINT64_MAX && w[i].pos[s - 1] != UINT64_MAX && p <= w[i].pos[s - 1])
				order_bad++;
		}
	is_int((long long)bad_seq, 0, "fits: every position below head is complete (seq == pos + 1)");
	is_int((long long)torn, 0, "fits: every payload is self-consistent (not torn)");
	is_int((long long)dup, 0, "fits: no (thread, seq) appears twice");
	is_int((long long)missing, 0, "fits: no (thread, seq) is missing");
	is_int((long long)untouched_bad, 0, "fits: mapped slots at and above head were never written");
	is_int((long long)ret_bad, 0, "fits: the position each claim was given holds that record");
	is_int((long long)order_bad, 0, "fits: each thread's positions increase with its seq");
	chunks_ok = ring_chunks_ok(&rd, &nchunks);
	ok(chunks_ok && st_region_mapped(&rd.h->region[ST_REG_RING]) >= head,
	   "fits: the ring grew in %u chunks (%llu slots), numbered on from each other, within the file, past head",
	   nchunks, (unsigned long long)st_region_mapped(&rd.h->region[ST_REG_RING]));

	free_writers(w, NT);
	free(seen);
	reader_close(&rd);
}

/* ------------------------------------------------------------------ 2. the ring wraps */

static void test_wraps(void)
{
	enum { NT = 4, K = 40000, CAP = 8192 };
	struct st_file_header *hdr = unit_trace(CAP);
	struct reader rd;
	pthread_barrier_t go;
	struct writer *w;
	uint64_t head, lo, outside = 0, torn = 0, dup = 0, order_bad = 0, misplaced = 0, dropped;
	uint8_t *seen;
	int64_t last_seq[NT];

	if (!hdr || reader_open(&rd, ST_HEADER_SIZE + (CAP + (1u << 16)) * ST_SLOT_SIZE)) {
		skip(8, "no trace file");
		return;
	}
	seen = calloc((size_t)NT * K, 1);
	pthread_barrier_init(&go, NULL, NT);
	w = start_writers(hdr, NT, K, 1, 0, &go, NULL);
	join_writers(w, NT);
	pthread_barrier_destroy(&go);
	reader_refresh(&rd);

	head = __atomic_load_n(&hdr->head, __ATOMIC_ACQUIRE);
	dropped = hdr->totals.ring_dropped;
	is_int((long long)head, (long long)NT * K + 1, "wraps: head == 4 x 40000 (and trace-start)");
	st_ring_window(head, rd.h->ring_cap, &lo);
	for (int i = 0; i < NT; i++)
		last_seq[i] = -1;
	/* Walk positions in order, so each thread's seqs must increase. */
	for (uint64_t p = lo; p < head; p++) {
		struct st_record copy;
		uint32_t t, s;

		if (!reader_slot(&rd, p, &copy)) {
			outside++;
			continue;
		}
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
			misplaced++;
	}
	ok(rd.h->ring_cap == CAP && region_mapped(ST_REG_RING) == CAP,
	   "wraps: the ring grew to its 8192 slots, and wrapped there");
	ok(outside <= dropped,
	   "wraps: a position of the window [head - 8192, head) is missing only where a claim was refused "
	   "(%llu missing, %llu refused)", (unsigned long long)outside, (unsigned long long)dropped);
	is_int((long long)torn, 0, "wraps: every surviving payload is self-consistent");
	is_int((long long)dup, 0, "wraps: no (thread, seq) appears twice in the window");
	is_int((long long)order_bad, 0, "wraps: each thread's records are in its order");
	is_int((long long)misplaced, 0, "wraps: each record sits at the position its claim was given");
	ok(hdr->totals.ring_dropped < (uint64_t)NT * K / 100,
	   "wraps: refused claims are rare (%llu of %u)", (unsigned long long)dropped, NT * K);

	free_writers(w, NT);
	free(seen);
	reader_close(&rd);
}

/* ------------------------------------------------------------------ 3. a live reader */

struct reader_job {
	struct reader rd;
	uint32_t nthreads, nseq;
	int *stop;
	uint64_t scans, accepted, rejected, joined, conts_lost, torn_accepted;
	struct st_record first_bad;
	uint64_t first_bad_pos;
	const char *why;
};

/* Not consistent, and why (for the diagnostics). */
static int torn_because(struct reader_job *rj, const char *why)
{
	rj->why = why;
	return 0;
}

/*
 * An ev record (odd seq): fields as fill's with no entry of fill's, and
 * the value entry value_of() gives, joined from its continuations: whole,
 * or cut where a continuation is missing (never other bytes), or left out
 * and flagged.  Returns 1 when consistent; *lost when continuations were
 * not all found.
 */
static int consistent_ev(struct reader_job *rj, uint64_t pos, uint64_t head, const struct st_record *r,
			 int *lost)
{
	uint8_t area[ST_ADDRS_MAX], v[256];
	struct st_record want;
	unsigned have[ST_CONT_MAX + 1] = { 0 }, found = 0;
	size_t len, joined = ST_REC_ADDRS, n;

	*lost = 0;
	fill(&want, (uint32_t)r->fd, (uint32_t)r->ret);
	want.addrs_len = 0;
	want.flags |= r->flags & ST_REC_ADDR_TRUNC;	/* the entry may have been left out */
	want.addrs_len = r->addrs_len;
	if (memcmp((const char *)r + PAY_FROM, (const char *)&want + PAY_FROM, PAY_TO - PAY_FROM))
		return torn_because(rj, "fields");
	len = value_of((uint32_t)r->fd, (uint32_t)r->ret, v);
	if (r->addrs_len == 0)
		return len + 2 > ST_REC_ADDRS && (r->flags & ST_REC_ADDR_TRUNC) ? 1 : (torn_because(rj, "no entry"));
	if (r->addrs_len != len + 2 || (r->flags & ST_REC_ADDR_TRUNC) || r->ncont > ST_CONT_MAX ||
	    ST_REC_ADDRS + r->ncont * ST_CONT_DATA < r->addrs_len)
		return torn_because(rj, "entry length");
	memcpy(area, r->addrs, ST_REC_ADDRS);
	for (uint64_t p = pos + 1; p < head && p <= pos + CONT_REACH && found < r->ncont; p++) {
		struct st_record c;

		if (reader_slot(&rj->rd, p, &c) && st_record_join(area, pos, (const struct st_cont *)&c) == 0 &&
		    !have[((const struct st_cont *)&c)->index]++)
			found++;
	}
	for (unsigned k = 1; k <= r->ncont && have[k]; k++)
		joined += ST_CONT_DATA;
	*lost = found < r->ncont;
	n = joined < r->addrs_len ? joined : r->addrs_len;
	/* the entry's header, then the value's bytes, as far as they were joined */
	if (area[0] != ST_ADDR_OPTVAL || area[1] != len || memcmp(area + 2, v, n - 2))
		return torn_because(rj, "joined bytes");
	if (!*lost) {
		const struct st_addr_hdr *e;
		const uint8_t *val;
		size_t off = 0;

		e = st_entry_next(area, r->addrs_len, &off, &val);
		if (!e || e->len != len || off != r->addrs_len)
			return torn_because(rj, "entries");
	}
	return 1;
}

/* viewer/trace_read.c's way over the live file: the window, complete slots, copied and checked again. */
static void scan_once(struct reader_job *rj)
{
	const struct st_file_header *h = rj->rd.h;
	uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE), first;

	reader_refresh(&rj->rd);
	st_ring_window(head, __atomic_load_n(&h->ring_cap, __ATOMIC_ACQUIRE), &first);
	for (uint64_t pos = first; pos < head; pos++) {
		struct st_record copy;
		uint32_t t, s;
		int good, lost = 0;

		if (!reader_slot(&rj->rd, pos, &copy)) {
			rj->rejected++;
			continue;
		}
		if (copy.op == ST_OP_CONT || copy.op == ST_OP_TRACE_START)
			continue;
		rj->accepted++;
		/* Odd seqs went through event.h (writer_main), even ones straight through the ring. */
		if (copy.fd < 0 || (uint32_t)copy.fd >= rj->nthreads || copy.ret < 0 || copy.ret >= rj->nseq)
			good = torn_because(rj, "fd/ret name no record");
		else if (copy.ret % 2)
			good = consistent_ev(rj, pos, head, &copy, &lost);
		else
			good = consistent(&copy, rj->nthreads, rj->nseq, &t, &s) || torn_because(rj, "fields");
		if (!good && !rj->torn_accepted++) {
			rj->first_bad = copy;
			rj->first_bad_pos = pos;
		}
		rj->joined += good && copy.ncont && !lost;
		rj->conts_lost += lost;
	}
	rj->scans++;
}

static void *reader_main(void *arg)
{
	struct reader_job *rj = arg;

	while (!__atomic_load_n(rj->stop, __ATOMIC_ACQUIRE))
		scan_once(rj);
	scan_once(rj);		/* once more after the writers stopped */
	return NULL;
}

/*
 * The preemptor: SIGUSR1 to a random writer, whose handler sleeps a few
 * microseconds.  It parks writers at random points, also inside a commit,
 * the way preemption or a long signal handler does, so a tiny ring is
 * lapped while some writer is half-way through a record.
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

static void test_live_reader(uint64_t cap, uint32_t nt, uint32_t k, double max_s, int park, const char *what)
{
	struct st_file_header *hdr = unit_trace(cap);
	struct preemptor pe = { 0 };
	struct reader_job rj = { 0 };
	pthread_t pth, rth;
	pthread_barrier_t go;
	struct writer *w;
	int stop_writers = 0, stop_reader = 0, all_done;
	double t0;

	if (!hdr || reader_open(&rj.rd, ST_HEADER_SIZE + (cap + (1u << 16)) * ST_SLOT_SIZE)) {
		skip(4, "no trace file");
		return;
	}
	rj.nthreads = nt;
	rj.nseq = k;
	rj.stop = &stop_reader;
	pthread_barrier_init(&go, NULL, nt + 1);
	w = start_writers(hdr, nt, k, 0, 1, &go, &stop_writers);
	pthread_create(&rth, NULL, reader_main, &rj);
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
		if (all_done || now_s() - t0 > max_s || __atomic_load_n(&rj.torn_accepted, __ATOMIC_RELAXED))
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

	diag("%s: %.2f s, %llu scans, %llu records accepted (%llu joined from continuations, %llu with "
	     "continuations lost), %llu rejected, head %llu, %llu refused, %llu parks",
	     what, now_s() - t0, (unsigned long long)rj.scans, (unsigned long long)rj.accepted,
	     (unsigned long long)rj.joined, (unsigned long long)rj.conts_lost, (unsigned long long)rj.rejected,
	     (unsigned long long)hdr->head, (unsigned long long)hdr->totals.ring_dropped,
	     (unsigned long long)pe.sent);
	ok(rj.scans > 1 && rj.accepted > 0, "%s: the reader scanned while the writers wrote", what);
	ok(rj.joined > 0, "%s: it joined records from their continuations", what);
	if (!ok(rj.torn_accepted == 0, "%s: the reader never accepted an inconsistent record", what)) {
		const struct st_record *b = &rj.first_bad;

		diag("%llu torn records accepted; first at position %llu: seq %llu op %u fd %d ret %lld "
		     "addrs_len %u ncont %u flags 0x%x: %s", (unsigned long long)rj.torn_accepted,
		     (unsigned long long)rj.first_bad_pos, (unsigned long long)b->seq, b->op, b->fd,
		     (long long)b->ret, b->addrs_len, b->ncont, b->flags, rj.why ? rj.why : "?");
	}
	/* Once everything is quiet, a final scan accepts only consistent records. */
	{
		uint64_t before = rj.torn_accepted;

		scan_once(&rj);
		ok(rj.torn_accepted == before, "%s: once quiet, no accepted record is inconsistent", what);
	}
	free_writers(w, nt);
	reader_close(&rj.rd);
}

static void live_roomy(void)
{
	test_live_reader(8192, 4, 200000, 5.0, 0, "live reader, 8192-slot ring");
}

static void live_small(void)
{
	test_live_reader(16, 8, 200000, 5.0, 0, "live reader, 16-slot ring lapped constantly");
}

static void live_parked(void)
{
	/* Writers parked mid-record while the ring laps them (ring.h allows it). */
	test_live_reader(4, 8, 2000000, 5.0, 1, "live reader, 4-slot ring, writers parked at random");
}

/* ------------------------------------------------------------------ 4. a lapped writer */

/* Positions the reader accepts now, and how many of them are torn. */
static void reader_view(struct reader *rd, uint32_t nt, uint32_t ns, uint64_t *accepted, uint64_t *torn,
			uint64_t *torn_pos)
{
	uint64_t head = rd->h->head, first;

	reader_refresh(rd);
	st_ring_window(head, rd->h->ring_cap, &first);
	*accepted = *torn = 0;
	*torn_pos = UINT64_MAX;
	for (uint64_t pos = first; pos < head; pos++) {
		struct st_record copy;
		uint32_t t, s;

		if (!reader_slot(rd, pos, &copy) || copy.op == ST_OP_TRACE_START)
			continue;
		(*accepted)++;
		if (!consistent(&copy, nt, ns, &t, &s)) {
			(*torn)++;
			*torn_pos = pos;
		}
	}
}

/* Write fields [from, to) of r into slot. */
static void put_fields(struct st_record *slot, const struct st_record *r, size_t from, size_t to)
{
	memcpy((char *)slot + from, (const char *)r + from, to - from);
}

static void test_lapped_writer(void)
{
	enum { CAP = 8 };
	const size_t half = offsetof(struct st_record, ret);
	struct st_file_header *hdr = unit_trace(CAP);
	struct st_record y, x, *ys, *xs;
	struct reader rd;
	uint64_t acc, torn, tpos, ypos = 0, xpos = 0, dropped;

	if (!hdr || reader_open(&rd, 1u << 20)) {
		skip(8, "no trace file");
		return;
	}
	/*
	 * A: writer Y (thread 0) claims position 1 (trace-start has 0) and
	 * writes its first fields (ev_begin), then stalls before the rest (a
	 * getsockname, preemption).  Writer X (thread 1) commits a whole lap,
	 * 2..9; 9 would reuse Y's slot.  Y wakes, writes its other fields and
	 * publishes.
	 */
	fill(&y, 0, 0);
	ys = ring_claim(hdr, &ypos, NULL);
	ok(ys && ypos == 1, "lapped writer: Y holds position 1");
	if (!ys) {
		skip(7, "no claim");
		return;
	}
	put_fields(ys, &y, PAY_FROM, half);
	dropped = hdr->totals.ring_dropped;
	for (uint32_t s = 0; s < CAP; s++) {
		fill(&x, 1, s);
		commit(hdr, &x);
	}
	ok(hdr->totals.ring_dropped == dropped + 1,
	   "lapped writer: the claim of the slot Y still owns (position 9) is refused and counted");
	put_fields(ys, &y, half, offsetof(struct st_record, addrs) + y.addrs_len);
	ring_publish(ys, ypos);
	is_int((long long)hdr->head, CAP + 2, "lapped writer: head counts every claim (trace-start, Y, 8 of X)");
	reader_view(&rd, 2, CAP, &acc, &torn, &tpos);
	if (!is_int((long long)torn, 0, "lapped writer, finishing after the lap: no accepted record is torn"))
		diag("position %llu is accepted but mixes two writers' fields", (unsigned long long)tpos);
	ok(acc == CAP - 1, "lapped writer: positions 2..8 are readable, Y's 1 is outside the window, 9 lost "
	   "(%llu accepted)", (unsigned long long)acc);

	/*
	 * B: the same, but X is itself mid-record in a slot Y lapped: Y's new
	 * claim of X's slot is refused, and X's position never looks complete
	 * before X publishes it.
	 */
	fill(&x, 1, 100);
	xs = ring_claim(hdr, &xpos, NULL);		/* position 10, slot 2 */
	if (!xs) {
		skip(3, "no claim");
		return;
	}
	put_fields(xs, &x, PAY_FROM, half);
	for (uint32_t s = 1; s < CAP; s++) {
		fill(&y, 0, s);
		commit(hdr, &y);		/* positions 11..17: 17 is slot 1, 18 would be X's */
	}
	fill(&y, 0, CAP);
	ok(ring_claim(hdr, &ypos, NULL) == NULL, "lapped writer: a claim of the slot X still owns (position 18) is refused");
	reader_refresh(&rd);
	{
		struct st_record c;

		ok(!reader_slot(&rd, xpos, &c) && !reader_slot(&rd, 18, &c),
		   "lapped writer: neither X's unfinished position 10 nor the refused 18 looks complete");
	}
	put_fields(xs, &x, half, offsetof(struct st_record, addrs) + x.addrs_len);
	ring_publish(xs, xpos);
	reader_view(&rd, 2, 200, &acc, &torn, &tpos);
	is_int((long long)torn, 0, "lapped writer: after X publishes, no accepted record is torn");
	reader_close(&rd);
}

/* A continuation the ring cannot give: the entry is left out whole, the record flagged. */
static void test_cont_refused(void)
{
	enum { CAP = 8 };
	struct st_file_header *hdr = unit_trace(CAP);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct st_record y, x, *ys, *r, c;
	struct reader rd;
	uint64_t ypos = 0, hpos;
	struct ev e;

	if (!hdr || reader_open(&rd, 1u << 20)) {
		skip(3, "no trace file");
		return;
	}
	fill(&y, 0, 0);
	ys = ring_claim(hdr, &ypos, NULL);		/* position 1, held */
	if (!ys) {
		skip(3, "no claim");
		return;
	}
	put_fields(ys, &y, PAY_FROM, offsetof(struct st_record, ret));
	for (uint32_t s = 0; s < CAP - 2; s++) {
		fill(&x, 1, s);
		commit(hdr, &x);		/* positions 2..7 */
	}
	memset(un.sun_path, 'q', 100);
	r = ev_begin(&e, ST_OP_BIND, 3);	/* position 8 (slot 0); its continuation would be 9: Y's slot */
	hpos = e.pos;
	ev_addr(&e, ST_ADDR_ARG, (struct sockaddr *)&un, sizeof(un));
	ok(hpos == 8 && r->addrs_len == 0 && (r->flags & ST_REC_ADDR_TRUNC) && e.ncont == 0,
	   "cont refused: the address that needed Y's slot is left out whole, the record flagged ADDR_TRUNC");
	ev_end(&e);
	put_fields(ys, &y, offsetof(struct st_record, ret), offsetof(struct st_record, addrs) + y.addrs_len);
	ring_publish(ys, ypos);
	reader_refresh(&rd);
	ok(reader_slot(&rd, hpos, &c) && c.op == ST_OP_BIND && c.addrs_len == 0 && c.ncont == 0 &&
	   (c.flags & ST_REC_ADDR_TRUNC), "cont refused: the reader finds the bind, flagged, with no entry");
	is_int((long long)hdr->totals.ring_dropped, 1, "cont refused: the refused claim is counted");
	reader_close(&rd);
}

/* ------------------------------------------------------------------ 5. continuations */

static void test_continuations(void)
{
	struct st_file_header *hdr = unit_trace(8192);
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	uint8_t area[ST_ADDRS_MAX], big[255];
	const struct st_addr_hdr *a;
	const uint8_t *val;
	struct st_record r, c;
	struct reader rd;
	uint64_t pos, inode = 0x1122334455667788ull, got = 0;
	size_t off = 0, ulen = offsetof(struct sockaddr_un, sun_path) + 101;
	unsigned found = 0;
	struct ev e;

	if (!hdr || reader_open(&rd, 4u << 20)) {
		skip(9, "no trace file");
		return;
	}
	memset(un.sun_path, 'u', 100);
	ev_begin(&e, ST_OP_BIND, 3);
	pos = e.pos;
	ev_addr(&e, ST_ADDR_ARG, (struct sockaddr *)&un, sizeof(un));
	ev_addr(&e, ST_ADDR_LOCAL, (struct sockaddr *)&un, ulen);
	ev_inode(&e, inode);
	ev_end(&e);
	reader_refresh(&rd);
	ok(reader_slot(&rd, pos, &r) && r.op == ST_OP_BIND, "continuations: the reader finds the bind record");
	is_int(r.ncont, 1, "continuations: a 103-byte unix address and an inode take one continuation slot");
	memcpy(area, r.addrs, ST_REC_ADDRS);
	ok(reader_slot(&rd, pos + 1, &c) && c.op == ST_OP_CONT && ((struct st_cont *)&c)->head_pos == pos &&
	   ((struct st_cont *)&c)->index == 1 && st_record_join(area, pos, (struct st_cont *)&c) == 0,
	   "continuations: the next position is its continuation 1, naming the head, and joins");
	is_int(r.addrs_len, 2 + (long long)ulen + 2 + 8,
	       "continuations: the address given twice is one entry (unix path cut at its NUL), then the inode");
	a = st_entry_next(area, r.addrs_len, &off, &val);
	ok(a && a->kinds == (ST_ADDR_ARG | ST_ADDR_LOCAL) && a->len == ulen && !memcmp(val, &un, ulen),
	   "continuations: the joined entry is the address, with both kinds");
	a = st_entry_next(area, r.addrs_len, &off, &val);
	if (a && st_entry_is(a, ST_ADDR_INODE))
		memcpy(&got, val, sizeof(got));
	ok(got == inode && !st_entry_next(area, r.addrs_len, &off, &val) && off == r.addrs_len,
	   "continuations: then the inode entry, and nothing after");

	/* Entries past what a record can hold: the one that does not fit is left out, flagged. */
	memset(big, 0xab, sizeof(big));
	ev_begin(&e, ST_OP_SETSOCKOPT, 3);
	pos = e.pos;
	ev_put(&e, ST_ADDR_OPTVAL, big, 255);
	ev_put(&e, ST_ADDR_OPTVAL, big, 60);
	ev_put(&e, ST_ADDR_OPTVAL, big, 60);	/* 257 + 62 + 62 > 352 */
	ev_end(&e);
	reader_refresh(&rd);
	ok(reader_slot(&rd, pos, &r) && r.addrs_len == 257 + 62 && (r.flags & ST_REC_ADDR_TRUNC) &&
	   r.ncont == ST_CONT_MAX, "continuations: three continuations at most; an entry past them is left out, flagged");
	memcpy(area, r.addrs, ST_REC_ADDRS);
	for (uint64_t p = pos + 1; p <= pos + r.ncont; p++)
		if (reader_slot(&rd, p, &c) && st_record_join(area, pos, (struct st_cont *)&c) == 0)
			found++;
	off = 0;
	ok(found == 3 && (a = st_entry_next(area, r.addrs_len, &off, &val)) && a->len == 255 &&
	   (a = st_entry_next(area, r.addrs_len, &off, &val)) && a->len == 60 && off == r.addrs_len,
	   "continuations: the two entries that fit are whole when joined");
	is_int((long long)hdr->totals.ring_dropped, 0, "continuations: nothing refused");
	reader_close(&rd);
}

/* ------------------------------------------------------------------ 6. growth, then wrap */

static void test_growth(void)
{
	enum { CAP = 8192, N = 20000 };
	struct st_file_header *hdr = unit_trace(CAP);
	const struct st_region_dir *d;
	struct st_record r;
	struct reader rd;
	uint64_t first, head, missing = 0, torn = 0, want = 64;
	unsigned nchunks, doubling = 1;
	int chunks_ok;

	if (!hdr || reader_open(&rd, 4u << 20)) {
		skip(5, "no trace file");
		return;
	}
	is_int((long long)region_mapped(ST_REG_RING), 64, "growth: the ring starts with 64 of its 8192 slots");
	for (uint32_t s = 0; s < N; s++) {
		fill(&r, 0, s);
		commit(hdr, &r);
	}
	reader_refresh(&rd);
	d = &rd.h->region[ST_REG_RING];
	for (unsigned k = 0; k < d->nchunks && k < ST_CHUNKS_MAX; k++) {
		doubling &= d->chunk[k].count == want;
		want = k ? want * 2 : 64;
	}
	chunks_ok = ring_chunks_ok(&rd, &nchunks);
	ok(chunks_ok && nchunks == 8 && doubling && st_region_mapped(d) == CAP,
	   "growth: 8 chunks (64, 64, 128 ... 4096), each as many slots as before it, up to 8192");
	ok(rd.h->file_size == rd.size && rd.h->ring_cap == CAP,
	   "growth: the header's file size is the file's; the capacity unchanged");
	head = hdr->head;
	st_ring_window(head, rd.h->ring_cap, &first);
	for (uint64_t p = first; p < head; p++) {
		uint32_t t, s;

		if (!reader_slot(&rd, p, &r))
			missing++;
		else if (!consistent(&r, 1, N, &t, &s) || s != p - 1)
			torn++;
	}
	ok(head == N + 1 && missing == 0 && torn == 0,
	   "growth: after wrapping, the window's 8192 positions hold their own records (%llu missing, %llu wrong)",
	   (unsigned long long)missing, (unsigned long long)torn);
	is_int((long long)hdr->totals.ring_dropped, 0, "growth: one writer: nothing refused while growing");
	reader_close(&rd);
}

/* ------------------------------------------------------------------ 7. growth refused */

static void test_growth_refused(void)
{
	enum { CAP = 8192, N = 20000 };
	struct st_file_header *hdr = unit_trace(CAP);
	struct rlimit rl;
	struct st_record r;
	struct reader rd;
	uint64_t first, head, missing = 0, torn = 0;
	char log[4200] = "";
	FILE *f;

	if (!hdr || reader_open(&rd, 4u << 20)) {
		skip(5, "no trace file");
		return;
	}
	/* The file may not grow past what it has now: the ring's next chunk is refused (EFBIG). */
	signal(SIGXFSZ, SIG_IGN);
	reader_refresh(&rd);
	rl.rlim_cur = rl.rlim_max = rd.size;
	if (setrlimit(RLIMIT_FSIZE, &rl)) {
		skip(5, "cannot set RLIMIT_FSIZE");
		return;
	}
	for (uint32_t s = 0; s < N; s++) {
		fill(&r, 0, s);
		commit(hdr, &r);
	}
	reader_refresh(&rd);
	ok((rd.h->flags & ST_HDR_GROW_FAILED) && rd.h->grow_errno == EFBIG,
	   "growth refused: the header says the file stopped growing, and why (EFBIG)");
	ok(rd.h->ring_cap == region_mapped(ST_REG_RING) && rd.h->ring_cap == 64 &&
	   st_region_mapped(&rd.h->region[ST_REG_RING]) == 64,
	   "growth refused: the ring wraps at the 64 slots it has (ring_cap lowered to them)");
	head = hdr->head;
	st_ring_window(head, rd.h->ring_cap, &first);
	for (uint64_t p = first; p < head; p++) {
		uint32_t t, s;

		if (!reader_slot(&rd, p, &r))
			missing++;
		else if (!consistent(&r, 1, N, &t, &s) || s != p - 1)
			torn++;
	}
	ok(head == N + 1 && missing == 0 && torn == 0,
	   "growth refused: the window's 64 positions hold their own records (%llu missing, %llu wrong)",
	   (unsigned long long)missing, (unsigned long long)torn);
	is_int((long long)hdr->totals.ring_dropped, 0, "growth refused: one writer: nothing refused");
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &rl);
	snprintf(log, 200, "%s/log", getenv("SOCKTRACE_UNIT_DIR"));
	f = fopen(log, "r");
	log[0] = 0;
	if (f) {
		size_t n = fread(log, 1, sizeof(log) - 1, f);

		log[n] = 0;
		fclose(f);
	}
	ok(strstr(log, "cannot grow") != NULL, "growth refused: the log says the history now wraps at what it has");
	reader_close(&rd);
}

/* ------------------------------------------------------------------ 8. the grower preempted */

static struct st_file_header *pre_hdr;
static int pre_go, pre_done;	/* atomic: the other writer let go, and finished */

/* Wait (bounded, async-signal-safe) until *flag is set. */
static int wait_flag(int *flag)
{
	struct timespec ts = { 0, 100000 };

	for (int i = 0; i < 100000 && !__atomic_load_n(flag, __ATOMIC_ACQUIRE); i++)
		nanosleep(&ts, NULL);
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

static void *pre_writer(void *arg)
{
	struct st_record r;

	(void)arg;
	if (wait_flag(&pre_go))
		for (uint32_t s = 0; s < 100; s++) {
			fill(&r, 1, s);
			commit(pre_hdr, &r);
		}
	__atomic_store_n(&pre_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* In the grower, half-way through the ring's first growth: the other writer runs meanwhile. */
static void grower_preempted(void)
{
	__atomic_store_n(&pre_go, 1, __ATOMIC_RELEASE);
	wait_flag(&pre_done);
}

static void test_growth_preempted(void)
{
	enum { CAP = 8192, N = 20000 };
	struct st_file_header *hdr = unit_trace(CAP);
	struct st_record r;
	struct reader rd;
	pthread_t th;
	uint64_t first, head, missing = 0;

	if (!hdr || reader_open(&rd, 4u << 20)) {
		skip(4, "no trace file");
		return;
	}
	pre_hdr = hdr;
	pthread_create(&th, NULL, pre_writer, NULL);
	if (unit_trap_fallocate(grower_preempted)) {
		__atomic_store_n(&pre_go, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		skip(4, "no seccomp filter here to stop the grower half-way");
		reader_close(&rd);
		return;
	}
	/* the lap's first 8000 positions: the ring must have grown to all its slots by then */
	for (uint32_t s = 0; s < 8000 - 100; s++) {
		fill(&r, 0, s);
		commit(hdr, &r);
	}
	pthread_join(th, NULL);
	reader_refresh(&rd);
	ok(unit_trapped > 0 && __atomic_load_n(&pre_done, __ATOMIC_ACQUIRE),
	   "grower preempted: the first growth was stopped half-way while the other writer wrote its 100");
	if (!ok(st_region_mapped(&rd.h->region[ST_REG_RING]) == CAP,
		"grower preempted: the ring still grows, to its 8192 slots before the first lap ends (%llu at "
		"position %llu)", (unsigned long long)st_region_mapped(&rd.h->region[ST_REG_RING]),
		(unsigned long long)hdr->head))
		diag("%u chunks; the ring's next growth waits for a slot that was claimed during the first",
		     rd.h->region[ST_REG_RING].nchunks);
	for (uint32_t s = 8000 - 100; s < N; s++) {
		fill(&r, 0, s);
		commit(hdr, &r);
	}
	reader_refresh(&rd);
	ok(hdr->totals.ring_dropped <= 100,
	   "grower preempted: only the other writer's claims past the 64 slots then mapped are refused "
	   "(%llu refused)", (unsigned long long)hdr->totals.ring_dropped);
	head = hdr->head;
	st_ring_window(head, rd.h->ring_cap, &first);
	for (uint64_t p = first; p < head; p++)
		missing += !reader_slot(&rd, p, &r);
	is_int((long long)missing, 0, "grower preempted: the last 8192 positions are all there");
	reader_close(&rd);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { 0 };
	int rc;

	(void)argc;
	unit_setup(argv);
	alarm(180);	/* a hung writer or reader fails the test, not the suite */
	sa.sa_handler = park_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);

	plan(11 + 8 + 3 * 4 + 8 + 3 + 9 + 5 + 5 + 4);
	tap_isolated("fits", test_fits);
	tap_isolated("wraps", test_wraps);
	tap_isolated("live reader, roomy", live_roomy);
	tap_isolated("live reader, small", live_small);
	tap_isolated("live reader, parked", live_parked);
	tap_isolated("lapped writer", test_lapped_writer);
	tap_isolated("continuation refused", test_cont_refused);
	tap_isolated("continuations", test_continuations);
	tap_isolated("growth", test_growth);
	tap_isolated("growth refused", test_growth_refused);
	tap_isolated("grower preempted", test_growth_preempted);
	rc = done_testing();
	unit_cleanup();
	return rc;
}

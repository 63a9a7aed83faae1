/*
 * regions.c - the trace file's regions (shim/regions.c: region_grow and the
 * chunks it appends), in a file made by the shim's own set-up, checked
 * against what a reader finds through the region directory
 * (st_region_entry, st_region_mapped).
 *
 *  1. layout: the first chunks made with the file (lazy regions none),
 *     growth by doubling chunks appended at the file's end, every entry
 *     the writer stores found by a reader at the same index, no chunk
 *     overlapping another, the header's file size the file's own; growth
 *     past a region's capacity refused (E2BIG);
 *  2. growers at once: 8 threads growing one region, each told 0 or EBUSY
 *     (never waiting), the directory consistent after;
 *  3. growth refused by the file system (RLIMIT_FSIZE): the header says
 *     why, growing stops for good, a socket past the slots mapped has no
 *     state (STATE_FULL) and the ones inside still do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "regions.h"
#include "socks.h"
#include "tap.h"
#include "shimfile.h"

/* Do region r's chunks hold together: numbered on from each other, page-aligned, within the file? */
static int chunks_ok(const struct reader *rd, enum st_region r)
{
	const struct st_region_dir *d = &rd->h->region[r];
	uint64_t next = 0;

	for (unsigned k = 0; k < d->nchunks && k < ST_CHUNKS_MAX; k++) {
		const struct st_chunk *c = &d->chunk[k];

		if (!c->offset || c->first != next || c->offset % 4096 || c->offset < ST_HEADER_SIZE ||
		    c->offset + (uint64_t)c->count * d->entry_size > rd->size)
			return 0;
		next += c->count;
	}
	return d->nchunks <= ST_CHUNKS_MAX && next == st_region_mapped(d);
}

/* Does any chunk of any region overlap another? */
static int chunks_overlap(const struct reader *rd)
{
	for (unsigned r = 0; r < ST_REG_MAX; r++)
		for (unsigned k = 0; k < rd->h->region[r].nchunks && k < ST_CHUNKS_MAX; k++) {
			const struct st_chunk *a = &rd->h->region[r].chunk[k];
			uint64_t a_end = a->offset + (uint64_t)a->count * rd->h->region[r].entry_size;

			for (unsigned q = 0; q < ST_REG_MAX; q++)
				for (unsigned j = 0; j < rd->h->region[q].nchunks && j < ST_CHUNKS_MAX; j++) {
					const struct st_chunk *b = &rd->h->region[q].chunk[j];
					uint64_t b_end = b->offset + (uint64_t)b->count * rd->h->region[q].entry_size;

					if ((q != r || j != k) && a->offset < b_end && b->offset < a_end)
						return 1;
				}
		}
	return 0;
}

/* ------------------------------------------------------------------ 1. layout */

static void layout(void)
{
	struct st_file_header *h = unit_trace(8192);
	const struct st_region_dir *d;
	struct reader rd;
	uint64_t differ = 0, missing = 0;
	int rc;

	if (!h || reader_open(&rd, 8u << 20)) {
		skip(9, "no trace file");
		return;
	}
	ok(rd.h->region[ST_REG_STACKS].nchunks == 0 && rd.h->region[ST_REG_MODULES].nchunks == 0 &&
	   rd.h->region[ST_REG_FDS].nchunks == 1 && rd.h->region[ST_REG_SOCKS].nchunks == 1 &&
	   rd.h->region[ST_REG_RING].nchunks == 1,
	   "layout: the file starts with one chunk of the fd table, the socket table and the ring; "
	   "none of the stack table or module map (made when first needed)");
	ok(region_mapped(ST_REG_SOCKS) == 16 && region_grow(shim.fd, ST_REG_SOCKS, 10) == 0 &&
	   region_mapped(ST_REG_SOCKS) == 16, "layout: growing to fewer entries than mapped adds nothing");
	rc = region_grow(shim.fd, ST_REG_SOCKS, 200);
	ok(rc == 0 && region_mapped(ST_REG_SOCKS) == 256,
	   "layout: growing the socket table to 200 slots maps 256 (16, then chunks of 16, 32, 64, 128)");
	/* Through the writer's array, then through the file. */
	for (uint64_t i = 0; i < region_mapped(ST_REG_SOCKS); i++)
		memset(region_at(ST_REG_SOCKS, i), (int)(i % 251 + 1), sizeof(struct st_sock));
	reader_refresh(&rd);
	d = &rd.h->region[ST_REG_SOCKS];
	for (uint64_t i = 0; i < 256; i++) {
		const unsigned char *e = reader_entry(&rd, ST_REG_SOCKS, i);
		unsigned char want[sizeof(struct st_sock)];

		memset(want, (int)(i % 251 + 1), sizeof(want));
		if (!e)
			missing++;
		else if (memcmp(e, want, sizeof(want)))
			differ++;
	}
	ok(d->nchunks == 5 && d->chunk[1].count == 16 && d->chunk[2].count == 32 && d->chunk[3].count == 64 &&
	   d->chunk[4].count == 128 && chunks_ok(&rd, ST_REG_SOCKS),
	   "layout: a reader finds 5 chunks, each as many entries as before it, numbered on, page-aligned");
	ok(missing == 0 && differ == 0,
	   "layout: every slot the writer stored is what the reader finds at its index (%llu missing, %llu differ)",
	   (unsigned long long)missing, (unsigned long long)differ);
	ok(!chunks_overlap(&rd), "layout: no chunk overlaps another, of any region");
	ok(rd.h->file_size == rd.size && d->chunk[4].offset + 128 * sizeof(struct st_sock) <= rd.size,
	   "layout: the header's file size is the file's, the last chunk at its end");
	is_int(region_grow(shim.fd, ST_REG_SOCKS, rd.h->region[ST_REG_SOCKS].capacity + 1), -E2BIG,
	       "layout: growing past the region's capacity is refused (E2BIG)");
	ok(region_grow(shim.fd, ST_REG_STACKS, 1) == 0 && region_mapped(ST_REG_STACKS) == 64 &&
	   (reader_refresh(&rd), rd.h->region[ST_REG_STACKS].nchunks == 1) && chunks_ok(&rd, ST_REG_STACKS),
	   "layout: the stack table's first chunk is made when first needed: 64 entries");
	reader_close(&rd);
}

/* ------------------------------------------------------------------ 2. growers at once */

enum { GROWERS = 8 };
static pthread_barrier_t grow_go;
static long grow_other[GROWERS], grow_busy[GROWERS];

static void *grower(void *arg)
{
	int me = (int)(intptr_t)arg;
	uint64_t want = 64 * (uint64_t)(me + 1);

	pthread_barrier_wait(&grow_go);
	/* The caller retries on EBUSY: region_grow itself never waits. */
	for (int i = 0; i < 1000000 && region_mapped(ST_REG_SOCKS) < want; i++) {
		int rc = region_grow(shim.fd, ST_REG_SOCKS, want);

		if (rc == -EBUSY)
			grow_busy[me]++;
		else if (rc != 0)
			grow_other[me]++;
	}
	return NULL;
}

static void growers(void)
{
	struct st_file_header *h = unit_trace(8192);
	pthread_t th[GROWERS];
	struct reader rd;
	long other = 0, busy = 0;

	if (!h || reader_open(&rd, 8u << 20)) {
		skip(3, "no trace file");
		return;
	}
	pthread_barrier_init(&grow_go, NULL, GROWERS);
	for (int t = 0; t < GROWERS; t++)
		pthread_create(&th[t], NULL, grower, (void *)(intptr_t)t);
	for (int t = 0; t < GROWERS; t++) {
		pthread_join(th[t], NULL);
		other += grow_other[t];
		busy += grow_busy[t];
	}
	pthread_barrier_destroy(&grow_go);
	reader_refresh(&rd);
	diag("growers: %ld calls told EBUSY", busy);
	is_int(other, 0, "growers: 8 threads growing the socket table at once are each told 0 or EBUSY, nothing else");
	ok(region_mapped(ST_REG_SOCKS) >= 512 && st_region_mapped(&rd.h->region[ST_REG_SOCKS]) == region_mapped(ST_REG_SOCKS),
	   "growers: the table reached what the greediest asked for (%llu slots), the directory agrees",
	   (unsigned long long)region_mapped(ST_REG_SOCKS));
	ok(chunks_ok(&rd, ST_REG_SOCKS) && !chunks_overlap(&rd) && rd.h->file_size == rd.size,
	   "growers: its chunks hold together, overlap none, and end the file");
	reader_close(&rd);
}

/* ------------------------------------------------------------------ 3. growth refused */

static void refused(void)
{
	struct st_file_header *h = unit_trace(8192);
	struct rlimit rl;
	struct reader rd;
	int64_t inside = 0, past;
	int rc;

	if (!h || reader_open(&rd, 8u << 20)) {
		skip(6, "no trace file");
		return;
	}
	signal(SIGXFSZ, SIG_IGN);
	rl.rlim_cur = rl.rlim_max = rd.size;
	if (setrlimit(RLIMIT_FSIZE, &rl)) {
		skip(6, "cannot set RLIMIT_FSIZE");
		return;
	}
	rc = region_grow(shim.fd, ST_REG_FDS, 300);
	reader_refresh(&rd);
	ok(rc == -EFBIG && (rd.h->flags & ST_HDR_GROW_FAILED) && rd.h->grow_errno == EFBIG,
	   "refused: a chunk the file system refuses: EFBIG, and the header says the file stopped growing, why");
	ok(region_mapped(ST_REG_FDS) == 256 && chunks_ok(&rd, ST_REG_FDS) && rd.h->region[ST_REG_FDS].nchunks == 1,
	   "refused: the fd table keeps its 256 entries, nothing half-made in the directory");
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &rl);
	is_int(region_grow(shim.fd, ST_REG_SOCKS, 20), -ENOSPC,
	       "refused: growing then stops for good, even with room again (ENOSPC at once)");
	/* Sockets: the 16 slots mapped still work, the 17th has no state. */
	for (int i = 0; i < 16; i++) {
		struct sock_birth b = { .domain = AF_INET, .type = SOCK_DGRAM, .made_by = ST_OP_SOCKET, .made = 1 };

		inside += socks_born(10 + i, &b) >= 0;
	}
	{
		struct sock_birth b = { .domain = AF_INET, .type = SOCK_DGRAM, .made_by = ST_OP_SOCKET, .made = 1 };

		past = socks_born(40, &b);
	}
	is_int(inside, 16, "refused: the 16 socket slots mapped still take sockets");
	ok(past == -1 && (h->flags & ST_HDR_STATE_FULL) && fdtab_lookup(40) == 0,
	   "refused: a 17th socket has no state, the header says STATE_FULL, its fd names nothing");
	ok(rd.h->file_size >= rd.size && chunks_ok(&rd, ST_REG_SOCKS),
	   "refused: every published chunk is within the file (file_size may count the refused one)");
	reader_close(&rd);
}

int main(int argc, char **argv)
{
	int rc;

	(void)argc;
	unit_setup(argv);
	alarm(120);
	plan(9 + 3 + 6);
	tap_isolated("layout", layout);
	tap_isolated("growers", growers);
	tap_isolated("refused", refused);
	rc = done_testing();
	unit_cleanup();
	return rc;
}

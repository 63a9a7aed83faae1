/*
 * live.c - a trace file's image read in place, refresh after refresh.
 *
 * The mapping is PROT_READ and MAP_SHARED: the app's own stores show at
 * once, and nothing the reader does can reach the app's pages.  Each read
 * copies the header, then walks the fd table (one word per fd) and copies
 * only the slots some fd names.  Every copy from the mapping runs under
 * mapguard: a file truncated under the reader faults there, and the read
 * fails with a reason instead.
 */
#define _GNU_SOURCE
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mapguard.h"

/* The tick clock as the shim reads it (x86-64: the TSC), and CLOCK_MONOTONIC, together. */
static struct st_anchor anchor_now(void)
{
	struct st_anchor a = { 0, 0 };
	struct timespec ts;
#if defined(__x86_64__)
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	a.tick = (uint64_t)hi << 32 | lo;
#endif
	clock_gettime(CLOCK_MONOTONIC, &ts);
	a.ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return a;
}

int live_image_running(const struct st_file_header *h)
{
	return trace_image_running(h);
}

/* Room for n slots of scratch; -1 when out of memory. */
static int slots_room(struct live_file *lf, uint64_t n)
{
	int32_t *fd;
	uint32_t *nfds;
	struct st_fd *fde;

	if (n <= lf->capslots)
		return 0;
	fd = realloc(lf->slot_fd, n * sizeof(*fd));
	if (fd)
		lf->slot_fd = fd;
	nfds = realloc(lf->slot_nfds, n * sizeof(*nfds));
	if (nfds)
		lf->slot_nfds = nfds;
	fde = realloc(lf->slot_fde, n * sizeof(*fde));
	if (fde)
		lf->slot_fde = fde;
	if (!fd || !nfds || !fde)
		return -1;
	lf->capslots = n;
	return 0;
}

/* The header's words that change, each loaded on its own (a memcpy is not an atomic load). */
static void header_atomics(struct st_file_header *h, const struct st_file_header *live)
{
	h->flags = __atomic_load_n(&live->flags, __ATOMIC_ACQUIRE);
	h->state = __atomic_load_n(&live->state, __ATOMIC_ACQUIRE);
	h->head = __atomic_load_n(&live->head, __ATOMIC_ACQUIRE);
	h->ring_cap = __atomic_load_n(&live->ring_cap, __ATOMIC_ACQUIRE);
	h->file_size = __atomic_load_n(&live->file_size, __ATOMIC_ACQUIRE);
	h->slot_batches = __atomic_load_n(&live->slot_batches, __ATOMIC_ACQUIRE);
	h->totals.sockets_made = __atomic_load_n(&live->totals.sockets_made, __ATOMIC_RELAXED);
	h->totals.sockets_arrived = __atomic_load_n(&live->totals.sockets_arrived, __ATOMIC_RELAXED);
	h->totals.sockets_forked_in = __atomic_load_n(&live->totals.sockets_forked_in, __ATOMIC_RELAXED);
	h->totals.bytes_sent = __atomic_load_n(&live->totals.bytes_sent, __ATOMIC_RELAXED);
	h->totals.bytes_received = __atomic_load_n(&live->totals.bytes_received, __ATOMIC_RELAXED);
	h->totals.ring_dropped = __atomic_load_n(&live->totals.ring_dropped, __ATOMIC_RELAXED);
	h->exe[sizeof(h->exe) - 1] = 0;
	if (h->argv_len > sizeof(h->argv))
		h->argv_len = sizeof(h->argv);
	if (h->argv_len)
		h->argv[h->argv_len - 1] = 0;
}

/* Each stack's made counter (sockets made from it), into lf->made; then h is lf's header. */
static int read_made(struct live_file *lf, const struct st_file_header *h)
{
	const struct st_region_dir *d = &h->region[ST_REG_STACKS];
	uint64_t n = st_region_mapped(d);

	if (n > lf->capmade) {
		uint64_t *p = realloc(lf->made, n * sizeof(*p));

		if (!p) {
			snprintf(lf->err, sizeof(lf->err), "out of memory");
			return -1;
		}
		lf->made = p;
		lf->capmade = n;
	}
	for (uint64_t i = 0; i < n; i++) {
		const struct st_stack *e = st_region_entry(lf->map, lf->maplen, d, i);

		lf->made[i] = e && __atomic_load_n(&e->state, __ATOMIC_ACQUIRE) == ST_STACK_READY ?
			      __atomic_load_n(&e->made, __ATOMIC_RELAXED) : 0;
	}
	lf->nmade = n;
	lf->hdr = *h;
	return 0;
}

/* The state as it is now, into lf->socks (run under mapguard). */
static int read_state(void *arg)
{
	struct live_file *lf = arg;
	const struct st_file_header *live = (const struct st_file_header *)(lf->map + lf->off);
	struct st_file_header h;
	uint64_t nfds, nslots;
	char err[200];

	memcpy(&h, live, sizeof(h));
	header_atomics(&h, live);
	if (trace_check_image(&h, lf->off, lf->maplen, err, sizeof(err))) {
		snprintf(lf->err, sizeof(lf->err), "%s", err);
		return -1;
	}
	nfds = st_region_mapped(&h.region[ST_REG_FDS]);
	nslots = st_region_mapped(&h.region[ST_REG_SOCKS]);
	if (slots_room(lf, nslots)) {
		snprintf(lf->err, sizeof(lf->err), "out of memory");
		return -1;
	}
	memset(lf->slot_nfds, 0, nslots * sizeof(*lf->slot_nfds));
	for (uint64_t fd = 0; fd < nfds && fd <= INT32_MAX; fd++) {
		const struct st_fd *e = st_region_entry(lf->map, lf->maplen, &h.region[ST_REG_FDS], fd);
		struct st_fd fe;
		int64_t idx;

		if (!e || !st_fd_read(e, &fe))
			continue;
		idx = st_fde_slot(fe.word);
		if (idx < 0 || (uint64_t)idx >= nslots)
			continue;
		if (!lf->slot_nfds[idx]++) {
			lf->slot_fd[idx] = (int32_t)fd;
			lf->slot_fde[idx] = fe;
		}
	}
	lf->nsocks = 0;
	for (uint64_t i = 0; i < nslots; i++) {
		const struct st_sock *s;
		struct live_sock *d;

		if (!lf->slot_nfds[i])
			continue;
		s = st_region_entry(lf->map, lf->maplen, &h.region[ST_REG_SOCKS], i);
		if (!s)
			continue;
		if (lf->nsocks == lf->capsocks) {
			size_t cap = lf->capsocks ? lf->capsocks * 2 : 64;
			struct live_sock *p = realloc(lf->socks, cap * sizeof(*p));

			if (!p) {
				snprintf(lf->err, sizeof(lf->err), "out of memory");
				return -1;
			}
			lf->socks = p;
			lf->capsocks = cap;
		}
		d = &lf->socks[lf->nsocks];
		if (!st_sock_read(s, &d->s))
			continue;	/* freed or reused as we read: the next read sees it */
		d->slot = (uint32_t)i;
		d->fd = lf->slot_fd[i];
		d->nfds = (int)lf->slot_nfds[i];
		d->fd_stack = lf->slot_fde[i].stack_id;
		d->fd_forks = lf->slot_fde[i].forks;
		lf->nsocks++;
	}
	/* Its fork slots' images: a bad batch spoils that list, not this image. */
	lf->nslot_images = 0;
	lf->slot_err[0] = 0;
	if (trace_slot_images(lf->map, lf->maplen, lf->off, h.slot_batches, &lf->slot_images,
			      &lf->nslot_images, &lf->capslot_images, lf->slot_err, sizeof(lf->slot_err)) == -2) {
		snprintf(lf->err, sizeof(lf->err), "out of memory");
		return -1;
	}
	return read_made(lf, &h);
}

/* Map the file again at its current size when it grew; -1 with lf->err when it shrank. */
static int remap(struct live_file *lf)
{
	struct stat st;
	void *m;

	if (fstat(lf->fd, &st) != 0) {
		snprintf(lf->err, sizeof(lf->err), "cannot stat: %s", strerror(errno));
		return -1;
	}
	if ((uint64_t)st.st_size < lf->off + ST_HEADER_SIZE || (size_t)st.st_size < lf->maplen) {
		snprintf(lf->err, sizeof(lf->err), "truncated while watched: %lld bytes, %zu before",
			 (long long)st.st_size, lf->maplen);
		return -1;
	}
	if ((size_t)st.st_size == lf->maplen)
		return 0;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, lf->fd, 0);
	if (m == MAP_FAILED) {
		snprintf(lf->err, sizeof(lf->err), "cannot map: %s", strerror(errno));
		return -1;
	}
	if (lf->map)
		munmap((void *)lf->map, lf->maplen);
	lf->map = m;
	lf->maplen = (size_t)st.st_size;
	return 0;
}

int live_read(struct live_file *lf)
{
	int rc;

	lf->err[0] = 0;
	if (remap(lf))
		return -1;
	lf->now = anchor_now();
	lf->read_ns = lf->now.ns;
	rc = mapguard_run(read_state, lf);
	if (rc == MAPGUARD_FAULT) {
		snprintf(lf->err, sizeof(lf->err), "truncated while read (the file shrank under the reader)");
		return -1;
	}
	if (rc)
		return -1;
	lf->running = live_image_running(&lf->hdr);
	return 0;
}

int live_open(const char *path, struct live_file **out, char *err, size_t errlen)
{
	return live_open_image(path, 0, out, err, errlen);
}

int live_open_image(const char *path, uint64_t off, struct live_file **out, char *err, size_t errlen)
{
	struct live_file *lf = calloc(1, sizeof(*lf));
	struct stat st;

	if (!lf || !(lf->path = strdup(path)) || !(lf->name = trace_image_name(path, off))) {
		snprintf(err, errlen, "out of memory");
		if (lf) {
			free(lf->path);
			free(lf);
		}
		return -1;
	}
	lf->fd = -1;
	lf->off = off;
	/* O_NONBLOCK: a FIFO named like a trace must not hang the viewer. */
	lf->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (lf->fd < 0) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		goto fail;
	}
	if (fstat(lf->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto fail;
	}
	if ((uint64_t)st.st_size < ST_HEADER_SIZE) {
		snprintf(err, errlen, "truncated: %lld bytes, shorter than the %u-byte header",
			 (long long)st.st_size, ST_HEADER_SIZE);
		goto fail;
	}
	if ((uint64_t)st.st_size - ST_HEADER_SIZE < off) {
		snprintf(err, errlen, "truncated: %lld bytes, but the image's header ends at %llu",
			 (long long)st.st_size, (unsigned long long)off + ST_HEADER_SIZE);
		goto fail;
	}
	lf->dev = st.st_dev;
	lf->ino = st.st_ino;
	if (live_read(lf)) {
		snprintf(err, errlen, "%s", lf->err);
		goto fail;
	}
	*out = lf;
	return 0;
fail:
	live_close(lf);
	return -1;
}

int live_replaced(const struct live_file *lf)
{
	struct stat st;

	return stat(lf->path, &st) != 0 || st.st_ino != lf->ino || st.st_dev != lf->dev;
}

uint64_t live_tick_ns(const struct live_file *lf, uint64_t tick)
{
	struct st_anchor b = lf->now;

	/* The reader's own reading is the latest anchor there is, on the same machine. */
	if (!b.tick)
		b = lf->hdr.anchor_last;
	return st_ticks_to_ns(lf->hdr.tick_clock, tick, lf->hdr.anchor, b);
}

struct trace_file *live_stacks(const struct live_file *lf)
{
	return trace_stacks_copy(lf->path, lf->map, lf->maplen, &lf->hdr);
}

void live_close(struct live_file *lf)
{
	if (!lf)
		return;
	if (lf->map)
		munmap((void *)lf->map, lf->maplen);
	if (lf->fd >= 0)
		close(lf->fd);
	free(lf->socks);
	free(lf->slot_fd);
	free(lf->slot_nfds);
	free(lf->slot_fde);
	free(lf->made);
	free(lf->slot_images);
	free(lf->name);
	free(lf->path);
	free(lf);
}

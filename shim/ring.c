/*
 * ring.c - pre-faulting the ring's pages (claim and publish are inline in
 * ring.h, once per event).
 *
 * A reader accepts slot (p & mask) as position p only if seq == p + 1 and
 * pos == p; a torn slot (writer killed mid-record) or an overwritten one
 * fails one of the two tests, so nothing half-written is shown as real.
 * Ownership (seq RING_IN_FLIGHT, taken by CAS) keeps two writers a lap
 * apart from ever writing one slot at once.
 */
#define _GNU_SOURCE
#include "ring.h"

#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14; older kernels say EINVAL: harmless */
#endif

void ring_populate(struct st_file_header *hdr, struct st_record *recs, uint64_t first, uint64_t n)
{
	uintptr_t page = 4096, start, end;

	if (first >= hdr->capacity)
		return;
	if (n > hdr->capacity - first)
		n = hdr->capacity - first;
	start = (uintptr_t)&recs[first] & ~(page - 1);
	end = ((uintptr_t)&recs[first + n] + page - 1) & ~(page - 1);
	madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

void ring_populate_ahead(struct st_file_header *hdr, struct st_record *recs, uint64_t pos)
{
	if (pos < hdr->capacity)
		ring_populate(hdr, recs, pos + RING_POPULATE_RECS, RING_POPULATE_RECS);
}

/*
 * ring.h - the lock-free record ring inside a mapped trace file.
 */
#ifndef SOCKTRACE_RING_H
#define SOCKTRACE_RING_H

#include <stddef.h>
#include <stdint.h>

#include "../include/trace_format.h"

/* Records populated at a time ahead of the writers (64 KiB). */
#define RING_POPULATE_RECS	256u

/*
 * Claim the next position and return its slot, marked in flight (seq 0)
 * with pos set.  The caller fills every other field, then ring_publish().
 * Wait-free: one fetch-add; no writer ever waits for another, so a signal
 * handler may claim and publish while the thread it interrupted holds an
 * unpublished slot.  While the ring is on its first pass, the claim that
 * enters a 64 KiB chunk pre-faults the next one (one madvise), so writers
 * do not take a page fault per 16 records.
 */
struct st_record *ring_claim(struct st_file_header *hdr, struct st_record *recs);

/* Make a claimed slot visible: seq = pos + 1 with release order. */
static inline void ring_publish(struct st_record *slot)
{
	__atomic_store_n(&slot->seq, slot->pos + 1, __ATOMIC_RELEASE);
}

/* Pre-fault records [first, first + n) for writing; errors are ignored. */
void ring_populate(struct st_file_header *hdr, struct st_record *recs, uint64_t first, uint64_t n);

#endif

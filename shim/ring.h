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

/* seq of a slot a writer owns and is filling. */
#define RING_IN_FLIGHT	UINT64_MAX

/*
 * Claim the next position and return its slot, owned by the caller (seq
 * RING_IN_FLIGHT) with pos set; the caller fills every other field, then
 * ring_publish().  Wait-free: one fetch-add and one CAS; no writer ever
 * waits for another, so a signal handler may claim and publish while the
 * thread it interrupted holds an unpublished slot.
 *
 * Returns NULL, dropping the event, when the slot is not free to take: a
 * writer a whole lap behind still owns it (stalled between claim and
 * publish), or a newer position already holds it.  Overwriting would mix
 * two records into one that looks complete; a reader counts the dropped
 * position as lost instead.
 *
 * While the ring is on its first pass, the claim that enters a 64 KiB chunk
 * pre-faults the next one (one madvise), so writers do not take a page
 * fault per 16 records.
 */
struct st_record *ring_claim(struct st_file_header *hdr, struct st_record *recs);

/* Make an owned slot visible: seq = pos + 1 with release order. */
static inline void ring_publish(struct st_record *slot)
{
	__atomic_store_n(&slot->seq, slot->pos + 1, __ATOMIC_RELEASE);
}

/* Pre-fault records [first, first + n) for writing; errors are ignored. */
void ring_populate(struct st_file_header *hdr, struct st_record *recs, uint64_t first, uint64_t n);

#endif

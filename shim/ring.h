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
 * First lap only: the claim that enters a 64 KiB chunk pre-faults the next
 * chunk (one madvise), so writers do not take a page fault per 16 records.
 * Out of line and cold: it runs once per 256 claims.
 */
void ring_populate_ahead(struct st_file_header *hdr, struct st_record *recs, uint64_t pos)
	__attribute__((cold, noinline));

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
 * Inline: it runs once per event.  It also asks for the next claim's first
 * two lines (all most records use) for writing, so that claim does not
 * stall on a cache miss (about 2 points off the churn's overhead).
 */
static inline struct st_record *ring_claim(struct st_file_header *hdr, struct st_record *recs)
{
	uint64_t pos = __atomic_fetch_add(&hdr->head, 1, __ATOMIC_RELAXED);
	uint64_t mask = hdr->capacity - 1;
	struct st_record *slot = &recs[pos & mask], *next;
	uint64_t seq;

	if (__builtin_expect((pos & (RING_POPULATE_RECS - 1)) == 0, 0))
		ring_populate_ahead(hdr, recs, pos);
	/*
	 * Take the slot only from a published older record (or a fresh one,
	 * seq 0); the acquire-release CAS orders it before any payload store.
	 */
	seq = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
	if (seq == RING_IN_FLIGHT || seq > pos ||
	    !__atomic_compare_exchange_n(&slot->seq, &seq, RING_IN_FLIGHT, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return NULL;
	__atomic_store_n(&slot->pos, pos, __ATOMIC_RELAXED);
	next = &recs[(pos + 1) & mask];
	__builtin_prefetch(next, 1, 3);
	__builtin_prefetch((const char *)next + 64, 1, 3);
	return slot;
}

/* Make an owned slot visible: seq = pos + 1 with release order. */
static inline void ring_publish(struct st_record *slot)
{
	__atomic_store_n(&slot->seq, slot->pos + 1, __ATOMIC_RELEASE);
}

/* Pre-fault records [first, first + n) for writing; errors are ignored. */
void ring_populate(struct st_file_header *hdr, struct st_record *recs, uint64_t first, uint64_t n);

#endif

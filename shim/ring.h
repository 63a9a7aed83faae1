/*
 * ring.h - the lock-free ring of records in the trace file (ST_REG_RING).
 *
 * The ring's slots are mapped from the file as they are first needed: it
 * starts at one small chunk and doubles, each growth made by the first
 * claimer that reaches the middle of what is mapped (one at a time: the
 * others go on below, or wait for it past what is mapped), long before
 * most writers need the new half.
 */
#ifndef SOCKTRACE_RING_H
#define SOCKTRACE_RING_H

#include <stddef.h>
#include <stdint.h>

#include "../include/trace_format.h"
#include "regions.h"
#include "shim.h"

/*
 * The writer's view of the ring (this process's file), besides shim.ring,
 * shim.ring_mask and shim.ring_event_at (the next slot whose claimer grows
 * the ring or makes pages; UINT64_MAX: none), which every claim reads.
 */
struct ring {
	uint64_t alloc;		/* slots mapped */
	uint64_t populated;	/* slots [0, populated) have their pages made (MADV_POPULATE_WRITE) */
	uint64_t grow_at;	/* the slot whose claimer grows the ring; UINT64_MAX: no more */
	int busy;		/* the tid acting at an event slot now (growing, making pages), or 0 */
};

extern struct ring ring;

/* Start the ring of a new file: cap slots at most, first_slots mapped. */
void ring_reset(uint64_t cap, uint64_t first_slots);

/* Ask for a line for writing (prefetchw: the plain prefetch asks to read, and the CAS then waits). */
static inline void ring_prefetchw(const void *p)
{
#if defined(__x86_64__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

/*
 * The claim's rare cases, out of line so that the common one saves no
 * registers: ring_claim_at_event, the slot is at or past
 * shim.ring_event_at (mask: the ring_mask the claim read);
 * ring_claim_retake, the first compare-and-swap on slot r failed, finding
 * seq.  Each finishes the claim as ring_claim describes (none: what a
 * dropped event returns).
 */
void *ring_claim_at_event(struct st_file_header *hdr, uint64_t pos, uint64_t mask,
			  uint64_t *pos_out, void *none) __attribute__((cold, noinline));
void *ring_claim_retake(struct st_file_header *hdr, uint64_t pos, uint64_t mask,
			struct st_record *r, uint64_t seq, uint64_t *pos_out, void *none)
	__attribute__((cold, noinline));

/* The claim of slot r for pos has succeeded: ask for the next claim's slot. */
static inline void ring_claimed(uint64_t pos, uint64_t mask, uint64_t *pos_out)
{
	/* The next claim's slot, for writing: it then does not stall on a miss. */
	const char *next = shim.ring + ((pos + 1) & mask) * ST_SLOT_SIZE;

	*pos_out = pos;
	ring_prefetchw(next);
	ring_prefetchw(next + 64);
}

/*
 * Claim the next position and return its slot, owned by the caller (seq
 * ST_SEQ_OWNED) and its position in *pos; the caller fills every other
 * field, then ring_publish().  Wait-free: one fetch-add and one CAS; no
 * writer ever waits for another, so a signal handler may claim and publish
 * while the thread it interrupted holds an unpublished slot.
 *
 * Returns none (NULL, or the caller's scratch record: no test of the
 * result on the common path), with *pos 0, dropping the event (counted in
 * totals.ring_dropped), when the slot is not free to take: a writer a
 * whole lap behind still owns it, a newer position already holds it, or it
 * is not mapped.  Overwriting would mix two records into one that looks
 * complete; a reader counts the dropped position as lost instead.
 */
static inline __attribute__((always_inline)) void *ring_claim(struct st_file_header *hdr,
							      uint64_t *pos_out, void *none)
{
	uint64_t pos = __atomic_fetch_add(&hdr->head, 1, __ATOMIC_RELAXED);
	/*
	 * event_at before the mask, with acquire: an old event_at bounds the
	 * slots mapped under either mask, and a new one (stored after the
	 * mask shrank when the file could not grow) brings the new mask.  The
	 * other order could pair the old, larger mask with the new event_at
	 * and write past what is mapped.
	 */
	uint64_t event_at = __atomic_load_n(&shim.ring_event_at, __ATOMIC_ACQUIRE);
	uint64_t mask = __atomic_load_n(&shim.ring_mask, __ATOMIC_RELAXED), slot = pos & mask;
	struct st_record *r;
	uint64_t seq;

	if (unlikely(slot >= event_at))
		return ring_claim_at_event(hdr, pos, mask, pos_out, none);
	r = (struct st_record *)(shim.ring + slot * ST_SLOT_SIZE);
	/*
	 * Take the slot only from a published older record (or a fresh one,
	 * seq 0); the acquire-release CAS orders it before any payload store.
	 * First try the record a lap ago, with no load before: a fresh page
	 * then takes one write fault, not a read fault and then a write fault.
	 */
	seq = pos > mask ? pos - mask : 0;
	if (unlikely(!__atomic_compare_exchange_n(&r->seq, &seq, ST_SEQ_OWNED, 0, __ATOMIC_ACQ_REL,
						  __ATOMIC_RELAXED)))
		return ring_claim_retake(hdr, pos, mask, r, seq, pos_out, none);
	ring_claimed(pos, mask, pos_out);
	return r;
}

/* Make an owned slot visible: seq = pos + 1 with release order. */
static inline void ring_publish(void *slot, uint64_t pos)
{
	__atomic_store_n((uint64_t *)slot, pos + 1, __ATOMIC_RELEASE);
}

#endif

/*
 * ring.c - the ring's growth and the making of its pages (claim and
 * publish are inline in ring.h).
 *
 * A reader accepts slot (p & (ring_cap - 1)) as position p only if its seq
 * is p + 1 (st_slot_complete); a torn slot (writer killed mid-record) is
 * still owned, an overwritten one holds a later seq, so nothing
 * half-written is shown as real.
 *
 * Why pages are made ahead: on these machines a page's first write fault
 * costs 10 to 20 us, MADV_POPULATE_WRITE about 1.5 us a page.  So the
 * claim that reaches each POP_SLOTS boundary makes the next stretch's
 * pages in one call (about 14 us every 256 events, once per slot: after
 * the first lap the ring's pages stay made).  On a kernel without it the
 * pages fault one by one, as they would anyway.
 */
#define _GNU_SOURCE
#include "ring.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include "log.h"
#include "sys.h"
#include "tracefile.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14; older kernels say EINVAL: harmless */
#endif

#define POP_SLOTS	256u	/* 32 KiB of records */

struct ring ring;

/* Where the next growth starts: half-way through what is mapped, or never. */
static uint64_t grow_point(uint64_t alloc, uint64_t cap)
{
	return alloc < cap ? alloc / 2 : UINT64_MAX;
}

/* The next slot that grows the ring or makes pages, after slot (or from 0). */
static uint64_t next_event(uint64_t slot)
{
	uint64_t pop = ring.populated < ring.alloc || ring.grow_at != UINT64_MAX ?
		       (slot / POP_SLOTS + 1) * POP_SLOTS : UINT64_MAX;

	return pop < ring.grow_at ? pop : ring.grow_at;
}

/* Make the pages of slots [ring.populated, upto) (within what is mapped). */
static void populate(uint64_t upto)
{
	uintptr_t from, to;

	if (upto > ring.alloc)
		upto = ring.alloc;
	if (upto <= ring.populated)
		return;
	from = (uintptr_t)shim.ring + ring.populated * ST_SLOT_SIZE;
	to = (uintptr_t)shim.ring + upto * ST_SLOT_SIZE;
	sys_raw(SYS_madvise, from & ~4095ul, ((to + 4095) & ~4095ul) - (from & ~4095ul),
		MADV_POPULATE_WRITE);
	ring.populated = upto;
}

void ring_reset(uint64_t cap, uint64_t first_slots)
{
	shim.ring = regions[ST_REG_RING].base;
	shim.ring_mask = cap - 1;
	ring.alloc = first_slots;
	ring.populated = 0;
	ring.grow_at = grow_point(first_slots, cap);
	ring.busy = 0;
	populate(first_slots);
	shim.ring_event_at = next_event(0);
}


/* Grow the ring (as far as slot needs) and make the pages ahead of slot; one thread at a time. */
static void act_at(struct st_file_header *h, uint64_t slot)
{
	uint64_t cap = shim.ring_mask + 1;

	while (slot >= ring.grow_at) {
		uint64_t alloc = ring.alloc;
		int rc = tracefile_grow(ST_REG_RING, alloc * 2);

		if (rc == 0) {
			__atomic_store_n(&ring.alloc, alloc * 2, __ATOMIC_RELEASE);
			ring.grow_at = grow_point(alloc * 2, cap);
			continue;
		}
		/*
		 * No room on disk: the ring wraps at what it has.  Positions
		 * already claimed past it find their slot unmapped and drop
		 * their event.
		 */
		__atomic_store_n(&h->ring_cap, alloc, __ATOMIC_RELEASE);
		__atomic_store_n(&shim.ring_mask, alloc - 1, __ATOMIC_RELEASE);
		ring.grow_at = UINT64_MAX;
		shim_log("note: the trace file cannot grow: history now wraps at what it has", "ring", -rc);
	}
	populate(slot + 2 * POP_SLOTS);
	/* Published after alloc: a claim below event_at is always mapped. */
	__atomic_store_n(&shim.ring_event_at, next_event(slot), __ATOMIC_RELEASE);
}

/*
 * The rare cases of a claim: slot at or past event_at.  The first claim
 * there acts (grows the ring, makes the pages ahead), whichever slot it
 * has: a claimer that reached the event slot exactly may have been
 * preempted before it looked, and the growth must not wait for the ring's
 * next lap.  While it acts, the others go on below what is mapped and
 * wait past it (bounded, never for themselves: a signal handler
 * interrupting the grower drops its event).  Returns 1 when slot is mapped
 * (usable), 0 when not (the event is dropped and counted).
 */
static int ring_slow(uint64_t slot)
{
	struct st_file_header *h = shim_hdr();
	int me = shim_tid();

	if (!h)
		return slot < __atomic_load_n(&ring.alloc, __ATOMIC_ACQUIRE);
	for (unsigned waited = 0;; waited++) {
		int owner = 0;

		if (slot < __atomic_load_n(&shim.ring_event_at, __ATOMIC_ACQUIRE))
			return slot < __atomic_load_n(&ring.alloc, __ATOMIC_ACQUIRE);
		if (__atomic_compare_exchange_n(&ring.busy, &owner, me, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			/* Another may have acted between the load and the lock. */
			if (slot >= __atomic_load_n(&shim.ring_event_at, __ATOMIC_ACQUIRE))
				act_at(h, slot);
			__atomic_store_n(&ring.busy, 0, __ATOMIC_RELEASE);
			return slot < __atomic_load_n(&ring.alloc, __ATOMIC_ACQUIRE);
		}
		if (slot < __atomic_load_n(&ring.alloc, __ATOMIC_ACQUIRE))
			return 1;
		if (owner == me || waited == SHIM_WAIT_YIELDS)
			return 0;
		sys_raw(SYS_sched_yield, 0, 0, 0);
	}
}

/* The claim of pos found no free slot: the event is lost, and counted. */
static void *drop(struct st_file_header *hdr, uint64_t *pos_out, void *none)
{
	__atomic_fetch_add(&hdr->totals.ring_dropped, 1, __ATOMIC_RELAXED);
	*pos_out = 0;
	return none;
}

void *ring_claim_retake(struct st_file_header *hdr, uint64_t pos, uint64_t mask,
			struct st_record *r, uint64_t seq, uint64_t *pos_out, void *none)
{
	do {
		if (seq == ST_SEQ_OWNED || seq > pos)
			return drop(hdr, pos_out, none);
	} while (!__atomic_compare_exchange_n(&r->seq, &seq, ST_SEQ_OWNED, 0, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	ring_claimed(pos, mask, pos_out);
	return r;
}

void *ring_claim_at_event(struct st_file_header *hdr, uint64_t pos, uint64_t mask,
			  uint64_t *pos_out, void *none)
{
	uint64_t slot = pos & mask, seq = pos > mask ? pos - mask : 0;
	struct st_record *r;

	if (!ring_slow(slot))
		return drop(hdr, pos_out, none);
	r = (struct st_record *)(shim.ring + slot * ST_SLOT_SIZE);
	if (!__atomic_compare_exchange_n(&r->seq, &seq, ST_SEQ_OWNED, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return ring_claim_retake(hdr, pos, mask, r, seq, pos_out, none);
	ring_claimed(pos, mask, pos_out);
	return r;
}

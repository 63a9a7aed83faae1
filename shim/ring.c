/*
 * ring.c - publishing a record: claim, copy, then seq with release order.
 *
 * A reader accepts slot (p & mask) as position p only if seq == p + 1 and
 * pos == p; a torn slot (writer killed mid-copy) or an overwritten one fails
 * one of the two tests, so nothing half-written is ever shown as real.
 */
#include "ring.h"

#include <string.h>

uint64_t ring_commit(struct st_file_header *hdr, struct st_record *recs,
		     const struct st_record *r, size_t len)
{
	uint64_t pos = __atomic_fetch_add(&hdr->head, 1, __ATOMIC_RELAXED);
	struct st_record *slot = &recs[pos & (hdr->capacity - 1)];
	const size_t skip = offsetof(struct st_record, pos) + sizeof(slot->pos);

	/* Mark the slot in flight before any payload byte changes. */
	__atomic_store_n(&slot->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&slot->pos, pos, __ATOMIC_RELAXED);
	memcpy((char *)slot + skip, (const char *)r + skip, len - skip);
	__atomic_store_n(&slot->seq, pos + 1, __ATOMIC_RELEASE);
	return pos;
}

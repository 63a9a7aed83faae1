/*
 * ring.h - the lock-free record ring inside a mapped trace file.
 */
#ifndef SOCKTRACE_RING_H
#define SOCKTRACE_RING_H

#include <stddef.h>
#include <stdint.h>

#include "../include/trace_format.h"

/*
 * Claim the next position and copy the first len bytes of r (len covers at
 * least up to addrs_len's addresses) into its slot, storing pos, then seq
 * with release order.  Wait-free: one fetch-add, no writer ever waits for
 * another, so a signal handler may commit while the interrupted thread is
 * half-way through its own commit.  Returns the position used.
 */
uint64_t ring_commit(struct st_file_header *hdr, struct st_record *recs,
		     const struct st_record *r, size_t len);

/* Bytes of r that carry data: the fixed part plus the used addresses. */
static inline size_t ring_record_len(const struct st_record *r)
{
	return offsetof(struct st_record, addrs) + r->addrs_len;
}

#endif

/*
 * regions.h - the trace file's regions in our memory.
 *
 * One address range is reserved (PROT_NONE, nothing committed) when the
 * process first needs its tables: the header page, then room for each
 * region at its largest.  A region grows by a chunk appended at the file's
 * end, reserved on disk first (fallocate), then mapped MAP_SHARED|MAP_FIXED
 * right after the region's last chunk, so the hot paths index one array
 * whatever the file's layout.  A fork child keeps the addresses and maps
 * its own image's chunks over them (a fork slot's, or its own file's).
 */
#ifndef SOCKTRACE_REGIONS_H
#define SOCKTRACE_REGIONS_H

#include <stddef.h>
#include <stdint.h>

#include "../include/trace_format.h"

struct region {
	char *base;		/* entry 0 (NULL: no tables) */
	uint32_t entry_size;
	uint32_t first_count;	/* entries in the first chunk; later chunks double */
	int lazy;		/* the first chunk is made when first needed, not with the file */
	uint64_t capacity;	/* entries the reserved range holds */
	uint64_t mapped;	/* entries backed by file chunks (atomic; release after the map) */
	int busy;		/* the tid of the thread growing the region, 0: none (atomic) */
};

extern struct region regions[ST_REG_MAX];

/* The header page of the reservation (mapped to file offset 0 once there is a file). */
extern struct st_file_header *regions_hdr;

/* What each region may grow to: entries, and the first chunk's entries. */
struct regions_plan {
	uint64_t capacity[ST_REG_MAX];
	uint32_t first[ST_REG_MAX];
	uint32_t entry_size[ST_REG_MAX];
	int lazy[ST_REG_MAX];	/* no chunk until first needed (region_grow) */
};

/*
 * Reserve the address range for plan (once per process; a fork child
 * inherits it).  0, or a negative errno (nothing reserved).
 */
int regions_reserve(const struct regions_plan *plan);

/*
 * Make fd (a fresh, empty trace file) the file behind the reservation:
 * reserve the header page and a first chunk for each region that is not
 * lazy, all at once, and map them, filling the header's region directory.
 * Nothing of a previous file stays reachable.  With hdr and keep (a fork
 * child, from its snapshot): the header page is copied from hdr (its
 * version 0 until the caller publishes it), and keep[r] entries of region
 * r from src[r].  The caller then fills in the header.
 * 0, or a negative errno: the reservation is then empty (regions_detach).
 */
int regions_attach(int fd, const struct st_file_header *hdr, const uint64_t *keep,
		   const void *const *src);

/*
 * The same for a fork child whose image goes in a fork slot of its
 * parent's file: slot (the slot's pages, mapped: reserved on disk with
 * their batch) at file offset offset.  The pages are moved into the
 * reservation (no fd needed); the slot's mapping is gone after.  The
 * file's end is then not known here until regions_set_end.
 */
int regions_attach_slot(char *slot, uint64_t offset, const struct st_file_header *hdr,
			const uint64_t *keep, const void *const *src);

/* Bytes a new image takes before it grows: the header page and first chunks (keep as above). */
uint64_t regions_image_bytes(const uint64_t *keep);

/*
 * Where this file's end is counted (its first header's file_size, mapped):
 * an image in a fork slot appends there too.  regions_attach sets it to
 * its own header's.
 */
void regions_set_end(uint64_t *end);
int regions_have_end(void);

/*
 * Reserve len bytes at the file's end (fd: the file): *offset where they
 * start.  0, or a negative errno (-ENOENT: the end is not known yet;
 * nothing reserved).
 */
int regions_append(int fd, uint64_t len, uint64_t *offset);

/*
 * Grow region r until at least want entries are mapped, one doubling
 * chunk at a time (fd: the trace file).  While another thread grows it,
 * waits for that thread (yielding; it is a few system calls away from
 * done), then looks again.  0 when want is mapped; -EBUSY when the grower
 * is the calling thread itself (a signal handler interrupted it) or
 * never finished; -ENOSPC and friends when the disk refused
 * (ST_HDR_GROW_FAILED is set and growing stops for good), -E2BIG beyond
 * the capacity.
 */
int region_grow(int fd, enum st_region r, uint64_t want);

/*
 * Give up growing for good (rc: why, a negative errno, returned): the
 * header says so (ST_HDR_GROW_FAILED, grow_errno) for the reader.
 */
int regions_give_up(int rc);

/* Entries of region r mapped now. */
static inline uint64_t region_mapped(enum st_region r)
{
	return __atomic_load_n(&regions[r].mapped, __ATOMIC_ACQUIRE);
}

/* Entry i of region r (the caller checked i against region_mapped). */
static inline void *region_at(enum st_region r, uint64_t i)
{
	return regions[r].base + i * regions[r].entry_size;
}

/*
 * Drop every file mapping (a fork child without sockets, or a file given
 * up): the reservation becomes PROT_NONE again and every region empty.
 */
void regions_detach(void);

#endif

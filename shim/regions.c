/*
 * regions.c - reserving the address range, appending chunks to the file
 * and mapping them.
 *
 * Why chunks at the file's end, mapped contiguously here: the file stays
 * as small as its use (no apparent size beyond its content; the only holes
 * are fork slots no child took, punched by tracefile.c), a growth is two
 * system calls (fallocate, mmap), and the hot paths see plain arrays.  Every call here is async-signal-safe: a signal handler's
 * first socket may be the one that makes a region grow.
 */
#define _GNU_SOURCE
#include "regions.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "shim.h"
#include "sys.h"

#define PAGE	4096u

struct region regions[ST_REG_MAX];
struct st_file_header *regions_hdr;

static char *resv_base;		/* the whole reservation: header page, then the regions */
static uint64_t *end_at;		/* where the file's end is counted: its first header's file_size */
static size_t resv_len;

static uint64_t round_page(uint64_t n)
{
	return (n + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

static int is_err(long rc)
{
	return (unsigned long)rc > -4096ul;
}

_Static_assert(ST_REG_FDS == 0, "the fd table follows the header, in memory and in the file");

int regions_reserve(const struct regions_plan *plan)
{
	size_t len = PAGE;
	long p;

	if (resv_base)
		return 0;
	for (unsigned r = 0; r < ST_REG_MAX; r++)
		len += round_page(plan->capacity[r] * plan->entry_size[r]);
	p = sys_raw6(SYS_mmap, 0, (long)len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		     -1, 0);
	if (is_err(p))
		return (int)p;
	resv_base = (char *)p;
	resv_len = len;
	regions_hdr = (struct st_file_header *)resv_base;
	len = PAGE;
	for (unsigned r = 0; r < ST_REG_MAX; r++) {
		regions[r].base = resv_base + len;
		regions[r].entry_size = plan->entry_size[r];
		regions[r].first_count = plan->first[r];
		regions[r].capacity = plan->capacity[r];
		regions[r].lazy = plan->lazy[r];
		regions[r].mapped = 0;
		len += round_page(plan->capacity[r] * plan->entry_size[r]);
	}
	shim.fds = (struct st_fd *)regions[ST_REG_FDS].base;
	shim.socks = (struct st_sock *)regions[ST_REG_SOCKS].base;
	shim.ring = regions[ST_REG_RING].base;
	return 0;
}

/*
 * Reserve [off, off + len) on disk: a store into it can then never fault
 * for want of space.  Filesystems without fallocate get zeros written.
 */
static int reserve_space(int fd, uint64_t off, uint64_t len)
{
	static const char zero[PAGE];
	long rc;

	do
		rc = sys_raw6(SYS_fallocate, fd, 0, (long)off, (long)len, 0, 0);
	while (rc == -EINTR);
	if (rc != -EOPNOTSUPP)
		return (int)rc;
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < PAGE ? len - done : PAGE;

		rc = sys_raw6(SYS_pwrite64, fd, (long)zero, (long)n, (long)(off + done), 0, 0);
		if (rc == -EINTR)
			continue;
		if (rc <= 0)
			return rc ? (int)rc : -EIO;
		done += (uint64_t)rc;
	}
	return 0;
}

/* Map file bytes [off, off + len) at addr, over whatever is there. */
static int map_at(int fd, void *addr, uint64_t off, uint64_t len)
{
	long p = sys_raw6(SYS_mmap, (long)addr, (long)len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_FIXED, fd, (long)off);

	return is_err(p) ? (int)p : 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14; older kernels say EINVAL: harmless */
#endif

/*
 * Make the pages of a new mapping now: a first write fault costs 10 to
 * 20 us a page on these machines, MADV_POPULATE_WRITE about 1.5 us.  The
 * ring is left to ring.c, which makes its pages a stretch at a time.
 */
static void populate(unsigned r, void *addr, uint64_t len)
{
	if (r != ST_REG_RING)
		sys_raw(SYS_madvise, addr, len, MADV_POPULATE_WRITE);
}

/*
 * memcpy, but in our own code: a fork child copies its parent's tables
 * with this, and libc's memcpy would be a page of libc it faults in for
 * them (bench/README.md, the fork child's page faults).
 */
static void copy_bytes(void *dst, const void *src, size_t n)
{
#if defined(__x86_64__)
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
#else
	memcpy(dst, src, n);
#endif
}

int regions_give_up(int rc)
{
	regions_hdr->grow_errno = (uint32_t)-rc;
	__atomic_fetch_or(&regions_hdr->flags, ST_HDR_GROW_FAILED, __ATOMIC_RELEASE);
	return rc;
}

#ifdef ST_UNIT_SEAMS
/* Unit tests stop a grower here, between the stores that publish a chunk. */
__attribute__((weak)) void unit_seam_publish(void)
{
}
#else
static inline void unit_seam_publish(void)
{
}
#endif

/*
 * Publish chunk k of region r at file offset off: entries [mapped, mapped + count).
 * shim.nfds before the region's count: a thread that waited in region_grow
 * until the count covers its fd then checks its fd against shim.nfds
 * (fd_room), and must find it there too.
 */
static void publish_chunk(enum st_region r, unsigned k, uint64_t off, uint64_t count)
{
	struct region *g = &regions[r];
	struct st_region_dir *d = &regions_hdr->region[r];

	d->chunk[k].first = (uint32_t)g->mapped;
	d->chunk[k].count = (uint32_t)count;
	__atomic_store_n(&d->chunk[k].offset, off, __ATOMIC_RELEASE);
	__atomic_store_n(&d->nchunks, k + 1, __ATOMIC_RELEASE);
	if (r == ST_REG_FDS)
		__atomic_store_n(&shim.nfds, (uint32_t)(g->mapped + count), __ATOMIC_RELEASE);
	unit_seam_publish();
	__atomic_store_n(&g->mapped, g->mapped + count, __ATOMIC_RELEASE);
}

/*
 * Append one chunk of count entries to region r: file space, mapping,
 * directory entry.  The caller owns the region (busy).
 */
static int append_chunk(int fd, enum st_region r, uint64_t count)
{
	struct region *g = &regions[r];
	uint64_t len = round_page(count * g->entry_size), off;
	unsigned k = __atomic_load_n(&regions_hdr->region[r].nchunks, __ATOMIC_RELAXED);
	int rc;

	if (k >= ST_CHUNKS_MAX)
		return -E2BIG;
	if (__atomic_load_n(&regions_hdr->flags, __ATOMIC_RELAXED) & ST_HDR_GROW_FAILED)
		return -ENOSPC;
	rc = regions_append(fd, len, &off);
	if (!rc)
		rc = map_at(fd, g->base + g->mapped * g->entry_size, off, len);
	if (rc)
		return regions_give_up(rc);
	populate(r, g->base + g->mapped * g->entry_size, len);
	publish_chunk(r, k, off, count);
	return 0;
}

/* The next chunk's entries: the first chunk's, then as many as are mapped (doubling). */
static uint64_t next_count(const struct region *g)
{
	uint64_t n = g->mapped ? g->mapped : g->first_count;

	if (n > g->capacity - g->mapped)
		n = g->capacity - g->mapped;
	return n;
}

/*
 * The layout of a new image: the header page, then each region's first
 * chunk (keep[r] entries at least, when keep).  Fills count, off (from the
 * image's start) and len per region; returns the image's bytes.
 */
static uint64_t layout(const uint64_t *keep, uint64_t *count, uint64_t *off, uint64_t *len)
{
	uint64_t end = PAGE;

	for (unsigned r = 0; r < ST_REG_MAX; r++) {
		struct region *g = &regions[r];
		uint64_t n = g->lazy ? 0 : g->first_count;

		if (keep && keep[r] > n)
			n = keep[r] < g->capacity ? keep[r] : g->capacity;
		/* Round up to whole pages of entries: nothing of a page is wasted. */
		count[r] = n ? round_page(n * g->entry_size) / g->entry_size : 0;
		if (count[r] > g->capacity)
			count[r] = g->capacity;
		off[r] = end;
		len[r] = round_page(count[r] * g->entry_size);
		end += len[r];
	}
	return end;
}

uint64_t regions_image_bytes(const uint64_t *keep)
{
	uint64_t count[ST_REG_MAX], off[ST_REG_MAX], len[ST_REG_MAX];

	return layout(keep, count, off, len);
}

/* Where a new image's pages come from: a fresh file of its own, or a fork slot. */
struct image_src {
	int fd;			/* the fresh file; -1: a slot */
	char *slot;		/* the slot's pages, mapped and reserved */
	uint64_t offset;	/* the image's offset in its file: 0, or the slot's */
};

/* Place the image's bytes [off, off + len) at addr, over whatever is there. */
static int place(const struct image_src *s, void *addr, uint64_t off, uint64_t len)
{
	long p;

	if (s->fd >= 0)
		return map_at(s->fd, addr, off, len);
	p = sys_raw6(SYS_mremap, (long)(s->slot + off), (long)len, (long)len,
		     MREMAP_MAYMOVE | MREMAP_FIXED, (long)addr, 0);
	return is_err(p) ? (int)p : 0;
}

static int attach(const struct image_src *s, const struct st_file_header *hdr, const uint64_t *keep,
		  const void *const *src)
{
	uint64_t count[ST_REG_MAX], off[ST_REG_MAX], len[ST_REG_MAX], end;
	int rc = 0;

	/* One layout, one reservation: the header page, then each region's first chunk. */
	end = layout(keep, count, off, len);
	if (s->fd >= 0)
		rc = reserve_space(s->fd, 0, end);
	/*
	 * From here on the parent's image is not mapped in the reservation
	 * (a fork slot may lie in the parent's file: its own pages only).
	 */
	regions_detach();
	if (rc)
		return rc;
	/*
	 * The header page and the fd table's first chunk are neighbours both
	 * here and in the file: one mapping, one populate.
	 */
	rc = place(s, resv_base, 0, PAGE + len[ST_REG_FDS]);
	if (rc)
		goto fail;
	populate(ST_REG_MAX, resv_base, PAGE + len[ST_REG_FDS]);
	if (hdr) {
		/*
		 * All but the version, which the new image has at 0 and keeps
		 * until the child's header is complete: a reader never sees a
		 * valid version over the parent's fields.
		 */
		size_t v = offsetof(struct st_file_header, version), after = v + sizeof(hdr->version);

		copy_bytes(regions_hdr, hdr, v);
		copy_bytes((char *)regions_hdr + after, (const char *)hdr + after, PAGE - after);
	}
	memset(regions_hdr->region, 0, sizeof(regions_hdr->region));
	regions_hdr->flags &= ~(uint32_t)ST_HDR_GROW_FAILED;
	regions_hdr->image_offset = s->offset;
	regions_hdr->slot_batches = 0;
	/* The file's end is counted in its first header: a slot's image counts nothing. */
	regions_hdr->file_size = s->fd >= 0 ? end : 0;
	if (s->fd >= 0)
		end_at = &regions_hdr->file_size;
	for (unsigned r = 0; r < ST_REG_MAX; r++) {
		struct region *g = &regions[r];

		g->busy = 0;
		regions_hdr->region[r].entry_size = g->entry_size;
		regions_hdr->region[r].capacity = g->capacity;
		if (!count[r])
			continue;
		if (r != ST_REG_FDS) {
			rc = place(s, g->base, off[r], len[r]);
			if (rc)
				goto fail;
			populate(r, g->base, len[r]);
		}
		if (keep && keep[r])
			copy_bytes(g->base, src[r], keep[r] * g->entry_size);
		publish_chunk(r, 0, s->offset + off[r], count[r]);
	}
	return 0;
fail:
	regions_detach();
	return rc;
}

int regions_attach(int fd, const struct st_file_header *hdr, const uint64_t *keep,
		   const void *const *src)
{
	struct image_src s = { fd, NULL, 0 };

	return attach(&s, hdr, keep, src);
}

int regions_attach_slot(char *slot, uint64_t offset, const struct st_file_header *hdr,
			const uint64_t *keep, const void *const *src)
{
	struct image_src s = { -1, slot, offset };

	return attach(&s, hdr, keep, src);
}

void regions_set_end(uint64_t *end)
{
	__atomic_store_n(&end_at, end, __ATOMIC_RELEASE);
}

int regions_have_end(void)
{
	return __atomic_load_n(&end_at, __ATOMIC_ACQUIRE) != NULL;
}

int regions_append(int fd, uint64_t len, uint64_t *offset)
{
	uint64_t *end = __atomic_load_n(&end_at, __ATOMIC_ACQUIRE), off;
	int rc;

	if (!end)
		return -ENOENT;
	off = __atomic_fetch_add(end, len, __ATOMIC_RELAXED);
	rc = reserve_space(fd, off, len);
	if (rc) {
		/* The file ends where it did, unless another append has gone past us meanwhile. */
		uint64_t was = off + len;

		__atomic_compare_exchange_n(end, &was, off, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		return rc;
	}
	*offset = off;
	return 0;
}

int region_grow(int fd, enum st_region r, uint64_t want)
{
	struct region *g = &regions[r];
	int me = shim_tid(), rc = 0;

	if (want > g->capacity)
		return -E2BIG;
	for (unsigned waited = 0;; waited++) {
		int owner = 0;

		if (__atomic_load_n(&g->mapped, __ATOMIC_ACQUIRE) >= want)
			return 0;
		if (__atomic_compare_exchange_n(&g->busy, &owner, me, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
		/*
		 * Another thread is growing it: wait for it, the entry may be
		 * there after.  Not when the grower is this very thread, inside
		 * a signal handler that interrupted it: it cannot finish while
		 * we wait.
		 */
		if (owner == me || waited == SHIM_WAIT_YIELDS)
			return -EBUSY;
		sys_raw(SYS_sched_yield, 0, 0, 0);
	}
	while (!rc && g->mapped < want)
		rc = append_chunk(fd, r, next_count(g));
	__atomic_store_n(&g->busy, 0, __ATOMIC_RELEASE);
	return rc;
}

void regions_detach(void)
{
	if (!resv_base)
		return;
	__atomic_store_n(&shim.nfds, 0, __ATOMIC_RELEASE);
	if (end_at == &regions_hdr->file_size)
		__atomic_store_n(&end_at, NULL, __ATOMIC_RELEASE);
	for (unsigned r = 0; r < ST_REG_MAX; r++)
		__atomic_store_n(&regions[r].mapped, 0, __ATOMIC_RELEASE);
	/* Back to an empty reservation: no page of the old file stays reachable. */
	sys_raw6(SYS_mmap, (long)resv_base, (long)resv_len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

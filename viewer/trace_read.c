/*
 * trace_read.c - validating and copying a trace file.
 *
 * The file may be truncated, corrupt, from another version, or still being
 * written by a live process; every length and count read from it is checked
 * against the file's real size before it is used.
 */
#define _GNU_SOURCE
#include "trace_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Check the header copy h against the file size; 0 or -1 with err. */
static int check_header(const struct st_file_header *h, uint64_t size, char *err, size_t errlen)
{
	uint64_t need;

	if (memcmp(h->magic, ST_MAGIC, sizeof(h->magic)))
		return fail(err, errlen, "not a socktrace trace (bad magic)");
	if (h->version == 0)
		return fail(err, errlen, "header incomplete (the process died while creating it)");
	if (h->version < ST_FORMAT_VERSION_MIN || h->version > ST_FORMAT_VERSION)
		return fail(err, errlen, "trace format version %u; this socktrace reads versions %u to %u",
			    h->version, ST_FORMAT_VERSION_MIN, ST_FORMAT_VERSION);
	if (h->header_size != ST_HEADER_SIZE || h->record_size != ST_RECORD_SIZE)
		return fail(err, errlen, "corrupt header: header size %u, record size %u (expected %u, %u)",
			    h->header_size, h->record_size, ST_HEADER_SIZE, ST_RECORD_SIZE);
	if (h->capacity == 0 || (h->capacity & (h->capacity - 1)) || h->capacity > (1ull << 32))
		return fail(err, errlen, "corrupt header: ring capacity %llu is not a power of two up to 2^32",
			    (unsigned long long)h->capacity);
	if (h->pid <= 0)
		return fail(err, errlen, "corrupt header: pid %d", h->pid);
	need = ST_HEADER_SIZE + h->capacity * ST_RECORD_SIZE;
	if (size < need)
		return fail(err, errlen, "truncated: the header promises %llu records (%llu bytes), the file has %llu bytes",
			    (unsigned long long)h->capacity, (unsigned long long)need,
			    (unsigned long long)size);
	return 0;
}

/* A complete record whose fields cannot be true. */
static int record_corrupt(const struct st_record *r)
{
	size_t off = 0;

	if (r->addrs_len > ST_ADDRS_SIZE)
		return 1;
	while (off < r->addrs_len) {
		const struct st_addr_hdr *a = (const void *)&r->addrs[off];

		if (off + sizeof(*a) > r->addrs_len || off + sizeof(*a) + a->len > r->addrs_len)
			return 1;
		off += sizeof(*a) + a->len;
	}
	return 0;
}

/* Copy the complete records of the ring at base into tf. */
static int copy_records(struct trace_file *tf, const char *base, char *err, size_t errlen)
{
	const struct st_record *ring = (const void *)(base + ST_HEADER_SIZE);
	uint64_t cap = tf->hdr.capacity, head = tf->hdr.head;
	uint64_t start = head > cap ? head - cap : 0;

	tf->overwritten = start;
	tf->recs = calloc(head - start ? head - start : 1, sizeof(*tf->recs));
	if (!tf->recs)
		return fail(err, errlen, "out of memory for %llu records", (unsigned long long)(head - start));
	for (uint64_t pos = start; pos < head; pos++) {
		const struct st_record *r = &ring[pos & (cap - 1)];
		uint64_t seq = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);

		if (seq != pos + 1 || r->pos != pos) {
			tf->torn++;
			continue;
		}
		memcpy(&tf->recs[tf->nrecs], r, sizeof(*r));
		/* The copy's loads complete before seq is read again (seqlock). */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&r->seq, __ATOMIC_RELAXED) != seq) {
			tf->torn++;	/* overwritten while we copied (live writer) */
			continue;
		}
		if (record_corrupt(&tf->recs[tf->nrecs])) {
			tf->corrupt++;
			continue;
		}
		tf->nrecs++;
	}
	return 0;
}

/*
 * Copy the extension sections the header's directory describes.  A section
 * out of the file's bounds, or of an unknown kind, is skipped (the reason in
 * tf->ext_err); the records stay readable without it.
 */
static void copy_exts(struct trace_file *tf, const char *base, uint64_t size)
{
	if (tf->hdr.version < 3)
		return;
	for (unsigned i = 0; i < ST_EXT_MAX; i++) {
		const struct st_ext *e = &tf->hdr.ext[i];
		struct trace_ext *x;

		if (e->kind == ST_EXT_NONE)
			continue;
		if (e->kind >= ST_EXT_MAX) {
			snprintf(tf->ext_err, sizeof(tf->ext_err), "unknown extension kind %u skipped", e->kind);
			continue;
		}
		x = &tf->ext[e->kind];
		if (x->data || e->offset < ST_HEADER_SIZE || e->offset > size || e->size > size - e->offset
		    || e->entry_size == 0 || e->count > e->size / e->entry_size) {
			snprintf(tf->ext_err, sizeof(tf->ext_err),
				 "extension kind %u out of bounds (offset %llu, size %llu, file %llu bytes): skipped",
				 e->kind, (unsigned long long)e->offset, (unsigned long long)e->size,
				 (unsigned long long)size);
			continue;
		}
		x->data = malloc(e->size ? e->size : 1);
		if (!x->data) {
			snprintf(tf->ext_err, sizeof(tf->ext_err), "out of memory for extension kind %u", e->kind);
			continue;
		}
		memcpy(x->data, base + e->offset, e->size);
		x->size = e->size;
		x->count = e->count;
		x->entry_size = e->entry_size;
	}
}

int trace_load(const char *path, struct trace_file **out, char *err, size_t errlen)
{
	struct trace_file *tf = NULL;
	struct stat st;
	void *map = MAP_FAILED;
	int fd, rc = -1;

	/* O_NONBLOCK: a FIFO named like a trace must not hang the report. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail(err, errlen, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0) {
		fail(err, errlen, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(err, errlen, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size < ST_HEADER_SIZE) {
		fail(err, errlen, "truncated: %lld bytes, shorter than the %u-byte header",
		     (long long)st.st_size, ST_HEADER_SIZE);
		goto out;
	}
	map = mmap(0, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fail(err, errlen, "cannot map: %s", strerror(errno));
		goto out;
	}
	tf = calloc(1, sizeof(*tf));
	if (!tf || !(tf->path = strdup(path))) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	memcpy(&tf->hdr, map, sizeof(tf->hdr));
	tf->hdr.head = __atomic_load_n(&((struct st_file_header *)map)->head, __ATOMIC_ACQUIRE);
	if (check_header(&tf->hdr, (uint64_t)st.st_size, err, errlen))
		goto out;
	tf->hdr.exe[sizeof(tf->hdr.exe) - 1] = 0;
	if (tf->hdr.argv_len > sizeof(tf->hdr.argv))
		tf->hdr.argv_len = sizeof(tf->hdr.argv);
	if (copy_records(tf, map, err, errlen))
		goto out;
	copy_exts(tf, map, (uint64_t)st.st_size);
	*out = tf;
	tf = NULL;
	rc = 0;
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	close(fd);
	trace_free(tf);
	return rc;
}

void trace_free(struct trace_file *tf)
{
	if (!tf)
		return;
	free(tf->recs);
	for (unsigned i = 0; i < ST_EXT_MAX; i++)
		free(tf->ext[i].data);
	free(tf->path);
	free(tf);
}

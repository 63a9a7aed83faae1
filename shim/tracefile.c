/*
 * tracefile.c - one trace file per process image.
 *
 * The space is reserved with posix_fallocate before mapping: a sparse shared
 * mapping on a full disk would raise SIGBUS inside the app at some later
 * store, which the app never asked for.
 */
#define _GNU_SOURCE
#include "tracefile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "modules.h"
#include "real.h"
#include "ring.h"
#include "sbuf.h"
#include "shim.h"
#include "stacks.h"
#include "sockstats.h"

/* mkdir -p dir (absolute); 0 or a negative errno. */
static int make_dirs(const char *dir)
{
	char path[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != 0)
			continue;
		path[i] = 0;
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -errno;
		path[i] = dir[i];
	}
	return 0;
}

/* Read all of a small /proc file into buf; returns bytes read or -errno. */
static ssize_t read_proc(const char *path, char *buf, size_t cap, int *trunc)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;
	char spill[256];

	*trunc = 0;
	if (fd < 0)
		return -errno;
	while (got < cap && (n = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)n;
	if (got == cap && read(fd, spill, sizeof(spill)) > 0)
		*trunc = 1;
	REAL(close)(fd);
	return (ssize_t)got;
}

/* Fill exe and argv of a new header from /proc/self. */
static void fill_identity(struct st_file_header *h)
{
	ssize_t n;
	int trunc;

	n = readlink("/proc/self/exe", h->exe, sizeof(h->exe) - 1);
	if (n < 0)
		n = 0;
	if ((size_t)n == sizeof(h->exe) - 1)
		h->flags |= ST_HDR_EXE_TRUNC;
	h->exe[n] = 0;
	n = read_proc("/proc/self/cmdline", h->argv, sizeof(h->argv), &trunc);
	if (n < 0)
		n = 0;
	if (trunc) {
		h->flags |= ST_HDR_ARGV_TRUNC;
		n = sizeof(h->argv) - 1;
		h->argv[n] = 0;
	}
	h->argv_len = (uint32_t)n;
	for (ssize_t i = 0; i < n; i++)
		h->argc += h->argv[i] == 0;
}

/* Base name of the executable for the file name (no slashes, bounded). */
static const char *exe_base(const char *exe)
{
	const char *slash = strrchr(exe, '/');

	return slash ? slash + 1 : exe;
}

#define EXT_ALIGN	64u

/* Append a section of size bytes at *end to the directory; its offset. */
static uint64_t ext_place(struct st_ext *e, uint64_t *end, size_t size)
{
	uint64_t off = (*end + EXT_ALIGN - 1) & ~(uint64_t)(EXT_ALIGN - 1);

	e->offset = off;
	e->size = size;
	*end = off + size;
	return off;
}

/*
 * Lay out and initialise the extension sections after the ring of h.  dir
 * says where each goes (filled by ext_plan with the same sizes).  from: the
 * parent's mapping in a fork child, else NULL.
 */
static void ext_init(struct st_file_header *h, const struct st_ext *dir,
		     const struct st_file_header *from)
{
	char *base = (char *)h;

	/* Only the entries placed here: other owners take the free ones. */
	for (unsigned i = 0; i < ST_EXT_MAX; i++)
		if (dir[i].size)
			h->ext[i] = dir[i];
	if (h->ext[0].size)
		stacks_ext_init(h, &h->ext[0], base + h->ext[0].offset);
	if (h->ext[1].size)
		modules_ext_init(h, &h->ext[1], base + h->ext[1].offset, from);
}

/* The directory of sections after a ring ending at ring_end; the file's length. */
static size_t ext_plan(struct st_ext *dir, uint64_t ring_end)
{
	uint64_t end = ring_end;
	size_t n;

	memset(dir, 0, ST_EXT_MAX * sizeof(*dir));
	n = stacks_ext_size();
	if (n)
		ext_place(&dir[0], &end, n);
	n = modules_ext_size();
	if (n)
		ext_place(&dir[1], &end, n);
	return (size_t)end;
}

/* Open a fresh <dir>/<exe>.<pid>[.k].socktrace; fd or -errno. */
static int create_file(const char *dir, const char *exe, pid_t pid, char *path, size_t cap)
{
	struct sbuf sb;

	for (unsigned k = 0; k < 100; k++) {
		int fd;

		sb_init(&sb, path, cap);
		sb_str(&sb, dir);
		sb_char(&sb, '/');
		for (const char *e = exe_base(exe); *e && sb.len < cap - 64; e++)
			sb_char(&sb, *e);
		if (!*exe_base(exe))
			sb_str(&sb, "unknown");
		sb_char(&sb, '.');
		sb_u64(&sb, (uint64_t)pid);
		if (k) {
			sb_char(&sb, '.');
			sb_u64(&sb, k);
		}
		sb_str(&sb, ST_FILE_SUFFIX);
		if (sb.overflow)
			return -ENAMETOOLONG;
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int tracefile_open(const struct tracefile_cfg *cfg, enum st_origin origin, pid_t ppid,
		   const struct st_file_header *from, const char **why)
{
	char path[4096], exe[ST_EXE_MAX];
	size_t ring_end = ST_HEADER_SIZE + cfg->capacity * ST_RECORD_SIZE, len;
	struct st_ext dir[ST_EXT_MAX];
	struct st_file_header *h;
	struct timespec wall, mono;
	ssize_t n;
	int fd, rc;

	if (from) {
		memcpy(exe, from->exe, sizeof(exe));
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n < 0 ? 0 : n] = 0;
	}
	/* The socket counters first, at a page boundary: sockstats maps them on their own. */
	len = ext_plan(dir, ring_end + sockstats_section_bytes());
	*why = "tracing off: creating the trace directory";
	rc = make_dirs(cfg->dir);
	if (rc)
		return rc;
	*why = "tracing off: creating the trace file";
	fd = create_file(cfg->dir, exe, shim.pid, path, sizeof(path));
	if (fd < 0)
		return fd;
	*why = "tracing off: reserving the trace file's space";
	rc = posix_fallocate(fd, 0, (off_t)len);
	if (rc)
		goto fail;
	*why = "tracing off: mapping the trace file";
	h = mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		rc = errno;
		goto fail;
	}
	/*
	 * No readahead: the first write fault would otherwise read (zero) a
	 * large part of the fresh file in one go, which made each fork child
	 * pay for its whole ring at start (1.5 ms for 4 MiB on ext4).  Pages
	 * are faulted as the ring reaches them, and pre-faulted ahead.
	 */
	madvise(h, len, MADV_RANDOM);
	/* Sections after the ring, each set up by its own owner (while fd is open). */
	ext_init(h, dir, from);
	*why = "tracing off: mapping the socket counters";
	rc = sockstats_attach(fd, h, ring_end, origin == ST_ORIGIN_FORK);
	if (rc) {
		munmap(h, len);
		rc = -rc;
		goto fail;
	}
	REAL(close)(fd);

	memcpy(h->magic, ST_MAGIC, sizeof(h->magic));
	h->header_size = ST_HEADER_SIZE;
	h->record_size = ST_RECORD_SIZE;
	h->capacity = cfg->capacity;
	h->pid = shim.pid;
	h->ppid = ppid;
	h->origin = origin;
	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	h->wall_anchor_ns = (uint64_t)wall.tv_sec * 1000000000u + (uint64_t)wall.tv_nsec;
	h->mono_anchor_ns = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec;
	if (from) {
		memcpy(h->exe, from->exe, sizeof(h->exe));
		memcpy(h->argv, from->argv, sizeof(h->argv));
		h->argc = from->argc;
		h->argv_len = from->argv_len;
		h->flags = from->flags & (ST_HDR_ARGV_TRUNC | ST_HDR_EXE_TRUNC);
	} else {
		fill_identity(h);
	}
	if (len > ring_end) {
		h->ext_offset = ring_end;
		h->ext_size = len - ring_end;
	}
	/* The version last: a reader never trusts a half-written header. */
	__atomic_store_n(&h->version, ST_FORMAT_VERSION, __ATOMIC_RELEASE);

	shim.recs = (struct st_record *)((char *)h + ST_HEADER_SIZE);
	ring_populate(h, shim.recs, 0, RING_POPULATE_RECS);
	shim.mask = cfg->capacity - 1;
	shim.map_len = len;
	__atomic_store_n(&shim.hdr, h, __ATOMIC_RELEASE);
	return 0;
fail:
	unlink(path);
	REAL(close)(fd);
	return -rc;
}

void tracefile_mark_end(struct st_file_header *hdr, enum st_state state, int has_status,
			int status)
{
	if (!hdr)
		return;
	hdr->end_mono_ns = shim_now();
	hdr->exit_status = status;
	hdr->has_exit_status = (uint32_t)has_status;
	__atomic_store_n(&hdr->state, (uint32_t)state, __ATOMIC_RELEASE);
}

void tracefile_mark_running(struct st_file_header *hdr)
{
	if (!hdr)
		return;
	hdr->end_mono_ns = 0;
	__atomic_store_n(&hdr->state, (uint32_t)ST_STATE_RUNNING, __ATOMIC_RELEASE);
}

struct st_file_header *tracefile_unpublish(size_t *len)
{
	struct st_file_header *h = __atomic_exchange_n(&shim.hdr, NULL, __ATOMIC_ACQ_REL);

	stacks_ext_detach();
	modules_ext_detach();
	*len = shim.map_len;
	return h;
}

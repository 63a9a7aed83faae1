/*
 * tracefile.c - the trace file of a process image that holds sockets.
 *
 * The file is made when the image first holds a socket, not at start: a
 * process that never does (a shell, sed, grep in a service's scripts)
 * costs a few system calls and no file.  A fork child that inherits
 * sockets makes none either: its image goes in a fork slot of its
 * parent's file (the nursery below), or in a file of its own when no
 * slot is free.  It starts small and grows with
 * use (regions.c); its space is reserved before it is written, so a full
 * disk never raises SIGBUS inside the app.
 *
 * The default directory ${TMPDIR:-/tmp}/socktrace-UID may have been made
 * first by someone else: it is used only when it is a real directory,
 * owned by us and writable by nobody else (tmux checks /tmp/tmux-UID the
 * same way), opened once and checked through that fd, so a rename or a
 * symlink swapped in between cannot redirect us.
 */
#define _GNU_SOURCE
#include "tracefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "modules.h"
#include "procfs.h"
#include "regions.h"
#include "resfd.h"
#include "ring.h"
#include "sbuf.h"
#include "setup_text.h"
#include "shim.h"
#include "socks.h"
#include "stacks.h"
#include "sys.h"

#define RING_MB_DEFAULT	2u
#define RING_MB_MAX	4096u
#define FDS_FIRST	256u	/* one page of fd entries */
#define SOCKS_FIRST	16u	/* one page of socket slots */
#define RING_FIRST	64u	/* two pages of ring slots */
#define STACKS_FIRST	64u

struct tracefile_cfg tracefile_cfg;

/* The fork lineage of this image (copied by fork, lost at exec); fork times in ticks. */
static struct st_ancestor lineage[ST_ANCESTORS_MAX];
static unsigned nlineage;

/* Trace directory from SOCKTRACE_DIR, made absolute against today's cwd. */
static PROC_PATH int config_dir(void)
{
	const char *env = getenv(DATA_STR("SOCKTRACE_DIR"));
	struct tracefile_cfg *c = &tracefile_cfg;
	struct sbuf sb;

	setup_text_open(&sb);
	c->dir_is_default = !(env && *env);
	if (env && *env) {
		if (env[0] != '/') {
			if (sys_raw(SYS_getcwd, sb.buf, sb.cap, 0) < 0)
				return -ENAMETOOLONG;
			sb.len = strlen(sb.buf);
			sb_char(&sb, '/');
		}
		sb_str(&sb, env);
	} else {
		/* The uid is added when the directory is first needed: no system call before. */
		setup_text_default_prefix(&sb);
	}
	c->dir = setup_text_keep(&sb, 24, &c->dir_cap);
	return c->dir ? 0 : -ENAMETOOLONG;
}

/* The default directory's name gets its uid the first time it is needed. */
static PROC_PATH void dir_name_done(void)
{
	struct tracefile_cfg *c = &tracefile_cfg;
	struct sbuf sb;

	if (!c->dir_is_default || c->dir_named)
		return;
	if (!c->dir_base_len)
		c->dir_base_len = (unsigned)strlen(c->dir);
	c->dir[c->dir_base_len] = 0;
	c->dir_uid = getuid();
	sb = (struct sbuf){ .buf = c->dir, .cap = c->dir_cap, .len = c->dir_base_len };
	sb_u64(&sb, c->dir_uid);
	c->dir_named = 1;
}

/* Ring capacity in slots from SOCKTRACE_RING_MB (rounded down to a power of two). */
static PROC_PATH void config_ring(void)
{
	const char *env = getenv(DATA_STR("SOCKTRACE_RING_MB"));
	unsigned long mb = RING_MB_DEFAULT;
	char *end;
	uint64_t slots;

	if (env && *env) {
		errno = 0;
		mb = strtoul(env, &end, 10);
		if (errno || *end || mb < 1 || mb > RING_MB_MAX) {
			shim_log("note: SOCKTRACE_RING_MB must be 1..4096, using 2", env, 0);
			mb = RING_MB_DEFAULT;
		}
	}
	slots = ((uint64_t)mb << 20) / ST_SLOT_SIZE;
	while (slots & (slots - 1))
		slots &= slots - 1;
	tracefile_cfg.ring_cap = slots;
}

PROC_PATH int tracefile_configure(const char **why)
{
	int rc = config_dir();

	config_ring();
	*why = "tracing off: the trace directory's name is too long";
	return rc;
}

/* The regions at their largest: the address range reserved once per process. */
static void plan(struct regions_plan *p)
{
	uint64_t cap = tracefile_cfg.ring_cap;

	memset(p, 0, sizeof(*p));
	p->capacity[ST_REG_FDS] = fds_capacity();
	p->entry_size[ST_REG_FDS] = sizeof(struct st_fd);
	p->first[ST_REG_FDS] = FDS_FIRST;
	p->capacity[ST_REG_SOCKS] = socks_capacity();
	p->entry_size[ST_REG_SOCKS] = sizeof(struct st_sock);
	p->first[ST_REG_SOCKS] = SOCKS_FIRST;
	p->capacity[ST_REG_RING] = cap;
	p->entry_size[ST_REG_RING] = ST_SLOT_SIZE;
	/* Growth doubles, in at most ST_CHUNKS_MAX chunks: a big ring starts bigger. */
	p->first[ST_REG_RING] = (uint32_t)(cap >> 15 > RING_FIRST ? cap >> 15 :
					   cap < RING_FIRST ? cap : RING_FIRST);
	p->capacity[ST_REG_STACKS] = stacks_capacity();
	p->entry_size[ST_REG_STACKS] = stacks_entry_size();
	p->first[ST_REG_STACKS] = STACKS_FIRST;
	p->lazy[ST_REG_STACKS] = 1;	/* made at the first stack */
	p->capacity[ST_REG_MODULES] = stacks_capacity() ? MODULES_MAX : 0;
	p->entry_size[ST_REG_MODULES] = sizeof(struct st_module);
	p->first[ST_REG_MODULES] = MODULES_FIRST;
	p->lazy[ST_REG_MODULES] = 1;
}

#define NAME_MAX_LEN	256

/*
 * mkdir -p dir (0755 each): 0 or a negative errno.  Out of line, with its
 * page of path: in open_dir's frame that page would be stack every fork
 * child with sockets touches, and faults in, for nothing.
 */
static __attribute__((noinline)) long make_dirs(const char *dir)
{
	char path[SETUP_TEXT_MAX];
	size_t n = strlen(dir);

	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		long rc;

		if (path[i] != '/' && path[i] != 0)
			continue;
		path[i] = 0;
		rc = sys_raw(SYS_mkdir, path, 0755, 0);
		if (rc && rc != -EEXIST)
			return rc;
		path[i] = dir[i];
	}
	return 0;
}

/* The trace directory by name (O_PATH: see open_dir): a dirfd or a negative errno. */
static long open_dir_path(void)
{
	return sys_raw(SYS_open, tracefile_cfg.dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
}

/*
 * Open the trace directory for making a file in it: O_DIRECTORY, and for
 * the default one made 0700 and checked to be ours alone.  A dirfd, or a
 * negative errno with *why.
 */
static int open_dir(const char **why)
{
	const struct tracefile_cfg *c = &tracefile_cfg;
	struct stat st;
	long fd;

	*why = "tracing off: cannot make the trace directory";
	dir_name_done();
	if (c->dir_is_default) {
		long rc = sys_raw(SYS_mkdir, c->dir, 0700, 0);

		if (rc && rc != -EEXIST)
			return (int)rc;
		*why = "tracing off: the trace directory is not a directory of ours (a symlink?)";
		fd = sys_raw(SYS_open, c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		if (fd < 0)
			return (int)fd;
		sys_raw(SYS_fstat, fd, &st, 0);
		if (st.st_uid != geteuid()) {
			*why = "tracing off: the trace directory belongs to another user; remove it or set SOCKTRACE_DIR";
			sys_raw(SYS_close, fd, 0, 0);
			return -EPERM;
		}
		if (st.st_mode & (S_IWGRP | S_IWOTH)) {
			*why = "tracing off: the trace directory is writable by others; chmod 700 it or set SOCKTRACE_DIR";
			sys_raw(SYS_close, fd, 0, 0);
			return -EPERM;
		}
		return (int)fd;
	}
	/*
	 * A directory the user named: made if missing (mkdir -p), its own
	 * rights kept.  O_PATH: making a file needs search and write on it, not
	 * read, so a drop box (1733, as socktrace run makes one for a program
	 * that becomes another user) works.
	 */
	fd = open_dir_path();
	if (fd >= 0 || fd != -ENOENT)
		return (int)fd;
	fd = make_dirs(c->dir);
	if (fd)
		return (int)fd;
	*why = "tracing off: opening the trace directory";
	fd = open_dir_path();
	return (int)fd;
}

/*
 * Base name of the executable for the file name (no slashes).  Our own
 * loop, not strrchr: a fork child runs this, and libc's strrchr would be
 * one more page it faults in.
 */
static const char *exe_base(const char *exe)
{
	const char *base = exe;

	for (const char *p = exe; *p; p++)
		if (*p == '/')
			base = p + 1;
	return base;
}

/*
 * A fresh <exe>.<pid>[.k].socktrace in dirfd (k only when the name is
 * taken): its fd and its name in name, or a negative errno.
 */
static int create_file(int dirfd, const char *exe, pid_t pid, char name[NAME_MAX_LEN])
{
	struct sbuf sb;

	for (unsigned k = 0; k < 100; k++) {
		long fd;

		sb_init(&sb, name, NAME_MAX_LEN);
		for (const char *e = exe_base(exe); *e && sb.len < NAME_MAX_LEN - 64; e++)
			sb_char(&sb, *e);
		if (!*exe_base(exe))
			sb_str(&sb, "unknown");
		sb_char(&sb, '.');
		sb_u64(&sb, (uint64_t)pid);
		if (k) {
			sb_char(&sb, '.');
			sb_u64(&sb, k);
		}
		sb_str(&sb, DATA_STR(ST_FILE_SUFFIX));	/* .data: no .rodata page to fault in */
		fd = sys_raw6(SYS_openat, dirfd, (long)name,
			      O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600, 0, 0);
		if (fd != -EEXIST)
			return (int)fd;
	}
	return -EEXIST;
}

/* Read a small /proc file into buf (raw calls); bytes read or a negative errno. */
static long read_proc(const char *path, char *buf, size_t cap, int *trunc)
{
	long fd = sys_raw(SYS_open, path, O_RDONLY | O_CLOEXEC, 0), n;
	size_t got = 0;
	char spill[64];

	*trunc = 0;
	if (fd < 0)
		return fd;
	while (got < cap && (n = sys_raw(SYS_read, fd, buf + got, cap - got)) > 0)
		got += (size_t)n;
	if (got == cap && sys_raw(SYS_read, fd, spill, sizeof(spill)) > 0)
		*trunc = 1;
	sys_raw(SYS_close, fd, 0, 0);
	return (long)got;
}

/* exe and argv of a root image, from /proc/self. */
static void fill_identity(struct st_file_header *h)
{
	long n;
	int trunc;

	n = sys_raw(SYS_readlink, "/proc/self/exe", h->exe, sizeof(h->exe) - 1);
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
	h->argc = 0;
	for (long i = 0; i < n; i++)
		h->argc += h->argv[i] == 0;
}

/*
 * This image's tag: the high half of every sid it makes.  From the
 * kernel's per-exec random bytes (AT_RANDOM, no system call), the pid and
 * the time, so images of one trace differ (a fork child shares its
 * parent's random bytes, not its pid; a reused pid comes later).  The
 * bytes are read once per image and kept: a fork child then finds them
 * in memory it already has, not in libc's getauxval, a page it would
 * fault in for them.
 */
static uint32_t make_tag(pid_t pid, uint64_t now)
{
	static uint64_t rnd[2];
	static int rnd_read;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)pid ^ now * 0xff51afd7ed558ccdull;

	if (!rnd_read) {
		const void *at = (const void *)getauxval(AT_RANDOM);

		if (at)
			memcpy(rnd, at, sizeof(rnd));
		rnd_read = 1;
	}
	h ^= rnd[0] + (rnd[1] << 1);
	for (int i = 0; i < 3; i++) {
		h ^= h >> 33;
		h *= 0xc4ceb9fe1a85ec53ull;
	}
	return (uint32_t)(h >> 32) ? (uint32_t)(h >> 32) : 1;
}

/* The header fields every new file sets, whoever made it. */
static void fill_common(struct st_file_header *h, pid_t pid, pid_t ppid, enum st_origin origin,
			uint64_t image_start_tick)
{
	struct timespec wall, mono;

	memcpy(h->magic, ST_MAGIC, sizeof(h->magic));
	h->header_size = ST_HEADER_SIZE;
	h->pid = pid;
	h->ppid = ppid;
	h->origin = origin;
	h->state = ST_STATE_RUNNING;
	h->exit_status = 0;
	h->has_exit_status = 0;
	h->end_mono_ns = 0;
	h->image_start_ns = image_start_tick;	/* as are the ancestors' fork times */
	h->flags |= ST_HDR_START_TICKS;
	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	h->wall_anchor_ns = (uint64_t)wall.tv_sec * 1000000000u + (uint64_t)wall.tv_nsec;
	h->mono_anchor_ns = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec;
	h->tag = make_tag(pid, h->mono_anchor_ns);
	h->opts = socks_opts | stacks_opts();
	h->stack_depth = stacks_depth();
	h->head = 0;
	h->ring_cap = tracefile_cfg.ring_cap;
	memset(&h->totals, 0, sizeof(h->totals));
	h->nancestors = nlineage;
	memcpy(h->ancestors, lineage, sizeof(lineage));
	socks_anchor(h, 1);
	ring_reset(tracefile_cfg.ring_cap, regions[ST_REG_RING].mapped);
}

/*
 * The trace file's fd.  A process keeps it (out of the app's way, at the
 * top of the fd range) so that the file can grow, but not across a fork:
 * an fd up there makes the kernel copy a table as large as the range into
 * the child (32768 slots under a limit of 20000: bench/README.md).  The
 * fork's prepare handler closes it, and the next growth opens the file
 * again by its name.  A process about to change its uid or root (which
 * would stop that open) opens it first and keeps it for good (pinned).
 * While a growth uses the fd, fd_users counts it, and the prepare handler
 * leaves the fd alone.
 */
static char file_name[NAME_MAX_LEN];	/* this image's file, in tracefile_cfg.dir */
static int fd_pinned;			/* kept across forks (uid or root changes) */
static int fd_users;			/* growths using shim.fd; FD_CLOSING: a fork closes it */
static int fd_closer;			/* the tid closing it */
#define FD_CLOSING	(-1)

/* Keep fd out of the app's way as the trace file's; 0 or a negative errno. */
static int keep_fd(int fd)
{
	int kept = resfd_adopt(fd, RESFD_TRACE);

	if (kept < 0)
		return kept;
	__atomic_store_n(&shim.fd, kept, __ATOMIC_RELEASE);
	return 0;
}

/* A file's identity in its first bytes: magic, version and header size; pid, ppid and tag. */
#define ID_FIXED	offsetof(struct st_file_header, flags)
#define ID_BYTES	(offsetof(struct st_file_header, tag) + sizeof(uint32_t))

/*
 * The identity of this image's file, its first header's (an image in a
 * fork slot has its parent's file, and keeps what its parent knew), and
 * that header's page, mapped by an image in a slot when it first appends
 * to the file (the file's end is counted there).
 */
static unsigned char file_id[ID_BYTES];
static struct st_file_header *root_page;

/* This image has a file of its own, name (its header h, about to be published). */
static void own_file(const char *name, const struct st_file_header *h)
{
	uint32_t v = ST_FORMAT_VERSION;

	memcpy(file_name, name, sizeof(file_name));
	memcpy(file_id, h, sizeof(file_id));
	memcpy(file_id + offsetof(struct st_file_header, version), &v, sizeof(v));
	if (root_page)
		sys_raw(SYS_munmap, root_page, ST_HEADER_SIZE, 0);
	root_page = NULL;
}

/*
 * Open this image's file again by its name, after a fork closed its fd:
 * the fd, kept at the top of the range, or a negative errno.  Only a file
 * whose header is ours (our pid, our tag) is taken: the name leads to
 * whatever is there now.
 */
static int reopen_file(void)
{
	const unsigned char *h = file_id;
	unsigned char id[ID_BYTES];
	long dirfd, fd, n;
	size_t pid_at = offsetof(struct st_file_header, pid);

	if (!shim_hdr() || !file_name[0])
		return -ENOENT;
	dirfd = open_dir_path();
	if (dirfd < 0)
		return (int)dirfd;
	fd = sys_raw6(SYS_openat, dirfd, (long)file_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
		      0, 0, 0);
	sys_raw(SYS_close, dirfd, 0, 0);
	if (fd < 0)
		return (int)fd;
	n = sys_raw6(SYS_pread64, fd, (long)id, (long)sizeof(id), 0, 0, 0);
	if (n != (long)sizeof(id) || memcmp(id, h, ID_FIXED) ||
	    memcmp(id + pid_at, h + pid_at, sizeof(id) - pid_at)) {
		sys_raw(SYS_close, fd, 0, 0);
		return -ESTALE;
	}
	return resfd_adopt((int)fd, RESFD_TRACE);
}

/* Let go of the fd fd_get() gave. */
static void fd_put(void)
{
	__atomic_sub_fetch(&fd_users, 1, __ATOMIC_RELEASE);
}

/*
 * The trace file's fd for a growth, opened again if a fork closed it;
 * with fd_put() after.  The fd, or a negative errno (nothing to put):
 * -EBUSY while this very thread is closing it for a fork (a signal
 * handler interrupted it), or when that close never ends.
 */
static int fd_get(void)
{
	int me = shim_tid(), fd, none = -1;

	for (unsigned waited = 0;; waited++) {
		int v = __atomic_load_n(&fd_users, __ATOMIC_ACQUIRE);

		if (v >= 0) {
			if (__atomic_compare_exchange_n(&fd_users, &v, v + 1, 0, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				break;
			continue;
		}
		if (__atomic_load_n(&fd_closer, __ATOMIC_RELAXED) == me || waited == SHIM_WAIT_YIELDS)
			return -EBUSY;
		sys_raw(SYS_sched_yield, 0, 0, 0);
	}
	fd = __atomic_load_n(&shim.fd, __ATOMIC_ACQUIRE);
	if (fd >= 0)
		return fd;
	fd = reopen_file();
	if (fd >= 0 && !__atomic_compare_exchange_n(&shim.fd, &none, fd, 0, __ATOMIC_ACQ_REL,
						    __ATOMIC_ACQUIRE)) {
		/* Another growth opened it first: use that one. */
		resfd_release(fd);
		sys_raw(SYS_close, fd, 0, 0);
		fd = none;
	}
	if (fd < 0)
		fd_put();
	return fd;
}

/*
 * Know where the file ends before appending to it (fd: the file): an
 * image in a fork slot maps its file's first header page for that, once.
 * 0, or a negative errno.
 */
static int ensure_end(int fd)
{
	struct st_file_header *none = NULL;
	long p;

	if (regions_have_end())
		return 0;
	if (!__atomic_load_n(&root_page, __ATOMIC_ACQUIRE)) {
		p = sys_raw6(SYS_mmap, 0, ST_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if ((unsigned long)p > -4096ul)
			return (int)p;
		if (!__atomic_compare_exchange_n(&root_page, &none, (struct st_file_header *)p, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			sys_raw(SYS_munmap, p, ST_HEADER_SIZE, 0);	/* another thread's is there */
	}
	regions_set_end(&root_page->file_size);
	return 0;
}

int tracefile_grow(enum st_region r, uint64_t want)
{
	struct st_file_header *h = shim_hdr();
	int fd, rc;

	if (region_mapped(r) >= want)
		return 0;
	if (!h)
		return -ENOENT;
	if (__atomic_load_n(&h->flags, __ATOMIC_ACQUIRE) & ST_HDR_GROW_FAILED)
		return -ENOSPC;		/* given up for good: no reopen to try again */
	fd = fd_get();
	if (fd == -EBUSY)
		return fd;
	if (fd < 0) {
		shim_log("note: the trace file cannot be opened again to grow: its history now wraps at "
			 "what it has", tracefile_cfg.dir, -fd);
		return regions_give_up(fd);
	}
	rc = ensure_end(fd);
	if (rc) {
		shim_log("note: the trace file's first header cannot be mapped to grow this image: its "
			 "history now wraps at what it has", tracefile_cfg.dir, -rc);
		rc = regions_give_up(rc);
	} else {
		rc = region_grow(fd, r, want);
	}
	fd_put();
	return rc;
}

/*
 * Fork slots (trace_format.h).  The batch this image hands slots out of
 * now; busy: the tid taking a slot or making a batch.  A batch all handed
 * out is retired, and unmapped once no fork that took a slot of it is
 * still between its prepare handler and its return in the parent
 * (forking: such forks; the child moves its slot's pages out of the
 * mapping, which must still be there).
 */
#define BATCH_SLOTS_FIRST	2
#define BATCH_SLOTS_MOST	64
#define BATCH_BYTES_MOST	(4u << 20)	/* reserved inside fork(): keep it short */

static struct {
	char *map;		/* the batch, mapped; NULL: none */
	uint64_t len;
	uint64_t offset;	/* its file offset */
	uint64_t slot_size;
	uint32_t nslots, taken;
	int failed;		/* a batch could not be made: children make files */
	char *retired;		/* the batch before, still mapped */
	uint64_t retired_len;
	int busy;
	int forking;		/* forks in flight with a slot (atomic) */
} nursery;

/*
 * The forking thread's slot for its child (the child finds it in its
 * copy), and the fork handlers it is inside: a fork from a signal handler
 * during another (glibc takes no lock in a single-threaded process) takes
 * no slot, and leaves the outer fork's alone.
 */
static __thread struct {
	char *addr;		/* NULL: none, the child makes a file */
	uint64_t offset;
	uint64_t given;		/* the last fork's slot, until its wrapper returns */
	int depth;		/* fork handlers this thread is inside */
} slot_pick TLS_IE;

/* The slots of the current batch past taken give their disk back (fd: the file). */
static void batch_punch(int fd)
{
	uint64_t from = nursery.offset + ST_BATCH_SIZE + nursery.taken * nursery.slot_size;

	if (!nursery.map || nursery.taken == nursery.nslots)
		return;
	sys_raw6(SYS_fallocate, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (long)from,
		 (long)(nursery.offset + nursery.len - from), 0, 0);
	nursery.nslots = nursery.taken;	/* none handed out past them now */
}

/* Unmap the retired batch when no fork with a slot is in flight (the caller holds busy). */
static void batch_retire(void)
{
	if (nursery.retired && !__atomic_load_n(&nursery.forking, __ATOMIC_ACQUIRE)) {
		sys_raw(SYS_munmap, nursery.retired, (long)nursery.retired_len, 0);
		nursery.retired = NULL;
	}
}

/*
 * A new batch of fork slots of need bytes each (the caller holds busy):
 * reserved at the file's end, mapped, linked from the header.  0, or a
 * negative errno (no batch).
 */
static int batch_new(uint64_t need)
{
	struct st_file_header *h = shim_hdr();
	uint32_t n = nursery.nslots ? nursery.nslots * 2 : BATCH_SLOTS_FIRST;
	uint64_t size = (need + ST_HEADER_SIZE - 1) / ST_HEADER_SIZE * ST_HEADER_SIZE, len, off;
	struct st_slot_batch *b;
	int fd, rc;
	long p;

	batch_retire();
	if (nursery.retired)
		return -EBUSY;	/* still in use: this child makes a file */
	if (n > BATCH_SLOTS_MOST)
		n = BATCH_SLOTS_MOST;
	while (n > 1 && n * size > BATCH_BYTES_MOST)
		n /= 2;
	len = ST_BATCH_SIZE + n * size;
	fd = fd_get();
	if (fd < 0)
		return fd;
	/* The batch before, outgrown by the tables (its slots too small): its leftover back. */
	batch_punch(fd);
	rc = ensure_end(fd);
	if (!rc)
		rc = regions_append(fd, len, &off);
	if (rc)
		goto out;
	p = sys_raw6(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (long)off);
	if ((unsigned long)p > -4096ul) {
		rc = (int)p;	/* the bytes stay the file's, unused */
		goto out;
	}
	b = (struct st_slot_batch *)p;
	memcpy(b->magic, ST_BATCH_MAGIC, sizeof(b->magic));
	b->next = h->slot_batches;
	b->slot_size = size;
	b->nslots = n;
	__atomic_store_n(&h->slot_batches, off, __ATOMIC_RELEASE);
	nursery.retired = nursery.map;
	nursery.retired_len = nursery.len;
	nursery.map = (char *)p;
	nursery.len = len;
	nursery.offset = off;
	nursery.slot_size = size;
	nursery.nslots = n;
	nursery.taken = 0;
	batch_retire();
out:
	fd_put();
	return rc;
}

/*
 * In the prepare handler, after the snapshot: a fork slot for the child
 * if it will hold sockets (slot_pick), or none, and it makes a file.
 */
static PROC_PATH void slot_take(const struct socks_snap *sn)
{
	uint64_t keep[ST_REG_MAX] = { 0 }, need;
	int none = 0;
	uint32_t i;

	slot_pick.addr = NULL;
	if (!shim_hdr() || !sn->nfds || !socks_snap_holds(sn) || nursery.failed)
		return;
	/* Another thread's fork, or this thread's that a signal handler interrupted: a file. */
	if (!__atomic_compare_exchange_n(&nursery.busy, &none, shim_tid(), 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	keep[ST_REG_FDS] = sn->nfds;
	keep[ST_REG_SOCKS] = sn->nsocks;
	need = regions_image_bytes(keep);
	if (!nursery.map || nursery.taken == nursery.nslots || nursery.slot_size < need) {
		int rc = batch_new(need);

		if (rc) {
			if (rc != -EBUSY) {
				nursery.failed = 1;
				shim_log("note: no fork slots in the trace file: each fork child makes a file",
					 tracefile_cfg.dir, -rc);
			}
			goto out;
		}
	}
	i = nursery.taken++;
	__atomic_store_n(&((struct st_slot_batch *)nursery.map)->taken, nursery.taken, __ATOMIC_RELEASE);
	slot_pick.addr = nursery.map + ST_BATCH_SIZE + i * nursery.slot_size;
	slot_pick.offset = nursery.offset + ST_BATCH_SIZE + i * nursery.slot_size;
	__atomic_add_fetch(&nursery.forking, 1, __ATOMIC_ACQ_REL);
out:
	__atomic_store_n(&nursery.busy, 0, __ATOMIC_RELEASE);
}

PROC_PATH void tracefile_fork_parent(void)
{
	int none = 0;

	if (--slot_pick.depth)
		return;		/* a fork inside another's handlers: it took no slot */
	slot_pick.given = slot_pick.addr ? slot_pick.offset : 0;
	if (!slot_pick.addr)
		return;
	slot_pick.addr = NULL;
	if (__atomic_sub_fetch(&nursery.forking, 1, __ATOMIC_ACQ_REL) || !nursery.retired)
		return;
	if (__atomic_compare_exchange_n(&nursery.busy, &none, shim_tid(), 0, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED)) {
		batch_retire();
		__atomic_store_n(&nursery.busy, 0, __ATOMIC_RELEASE);
	}
}

PROC_PATH void tracefile_fork_returned(int failed)
{
	uint64_t given = slot_pick.given;
	int none = 0;

	if (!given)
		return;
	slot_pick.given = 0;
	if (!failed || !__atomic_compare_exchange_n(&nursery.busy, &none, shim_tid(), 0,
						    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	/* The last slot handed out is taken back (an earlier one stays, unused: version 0). */
	if (nursery.map && nursery.taken &&
	    given == nursery.offset + ST_BATCH_SIZE + (nursery.taken - 1) * nursery.slot_size) {
		nursery.taken--;
		__atomic_store_n(&((struct st_slot_batch *)nursery.map)->taken, nursery.taken,
				 __ATOMIC_RELEASE);
	}
	__atomic_store_n(&nursery.busy, 0, __ATOMIC_RELEASE);
}

PROC_PATH void tracefile_fork_prepare(void)
{
	int none = 0, fd;

	if (!slot_pick.depth++)
		slot_take(socks_fork_snap());

	if (__atomic_load_n(&shim.fd, __ATOMIC_RELAXED) < 0 ||
	    __atomic_load_n(&fd_pinned, __ATOMIC_ACQUIRE))
		return;
	/* A growth using the fd now keeps it: this child copies the large table. */
	if (!__atomic_compare_exchange_n(&fd_users, &none, FD_CLOSING, 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&fd_closer, shim_tid(), __ATOMIC_RELAXED);
	/* Pinned meanwhile (tracefile_pin holds a use while it pins): keep it. */
	if (!__atomic_load_n(&fd_pinned, __ATOMIC_ACQUIRE)) {
		fd = __atomic_exchange_n(&shim.fd, -1, __ATOMIC_ACQ_REL);
		if (fd >= 0) {
			resfd_release(fd);
			sys_raw(SYS_close, fd, 0, 0);
		}
	}
	__atomic_store_n(&fd_closer, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&fd_users, 0, __ATOMIC_RELEASE);
}

void tracefile_pin(void)
{
	int fd = fd_get();

	if (fd < 0) {
		shim_log("note: the trace file could not be opened again before this uid or root change: "
			 "it may stop growing", tracefile_cfg.dir, -fd);
		return;
	}
	__atomic_store_n(&fd_pinned, 1, __ATOMIC_RELEASE);
	fd_put();
}

/* Publish the finished header: the version last, then the mapping for the wrappers. */
static void publish(struct st_file_header *h)
{
	/* A second clock reading, some work after the first: a rough tick rate from the start. */
	socks_anchor(h, 0);
	__atomic_store_n(&h->version, ST_FORMAT_VERSION, __ATOMIC_RELEASE);
	__atomic_store_n(&shim.hdr, h, __ATOMIC_RELEASE);
	__atomic_store_n(&shim.mode, TRACE_ON, __ATOMIC_RELEASE);
}

/* First event of a file: who we are and how we began. */
static void record_start(enum st_op op, int64_t arg0)
{
	struct st_record *r;
	struct ev e;

	r = ev_begin(&e, op, -1);
	r->arg[0] = arg0;
	ev_end(&e);
}

int tracefile_create(const char **why, const char **detail)
{
	struct regions_plan p;
	struct st_file_header *h;
	char exe[ST_EXE_MAX], name[NAME_MAX_LEN];
	int dirfd, fd, rc;
	long n;

	*detail = tracefile_cfg.dir;
	plan(&p);
	*why = "tracing off: reserving address space for the tables";
	rc = regions_reserve(&p);
	if (rc)
		return rc;
	dirfd = open_dir(why);
	if (dirfd < 0)
		return dirfd;
	n = sys_raw(SYS_readlink, "/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n < 0 ? 0 : n] = 0;
	*why = "tracing off: creating the trace file";
	fd = create_file(dirfd, exe, shim_getpid(), name);
	if (fd < 0) {
		sys_raw(SYS_close, dirfd, 0, 0);
		return fd;
	}
	*why = "tracing off: reserving the trace file's space";
	rc = regions_attach(fd, NULL, NULL, NULL);
	if (rc)
		goto fail;
	h = regions_hdr;
	fill_common(h, shim_getpid(), (pid_t)sys_raw(SYS_getppid, 0, 0, 0), ST_ORIGIN_ROOT,
		    shim.image_start_tick);
	fill_identity(h);
	tracefile_start_ticks(h);
	*why = "tracing off: no fd free at the top of the range for the trace file";
	rc = keep_fd(fd);
	if (rc) {
		fd = -1;	/* keep_fd closed it */
		goto fail;
	}
	sys_raw(SYS_close, dirfd, 0, 0);
	own_file(name, h);
	publish(h);
	record_start(ST_OP_TRACE_START, ST_ORIGIN_ROOT);
	return 0;
fail:
	/* No trace file half made: the log says why there is none. */
	regions_detach();
	if (fd >= 0)
		sys_raw(SYS_close, fd, 0, 0);
	sys_raw(SYS_unlinkat, dirfd, name, 0);
	sys_raw(SYS_close, dirfd, 0, 0);
	return rc;
}

/*
 * The fork child lets go of its parent's file: no mapping of it, no fd (fd:
 * the one it holds); tracefile_fork_child unmaps the parent's batches.
 */
static PROC_PATH void child_drop_parent_file(int fd)
{
	__atomic_store_n(&shim.hdr, NULL, __ATOMIC_RELEASE);
	regions_detach();
	if (root_page) {
		regions_set_end(NULL);
		sys_raw(SYS_munmap, root_page, ST_HEADER_SIZE, 0);
		root_page = NULL;
	}
	if (fd >= 0) {
		resfd_release(fd);
		sys_raw(SYS_close, fd, 0, 0);
	}
	shim.fd = -1;
}

/* The child keeps no tables: it never held a socket of its own yet. */
static PROC_PATH void child_without_sockets(void)
{
	child_drop_parent_file(shim.fd);
	socks_reset();
	stacks_forked();
	modules_forked();
	__atomic_store_n(&shim.mode, TRACE_IDLE, __ATOMIC_RELEASE);
}

/*
 * The fork child's image in the fork slot its parent took for it
 * (slot_pick), from the snapshot: 0, or a negative errno (nothing of the
 * parent's file reachable, the snapshot intact: the child makes a file).
 */
static int child_in_slot(const struct socks_snap *sn, const uint64_t *keep, const void *const *src)
{
	int rc;

	if (!slot_pick.addr)
		return -ENOENT;
	rc = regions_attach_slot(slot_pick.addr, slot_pick.offset, sn->hdr, keep, src);
	slot_pick.addr = NULL;
	if (rc) {
		shim_log("note: this fork child's slot in its parent's trace file could not be mapped: "
			 "it makes a file of its own", tracefile_cfg.dir, -rc);
		return rc;
	}
	/* The file's end: where the parent knew it, when it had the page mapped. */
	if (root_page)
		regions_set_end(&root_page->file_size);
	if (!fd_pinned && shim.fd >= 0) {
		/* The parent's growth kept the fd across the fork: not the child's to keep. */
		resfd_release(shim.fd);
		sys_raw(SYS_close, shim.fd, 0, 0);
		shim.fd = -1;
	}
	return 0;
}

/*
 * The fork child of a traced process that holds sockets: its image in a
 * fork slot of its parent's file, or a file of its own, from the snapshot.
 */
static __attribute__((noinline)) void child_with_sockets(pid_t parent, uint64_t fork_tick,
							  const struct socks_snap *sn)
{
	const void *src[ST_REG_MAX] = { 0 };
	uint64_t keep[ST_REG_MAX] = { 0 };
	struct st_file_header *h;
	const char *why = "tracing off in the fork child: creating its trace file";
	int dirfd = -1, fd = -1, rc, oldfd = shim.fd, in_slot;
	char name[NAME_MAX_LEN] = "";

	shim.pid = (pid_t)sys_raw(SYS_getpid, 0, 0, 0);
	shim_tid_reset(shim.pid);	/* the forking thread is the child's main thread */
	keep[ST_REG_FDS] = sn->nfds;
	src[ST_REG_FDS] = sn->fds;
	keep[ST_REG_SOCKS] = sn->nsocks;
	src[ST_REG_SOCKS] = sn->socks;
	in_slot = !child_in_slot(sn, keep, src);
	if (in_slot)
		goto attached;
	dirfd = open_dir(&why);
	if (dirfd == -EACCES && tracefile_cfg.dir_is_default && getuid() != tracefile_cfg.dir_uid) {
		/* The parent dropped root since it made its file: its user's own directory. */
		tracefile_cfg.dir_named = 0;
		dirfd = open_dir(&why);
		if (dirfd >= 0)
			shim_log("note: this fork child's user may not write its parent's trace directory; "
				 "its file is in", tracefile_cfg.dir, 0);
	}
	if (dirfd < 0) {
		rc = dirfd;
		goto fail;
	}
	fd = create_file(dirfd, sn->hdr->exe, shim.pid, name);
	if (fd < 0) {
		rc = fd;
		goto fail;
	}
	why = "tracing off in the fork child: reserving its trace file's space";
	rc = regions_attach(fd, sn->hdr, keep, src);
	if (rc)
		goto fail;
attached:
	h = regions_hdr;
	h->flags &= ST_HDR_ARGV_TRUNC | ST_HDR_EXE_TRUNC;
	h->start_ticks = 0;	/* the child's own, taken if it ever execs */
	fill_common(h, shim.pid, parent, ST_ORIGIN_FORK, fork_tick);
	socks_forked(sn);
	stacks_forked();
	modules_forked();
	/* In a slot, the parent's file (its name, identity, and fd if pinned) is this image's. */
	if (in_slot)
		goto publish;
	if (fd_pinned && oldfd >= 0 && sys_raw(SYS_dup3, fd, oldfd, O_CLOEXEC) == oldfd) {
		/* Pinned: our file takes the parent's fd number, the reserved one. */
		sys_raw(SYS_close, fd, 0, 0);
	} else {
		if (oldfd >= 0) {
			resfd_release(oldfd);
			sys_raw(SYS_close, oldfd, 0, 0);
			oldfd = -1;
		}
		if (fd_pinned) {
			why = "tracing off in the fork child: no fd free at the top of the range";
			rc = keep_fd(fd);
			if (rc) {
				fd = -1;	/* keep_fd closed it */
				goto fail;
			}
		} else {
			/* No fd at the top (see fd_pinned): opened again by name when it grows. */
			sys_raw(SYS_close, fd, 0, 0);
			shim.fd = -1;
		}
	}
	sys_raw(SYS_close, dirfd, 0, 0);
	own_file(name, h);
publish:
	publish(h);
	record_start(ST_OP_FORK_CHILD, parent);
	return;
fail:
	/* No trace file half made: the log says why there is none. */
	child_drop_parent_file(oldfd);
	if (fd >= 0)
		sys_raw(SYS_close, fd, 0, 0);
	if (dirfd >= 0) {
		if (name[0])
			sys_raw(SYS_unlinkat, dirfd, name, 0);
		sys_raw(SYS_close, dirfd, 0, 0);
	}
	__atomic_store_n(&shim.mode, TRACE_OFF, __ATOMIC_RELEASE);
	shim_log(why, tracefile_cfg.dir, -rc);
}

/*
 * The fork child's part: small, its stack frame too, for the child that
 * only execs (child_with_sockets has the big one).
 */
PROC_PATH void tracefile_fork_child(pid_t parent, uint64_t fork_tick)
{
	const struct socks_snap *sn = socks_fork_snap();

	char *batch = nursery.map, *retired = nursery.retired;
	uint64_t batch_len = nursery.len, retired_len = nursery.retired_len;

	/* Only this thread exists: no growth is using the fd, none is closing it. */
	fd_users = 0;
	fd_closer = 0;
	/* The parent's batches are its own to hand out; a nested fork's child has no slot. */
	memset(&nursery, 0, sizeof(nursery));
	if (slot_pick.depth != 1)
		slot_pick.addr = NULL;
	slot_pick.depth = 0;
	slot_pick.given = 0;
	/* The lineage goes on below the parent, whether or not anyone keeps a file. */
	if (nlineage == ST_ANCESTORS_MAX) {
		memmove(lineage, lineage + 1, sizeof(lineage) - sizeof(lineage[0]));
		nlineage--;
	}
	lineage[nlineage].pid = parent;
	lineage[nlineage++].fork_ns = fork_tick;
	if (shim_hdr()) {
		if (!sn->nfds || !socks_snap_holds(sn))
			child_without_sockets();
		else
			child_with_sockets(parent, fork_tick, sn);
	}
	/*
	 * Its slot's pages moved out (or not used): the rest of the parent's
	 * batches are its siblings' images, not to be written from here.
	 */
	if (batch)
		sys_raw(SYS_munmap, batch, (long)batch_len, 0);
	if (retired)
		sys_raw(SYS_munmap, retired, (long)retired_len, 0);
}

/*
 * At the image's end (exit, exec): the slots of its batch no child took
 * give their disk back (a hole punched: nothing maps them in use).  A
 * batch doubles, so without this the slots left over could be as many as
 * those used.  Skipped while another thread takes a slot.
 */
static void batch_release(void)
{
	int none = 0, fd;

	if (!nursery.map || nursery.taken == nursery.nslots ||
	    !__atomic_compare_exchange_n(&nursery.busy, &none, shim_tid(), 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	fd = fd_get();
	if (fd >= 0) {
		batch_punch(fd);	/* if it runs on (a failed exec): a new batch next */
		fd_put();
	}
	__atomic_store_n(&nursery.busy, 0, __ATOMIC_RELEASE);
}

void tracefile_mark_end(struct st_file_header *hdr, enum st_state state, int has_status,
			int status)
{
	if (!hdr)
		return;
	batch_release();
	hdr->end_mono_ns = shim_now();
	hdr->exit_status = status;
	hdr->has_exit_status = (uint32_t)has_status;
	socks_anchor(hdr, 0);
	__atomic_store_n(&hdr->state, (uint32_t)state, __ATOMIC_RELEASE);
}

void tracefile_mark_running(struct st_file_header *hdr)
{
	if (!hdr)
		return;
	hdr->end_mono_ns = 0;
	__atomic_store_n(&hdr->state, (uint32_t)ST_STATE_RUNNING, __ATOMIC_RELEASE);
}

void tracefile_start_ticks(struct st_file_header *hdr)
{
	if (hdr && !hdr->start_ticks)
		hdr->start_ticks = procfs_start_ticks();
}

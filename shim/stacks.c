/*
 * stacks.c - capturing call-site stacks and storing each distinct one once.
 *
 * libunwind's unw_backtrace keeps a per-thread cache of frame layouts, so
 * after the first call from a site a capture is a short walk without DWARF
 * parsing.  libunwind is loaded at the first capture, not at start: most
 * processes never make a socket, and loading it costs them the pages of a
 * library.  The table is a list of open-addressing hash tables in the
 * trace file, the newest tried first, a new one twice as big added when
 * the newest is half full: writers claim a slot by compare-and-swap and
 * never wait for each other (a signal handler may interrupt a writer
 * half-way), so a reader trusts a slot only once its state says ready.
 */
#define _GNU_SOURCE
#include "stacks.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "log.h"
#include "modules.h"
#include "regions.h"
#include "shim.h"
#include "sys.h"
#include "tracefile.h"

#define DEPTH_DEFAULT	16u
#define DEPTH_MAX	64u
#define TABLE_DEFAULT	4096u
#define TABLE_MIN	64u
#define TABLE_MAX	(1u << 20)
#define SKIP_MAX	8u		/* our own frames above the app's call */
#define PROBE_MAX	64u

/* libunwind's unw_caching_policy_t: UNW_CACHE_PER_THREAD. */
#define UNW_CACHE_PER_THREAD_VALUE	2

enum load_state { LOAD_NOT_YET = 0, LOAD_BUSY, LOAD_DONE, LOAD_FAILED };

int stacks_mode;
static int stacks_want;
static int stacks_dead;		/* disabled for good: never turn back on */
static int load_state;		/* enum load_state (atomic) */
static int load_owner;		/* the tid loading it while LOAD_BUSY */
static unsigned depth = DEPTH_DEFAULT;
static uint64_t table_count = TABLE_DEFAULT;
static uint32_t entry_size;

static int (*unw_bt)(void **, int);
static uintptr_t self_lo, self_hi;	/* our own code: frames to skip */

/* The hash tables: chunks of ST_REG_STACKS, in the order they were added. */
struct level {
	uint32_t first, count;
	uint32_t used;			/* entries claimed (atomic) */
};
static struct level levels[ST_CHUNKS_MAX];
static unsigned nlevels;		/* atomic */
static int adding;			/* atomic: the tid adding a level, 0 when none (add_level) */

/* Set while this thread is inside libunwind: a signal handler's capture skips. */
static __thread int in_capture TLS_IE;

/* A number from the environment within [lo, hi], else dflt (and a note). */
static PROC_PATH unsigned long env_num(const char *name, unsigned long dflt, unsigned long lo,
				       unsigned long hi)
{
	const char *env = getenv(name);
	unsigned long v;
	char *end;

	if (!env || !*env)
		return dflt;
	errno = 0;
	v = strtoul(env, &end, 10);
	if (errno || *end || v < lo || v > hi) {
		shim_log("note: value out of range, using the default", name, 0);
		return dflt;
	}
	return v;
}

PROC_PATH void stacks_config(void)
{
	const char *env = getenv(DATA_STR("SOCKTRACE_STACKS"));

	stacks_want = STACKS_CREATE;
	if (env && *env) {
		if (!strcmp(env, "0") || !strcmp(env, "off"))
			stacks_want = STACKS_OFF;
		else if (!strcmp(env, "all"))
			stacks_want = STACKS_ALL;
		else if (strcmp(env, "create"))
			shim_log("note: SOCKTRACE_STACKS is 0, create or all; using create", env, 0);
	}
	depth = (unsigned)env_num(DATA_STR("SOCKTRACE_STACK_DEPTH"), DEPTH_DEFAULT, 1, DEPTH_MAX);
	table_count = env_num(DATA_STR("SOCKTRACE_STACK_TABLE"), TABLE_DEFAULT, TABLE_MIN, TABLE_MAX);
	while (table_count & (table_count - 1))
		table_count &= table_count - 1;
	/* A power of two: the tables' entries then tile their pages exactly. */
	entry_size = 64;
	while (entry_size < sizeof(struct st_stack) + depth * sizeof(uint64_t))
		entry_size *= 2;
	stacks_mode = stacks_want;
}

uint32_t stacks_entry_size(void)
{
	return entry_size;
}

uint64_t stacks_capacity(void)
{
	return stacks_want == STACKS_OFF ? 0 : table_count;
}

uint32_t stacks_depth(void)
{
	return depth;
}

uint32_t stacks_opts(void)
{
	int mode = __atomic_load_n(&stacks_mode, __ATOMIC_RELAXED);

	if (mode == STACKS_OFF)
		return 0;
	return mode == STACKS_ALL ? ST_OPT_STACKS_CREATE | ST_OPT_STACKS_ALL : ST_OPT_STACKS_CREATE;
}

/* dl_iterate_phdr callback: the range of the object whose base is *data. */
static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t base = *(uintptr_t *)data, lo = UINTPTR_MAX, hi = 0;

	(void)size;
	if (info->dlpi_addr != base)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (base + p->p_vaddr < lo)
			lo = base + p->p_vaddr;
		if (base + p->p_vaddr + p->p_memsz > hi)
			hi = base + p->p_vaddr + p->p_memsz;
	}
	self_lo = lo;
	self_hi = hi;
	return 1;
}

int stacks_in_unwind(void)
{
	return in_capture;
}

void stacks_disable(const char *why)
{
	int was_dead = __atomic_exchange_n(&stacks_dead, 1, __ATOMIC_ACQ_REL);

	__atomic_store_n(&stacks_mode, STACKS_OFF, __ATOMIC_RELEASE);
	if (shim_hdr())
		__atomic_fetch_and(&shim_hdr()->opts, ~(ST_OPT_STACKS_CREATE | ST_OPT_STACKS_ALL),
				   __ATOMIC_RELAXED);
	if (!was_dead)
		shim_log(why, "libunwind", 0);
}

int stacks_pause(void)
{
	return __atomic_exchange_n(&stacks_mode, STACKS_OFF, __ATOMIC_ACQ_REL);
}

void stacks_resume(int mode)
{
	if (!__atomic_load_n(&stacks_dead, __ATOMIC_ACQUIRE))
		__atomic_store_n(&stacks_mode, mode, __ATOMIC_RELEASE);
}

/*
 * Load libunwind privately (RTLD_LOCAL: its _Unwind_* and backtrace never
 * join the app's symbol scope, where they would replace libgcc's and
 * glibc's for the app; C++ exceptions would unwind through it).  Once per
 * process.  A capture that finds another thread loading waits for it
 * (a dlopen: a few ms; bounded, as regions.c's growth wait): the threads a
 * server starts together all make their first socket at once, and all
 * their first stacks would be lost.  It skips only when the loader is this
 * very thread (a signal handler interrupting the load).  Returns 1 when
 * captures can be made.
 */
static int load(void)
{
	void (*set_policy)(void *, int);
	void *warm[4], **local_as, *h;
	int expected = LOAD_NOT_YET;
	Dl_info info;
	uintptr_t base;

	if (__atomic_load_n(&load_state, __ATOMIC_ACQUIRE) == LOAD_DONE)
		return 1;
	if (!__atomic_compare_exchange_n(&load_state, &expected, LOAD_BUSY, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		for (unsigned waited = 0; expected == LOAD_BUSY && waited < SHIM_WAIT_YIELDS; waited++) {
			if (__atomic_load_n(&load_owner, __ATOMIC_RELAXED) == shim_tid())
				return 0;
			sys_raw(SYS_sched_yield, 0, 0, 0);
			expected = __atomic_load_n(&load_state, __ATOMIC_ACQUIRE);
		}
		return expected == LOAD_DONE;
	}
	__atomic_store_n(&load_owner, shim_tid(), __ATOMIC_RELAXED);
	h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		stacks_disable("note: stacks off: cannot load libunwind.so.8 (install libunwind8)");
		goto failed;
	}
	set_policy = (void (*)(void *, int))dlsym(h, "_ULx86_64_set_caching_policy");
	local_as = dlsym(h, "_ULx86_64_local_addr_space");
	*(void **)&unw_bt = dlsym(h, "unw_backtrace");
	if (!unw_bt) {
		stacks_disable("note: stacks off: libunwind.so.8 has no unw_backtrace");
		goto failed;
	}
	/*
	 * Per-thread caches: no lock for a signal handler to meet.  Its first
	 * call also initialises libunwind, whose pipe2 (resfd.c) must know it
	 * is libunwind's; as must a first backtrace.
	 */
	in_capture = 1;
	if (set_policy && local_as)
		set_policy(*local_as, UNW_CACHE_PER_THREAD_VALUE);
	unw_bt(warm, 4);
	in_capture = 0;
	if (dladdr((void *)stack_capture, &info) && info.dli_fbase) {
		base = (uintptr_t)info.dli_fbase;
		dl_iterate_phdr(find_self, &base);
	}
	__atomic_store_n(&load_state, LOAD_DONE, __ATOMIC_RELEASE);
	return 1;
failed:
	__atomic_store_n(&load_state, LOAD_FAILED, __ATOMIC_RELEASE);
	return 0;
}

PROC_PATH void stacks_forked(void)
{
	int busy = LOAD_BUSY;

	/* Forked while another thread was loading libunwind: that thread is not here to finish. */
	__atomic_compare_exchange_n(&load_state, &busy, LOAD_FAILED, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
	__atomic_store_n(&nlevels, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&adding, 0, __ATOMIC_RELEASE);	/* its adder, if any, is not in the child */
}

#ifdef ST_UNIT_SEAMS
/* Unit tests stop an adder here, its chunk grown and not yet published. */
__attribute__((weak)) void unit_seam_add_level(void)
{
}
#else
static inline void unit_seam_add_level(void)
{
}
#endif

/*
 * Add a hash table twice the size of what there is (region_grow doubles):
 * 0; -EBUSY when a level is being added already, by another thread or by
 * this one that a signal handler interrupted (a try-lock: nothing waits
 * for it here); -E2BIG when there are all the levels there can be; or
 * region_grow's error.  The adder publishes every chunk past the levels
 * known, so none is left unpublished whatever happened before.
 */
static int add_level(void)
{
	struct st_region_dir *d = &shim_hdr()->region[ST_REG_STACKS];
	int free_ = 0, rc = 0;
	unsigned n, chunks;

	if (!__atomic_compare_exchange_n(&adding, &free_, shim_tid(), 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return -EBUSY;
	n = __atomic_load_n(&nlevels, __ATOMIC_ACQUIRE);
	if (n >= ST_CHUNKS_MAX)
		rc = -E2BIG;
	else
		rc = tracefile_grow(ST_REG_STACKS, region_mapped(ST_REG_STACKS) + 1);
	unit_seam_add_level();
	chunks = __atomic_load_n(&d->nchunks, __ATOMIC_ACQUIRE);
	for (; n < chunks && n < ST_CHUNKS_MAX; n++) {
		levels[n].first = d->chunk[n].first;
		levels[n].count = d->chunk[n].count;
		levels[n].used = 0;
		__atomic_store_n(&nlevels, n + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&adding, 0, __ATOMIC_RELEASE);
	return rc;
}

/* A 64-bit hash of a stack (never 0: 0 marks a free slot). */
static uint64_t stack_hash(void *const *ips, unsigned n, unsigned truncated)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n ^ (uint64_t)truncated << 32;

	for (unsigned i = 0; i < n; i++) {
		h ^= (uint64_t)(uintptr_t)ips[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h ? h : 1;
}

static struct st_stack *stack_entry(uint64_t i)
{
	return region_at(ST_REG_STACKS, i);
}

/*
 * Look for ips[0..n) in level l, or store it there when insert: its id,
 * 0 when absent (or no free entry in PROBE_MAX).  An entry with our hash
 * that another writer has not finished is taken as ours without comparing:
 * waiting could deadlock against the writer we interrupted, and a 64-bit
 * hash collision in the same process is not worth that risk.
 */
static uint32_t level_probe(struct level *l, uint64_t hash, void *const *ips, unsigned n,
			    unsigned truncated, int insert)
{
	uint64_t mask = l->count - 1;

	for (uint64_t probe = 0; probe < PROBE_MAX && probe < l->count; probe++) {
		uint64_t idx = l->first + ((hash + probe) & mask), seen = 0;
		struct st_stack *e = stack_entry(idx);

		seen = __atomic_load_n(&e->hash, __ATOMIC_ACQUIRE);
		if (seen == 0) {
			if (!insert)
				return 0;
			if (__atomic_compare_exchange_n(&e->hash, &seen, hash, 0, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE)) {
				memcpy(e->ips, ips, n * sizeof(uint64_t));
				e->depth = (uint16_t)n;
				e->truncated = (uint16_t)truncated;
				/*
				 * A new stack may run through an object loaded since the
				 * last scan; its time comes after the scan, so the
				 * objects loaded at t_ns are the ones it ran through.
				 */
				modules_check();
				e->t_ns = shim_now();
				__atomic_store_n(&e->state, ST_STACK_READY, __ATOMIC_RELEASE);
				__atomic_fetch_add(&shim_hdr()->totals.stacks_used, 1, __ATOMIC_RELAXED);
				if (__atomic_add_fetch(&l->used, 1, __ATOMIC_RELAXED) > l->count / 2)
					add_level();
				return (uint32_t)idx + 1;
			}
		}
		if (seen != hash)
			continue;
		if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != ST_STACK_READY)
			return (uint32_t)idx + 1;
		if (e->depth == n && e->truncated == truncated &&
		    !memcmp(e->ips, ips, n * sizeof(uint64_t)))
			return (uint32_t)idx + 1;
	}
	return 0;
}

/* Find or store ips[0..n): its id, or 0 (counted as dropped). */
static uint32_t stack_store(void *const *ips, unsigned n, unsigned truncated)
{
	uint64_t hash = stack_hash(ips, n, truncated);
	unsigned nl;
	uint32_t id;

	/*
	 * The first table, being made: by another thread, waited for a while
	 * (as load() does); by this one, that a handler interrupted, skipped
	 * as a re-entered capture is.
	 */
	if (!__atomic_load_n(&nlevels, __ATOMIC_ACQUIRE) && add_level() == -EBUSY) {
		for (unsigned waited = 0; waited < SHIM_WAIT_YIELDS; waited++) {
			int owner = __atomic_load_n(&adding, __ATOMIC_RELAXED);

			if (__atomic_load_n(&nlevels, __ATOMIC_ACQUIRE) || !owner || owner == shim_tid())
				break;
			sys_raw(SYS_sched_yield, 0, 0, 0);
		}
		if (!__atomic_load_n(&nlevels, __ATOMIC_ACQUIRE)) {
			__atomic_fetch_add(&shim_hdr()->totals.stacks_skipped, 1, __ATOMIC_RELAXED);
			return 0;
		}
	}
	nl = __atomic_load_n(&nlevels, __ATOMIC_ACQUIRE);
	for (unsigned k = nl; k-- > 1;)
		if ((id = level_probe(&levels[k - 1], hash, ips, n, truncated, 0)))
			return id;
	if (nl && (id = level_probe(&levels[nl - 1], hash, ips, n, truncated, 1)))
		return id;
	if (shim_hdr())
		__atomic_fetch_add(&shim_hdr()->totals.stacks_dropped, 1, __ATOMIC_RELAXED);
	return 0;
}

#ifdef ST_UNIT_SEAMS
/* stack_store for unit tests: made-up frames, no unwinding. */
uint32_t unit_stack_store(void *const *ips, unsigned n)
{
	return stack_store(ips, n, 0);
}
#endif

uint32_t stack_capture(void)
{
	/* One frame more than kept: a full buffer then means truly deeper. */
	void *ips[DEPTH_MAX + SKIP_MAX + 1];
	int n, skip = 0, cap = (int)(depth + SKIP_MAX + 1);
	struct st_file_header *h = shim_hdr();
	unsigned keep, truncated;

	if (!h || !__atomic_load_n(&stacks_mode, __ATOMIC_RELAXED))
		return 0;
	if (in_capture || !load()) {
		__atomic_fetch_add(&h->totals.stacks_skipped, 1, __ATOMIC_RELAXED);
		return 0;
	}
	in_capture = 1;
	n = unw_bt(ips, cap);
	in_capture = 0;
	while (skip < n && (uintptr_t)ips[skip] >= self_lo && (uintptr_t)ips[skip] < self_hi)
		skip++;
	if (n - skip <= 0) {
		__atomic_fetch_add(&h->totals.stacks_skipped, 1, __ATOMIC_RELAXED);
		return 0;
	}
	keep = (unsigned)(n - skip);
	truncated = keep > depth || n == cap;
	if (keep > depth)
		keep = depth;
	return stack_store(ips + skip, keep, truncated);
}

void stacks_site_made(uint32_t id)
{
	if (id && id <= region_mapped(ST_REG_STACKS))
		__atomic_fetch_add(&stack_entry(id - 1)->made, 1, __ATOMIC_RELAXED);
}

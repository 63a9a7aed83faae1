/*
 * stacks.c - capturing call-site stacks and storing each distinct one once.
 *
 * libunwind's unw_backtrace keeps a per-thread cache of frame layouts, so
 * after the first call from a site a capture is a short walk without DWARF
 * parsing.  The table is an open-addressing hash in the trace file: writers
 * claim a slot by compare-and-swap and never wait for each other (a signal
 * handler may interrupt a writer half-way), so a reader trusts a slot only
 * once its state says ready.
 */
#define _GNU_SOURCE
#include "stacks.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "modules.h"
#include "shim.h"

#define DEPTH_DEFAULT	16u
#define DEPTH_MAX	64u
#define TABLE_DEFAULT	4096u
#define TABLE_MIN	64u
#define TABLE_MAX	(1u << 20)
#define SKIP_MAX	8u		/* our own frames above the app's call */
#define PROBE_MAX	64u

/* libunwind's unw_caching_policy_t: UNW_CACHE_PER_THREAD. */
#define UNW_CACHE_PER_THREAD_VALUE	2

int stacks_mode;
static int stacks_want;
static int stacks_dead;		/* disabled for good: never turn back on */
static unsigned depth = DEPTH_DEFAULT;
static uint64_t table_count = TABLE_DEFAULT;

static int (*unw_bt)(void **, int);
static uintptr_t self_lo, self_hi;	/* our own code: frames to skip */

static struct st_stack_table *table;
static char *entries;
static size_t entry_size;

/* Set while this thread is inside libunwind: a signal handler's capture skips. */
static __thread int in_capture TLS_IE;

/* A number from the environment within [lo, hi], else dflt (and a note). */
static unsigned long env_num(const char *name, unsigned long dflt, unsigned long lo,
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

void stacks_config(void)
{
	const char *env = getenv("SOCKTRACE_STACKS");

	stacks_want = STACKS_CREATE;
	if (env && *env) {
		if (!strcmp(env, "0") || !strcmp(env, "off"))
			stacks_want = STACKS_OFF;
		else if (!strcmp(env, "all"))
			stacks_want = STACKS_ALL;
		else if (strcmp(env, "create"))
			shim_log("note: SOCKTRACE_STACKS is 0, create or all; using create", env, 0);
	}
	depth = (unsigned)env_num("SOCKTRACE_STACK_DEPTH", DEPTH_DEFAULT, 1, DEPTH_MAX);
	table_count = env_num("SOCKTRACE_STACK_TABLE", TABLE_DEFAULT, TABLE_MIN, TABLE_MAX);
	while (table_count & (table_count - 1))
		table_count &= table_count - 1;
	entry_size = sizeof(struct st_stack) + depth * sizeof(uint64_t);
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

/* The header's ST_OPT_* bits for a stacks mode. */
static uint32_t mode_opts(int mode)
{
	if (mode == STACKS_OFF)
		return 0;
	return mode == STACKS_ALL ? ST_OPT_STACKS_CREATE | ST_OPT_STACKS_ALL : ST_OPT_STACKS_CREATE;
}

int stacks_in_unwind(void)
{
	return in_capture;
}

void stacks_disable(const char *why)
{
	int was_dead = __atomic_exchange_n(&stacks_dead, 1, __ATOMIC_ACQ_REL);

	__atomic_store_n(&stacks_mode, STACKS_OFF, __ATOMIC_RELEASE);
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

void stacks_load(void)
{
	void (*set_policy)(void *, int);
	void *warm[4];
	void **local_as;
	void *h;
	Dl_info info;
	uintptr_t base;

	if (stacks_want == STACKS_OFF || unw_bt)
		return;
	/*
	 * RTLD_LOCAL: libunwind also defines _Unwind_RaiseException and
	 * backtrace, which must not join the app's symbol scope (C++
	 * exceptions would unwind through it).
	 */
	h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		shim_log("note: stacks off: cannot load libunwind.so.8 (install libunwind8)", dlerror(), 0);
		return;
	}
	set_policy = (void (*)(void *, int))dlsym(h, "_ULx86_64_set_caching_policy");
	local_as = dlsym(h, "_ULx86_64_local_addr_space");
	unw_bt = (int (*)(void **, int))dlsym(h, "unw_backtrace");
	if (!unw_bt) {
		shim_log("note: stacks off: libunwind.so.8 has no unw_backtrace", dlerror(), 0);
		return;
	}
	/*
	 * Per-thread caches: no lock for a signal handler to meet.  Its first
	 * call also initialises libunwind, whose pipe2 (unwind_fds.c) must
	 * know it is libunwind's; as must a first backtrace.
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
	if (__atomic_load_n(&stacks_dead, __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&stacks_mode, stacks_want, __ATOMIC_RELEASE);
	if (shim_hdr())
		shim_hdr()->opts |= mode_opts(stacks_want);
}

size_t stacks_ext_size(void)
{
	if (stacks_want == STACKS_OFF)
		return 0;
	return sizeof(struct st_stack_table) + table_count * entry_size;
}

void stacks_ext_init(struct st_file_header *h, struct st_ext *e, char *base)
{
	struct st_stack_table *t = (struct st_stack_table *)base;

	t->depth = depth;
	e->kind = ST_EXT_STACKS;
	e->entry_size = (uint32_t)entry_size;
	e->count = table_count;
	h->stack_depth = depth;
	h->opts |= mode_opts(stacks_mode);
	entries = base + sizeof(*t);
	__atomic_store_n(&table, t, __ATOMIC_RELEASE);
}

void stacks_ext_detach(void)
{
	__atomic_store_n(&table, NULL, __ATOMIC_RELEASE);
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

/*
 * Find or store ips[0..n) in t: the slot's index + 1, or 0 when no slot in
 * PROBE_MAX was free or equal (counted as dropped).  A slot with our hash
 * that another writer has not finished is taken as ours without comparing:
 * waiting could deadlock against the writer we interrupted, and a 64-bit
 * hash collision in the same process is not worth that risk.
 */
static uint32_t stack_store(struct st_stack_table *t, void *const *ips, unsigned n,
			    unsigned truncated)
{
	uint64_t hash = stack_hash(ips, n, truncated), mask = table_count - 1;

	for (uint64_t probe = 0; probe < PROBE_MAX; probe++) {
		uint64_t idx = (hash + probe) & mask, seen = 0;
		struct st_stack *e = (struct st_stack *)(entries + idx * entry_size);

		seen = __atomic_load_n(&e->hash, __ATOMIC_ACQUIRE);
		if (seen == 0) {
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
				__atomic_fetch_add(&t->used, 1, __ATOMIC_RELAXED);
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
	__atomic_fetch_add(&t->dropped, 1, __ATOMIC_RELAXED);
	return 0;
}

uint32_t stack_capture(void)
{
	struct st_stack_table *t = __atomic_load_n(&table, __ATOMIC_ACQUIRE);
	/* One frame more than kept: a full buffer then means truly deeper. */
	void *ips[DEPTH_MAX + SKIP_MAX + 1];
	int n, skip = 0, cap = (int)(depth + SKIP_MAX + 1);
	unsigned keep, truncated;

	if (!t || !unw_bt || !__atomic_load_n(&stacks_mode, __ATOMIC_RELAXED))
		return 0;
	if (in_capture) {
		__atomic_fetch_add(&t->skipped, 1, __ATOMIC_RELAXED);
		return 0;
	}
	in_capture = 1;
	n = unw_bt(ips, cap);
	in_capture = 0;
	while (skip < n && (uintptr_t)ips[skip] >= self_lo && (uintptr_t)ips[skip] < self_hi)
		skip++;
	if (n - skip <= 0) {
		__atomic_fetch_add(&t->skipped, 1, __ATOMIC_RELAXED);
		return 0;
	}
	keep = (unsigned)(n - skip);
	truncated = keep > depth || n == cap;
	if (keep > depth)
		keep = depth;
	return stack_store(t, ips + skip, keep, truncated);
}

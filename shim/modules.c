/*
 * modules.c - recording loaded objects into the trace file.
 *
 * Everything comes from the loader's own view (dl_iterate_phdr): the load
 * bias, the PT_LOAD range, the build id from the PT_NOTE segment already in
 * memory.  No file is opened, so a scan changes nothing the app can see.
 * dlopen itself is not wrapped: glibc's dlopen finds RUNPATH and $ORIGIN
 * from its caller's address, which a wrapper would change.  A new object is
 * found instead when the loader's counters moved, checked at each newly
 * stored stack (the only time an address needs a module).
 */
#define _GNU_SOURCE
#include "modules.h"

#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "regions.h"
#include "sbuf.h"
#include "shim.h"
#include "stacks.h"
#include "sys.h"
#include "tracefile.h"

static uint64_t used;				/* entries filled (the scan owns it) */
static int scanning;				/* atomic: a scan owns the map */
static uint8_t seen[MODULES_MAX / 8];		/* per scan; the scan owns it */

/* Entry i, mapping the file's chunk for it first; NULL when it cannot be had. */
static struct st_module *entry(uint64_t i)
{
	if (i >= region_mapped(ST_REG_MODULES) && tracefile_grow(ST_REG_MODULES, i + 1))
		return NULL;
	return region_at(ST_REG_MODULES, i);
}

PROC_PATH void modules_forked(void)
{
	used = 0;
	__atomic_store_n(&scanning, 0, __ATOMIC_RELAXED);	/* a fork may have caught one */
}

/* The GNU build id among the notes of one PT_NOTE segment at p (len bytes). */
static void note_build_id(const char *p, size_t len, struct st_module *m)
{
	size_t off = 0;

	while (off + sizeof(ElfW(Nhdr)) <= len) {
		const ElfW(Nhdr) *n = (const void *)(p + off);
		size_t name = (n->n_namesz + 3) & ~3u, desc = (n->n_descsz + 3) & ~3u;
		const char *nm = p + off + sizeof(*n);

		if (off + sizeof(*n) + name + desc > len)
			return;
		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(nm, "GNU", 4) &&
		    n->n_descsz <= ST_BUILD_ID_MAX) {
			memcpy(m->build_id, nm + name, n->n_descsz);
			m->build_id_len = (uint8_t)n->n_descsz;
			return;
		}
		off += sizeof(*n) + name + desc;
	}
}

/*
 * Copy the object's name (or /proc/self/exe's for the executable) into m.
 * A relative name (LD_PRELOAD=./lib.so, dlopen("./x.so")) is made absolute
 * against today's cwd, the best guess left once the process is gone.
 */
static void module_path(const char *name, struct st_module *m)
{
	struct st_file_header *h = shim_hdr();
	struct sbuf sb;
	char cwd[ST_MODULE_PATH_MAX];

	if (!name || !*name) {
		m->is_exe = 1;
		name = h ? h->exe : "";
	}
	sb_init(&sb, m->path, sizeof(m->path));
	if (name[0] && name[0] != '/' && strchr(name, '/') &&
	    sys_raw(SYS_getcwd, cwd, sizeof(cwd), 0) > 0) {
		sb_str(&sb, cwd);
		sb_char(&sb, '/');
		if (name[0] == '.' && name[1] == '/')
			name += 2;
	}
	sb_str(&sb, name);
	if (sb.overflow)
		memcpy(m->path + sizeof(m->path) - 4, "...", 4);
}

struct scan {
	uint64_t now;
	unsigned long long adds, subs;
	int have_counts;
};

/* dl_iterate_phdr callback: enter one object, or mark it seen. */
static int scan_one(struct dl_phdr_info *info, size_t size, void *data)
{
	struct scan *s = data;
	uint64_t lo = UINT64_MAX, hi = 0;
	struct st_module *m, cand;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		s->adds = info->dlpi_adds;
		s->subs = info->dlpi_subs;
		s->have_counts = 1;
	}
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + p->p_vaddr < lo)
			lo = info->dlpi_addr + p->p_vaddr;
		if (info->dlpi_addr + p->p_vaddr + p->p_memsz > hi)
			hi = info->dlpi_addr + p->p_vaddr + p->p_memsz;
	}
	if (hi == 0)
		return 0;
	/* Same place is not enough: dlclose then dlopen may reuse the address. */
	memset(&cand, 0, sizeof(cand));
	cand.bias = info->dlpi_addr;
	cand.lo = lo;
	cand.hi = hi;
	cand.t_load_ns = s->now;
	module_path(info->dlpi_name, &cand);
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];

		if (p->p_type == PT_NOTE && !cand.build_id_len)
			note_build_id((const char *)(info->dlpi_addr + p->p_vaddr), p->p_memsz, &cand);
	}
	for (uint64_t i = 0; i < used; i++) {
		const struct st_module *e = region_at(ST_REG_MODULES, i);

		if (e->t_unload_ns || e->bias != cand.bias || e->lo != lo || e->hi != hi ||
		    e->build_id_len != cand.build_id_len ||
		    memcmp(e->build_id, cand.build_id, cand.build_id_len) || strcmp(e->path, cand.path))
			continue;
		seen[i / 8] |= (uint8_t)(1u << (i % 8));
		return 0;
	}
	if (used >= MODULES_MAX || !(m = entry(used))) {
		__atomic_fetch_add(&shim_hdr()->totals.modules_dropped, 1, __ATOMIC_RELAXED);
		return 0;
	}
	memcpy(m, &cand, sizeof(*m));
	__atomic_store_n(&m->state, ST_MODULE_READY, __ATOMIC_RELEASE);
	seen[used / 8] |= (uint8_t)(1u << (used % 8));
	used++;
	return 0;
}

void modules_scan(void)
{
	struct scan s = { .now = shim_now() };
	int expected = 0;

	if (!shim_hdr())
		return;
	if (!__atomic_compare_exchange_n(&scanning, &expected, 1, 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	memset(seen, 0, sizeof(seen));
	dl_iterate_phdr(scan_one, &s);
	for (uint64_t i = 0; i < used; i++) {
		struct st_module *e = region_at(ST_REG_MODULES, i);

		if (!(seen[i / 8] & (1u << (i % 8))) && !e->t_unload_ns)
			__atomic_store_n(&e->t_unload_ns, s.now, __ATOMIC_RELEASE);
	}
	if (s.have_counts) {
		shim_hdr()->totals.loader_adds = s.adds;
		shim_hdr()->totals.loader_subs = s.subs;
	}
	__atomic_store_n(&scanning, 0, __ATOMIC_RELEASE);
}

/* dl_iterate_phdr callback: only the loader's counters (same in every entry). */
static int peek_counts(struct dl_phdr_info *info, size_t size, void *data)
{
	struct scan *s = data;

	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		s->adds = info->dlpi_adds;
		s->subs = info->dlpi_subs;
		s->have_counts = 1;
	}
	return 1;
}

void modules_check(void)
{
	struct st_file_header *h = shim_hdr();
	struct scan s = { 0 };

	if (!h)
		return;
	dl_iterate_phdr(peek_counts, &s);
	if (!used || !s.have_counts || s.adds != h->totals.loader_adds || s.subs != h->totals.loader_subs)
		modules_scan();
}

/*
 * symbolize.c - libdwfl, offline.
 *
 * Each object file is reported alone in its own Dwfl at its link-time
 * addresses (bias 0), so one Dwfl serves every process and trace that
 * loaded it, wherever ASLR put it: callers pass runtime address minus the
 * recorded bias.  Separate debug info is found by build id under
 * /usr/lib/debug (dwfl_standard_find_debuginfo), never downloaded.
 */
#define _GNU_SOURCE
#include "symbolize.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uthash.h>

#define SRC_MAX	32	/* inlined levels kept per address */

struct addr_key {
	uint64_t addr;
	uint64_t exact;
};

struct sym_addr {
	struct addr_key key;
	UT_hash_handle hh;
	struct sym_src *src;
	size_t n;
	const char *why;
	int sigframe;		/* a return address into the signal trampoline */
};

struct sym_file {
	char *key;		/* path, NUL, build id in hex */
	UT_hash_handle hh;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	const char *why;	/* NULL: usable */
	struct sym_addr *cache;
};

struct symbolizer {
	struct sym_file *files;
};

static const struct sym_src sigframe_src = { "<signal handler called>", NULL, 0, 0 };

static char *debuginfo_path;	/* NULL: libdwfl's default, ":.debug:/usr/lib/debug" */

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

struct symbolizer *sym_new(void)
{
	/* Offline means offline: no debuginfod downloads behind the user's back. */
	unsetenv("DEBUGINFOD_URLS");
	return calloc(1, sizeof(struct symbolizer));
}

static void free_addr(struct sym_addr *a)
{
	for (size_t i = 0; i < a->n && !a->sigframe; i++) {
		free((char *)a->src[i].function);
		free((char *)a->src[i].file);
	}
	if (!a->sigframe)
		free(a->src);
	free(a);
}

void sym_free(struct symbolizer *s)
{
	struct sym_file *f, *ft;
	struct sym_addr *a, *at;

	if (!s)
		return;
	HASH_ITER(hh, s->files, f, ft) {
		HASH_DEL(s->files, f);
		HASH_ITER(hh, f->cache, a, at) {
			HASH_DEL(f->cache, a);
			free_addr(a);
		}
		if (f->dwfl)
			dwfl_end(f->dwfl);
		free(f->key);
		free(f);
	}
	free(s);
}

/* Report path alone at bias 0 into f; f->why when it cannot be used. */
static void open_file(struct sym_file *f, const char *path, const uint8_t *id, unsigned len)
{
	const unsigned char *bits;
	GElf_Addr vaddr, bias;
	struct stat st;
	int n;

	if (path[0] != '/') {
		f->why = "no file (in-memory object such as the vDSO)";
		return;
	}
	if (stat(path, &st) != 0) {
		f->why = errno == ENOENT ? "file missing" : "file unreadable";
		return;
	}
	f->dwfl = dwfl_begin(&callbacks);
	if (!f->dwfl) {
		f->why = "libdwfl failed to start";
		return;
	}
	dwfl_report_begin(f->dwfl);
	f->mod = dwfl_report_elf(f->dwfl, path, path, -1, 0, false);
	dwfl_report_end(f->dwfl, NULL, NULL);
	if (!f->mod || !dwfl_module_getelf(f->mod, &bias)) {
		f->why = "not a readable ELF file";
		return;
	}
	n = dwfl_module_build_id(f->mod, &bits, &vaddr);
	if (len && (n != (int)len || memcmp(bits, id, len)))
		f->why = "build id differs: binary changed since the trace";
}

struct sym_file *sym_file(struct symbolizer *s, const char *path, const uint8_t *id, unsigned len)
{
	size_t plen = strlen(path), klen = plen + 1 + 2 * (size_t)len;
	struct sym_file *f;
	char *key = malloc(klen + 1);

	if (!key)
		return NULL;
	memcpy(key, path, plen + 1);
	for (unsigned i = 0; i < len; i++)
		snprintf(key + plen + 1 + 2 * i, 3, "%02x", id[i]);
	HASH_FIND(hh, s->files, key, klen, f);
	if (f) {
		free(key);
		return f;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		free(key);
		return NULL;
	}
	f->key = key;
	open_file(f, path, id, len);
	HASH_ADD_KEYPTR(hh, s->files, f->key, klen, f);
	return f;
}

const char *sym_file_why(const struct sym_file *f)
{
	return f->why;
}

/* Does the main file have a full symbol table (not only .dynsym)? */
static int has_symtab(Dwfl_Module *mod)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while (elf && (scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			return 1;
	return 0;
}

/*
 * Append one frame to a (strings copied); the array has SRC_MAX slots.
 * A relative source path (DWARF 5 names files from the compile
 * directory) is joined to the CU's DW_AT_comp_dir.
 */
static void push(struct sym_addr *a, Dwarf_Die *cu, const char *fn, const char *file, int line,
		 int inlined)
{
	Dwarf_Attribute at;
	const char *dir = file && file[0] != '/' && cu ?
			  dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &at)) : NULL;
	struct sym_src *s;

	if (a->n >= SRC_MAX)
		return;
	s = &a->src[a->n++];
	s->function = fn ? strdup(fn) : NULL;
	if (dir) {
		if (asprintf((char **)&s->file, "%s/%s", dir, file) < 0)
			s->file = NULL;
	} else {
		s->file = file ? strdup(file) : NULL;
	}
	s->line = line;
	s->inlined = inlined;
}

/* DW_AT_call_file / DW_AT_call_line of an inlined call, by the CU's file table. */
static const char *call_site(Dwarf_Die *cu, Dwarf_Die *die, int *line)
{
	Dwarf_Attribute at;
	Dwarf_Files *files;
	Dwarf_Word idx = 0, ln = 0;
	size_t nfiles;

	*line = 0;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &at), &ln) == 0)
		*line = (int)ln;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &at), &idx) != 0 ||
	    dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

/*
 * The DIEs whose ranges hold pc below parent, outermost first, into out[]
 * (at most max), through lexical blocks and into namespaces and classes.
 * dwarf_getscopes would do this, but it leaks its array on some
 * abstract-origin paths (elfutils 0.188): a report must not grow with them.
 */
static int scopes_at(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *out, int max)
{
	Dwarf_Die child;
	int n;

	if (max <= 0 || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&child);

		if (dwarf_haspc(&child, pc) == 1) {
			out[0] = child;
			return 1 + scopes_at(&child, pc, out + 1, max - 1);
		}
		if ((tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
		     tag == DW_TAG_structure_type || tag == DW_TAG_module) &&
		    (n = scopes_at(&child, pc, out, max)))
			return n;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

/*
 * The compile unit holding pc, and its bias.  dwfl_module_addrdie finds it
 * through .debug_aranges, which clang does not emit by default: without
 * them, the unit whose ranges hold pc, by a walk over the units.
 */
static Dwarf_Die *cu_at(Dwfl_Module *mod, Dwarf_Addr pc, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(mod, pc, bias);

	if (cu)
		return cu;
	while ((cu = dwfl_module_nextcu(mod, cu, bias)))
		if (dwarf_haspc(cu, pc - *bias) == 1)
			return cu;
	return NULL;
}

/*
 * pc's source line from the unit's line table, when dwfl_module_getsrc
 * (by .debug_aranges too) found none.  Returns the file, NULL if none.
 */
static const char *line_in_cu(Dwfl_Module *mod, Dwarf_Addr pc, int *line)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = cu_at(mod, pc, &bias);
	Dwarf_Line *l = cu ? dwarf_getsrc_die(cu, pc - bias) : NULL;

	if (!l || dwarf_lineno(l, line) != 0)
		return NULL;
	return dwarf_linesrc(l, NULL, NULL);
}

/*
 * The inlined calls around pc, innermost first, then the real function:
 * each inlined frame takes the current file:line, and passes its call site
 * on to the frame that contains it.  Returns 1 when the debug info had
 * scopes for pc.
 */
static int inline_chain(struct sym_addr *a, Dwfl_Module *mod, Dwarf_Addr pc, const char *file,
			int line, const char *symname)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = cu_at(mod, pc, &bias), scopes[SRC_MAX * 2];
	int n = cu ? scopes_at(cu, pc - bias, scopes, SRC_MAX * 2) : 0;

	for (int i = n - 1; i >= 0; i--) {
		int tag = dwarf_tag(&scopes[i]), cl;
		const char *cf;

		if (tag == DW_TAG_inlined_subroutine) {
			push(a, cu, dwarf_diename(&scopes[i]), file, line, 1);
			cf = call_site(cu, &scopes[i], &cl);
			file = cf;
			line = cl;
		} else if (tag == DW_TAG_subprogram) {
			/* The symbol's name first: for C++ it is the linkage name. */
			push(a, cu, symname ? symname : dwarf_diename(&scopes[i]), file, line, 0);
			return 1;
		}
	}
	return 0;
}

/* Fill a for (mod, pc). */
static void resolve(struct sym_addr *a, Dwfl_Module *mod, uint64_t pc)
{
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
	Dwfl_Line *l = dwfl_module_getsrc(mod, pc);
	const char *file = NULL;
	int line = 0;

	char plain[256];

	/* A nearest preceding symbol whose size ends before pc is not pc's function. */
	if (name && sym.st_size && off >= sym.st_size)
		name = NULL;
	/* "__libc_start_main@@GLIBC_2.34": the version is the linker's business. */
	if (name && strchr(name, '@') && strchr(name, '@') != name) {
		snprintf(plain, sizeof(plain), "%.*s", (int)(strchr(name, '@') - name), name);
		name = plain;
	}
	if (l)
		file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
	else
		file = line_in_cu(mod, pc, &line);
	if (inline_chain(a, mod, pc, file, line, name))
		return;
	if (name || file)
		push(a, cu_at(mod, pc, &(Dwarf_Addr){ 0 }), name, file, line, 0);
	else
		a->why = has_symtab(mod) || dwfl_module_getdwarf(mod, &(Dwarf_Addr){ 0 }) ?
			 "no symbol covers this address" :
			 "no symbols: stripped, and no debug info found by build id";
}

/* Is addr in f the kernel's return path from a signal handler (rt_sigreturn)? */
static int is_sigreturn(struct sym_file *f, uint64_t addr)
{
#if defined(__x86_64__)
	/* glibc's __restore_rt: mov $15 (rt_sigreturn), %rax; syscall. */
	static const unsigned char code[] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05 };
	GElf_Addr bias;
	Elf *elf;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (f->why || !(elf = dwfl_module_getelf(f->mod, &bias)))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) ||
		    addr < sh.sh_addr || addr - sh.sh_addr + sizeof(code) > sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		return d && d->d_buf && addr - sh.sh_addr + sizeof(code) <= d->d_size &&
		       !memcmp((const char *)d->d_buf + (addr - sh.sh_addr), code, sizeof(code));
	}
#else
	(void)f;
	(void)addr;
#endif
	return 0;
}

const struct sym_src *sym_lookup(struct sym_file *f, uint64_t addr, int exact, size_t *n,
				 const char **why, int *sigframe)
{
	struct addr_key k = { addr, exact != 0 };
	struct sym_addr *a;

	*n = 0;
	*sigframe = 0;
	*why = f->why;
	if (f->why)
		return NULL;
	HASH_FIND(hh, f->cache, &k, sizeof(k), a);
	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a || !(a->src = calloc(SRC_MAX, sizeof(*a->src)))) {
			free(a);
			*why = "out of memory";
			return NULL;
		}
		a->key = k;
		if (!exact && is_sigreturn(f, addr)) {
			free(a->src);
			a->src = (struct sym_src *)&sigframe_src;
			a->n = 1;
			a->sigframe = 1;
		} else {
			resolve(a, f->mod, exact || !addr ? addr : addr - 1);
		}
		HASH_ADD(hh, f->cache, key, sizeof(k), a);
	}
	*n = a->n;
	*why = a->why;
	*sigframe = a->sigframe;
	return a->src;
}


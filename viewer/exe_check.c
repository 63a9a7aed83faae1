/*
 * exe_check.c - reading an executable's ELF headers and mode bits for the
 * reasons LD_PRELOAD would not reach it: static (no PT_INTERP), Go (its
 * build id note; its system calls bypass libc), no libc at all, and secure
 * execution (set-user-ID/set-group-ID to other ids, file capabilities),
 * where the loader ignores LD_PRELOAD for libraries outside the system's.
 */
#define _GNU_SOURCE
#include "exe_check.h"

#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The file execvp would run for cmd into out (PATH_MAX bytes); 0, or -1 when none. */
static int resolve(const char *cmd, char *out)
{
	const char *path = getenv("PATH"), *p;
	char dflt[256];

	if (strchr(cmd, '/')) {
		snprintf(out, PATH_MAX, "%s", cmd);
		return access(out, X_OK);
	}
	if (!path) {
		confstr(_CS_PATH, dflt, sizeof(dflt));
		path = dflt;
	}
	for (p = path;; p++) {
		size_t len = strcspn(p, ":");
		struct stat st;

		/* An empty PATH entry is the current directory, as for execvp. */
		snprintf(out, PATH_MAX, "%.*s%s%s", (int)len, len ? p : ".", "/", cmd);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		p += len;
		if (!*p)
			break;
	}
	out[0] = 0;
	return -1;
}

/* When path is a "#!" script: its interpreter into out (PATH_MAX bytes); 0, else -1. */
static int interpreter(const char *path, char *out)
{
	char line[PATH_MAX + 3];
	FILE *f = fopen(path, "r");
	int rc = -1;

	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!') {
		char *s = line + 2 + strspn(line + 2, " \t");
		size_t len = strcspn(s, " \t\n");

		if (len && len < PATH_MAX) {
			snprintf(out, PATH_MAX, "%.*s", (int)len, s);
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

/* Does section data of a SHT_NOTE section hold a note owned by "Go"? */
static int has_go_note(Elf_Data *d)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while (d && off < d->d_size && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0)
		if (nh.n_namesz == 3 && !memcmp((char *)d->d_buf + name_off, "Go", 3))
			return 1;
	return 0;
}

/* The facts the ELF headers give: static, Go, libc. */
static void elf_facts(const char *path, struct exe_facts *f)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), dynamic = 0, libc = 0;
	Elf_Scn *scn = NULL;
	size_t nph = 0, shstr = 0;
	Elf *e;

	if (fd < 0)
		return;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &nph) != 0) {
		elf_end(e);
		close(fd);
		return;
	}
	f->elf = 1;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_INTERP)
			dynamic = 1;
	}
	elf_getshdrstrndx(e, &shstr);
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstr, sh.sh_name);
		if ((name && !strcmp(name, ".note.go.buildid")) ||
		    (sh.sh_type == SHT_NOTE && has_go_note(elf_getdata(scn, NULL))))
			f->go = 1;
		if (sh.sh_type == SHT_DYNAMIC) {
			Elf_Data *d = elf_getdata(scn, NULL);
			GElf_Dyn dyn;

			for (int k = 0; d && gelf_getdyn(d, k, &dyn); k++) {
				const char *lib = dyn.d_tag == DT_NEEDED ?
						  elf_strptr(e, sh.sh_link, dyn.d_un.d_val) : NULL;

				if (lib && !strncmp(lib, "libc.so", 7))
					libc = 1;
			}
		}
	}
	f->is_static = !dynamic;
	f->no_libc = dynamic && !libc;
	elf_end(e);
	close(fd);
}

/* Set-user-ID or set-group-ID to ids not ours, and honoured (not a nosuid mount). */
static void id_facts(const char *path, struct exe_facts *f)
{
	struct statvfs vfs;
	struct stat st;

	if (stat(path, &st) != 0 || (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID)))
		return;
	f->setid = ((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
		   ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != getegid());
	f->owner = (unsigned)st.st_uid;
	f->fcaps = getxattr(path, "security.capability", NULL, 0) > 0;
}

void exe_inspect(const char *cmd, struct exe_facts *f)
{
	char interp[PATH_MAX];

	memset(f, 0, sizeof(*f));
	if (resolve(cmd, f->path))
		return;
	id_facts(f->path, f);	/* the kernel ignores the bits on a script */
	if (interpreter(f->path, interp) == 0) {
		snprintf(f->script, sizeof(f->script), "%s", f->path);
		snprintf(f->path, sizeof(f->path), "%s", interp);
		f->setid = f->fcaps = 0;
		id_facts(f->path, f);
	}
	elf_facts(f->path, f);
}

const char *exe_untraceable(const struct exe_facts *f, char *out, size_t n)
{
	const char *what = f->script[0] ? "its interpreter " : "";

	if (f->go)
		snprintf(out, n, "%s%s is a Go program (it has a Go build id note): Go makes its "
			 "system calls itself, not through libc, so LD_PRELOAD sees none of them%s",
			 what, f->path, f->is_static ? " (and it is static: no loader reads LD_PRELOAD)" : "");
	else if (f->is_static && f->elf)
		snprintf(out, n, "%s%s is a static executable (no PT_INTERP): no dynamic loader "
			 "runs, so nothing reads LD_PRELOAD", what, f->path);
	else if (f->setid)
		snprintf(out, n, "%s%s is set-user-ID or set-group-ID (owner uid %u): the loader runs "
			 "it in secure-execution mode and ignores LD_PRELOAD for a library outside "
			 "the system's directories", what, f->path, f->owner);
	else if (f->fcaps)
		snprintf(out, n, "%s%s has file capabilities (security.capability): the loader "
			 "runs it in secure-execution mode and ignores LD_PRELOAD", what, f->path);
	else if (f->no_libc)
		snprintf(out, n, "%s%s does not link libc (no libc.so in its DT_NEEDED): its "
			 "system calls do not go through the functions socktrace wraps", what, f->path);
	else
		return NULL;
	return out;
}

const char *exe_partial(const struct exe_facts *f, char *out, size_t n)
{
	if (!f->go || f->is_static)
		return NULL;
	snprintf(out, n, "%s is a Go program: only the socket calls it makes through libc (cgo) "
		 "are traced; Go's own system calls are not", f->path);
	return out;
}

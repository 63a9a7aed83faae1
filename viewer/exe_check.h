/*
 * exe_check.h - what socktrace run can tell about a command before it
 * runs: whether LD_PRELOAD can reach it at all.
 */
#ifndef SOCKTRACE_EXE_CHECK_H
#define SOCKTRACE_EXE_CHECK_H

#include <limits.h>
#include <stddef.h>

struct exe_facts {
	char path[PATH_MAX];	/* the file exec runs (found on PATH); "" when not found */
	char script[PATH_MAX];	/* when the command is a #! script: the script (path: its interpreter) */
	int elf;		/* path is an ELF file we could read */
	int is_static;		/* no PT_INTERP: no dynamic loader runs, nothing reads LD_PRELOAD */
	int go;			/* a Go build id note (.note.go.buildid): Go makes its own system calls */
	int no_libc;		/* dynamic, but no libc.so in DT_NEEDED */
	int setid;		/* set-user-ID or set-group-ID to ids not ours: secure execution */
	int fcaps;		/* file capabilities (security.capability): secure execution */
	unsigned owner;		/* with setid: the file's owner uid */
};

/*
 * Inspect cmd as execvp would find it (a name without '/' is looked up on
 * PATH).  Never fails: what cannot be read stays 0 ("" for paths).
 */
void exe_inspect(const char *cmd, struct exe_facts *f);

/*
 * Why LD_PRELOAD cannot trace f's program, in plain words, into out (n
 * bytes); NULL when f shows no reason (the most telling reason first).
 */
const char *exe_untraceable(const struct exe_facts *f, char *out, size_t n);

/*
 * What tracing f's program will miss even when the shim loads (a Go
 * program with cgo: its own system calls), into out; NULL when nothing.
 */
const char *exe_partial(const struct exe_facts *f, char *out, size_t n);

#endif

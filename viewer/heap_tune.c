/*
 * heap_tune.c - huge pages for the viewer's heap when the input is big.
 *
 * A big trace makes the viewer allocate hundreds of MiB, and faulting
 * them in 4 KiB at a time can be most of what it does: on the project's
 * paravirtualised machines a page fault costs 12 us.  bench/symbolize.sh's
 * report (a 256 MiB trace) took 164,000 faults and symbolised in
 * 0.9-1.2 s; with glibc.malloc.hugetlb=1 (malloc asks for transparent
 * huge pages), 4,800 faults and 0.5 s.  That tunable is read only when a
 * program starts, so the viewer starts once more with it.  Small inputs
 * do not pay for the exec (a few ms).
 */
#define _GNU_SOURCE
#include "heap_tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MARK	"SOCKTRACE_HEAP_TUNED"	/* set for the re-exec: "-" or "=" + the user's GLIBC_TUNABLES */
#define TUNE	"glibc.malloc.hugetlb"
#define THP	"/sys/kernel/mm/transparent_hugepage/enabled"

static char **saved_argv;
static int tuned;	/* this process is the re-exec, or chose not to */

void heap_tune_start(char **argv)
{
	const char *mark = getenv(MARK);

	saved_argv = argv;
	if (!mark)
		return;
	tuned = 1;
	if (mark[0] == '=')
		setenv("GLIBC_TUNABLES", mark + 1, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	unsetenv(MARK);
}

/* Is THP in "madvise" mode (where malloc must ask)?  "always" gives it anyway, "never" never. */
static int thp_madvise(void)
{
	char buf[128];
	FILE *f = fopen(THP, "re");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return strstr(buf, "[madvise]") != NULL;
}

void heap_tune_for(uint64_t bytes)
{
	const char *old = getenv("GLIBC_TUNABLES"), *want = getenv("SOCKTRACE_VIEWER_HUGEPAGES");
	char *mark = NULL, *tun = NULL;

	/* SOCKTRACE_VIEWER_HUGEPAGES: "0" never, "1" whatever the size, else by the size. */
	if (want && !strcmp(want, "0"))
		return;
	if (!(want && !strcmp(want, "1")) && bytes < HEAP_TUNE_MIN_BYTES)
		return;
	if (tuned || !saved_argv || (old && strstr(old, TUNE)) || !thp_madvise())
		return;
	tuned = 1;
	if (asprintf(&mark, "%s%s", old ? "=" : "-", old ? old : "") < 0) {
		mark = NULL;
		goto out;
	}
	if (asprintf(&tun, "%s%s" TUNE "=1", old && *old ? old : "", old && *old ? ":" : "") < 0) {
		tun = NULL;
		goto out;
	}
	if (setenv(MARK, mark, 1) || setenv("GLIBC_TUNABLES", tun, 1))
		goto restore;
	fflush(NULL);
	execv("/proc/self/exe", saved_argv);
restore:
	/* No re-exec (no /proc, say): on as we are, the environment as it was. */
	unsetenv(MARK);
	if (old)
		setenv("GLIBC_TUNABLES", mark + 1, 1);
	else
		unsetenv("GLIBC_TUNABLES");
out:
	free(mark);
	free(tun);
}

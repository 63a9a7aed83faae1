/*
 * heap_tune.h - huge pages for the viewer's heap when the input is big.
 */
#ifndef SOCKTRACE_HEAP_TUNE_H
#define SOCKTRACE_HEAP_TUNE_H

#include <stdint.h>

/* Inputs of at least this many bytes of trace files are worth a re-exec (heap_tune_for). */
#define HEAP_TUNE_MIN_BYTES	(64ull << 20)

/*
 * First thing in main: remember argv for a re-exec, and when this process
 * is that re-exec, give GLIBC_TUNABLES back the value the user had (or
 * none), so that nothing the viewer starts sees the change.
 */
void heap_tune_start(char **argv);

/*
 * The command is about to read bytes of traces.  When that is at least
 * HEAP_TUNE_MIN_BYTES (SOCKTRACE_VIEWER_HUGEPAGES=1: whatever it is; =0:
 * never), transparent huge pages are on "madvise" and the
 * user has not set glibc.malloc.hugetlb, re-execute the viewer (same
 * argv, /proc/self/exe) with glibc.malloc.hugetlb=1 added to
 * GLIBC_TUNABLES: glibc reads its tunables only at start-up.  Returns
 * when it did not (already done, not worth it, or the exec failed: the
 * command then runs as it is).  Call before anything is written.
 */
void heap_tune_for(uint64_t bytes);

#endif

/*
 * modules.h - the module map: which objects were loaded where, with their
 * build ids, so the viewer can symbolise stacks after the process is gone.
 */
#ifndef SOCKTRACE_MODULES_H
#define SOCKTRACE_MODULES_H

#include <stddef.h>

#include "../include/trace_format.h"

/* Bytes the module table needs in the trace file (0 when stacks are off). */
size_t modules_ext_size(void);

/*
 * Lay out the module table at base.  from: the parent's live mapping in a
 * fork child (same address space: its table is copied, no scan needed), or
 * NULL.
 */
void modules_ext_init(struct st_file_header *h, struct st_ext *e, char *base,
		      const struct st_file_header *from);

/* Forget the table (before the fork child's file replaces it). */
void modules_ext_detach(void);

/*
 * Record every loaded object not yet in the table, and the unload time of
 * those gone.  Uses dl_iterate_phdr (the loader's recursive lock), no
 * malloc, no file access.  Another scan in progress (another thread, or the
 * code this signal handler interrupted) makes this one return at once.
 */
void modules_scan(void);

/* Scan only if the loader's load/unload counters moved since the last scan. */
void modules_check(void);

#endif

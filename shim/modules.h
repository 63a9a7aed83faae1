/*
 * modules.h - the module map: which objects were loaded where, with their
 * build ids, so the viewer can symbolise stacks after the process is gone
 * (ST_REG_MODULES, filled from the first stack on).
 */
#ifndef SOCKTRACE_MODULES_H
#define SOCKTRACE_MODULES_H

#include <stdint.h>

#include "../include/trace_format.h"

#define MODULES_MAX	512u

/* Entries the map needs at most, and in its first chunk. */
#define MODULES_FIRST	16u

/*
 * Record every loaded object not yet in the map, and the unload time of
 * those gone.  Uses dl_iterate_phdr (the loader's recursive lock), no
 * malloc, no file access.  Another scan in progress (another thread, or
 * the code this signal handler interrupted) makes this one return at once.
 */
void modules_scan(void);

/* Scan only if the loader's load/unload counters moved since the last scan. */
void modules_check(void);

/* A fork child's map starts empty (its own image): forget what was entered. */
void modules_forked(void);

#endif

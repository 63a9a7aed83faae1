/*
 * tracefile.h - creating, mapping and marking a process's trace file.
 */
#ifndef SOCKTRACE_TRACEFILE_H
#define SOCKTRACE_TRACEFILE_H

#include <stdint.h>
#include <sys/types.h>

#include "../include/trace_format.h"

struct tracefile_cfg {
	char dir[4096];		/* absolute trace directory */
	uint64_t capacity;	/* records, a power of two */
};

/*
 * Create this process's file in cfg->dir, reserve its space, map it shared,
 * fill the header and close the fd (the app never sees it).  exe/argv come
 * from /proc/self unless from is given: the fork child passes its parent's
 * mapping, still mapped, and copies its identity and module map.
 * On success publishes the mapping in shim and returns 0; on failure returns
 * a negative errno, and *why names the step that failed.
 */
int tracefile_open(const struct tracefile_cfg *cfg, enum st_origin origin, pid_t ppid,
		   const struct st_file_header *from, const char **why);

/* Stop writing into the current file, leaving it mapped: its mapping and length. */
struct st_file_header *tracefile_unpublish(size_t *len);

/* Set the file's end state (release order) and end time. */
void tracefile_mark_end(struct st_file_header *hdr, enum st_state state, int has_status,
			int status);

/* Take back an EXECED mark: the exec failed and the image runs on. */
void tracefile_mark_running(struct st_file_header *hdr);

#endif

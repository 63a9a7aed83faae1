/*
 * trace_read.h - loading one trace file, trusting nothing in it.
 */
#ifndef SOCKTRACE_TRACE_READ_H
#define SOCKTRACE_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "trace_format.h"

/* A copy of one extension section (data NULL = absent or refused). */
struct trace_ext {
	void *data;
	uint64_t size;
	uint64_t count;
	uint32_t entry_size;
};

struct trace_file {
	char *path;
	struct st_file_header hdr;	/* a copy; strings NUL-terminated */
	struct st_record *recs;		/* complete records, in position order */
	size_t nrecs;
	uint64_t overwritten;		/* positions the ring wrapped over */
	uint64_t torn;			/* claimed but never completed (killed mid-write) */
	uint64_t corrupt;		/* complete but impossible (bad lengths) */
	struct trace_ext ext[ST_EXT_MAX];	/* indexed by enum st_ext_kind */
	char ext_err[160];		/* why a section was refused; "" = none */
};

/*
 * Load path.  Returns 0 and *out, or -1 with a one-line reason in err that
 * names the problem (truncated, not a trace, wrong version...).  Records the
 * ring lost or that died half-written are counted, not errors.
 */
int trace_load(const char *path, struct trace_file **out, char *err, size_t errlen);

void trace_free(struct trace_file *tf);

#endif

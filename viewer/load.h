/*
 * load.h - turning command-line paths into loaded trace files.
 */
#ifndef SOCKTRACE_LOAD_H
#define SOCKTRACE_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "model.h"
#include "trace_read.h"

struct loaded {
	struct trace_file **files;
	size_t n, cap;
	int errors;		/* files that could not be read (each reported) */
	struct run_reap *reaps;	/* from socktrace run's sidecars, in time order */
	size_t nreaps;
};

/*
 * Load path: a trace file, or a directory whose *.socktrace files are all
 * loaded, with the sidecar socktrace run left there (run_status.h); or
 * FILE@OFFSET, the image in that fork slot of FILE.  Each file's every
 * image: its first, then those in its fork slots (trace_format.h), each
 * image's own slots after it.  Every unreadable file is reported on
 * stderr as "socktrace: FILE: problem", an unreadable image in a fork
 * slot as "socktrace: FILE: image at offset N: problem", and counted; the
 * others still load.  Returns -1 (after saying why) when path itself
 * cannot be used or holds no trace at all.
 */
int load_path(struct loaded *l, const char *path);

/* Free what load_path gathered (the files too, unless a model took them: n = 0 then). */
void load_free(struct loaded *l);

/* Bytes of the trace files load_path would load from path (0 when it cannot tell). */
uint64_t load_path_bytes(const char *path);

/* Does directory dir hold any *.socktrace file? */
int load_dir_has_traces(const char *dir);

/*
 * The directory the shim writes to: SOCKTRACE_DIR, or when that is unset
 * ${TMPDIR:-/tmp}/socktrace-UID (a relative TMPDIR ignored, as the shim
 * does: st_default_tmp); newly allocated, NULL when out of memory.
 */
char *load_default_dir(void);

/*
 * The log the shim writes its notes to when SOCKTRACE_LOG is unset, as it
 * computes it (${TMPDIR:-/tmp}/socktrace-UID.log), newly allocated.
 */
char *load_default_log(void);

/*
 * Print the shim's notes from the log file at path, if any, under a line
 * naming the file.  Returns how many notes it printed.
 */
int load_print_notes(const char *log);

/*
 * Print the notes of processes that ran as another user and could not
 * write log (the shim then writes to that user's default log,
 * ${TMPDIR:-/tmp}/socktrace-UID.log, naming log): the lines of such logs
 * changed at or after since that name it.  Logs that are not plain files
 * (a symlink, say) are skipped.  Returns how many it printed.
 */
int load_print_foreign_notes(const char *log, time_t since);

#endif

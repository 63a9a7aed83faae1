/*
 * out_file.h - an output file written whole or not at all: a fresh
 * temporary beside it (O_EXCL, never following a link), renamed over the
 * name at the end, removed on any failure.  A name that exists and is not
 * a regular file (a symlink, a FIFO, a device) is written through
 * instead, as a shell's redirection would: never replaced; refused when
 * it belongs to another user than us or root.
 */
#ifndef SOCKTRACE_OUT_FILE_H
#define SOCKTRACE_OUT_FILE_H

#include <stdio.h>

struct out_file {
	FILE *f;
	char *tmp;		/* the temporary's path; owned (NULL when direct) */
	const char *path;	/* the name it gets */
	int direct;		/* written through path itself (not a regular file, or a link) */
	int regular;		/* ... and what it opened is a regular file (synced at the end) */
};

/*
 * Open a temporary in path's directory for writing (or path itself, when
 * it is there and not a regular file).  Returns 0, or -1 after saying why
 * on stderr ("socktrace: PATH: ...").
 */
int out_open(struct out_file *o, const char *path);

/*
 * Flush, sync and close the temporary, then rename it to the path.
 * Returns 0, or -1 after saying why; the temporary is gone either way.
 */
int out_commit(struct out_file *o);

/* Give up: close and remove the temporary (nothing is left at the path; written through, what was written stays). */
void out_abort(struct out_file *o);

/*
 * What the commands do with their output: write(f, arg) on stdout (path
 * NULL; then flushed, what naming it in an error) or into path whole or
 * not at all.  write returns 0, or 1 after saying why.  Returns 0, or 1
 * after saying why.
 */
int out_write(const char *path, const char *what, int (*write)(FILE *f, void *arg), void *arg);

#endif

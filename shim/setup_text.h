/*
 * setup_text.h - one buffer for the strings set-up copies from the
 * environment: the log's path, the default log's, the trace directory's.
 *
 * Copied they must be (nginx and postgres overwrite their environment
 * for process titles).  Packed one after the other they share one page
 * of .bss; in 4 KiB arrays of their own each was one more page that every
 * process wrote at start, a page fault each (about 12 us, a tenth of
 * what the shim added to a socket-free exec) for nothing when the process
 * never logs and never makes a file.
 */
#ifndef SOCKTRACE_SETUP_TEXT_H
#define SOCKTRACE_SETUP_TEXT_H

#include <stddef.h>

#include "sbuf.h"

/* One string's room at most (PATH_MAX), its NUL and its growth included. */
#define SETUP_TEXT_MAX	4096u

/*
 * Append the default paths' common start, ${TMPDIR:-/tmp}/socktrace- (a
 * TMPDIR that is not absolute is ignored): the trace directory's and the
 * log's, each completed by its owner (the uid, ".log") when first needed.
 */
void setup_text_default_prefix(struct sbuf *sb);

/* Start the next string: sb over the buffer's free space (SETUP_TEXT_MAX at most). */
void setup_text_open(struct sbuf *sb);

/*
 * Keep the string sb holds, with grow bytes of room after its NUL for
 * what is appended later (a uid, ".log"): its start, with its room in
 * *cap, or NULL (nothing kept) when it did not fit.  Set-up only: one
 * thread, once per string.
 */
char *setup_text_keep(const struct sbuf *sb, size_t grow, size_t *cap);

#endif

/*
 * live.h - reading the state of a trace file whose process is still
 * running, again and again, without disturbing it: the file is mapped
 * read-only (MAP_SHARED) once and re-read in place; no signal, no lock,
 * no write.  Only the header and the state (fd table, socket slots) are
 * read each time, never the ring.  Slots and fd entries caught mid-update
 * are read by trace_format.h's rules (st_sock_read, st_fd_read); a file
 * that shrinks under the reader is an error, not a crash (mapguard.h).
 */
#ifndef SOCKTRACE_LIVE_H
#define SOCKTRACE_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace_format.h"
#include "trace_read.h"

/* One socket the image holds now. */
struct live_sock {
	struct st_sock s;	/* a consistent copy of its slot */
	uint32_t slot;		/* its index in the socket table */
	int fd;			/* the lowest fd naming it */
	int nfds;		/* fds naming it */
	uint32_t fd_stack;	/* the stack of the call that made that lowest fd's reference */
	unsigned fd_forks;	/* ... in the table that many forks up */
};

struct live_file {
	char *path;
	char *name;		/* the image's: path, or "PATH@OFFSET" for one in a fork slot */
	uint64_t off;		/* where its header is in the file (0: the file's first image) */
	dev_t dev;
	ino_t ino;
	int fd;			/* kept open: fstat says when the file shrank */
	const char *map;
	size_t maplen;
	struct st_file_header hdr;	/* the header as last read (atomics loaded) */
	struct live_sock *socks;	/* held now, by slot */
	size_t nsocks, capsocks;
	int32_t *slot_fd;	/* scratch, per slot: lowest fd, fds, the fd entry */
	uint32_t *slot_nfds;
	struct st_fd *slot_fde;
	size_t capslots;
	uint64_t *made;		/* each stack's made counter, by stack id - 1 (0: no stack there yet) */
	size_t nmade, capmade;
	uint64_t read_ns;	/* CLOCK_MONOTONIC of the last read */
	struct st_anchor now;	/* the tick clock and CLOCK_MONOTONIC read together at it */
	int running;		/* st_image_running at the last read */
	uint64_t *slot_images;	/* the images in its fork slots at the last read, by offset */
	size_t nslot_images, capslot_images;
	char slot_err[200];	/* why its fork slots could not all be read then; "" = they could */
	char err[256];		/* why the last live_read failed */
};

/*
 * Open and map path, then read it once (live_read).  0 and *out, or -1
 * with a one-line reason in err (not a trace, wrong version, truncated...).
 */
int live_open(const char *path, struct live_file **out, char *err, size_t errlen);

/* The same for the image at offset off of path (a fork slot's, or 0: live_open). */
int live_open_image(const char *path, uint64_t off, struct live_file **out, char *err, size_t errlen);

/*
 * Read the header and state again (the mapping grows with the file), and
 * the list of the images in its fork slots (lf->slot_images; a batch that
 * does not hold together ends it, lf->slot_err says why).  0, or -1 with
 * lf->err: the file shrank (truncated while watched), or its header no
 * longer makes sense.
 */
int live_read(struct live_file *lf);

/* Is path now another file than the one lf mapped (replaced, or removed)? */
int live_replaced(const struct live_file *lf);

/* A tick of lf's activity clock in CLOCK_MONOTONIC ns, by its first anchor and the reader's own. */
uint64_t live_tick_ns(const struct live_file *lf, uint64_t tick);

/* A snapshot of lf's stacks and module map for symbolising (trace_stacks_copy); NULL if not. */
struct trace_file *live_stacks(const struct live_file *lf);

/*
 * Is the image of header h running now: st_image_running with what
 * /proc/PID/stat says.
 */
int live_image_running(const struct st_file_header *h);

void live_close(struct live_file *lf);

#endif

/*
 * trace_read.h - loading one trace file, trusting nothing in it.
 *
 * A file is read once, into what the viewer works with: its records
 * (history, joined with their continuations and put into the viewer's
 * units: times in ns), the state the process left (its live socket slots
 * and the fds holding them), its stacks and module map, and what was lost.
 */
#ifndef SOCKTRACE_TRACE_READ_H
#define SOCKTRACE_TRACE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "trace_format.h"

/*
 * One record as the viewer uses it.  inode and inode2 are the keys of the
 * connections it concerns, filled by model_build from sid and sid2 (0:
 * none); kinode is the socket's kernel inode when the record carried it.
 * Times are CLOCK_MONOTONIC ns: connect's arg[0] is its duration in ns,
 * an ST_ADDR_DATA entry's first and last times are ns (struct vdata).
 */
struct trace_rec {
	uint64_t pos, t_ns;
	uint64_t sid, sid2;
	uint64_t inode, inode2;
	uint64_t kinode;
	int64_t ret;
	int64_t arg[2];
	int32_t pid, tid, fd, fd2, err, refs;
	uint16_t op, flags, domain, type;
	uint32_t stack_id;
	uint16_t addrs_len;
	const uint8_t *addrs;		/* entries, joined (in the file's arena) */
};

/* ST_ADDR_DATA as the viewer reads it: struct st_data_totals with times in ns. */
struct vdata {
	uint64_t bytes_sent;
	uint64_t bytes_received;
	uint64_t first_ns;
	uint64_t last_ns;
};

/* One live socket slot of the state (struct st_sock, times in ns), and its fds. */
struct vsock {
	struct st_sock s;		/* as the file has it */
	uint64_t key, key2;		/* the connection keys of sid and sid2 (model_build) */
	uint64_t first_ns, last_ns;	/* first and last data activity; 0 = none */
	int refs;			/* fds of this process naming it (from the fd table) */
};

/* One fd entry naming a live slot. */
struct vfd {
	int fd;
	uint32_t slot;			/* index into trace_file.socks */
	int cloexec, closing;
	unsigned op;			/* the call that made this reference */
	uint32_t stack_id;
	unsigned forks;			/* came through this many forks (stack_id that far up) */
};

/*
 * Not an op of the format: the viewer's own record, one per file, where
 * the file's state applies: just before the image's end (its exit, its
 * exec), or after its last record when it did not end (still running,
 * or killed).  Its pos is that record's; it sorts first among equals.
 */
#define VIEW_OP_STATE	250u

/*
 * The viewer's own too (replay_records.c makes them): a reference the
 * state holds whose birth is in the history lost, opened where the state
 * says it began (the socket's making, or the image's start for one it was
 * forked with), so the replay knows its holder all along.  fd: the fd;
 * fd2: its index in the file's fds.
 */
#define VIEW_OP_STATE_OPEN	251u

struct trace_file {
	char *path;			/* the file holding the image */
	char *name;			/* the image's name: path, or "PATH@OFFSET" for one in a fork slot */
	uint64_t image_off;		/* where its header is in the file: 0, or its fork slot's offset */
	uint64_t *slot_images;		/* the images in its fork slots (published ones), by offset */
	size_t nslot_images;
	char slot_err[200];		/* why its fork slots could not all be read; "" = they could */
	struct st_file_header hdr;	/* a copy; strings NUL-terminated */
	struct trace_rec *recs;		/* complete records, in position order, then VIEW_OP_STATE */
	size_t nrecs;
	uint8_t *arena;			/* the records' joined entries */
	uint64_t overwritten;		/* positions the ring wrapped over */
	uint64_t torn;			/* claimed but never completed (killed mid-write, or dropped) */
	uint64_t corrupt;		/* complete but impossible (bad lengths) */
	uint64_t lost_last_pos;		/* + 1: the last position lost; 0 = nothing lost */
	uint64_t history_from_ns;	/* timelines are complete from here; 0 = from the start */
	struct vsock *socks;		/* live slots of the state */
	size_t nsocks;
	struct vfd *fds;		/* fds naming them, by fd */
	size_t nfds;
	const char *stacks;		/* stack entries by id - 1 (NULL: none); its own copy */
	uint64_t nstacks;
	uint32_t stack_entry_size;
	struct st_module *modules;	/* module entries (state READY or not) */
	uint64_t nmodules;
	char note[200];			/* the stack table or module map refused as corrupt; "" = none */
	int modules_bad;		/* ... the module map, when it is that */
	int live;			/* its image was running when it was read (trace_image_running) */
};

/*
 * Load path's first image.  Returns 0 and *out, or -1 with a one-line
 * reason in err that names the problem (truncated, not a trace, wrong
 * version...).  Records the ring lost or that died half-written are
 * counted, not errors.
 */
int trace_load(const char *path, struct trace_file **out, char *err, size_t errlen);

/*
 * Load the image whose header is at offset off of path (0: its first; else
 * a fork slot's, as another image's slot_images says), the same way, and
 * checked by trace_check_image.  The images in its own fork slots are
 * listed in (*out)->slot_images (not loaded); a batch of them that does not
 * hold together stops that list there and says why in (*out)->slot_err,
 * the image itself still loaded.
 */
int trace_load_image(const char *path, uint64_t off, struct trace_file **out, char *err,
		     size_t errlen);

void trace_free(struct trace_file *tf);

/*
 * Check a copy of a file's header against the file's size: magic,
 * version (ST_FORMAT_VERSION only), sizes, the regions' entry sizes, and
 * the fd table's, socket table's and ring's chunks: numbered on from each
 * other, within the file (the stack table and module map are checked when
 * read: their damage only spoils the stacks).  0, or -1 with a one-line
 * reason in err ("truncated: ..." when a chunk ends past size).
 */
int trace_check_header(const struct st_file_header *h, uint64_t size, char *err, size_t errlen);

/*
 * trace_check_header for the image whose header h (a copy) was read at
 * offset off of a file of size bytes: off page-aligned with a whole header
 * within the file, and the header saying it is at off (image_offset: 0 for
 * a file's first image, as files made before fork slots have it).
 */
int trace_check_image(const struct st_file_header *h, uint64_t off, uint64_t size, char *err,
		      size_t errlen);

/*
 * The images in the fork slots of the image at offset off of the file of
 * size bytes at base (a mapping: call under mapguard), from its batch list
 * (first: its header's slot_batches, loaded atomically): each batch
 * page-aligned, after the image's header, within the file and sound, each
 * next below the one before, every slot handed out within the file.  A
 * slot whose header has no version yet (never published) holds no image:
 * skipped.  Appends their offsets to *offs (*n of them, *cap allocated),
 * ascending.  0; or -1 with a one-line reason in err naming the batch,
 * the offsets found before it kept; -2 when out of memory.
 */
int trace_slot_images(const void *base, uint64_t size, uint64_t off, uint64_t first,
		      uint64_t **offs, size_t *n, size_t *cap, char *err, size_t errlen);

/* name for the image of path at offset off: path, or "PATH@OFF"; newly allocated (NULL: no memory). */
char *trace_image_name(const char *path, uint64_t off);

/*
 * A trace_file holding only what symbolising needs: a copy of header h,
 * and the stack table and module map of the file of size bytes at base
 * (a live mapping: read under mapguard).  For stacks_get on a file read
 * live (no records, no state).  NULL when out of memory or the file
 * shrank while read.
 */
struct trace_file *trace_stacks_copy(const char *path, const void *base, uint64_t size,
				     const struct st_file_header *h);

/*
 * Is the image of header h running now: st_image_running with what
 * /proc/PID/stat says (this machine's processes).
 */
int trace_image_running(const struct st_file_header *h);

/* A tick of tf's activity clock in CLOCK_MONOTONIC ns (st_ticks_to_ns with tf's anchors). */
uint64_t trace_tick_ns(const struct trace_file *tf, uint64_t tick);

/* The index of the live slot with sid in tf->socks, or -1. */
int64_t trace_sock_by_sid(const struct trace_file *tf, uint64_t sid);

#endif

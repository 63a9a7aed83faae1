/*
 * tracefile.h - making a process's trace file (when it first holds a
 * socket), the fork child's own, and marking how the image ended.
 */
#ifndef SOCKTRACE_TRACEFILE_H
#define SOCKTRACE_TRACEFILE_H

#include <stdint.h>
#include <sys/types.h>

#include "../include/trace_format.h"

struct tracefile_cfg {
	char *dir;		/* absolute trace directory (setup_text.h) */
	size_t dir_cap;		/* its room, the uid's included */
	int dir_is_default;	/* ${TMPDIR:-/tmp}/socktrace-UID: must be ours alone */
	int dir_named;		/* the default's uid is in dir (added when first needed) */
	unsigned dir_base_len;	/* the default's length before its uid */
	uid_t dir_uid;		/* the uid in its name */
	uint64_t ring_cap;	/* ring slots at most, a power of two */
};

extern struct tracefile_cfg tracefile_cfg;

/*
 * Read SOCKTRACE_DIR and SOCKTRACE_RING_MB (set-up).  0, or a negative
 * errno with *why set when the directory's name cannot be formed.
 */
int tracefile_configure(const char **why);

/*
 * Make this image's file (a root image's first socket): reserve the
 * tables, create the file in a safe directory, map it, fill the header,
 * keep its fd out of the app's way, and publish it (shim.hdr).  0, or a
 * negative errno with *why naming the step and *detail what it concerned
 * (the caller logs them).  Async-signal-safe.
 */
int tracefile_create(const char **why, const char **detail);

/*
 * In the fork child, before fork() returns there (only this thread
 * exists): the child's own image, carrying its inherited references, when
 * the parent held sockets: in the fork slot the parent picked, else in a
 * file of its own; else the parent's mappings are dropped and the child
 * starts with no tables.  Either way no page of the parent's batches stays
 * mapped.  Logs and turns tracing off on failure.
 */
void tracefile_fork_child(pid_t parent, uint64_t fork_tick);

/*
 * Grow region r of this image's file until want entries are mapped
 * (region_grow), opening the file again by name first if a fork closed
 * its fd.  0, or a negative errno: -EBUSY for a moment's obstacle, any
 * other when growing stopped for good (the header says why).
 */
int tracefile_grow(enum st_region r, uint64_t want);

/*
 * Before fork (the prepare handler), after the snapshot: a fork slot for
 * a child that will hold sockets (a batch of them made when none is left:
 * the one growth of the file a fork may cost), so that the child makes
 * no file; then close the trace file's fd, unless pinned or in use by a
 * growth, so that the child copies no fd table as large as the fd range.
 * The next growth opens the file again.
 */
void tracefile_fork_prepare(void);

/* After fork, in the parent (or after a fork that failed): the slot's fork is done. */
void tracefile_fork_parent(void);

/*
 * fork() returned in the parent (after tracefile_fork_parent): if it
 * failed, its slot is taken back when it was the last handed out.  Called
 * after every fork, so that a fork from a signal handler in between finds
 * no slot of another fork's to take back (a slot may stay unused then).
 */
void tracefile_fork_returned(int failed);

/*
 * The fd must stay open from now on (the process is about to change its
 * uid or its root, after which the file's name may not open it): opened
 * again if a fork closed it, and never closed at a fork again.  Logs when
 * it cannot be.
 */
void tracefile_pin(void);

/* Set the file's end state (release order) and end time. */
void tracefile_mark_end(struct st_file_header *hdr, enum st_state state, int has_status,
			int status);

/* Take back an EXECED mark: the exec failed and the image runs on. */
void tracefile_mark_running(struct st_file_header *hdr);

/* The process's start time (stat field 22), into the header once. */
void tracefile_start_ticks(struct st_file_header *hdr);

#endif

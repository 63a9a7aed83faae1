/*
 * wrap_proc.c - process life: fork (the parent records the child; the
 * child's image is placed by tracefile_fork_child, inside fork; a failed
 * fork gives its slot back), and exit in all its forms (marking the image
 * so the viewer can tell "exited" from "killed").  A process without an
 * image does nothing here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "event.h"
#include "real.h"
#include "sys.h"
#include "tracefile.h"

/* The parent's record of a fork: out of line, so that fork's own frame stays small. */
static __attribute__((noinline)) PROC_PATH void fork_record(uint64_t t, pid_t pid, int err)
{
	struct st_record *r;
	struct ev e;

	if (!trace_enter())
		return;
	r = ev_begin(&e, ST_OP_FORK, -1);
	r->t_ns = t;
	ev_result(r, pid, err);
	ev_end(&e);
}

EXPORT PROC_PATH pid_t fork(void)
{
	/*
	 * Stamped before the fork: everything either process does after it
	 * sorts later, so the viewer can hand the child its parent's counts
	 * at exactly this point.
	 */
	uint64_t t = shim_now();
	pid_t pid = REAL(fork)();
	int err;

	/*
	 * The child touches nothing more: a child that only execs would fault
	 * in errno's function, and a stack page for the record's frame, for
	 * nothing.
	 */
	if (pid == 0)
		return pid;
	err = errno;
	tracefile_fork_returned(pid < 0);
	fork_record(t, pid, err);
	/* Stored only if changed: the parent's first write to a page after fork is a fault. */
	if (errno != err)
		errno = err;
	return pid;
}

/*
 * Record the end of this image.  A vfork child shares our memory and our
 * mapping; its _exit must not mark the parent's file, hence the pid test
 * (a system call, but exit happens once, and only in a traced process).
 */
static PROC_PATH void mark_exit(enum st_op op, int has_status, int status)
{
	struct st_file_header *hdr = shim_hdr();
	struct st_record *r;
	struct ev e;

	if (!hdr || (pid_t)sys_raw(SYS_getpid, 0, 0, 0) != shim_getpid() || !trace_enter())
		return;
	r = ev_begin(&e, op, -1);
	r->arg[0] = status;
	ev_end(&e);
	tracefile_mark_end(hdr, ST_STATE_EXITED, has_status, status);
}

EXPORT PROC_PATH void _exit(int status)
{
	mark_exit(ST_OP__EXIT, 1, status);
	REAL(_exit)(status);
}

EXPORT void _Exit(int status)
{
	mark_exit(ST_OP__EXIT, 1, status);
	REAL(_Exit)(status);
}

/* exit() and return from main: runs after the app's own destructors. */
__attribute__((destructor)) static PROC_PATH void shim_fini(void)
{
	int saved = errno;

	mark_exit(ST_OP_EXIT, 0, 0);
	errno = saved;
}

/*
 * wrap_proc.c - process life: fork (the parent records the child; the
 * child's own file is made by tracefile_fork_child, inside fork), and exit
 * in all its forms (marking the file so the viewer can tell "exited" from
 * "killed").  A process without a file does nothing here.
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

EXPORT pid_t fork(void)
{
	/*
	 * Stamped before the fork: everything either process does after it
	 * sorts later, so the viewer can hand the child its parent's counts
	 * at exactly this point.
	 */
	uint64_t t = shim_now();
	pid_t pid = REAL(fork)();
	int err = errno;
	struct st_record *r;
	struct ev e;

	if (pid == 0 || !trace_enter())
		return pid;
	r = ev_begin(&e, ST_OP_FORK, -1);
	r->t_ns = t;
	ev_result(r, pid, err);
	ev_end(&e);
	errno = err;
	return pid;
}

/*
 * Record the end of this image.  A vfork child shares our memory and our
 * mapping; its _exit must not mark the parent's file, hence the pid test
 * (a system call, but exit happens once, and only in a traced process).
 */
static void mark_exit(enum st_op op, int has_status, int status)
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

EXPORT void _exit(int status)
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
__attribute__((destructor)) static void shim_fini(void)
{
	int saved = errno;

	mark_exit(ST_OP_EXIT, 0, 0);
	errno = saved;
}

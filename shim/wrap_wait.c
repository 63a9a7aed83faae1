/*
 * wrap_wait.c - reaping children: wait, waitpid, wait3, wait4, waitid.
 *
 * A child killed by a signal never marks its trace file; the parent's wait
 * is then the only witness of its end, and of when its socket references
 * were gone at the latest.  Only a child that ended is recorded (not
 * WNOHANG's "nothing yet", not stops), and a status the app did not ask
 * for is read into our own variable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "event.h"
#include "real.h"

static void reaped(enum st_op op, pid_t ret, pid_t child, int status)
{
	struct st_record *r;
	struct ev e;

	if (!trace_enter())
		return;
	r = ev_begin(&e, op, -1);
	r->arg[0] = child;
	r->arg[1] = status;
	ev_result(r, ret, 0);
	ev_end(&e);
}

/* The four status-returning calls share this tail. */
static pid_t after_wait(enum st_op op, pid_t ret, int err, const int *status)
{
	if (ret > 0 && (WIFEXITED(*status) || WIFSIGNALED(*status)))
		reaped(op, ret, ret, *status);
	errno = err;
	return ret;
}

EXPORT pid_t wait(int *wstatus)
{
	int st = 0, *p = wstatus ? wstatus : &st;
	pid_t ret = REAL(wait)(p);

	return after_wait(ST_OP_WAIT, ret, errno, p);
}

EXPORT pid_t waitpid(pid_t pid, int *wstatus, int options)
{
	int st = 0, *p = wstatus ? wstatus : &st;
	pid_t ret = REAL(waitpid)(pid, p, options);

	return after_wait(ST_OP_WAITPID, ret, errno, p);
}

EXPORT pid_t wait3(int *wstatus, int options, struct rusage *ru)
{
	int st = 0, *p = wstatus ? wstatus : &st;
	pid_t ret = REAL(wait3)(p, options, ru);

	return after_wait(ST_OP_WAIT3, ret, errno, p);
}

EXPORT pid_t wait4(pid_t pid, int *wstatus, int options, struct rusage *ru)
{
	int st = 0, *p = wstatus ? wstatus : &st;
	pid_t ret = REAL(wait4)(pid, p, options, ru);

	return after_wait(ST_OP_WAIT4, ret, errno, p);
}

/* waitid reports in a siginfo; its status is turned into a wait status. */
EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	int ret = REAL(waitid)(idtype, id, info, options), err = errno;

	/* WNOWAIT only peeks: the child is reaped by a later call. */
	if (ret == 0 && info && info->si_pid > 0 && !(options & WNOWAIT)) {
		switch (info->si_code) {
		case CLD_EXITED:
			reaped(ST_OP_WAITID, 0, info->si_pid, (info->si_status & 0xff) << 8);
			break;
		case CLD_KILLED:
			reaped(ST_OP_WAITID, 0, info->si_pid, info->si_status & 0x7f);
			break;
		case CLD_DUMPED:
			reaped(ST_OP_WAITID, 0, info->si_pid, (info->si_status & 0x7f) | 0x80);
			break;
		default:
			break;
		}
	}
	errno = err;
	return ret;
}

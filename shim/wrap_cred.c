/*
 * wrap_cred.c - a process about to become another user, or to change its
 * root directory.
 *
 * A process's file is made at its first socket.  A daemon that drops root
 * before it (memcached -u: setgid, setuid, then socket) could then no
 * longer make its file in the directory it was started for, which belongs
 * to root (SOCKTRACE_DIR, socktrace run's -o, /tmp/socktrace-0).  So a
 * root process that is about to change its effective uid makes its file
 * just before, while it still may: the file stays open and grows through
 * its fd whatever the process becomes.  The cost is a file for a root
 * program that drops privileges and never holds a socket (runuser, a
 * cron job's shell); such files hold only their start.
 *
 * A process that has its file keeps its fd from such a change on (and
 * from a chroot): a fork closes the fd otherwise, and the file is opened
 * again by name when it grows (tracefile.h), which the new uid or root
 * may not allow.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "event.h"
#include "real.h"
#include "sys.h"
#include "tracefile.h"

/*
 * A process that has its file and is about to change its uid or root
 * keeps the file's fd from then on: after the change, its name may no
 * longer open it (tracefile.h).
 */
static void keep_file_fd(void)
{
	if (__atomic_load_n(&shim.mode, __ATOMIC_ACQUIRE) == TRACE_ON)
		tracefile_pin();
}

/* Before the effective uid becomes euid ((uid_t)-1: unchanged). */
static void before_uid_change(uid_t euid)
{
	int saved = errno;

	if (euid == (uid_t)-1 || shim_in_vfork_child())
		return;
	/* Root about to become someone else, with no file yet: make it now. */
	if (euid != 0 && __atomic_load_n(&shim.mode, __ATOMIC_ACQUIRE) == TRACE_IDLE &&
	    sys_raw(SYS_geteuid, 0, 0, 0) == 0)
		trace_start();
	keep_file_fd();		/* the file just made too: a later fork must not close its fd */
	errno = saved;
}

EXPORT int setuid(uid_t uid)
{
	before_uid_change(uid);
	return REAL(setuid)(uid);
}

EXPORT int seteuid(uid_t euid)
{
	before_uid_change(euid);
	return REAL(seteuid)(euid);
}

EXPORT int setreuid(uid_t ruid, uid_t euid)
{
	before_uid_change(euid);
	return REAL(setreuid)(ruid, euid);
}

EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid)
{
	before_uid_change(euid);
	return REAL(setresuid)(ruid, euid, suid);
}

/* Before the root directory changes (see keep_file_fd). */
EXPORT int chroot(const char *path)
{
	int saved = errno;

	if (!shim_in_vfork_child())
		keep_file_fd();
	errno = saved;
	return REAL(chroot)(path);
}

/*
 * wrap_cred.c - a root process about to become another user.
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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "event.h"
#include "real.h"
#include "sys.h"

/* Before the effective uid becomes euid ((uid_t)-1: unchanged). */
static void before_uid_change(uid_t euid)
{
	int saved = errno;

	if (euid == (uid_t)-1 || euid == 0 || shim_in_vfork_child())
		return;
	if (__atomic_load_n(&shim.mode, __ATOMIC_ACQUIRE) != TRACE_IDLE)
		return;		/* it has its file, or never will */
	if (sys_raw(SYS_geteuid, 0, 0, 0) != 0)
		return;		/* not root: the directory was made for who it is now */
	trace_start();
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

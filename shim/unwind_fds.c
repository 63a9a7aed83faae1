/*
 * unwind_fds.c - libunwind opens a pipe (to validate addresses) when it
 * first initialises, and again whenever it finds that pipe closed.  Left
 * where pipe2 puts it, it would take the app's next two fd numbers, and an
 * app closing "every fd" would later have libunwind read and write its
 * files.  So pipe2 called from inside libunwind moves both ends just past
 * the soft RLIMIT_NOFILE (or just under it when the hard limit leaves no
 * room), and the fd table marks them reserved: the app's close
 * of them fails with EBADF (as without us), close_range and closefrom go
 * around them, and an app that dup2s onto one gets it, at the price of
 * stacks for the rest of the process.
 */
#define _GNU_SOURCE
#include "unwind_fds.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "real.h"
#include "shim.h"
#include "stacks.h"
#include "sys.h"

#define TOP_CAP		65536u	/* past this, the kernel's fd table would grow for nothing */
#define TOP_MIN		64u

static int reserved_fd[2] = { -1, -1 };

/*
 * Move fd out of the app's way and reserve it there: the new fd, or -1.
 * Best is just above the soft RLIMIT_NOFILE, where the app cannot allocate
 * (F_DUPFD refuses numbers past the soft limit, so it is raised for the one
 * call when the hard limit allows); else just under it.
 */
static int adopt(int fd)
{
	struct rlimit rl, up;
	long nfd = -1;

	if (sys_raw(SYS_getrlimit, RLIMIT_NOFILE, &rl, 0) != 0 || rl.rlim_cur < TOP_MIN) {
		sys_raw(SYS_close, fd, 0, 0);
		return -1;
	}
	if (rl.rlim_cur < TOP_CAP &&
	    (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= rl.rlim_cur + 2)) {
		up = rl;
		up.rlim_cur = rl.rlim_cur + 2;
		if (sys_raw(SYS_setrlimit, RLIMIT_NOFILE, &up, 0) == 0) {
			nfd = sys_raw(SYS_fcntl, fd, F_DUPFD_CLOEXEC, rl.rlim_cur);
			sys_raw(SYS_setrlimit, RLIMIT_NOFILE, &rl, 0);
		}
	}
	if (nfd < 0)
		nfd = sys_raw(SYS_fcntl, fd, F_DUPFD_CLOEXEC,
			      (rl.rlim_cur > TOP_CAP ? TOP_CAP : (long)rl.rlim_cur) - 2);

	sys_raw(SYS_close, fd, 0, 0);
	if (nfd < 0)
		return -1;
	if (fdtab_reserve((int)nfd, 1)) {
		sys_raw(SYS_close, nfd, 0, 0);
		return -1;
	}
	return (int)nfd;
}

EXPORT int pipe2(int fds[2], int flags)
{
	int ret = REAL(pipe2)(fds, flags), err = errno;

	if (ret != 0 || likely(!stacks_in_unwind()))
		return ret;
	for (int i = 0; i < 2; i++) {
		fds[i] = adopt(fds[i]);
		reserved_fd[i] = fds[i];
	}
	if (fds[0] < 0 || fds[1] < 0) {
		/* Nowhere out of the way: libunwind gets no pipe, and no more calls. */
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0)
				unwind_fd_close(fds[i]);
		stacks_disable("note: stacks off: no room at the top of the fd range for libunwind's pipe");
		errno = EMFILE;
		return -1;
	}
	errno = err;
	return ret;
}

int unwind_fd_close(int fd)
{
	if (!stacks_in_unwind() && !shim_in_vfork_child()) {
		errno = EBADF;
		return -1;
	}
	if (!shim_in_vfork_child()) {
		fdtab_reserve(fd, 0);
		for (int i = 0; i < 2; i++)
			if (reserved_fd[i] == fd)
				reserved_fd[i] = -1;
	}
	return (int)sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
}

int unwind_fd_dup_onto(int newfd, int oldfd, int flags, int is_dup2, unsigned via)
{
	int ret, err, was = stacks_pause();

	if (via)
		ret = is_dup2 ? (int)REAL(syscall)(SYS_dup2, oldfd, newfd) :
			(int)REAL(syscall)(SYS_dup3, oldfd, newfd, flags);
	else
		ret = is_dup2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
	err = errno;
	if (ret < 0 || (is_dup2 && oldfd == newfd)) {
		stacks_resume(was);	/* nothing changed hands */
	} else {
		stacks_disable("note: stacks off: the app took libunwind's fd for itself (dup2)");
		fdtab_reserve(newfd, 0);
		for (int i = 0; i < 2; i++)
			if (reserved_fd[i] == newfd)
				reserved_fd[i] = -1;
	}
	errno = err;
	return ret;
}

int unwind_fds_around(unsigned first, unsigned last, int (*fn)(unsigned, unsigned, void *),
		      void *arg)
{
	unsigned skip[2], n = 0, lo = first;
	int ret = 0;

	for (int i = 0; i < 2; i++)
		if (reserved_fd[i] >= 0 && (unsigned)reserved_fd[i] >= first &&
		    (unsigned)reserved_fd[i] <= last)
			skip[n++] = (unsigned)reserved_fd[i];
	if (n == 2 && skip[0] > skip[1]) {
		unsigned t = skip[0];

		skip[0] = skip[1];
		skip[1] = t;
	}
	for (unsigned i = 0; i <= n; i++) {
		unsigned hi = i < n ? skip[i] : last;

		if (i < n && hi == lo) {
			lo = hi + 1;
			continue;
		}
		if (i < n)
			hi--;
		if (lo <= hi) {
			int r = fn(lo, hi, arg);

			if (r && !ret)
				ret = r;
		}
		if (i < n) {
			if (skip[i] == ~0u)
				break;
			lo = skip[i] + 1;
		}
	}
	return ret;
}

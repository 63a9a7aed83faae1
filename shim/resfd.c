/*
 * resfd.c - the shim's own fds, kept out of the app's way (resfd.h), and
 * libunwind's pipe2.
 *
 * libunwind opens a pipe (to validate addresses) when it first
 * initialises, and again whenever it finds that pipe closed.  Left where
 * pipe2 puts it, it would take the app's next two fd numbers, and an app
 * closing "every fd" would later have libunwind read and write its files.
 * The trace file's fd, kept so the file can grow, is the same problem.
 */
#define _GNU_SOURCE
#include "resfd.h"

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
#define TOP_MIN		64u	/* the smallest soft limit whose top fds we take */
#define RESFD_MAX	4

static struct {
	int fd;
	int owner;
} res[RESFD_MAX] = { { -1, 0 }, { -1, 0 }, { -1, 0 }, { -1, 0 } };

static void recompute_min(void)
{
	unsigned m = UINT_MAX;

	for (int i = 0; i < RESFD_MAX; i++)
		if (res[i].fd >= 0 && (unsigned)res[i].fd < m)
			m = (unsigned)res[i].fd;
	__atomic_store_n(&shim.resfd_min, m, __ATOMIC_RELEASE);
}

enum resfd_owner resfd_owner(int fd)
{
	if (fd < 0 || !resfd_maybe(fd))
		return RESFD_FREE;
	for (int i = 0; i < RESFD_MAX; i++)
		if (res[i].fd == fd)
			return (enum resfd_owner)res[i].owner;
	return RESFD_FREE;
}

static int remember(int fd, enum resfd_owner who)
{
	for (int i = 0; i < RESFD_MAX; i++)
		if (res[i].fd < 0) {
			res[i].owner = who;
			__atomic_store_n(&res[i].fd, fd, __ATOMIC_RELEASE);
			recompute_min();
			return 0;
		}
	return -EMFILE;
}

void resfd_release(int fd)
{
	for (int i = 0; i < RESFD_MAX; i++)
		if (res[i].fd == fd) {
			res[i].fd = -1;
			res[i].owner = RESFD_FREE;
		}
	recompute_min();
}

int resfd_adopt(int fd, enum resfd_owner who)
{
	struct rlimit rl, up;
	long nfd = -1;
	int rc;

	if (sys_raw(SYS_getrlimit, RLIMIT_NOFILE, &rl, 0) != 0) {
		sys_raw(SYS_close, fd, 0, 0);
		return -EMFILE;
	}
	/*
	 * F_DUPFD refuses numbers past the soft limit: raise it for the one
	 * call.  Past the limit the app can never be given that number, however
	 * low the limit, so this is tried first.
	 */
	if (rl.rlim_cur < TOP_CAP &&
	    (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= rl.rlim_cur + RESFD_MAX)) {
		up = rl;
		up.rlim_cur = rl.rlim_cur + RESFD_MAX;
		if (sys_raw(SYS_setrlimit, RLIMIT_NOFILE, &up, 0) == 0) {
			nfd = sys_raw(SYS_fcntl, fd, F_DUPFD_CLOEXEC, rl.rlim_cur);
			sys_raw(SYS_setrlimit, RLIMIT_NOFILE, &rl, 0);
		}
	}
	/* Else just under it, unless the range is so small that the app would miss those fds. */
	if (nfd < 0 && rl.rlim_cur >= TOP_MIN)
		nfd = sys_raw(SYS_fcntl, fd, F_DUPFD_CLOEXEC,
			      (rl.rlim_cur > TOP_CAP ? TOP_CAP : (long)rl.rlim_cur) - RESFD_MAX);
	else if (nfd < 0)
		nfd = -EMFILE;
	sys_raw(SYS_close, fd, 0, 0);
	if (nfd < 0)
		return (int)nfd;
	rc = remember((int)nfd, who);
	if (rc) {
		sys_raw(SYS_close, nfd, 0, 0);
		return rc;
	}
	return (int)nfd;
}

EXPORT int pipe2(int fds[2], int flags)
{
	int ret = REAL(pipe2)(fds, flags), err = errno;

	if (ret != 0 || likely(!stacks_in_unwind()))
		return ret;
	for (int i = 0; i < 2; i++)
		fds[i] = resfd_adopt(fds[i], RESFD_UNWIND);
	if (fds[0] < 0 || fds[1] < 0) {
		/* Nowhere out of the way: libunwind gets no pipe, and no more calls. */
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0) {
				resfd_release(fds[i]);
				sys_raw(SYS_close, fds[i], 0, 0);
			}
		stacks_disable("note: stacks off: no room at the top of the fd range for libunwind's pipe");
		errno = EMFILE;
		return -1;
	}
	errno = err;
	return ret;
}

int resfd_close(int fd)
{
	if (shim_in_vfork_child() || (resfd_owner(fd) == RESFD_UNWIND && stacks_in_unwind())) {
		if (!shim_in_vfork_child())
			resfd_release(fd);
		return (int)sys_call6(SYS_close, fd, 0, 0, 0, 0, 0);
	}
	errno = EBADF;
	return -1;
}

/* The real dup2/dup3, through syscall() when the app used it. */
static int real_dup_onto(int oldfd, int newfd, int flags, int is_dup2, unsigned via)
{
	if (via)
		return is_dup2 ? (int)REAL(syscall)(SYS_dup2, oldfd, newfd) :
			(int)REAL(syscall)(SYS_dup3, oldfd, newfd, flags);
	return is_dup2 ? REAL(dup2)(oldfd, newfd) : REAL(dup3)(oldfd, newfd, flags);
}

int resfd_dup_onto(int newfd, int oldfd, int flags, int is_dup2, unsigned via)
{
	enum resfd_owner who = resfd_owner(newfd);
	int ret, err, was = 0;

	if (who == RESFD_TRACE) {
		/* The file moves to another number; the app gets this one. */
		long copy = sys_raw(SYS_fcntl, newfd, F_DUPFD_CLOEXEC, 0);
		int moved = copy >= 0 ? resfd_adopt((int)copy, RESFD_TRACE) : (int)copy;

		if (moved >= 0)
			__atomic_store_n(&shim.fd, moved, __ATOMIC_RELEASE);
		else
			shim_log("note: the trace file cannot grow any more (the app took its fd)", NULL,
				 -moved);
		resfd_release(newfd);
		return real_dup_onto(oldfd, newfd, flags, is_dup2, via);
	}
	was = stacks_pause();
	ret = real_dup_onto(oldfd, newfd, flags, is_dup2, via);
	err = errno;
	if (ret < 0 || (is_dup2 && oldfd == newfd)) {
		stacks_resume(was);	/* nothing changed hands */
	} else {
		stacks_disable("note: stacks off: the app took libunwind's fd for itself (dup2)");
		resfd_release(newfd);
	}
	errno = err;
	return ret;
}

int resfd_around(unsigned first, unsigned last, int (*fn)(unsigned, unsigned, void *), void *arg)
{
	unsigned skip[RESFD_MAX], n = 0, lo = first;
	int ret = 0;

	for (int i = 0; i < RESFD_MAX; i++)
		if (res[i].fd >= 0 && (unsigned)res[i].fd >= first && (unsigned)res[i].fd <= last)
			skip[n++] = (unsigned)res[i].fd;
	/* In order: at most four, insertion sort. */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && skip[j - 1] > skip[j]; j--) {
			unsigned t = skip[j];

			skip[j] = skip[j - 1];
			skip[j - 1] = t;
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

/*
 * shimfile.h - the shim's own trace file for its unit tests, made by its
 * real set-up path, and read back the way a reader reads it.
 *
 *   unit_setup(argv)        first thing in main: a fresh trace directory
 *                           (SOCKTRACE_DIR, SOCKTRACE_LOG in it), then the
 *                           test execs itself so that the shim's
 *                           constructor reads them as in a traced program
 *   unit_trace(ring_cap)    in a tap_isolated child: make this process's
 *                           file (shim_start, as a first socket does);
 *                           ring_cap (a power of two, 0: the configured
 *                           one) is set in tracefile_cfg first, which the
 *                           environment fills, for rings smaller than
 *                           SOCKTRACE_RING_MB's 1 MiB; the header, or NULL
 *   reader_open/_refresh    a second, read-only mapping of that file, as
 *                           the viewer makes: what a reader finds in it
 *   reader_entry            entry i of a region (st_region_entry)
 *   reader_slot             the record at a position, complete and stable
 *   unit_trap_fallocate(fn) from now on in this process, the shim's space
 *                           reservations (fallocate) trap: fn runs once, as a
 *                           signal handler interrupting the first of them (the
 *                           moment a table or the ring is half-way through
 *                           growing), and each is answered EOPNOTSUPP, so the
 *                           shim reserves with its own fallback (zeros
 *                           written).  0, or -1 where seccomp is not to be had
 *   unit_cleanup()          the trace directory removed (at the end of main)
 *
 * The shim's state is process-wide and made once (its file, its tables), so
 * each scenario runs in its own child (tap_isolated).
 */
#ifndef SOCKTRACE_TEST_SHIMFILE_H
#define SOCKTRACE_TEST_SHIMFILE_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#if defined(__x86_64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"
#include "tracefile.h"
#include "trace_format.h"

static inline void unit_setup(char **argv)
{
	char dir[] = "/tmp/socktrace-unit.XXXXXX", log[sizeof(dir) + 16];

	if (getenv("SOCKTRACE_UNIT_DIR"))
		return;
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	snprintf(log, sizeof(log), "%s/log", dir);
	setenv("SOCKTRACE_UNIT_DIR", dir, 1);
	setenv("SOCKTRACE_DIR", dir, 1);
	setenv("SOCKTRACE_LOG", log, 1);
	execv("/proc/self/exe", argv);
	printf("Bail out! exec /proc/self/exe: %s\n", strerror(errno));
	exit(1);
}

static int unit_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void unit_cleanup(void)
{
	const char *dir = getenv("SOCKTRACE_UNIT_DIR");

	if (dir && !strncmp(dir, "/tmp/socktrace-unit.", 20))
		nftw(dir, unit_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static inline struct st_file_header *unit_trace(uint64_t ring_cap)
{
	if (ring_cap)
		tracefile_cfg.ring_cap = ring_cap;
	return shim_start() ? shim_hdr() : NULL;
}

struct reader {
	int fd;
	const char *base;
	size_t maplen;		/* mapped: the file may grow into it */
	uint64_t size;		/* the file's size at the last refresh: entries are read below it */
	const struct st_file_header *h;
};

/* The file size now: what the reader may read. */
static inline void reader_refresh(struct reader *rd)
{
	struct stat st;

	rd->size = fstat(rd->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	if (rd->size > rd->maplen)
		rd->size = rd->maplen;
}

/* Map this process's trace file read-only, maplen bytes (beyond its end for growth). */
static inline int reader_open(struct reader *rd, size_t maplen)
{
	char link[64], path[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", shim.fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return -1;
	path[n] = 0;
	rd->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (rd->fd < 0)
		return -1;
	rd->maplen = maplen;
	rd->base = mmap(NULL, maplen, PROT_READ, MAP_SHARED, rd->fd, 0);
	if (rd->base == MAP_FAILED) {
		rd->base = NULL;
		close(rd->fd);
		return -1;
	}
	rd->h = (const struct st_file_header *)rd->base;
	reader_refresh(rd);
	return 0;
}

static inline void reader_close(struct reader *rd)
{
	munmap((void *)rd->base, rd->maplen);
	close(rd->fd);
}

/* Entry i of region r as the reader finds it, or NULL. */
static inline const void *reader_entry(const struct reader *rd, enum st_region r, uint64_t i)
{
	return st_region_entry(rd->base, rd->size, &rd->h->region[r], i);
}

/*
 * The record at position pos, copied into *out when its slot is complete
 * for pos and stayed so while it was copied (a writer may lap the reader).
 */
static inline int reader_slot(const struct reader *rd, uint64_t pos, struct st_record *out)
{
	const struct st_record *r = reader_entry(rd, ST_REG_RING,
						 st_ring_slot(pos, __atomic_load_n(&rd->h->ring_cap,
										  __ATOMIC_ACQUIRE)));
	uint64_t seq;

	if (!r)
		return 0;
	seq = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
	if (!st_slot_complete(seq, pos))
		return 0;
	memcpy(out, r, sizeof(*out));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&r->seq, __ATOMIC_RELAXED) == seq;
}

static void (*unit_trap_fn)(void);
static int unit_trapped;	/* fallocates trapped so far */

static void unit_on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	void (*fn)(void) = unit_trap_fn;

	(void)sig;
	unit_trap_fn = NULL;
	unit_trapped++;
	if (fn)
		fn();
#if defined(__x86_64__)
	if (si->si_syscall == SYS_fallocate)
		((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX] = -EOPNOTSUPP;
#else
	(void)si;
	(void)ctx;
#endif
}

static inline int unit_trap_fallocate(void (*fn)(void))
{
#if defined(__x86_64__)
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fallocate, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct sigaction sa = { 0 };

	sa.sa_sigaction = unit_on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	unit_trap_fn = fn;
	if (sigaction(SIGSYS, &sa, NULL) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -1;
	return 0;
#else
	(void)fn;
	return -1;
#endif
}


#endif

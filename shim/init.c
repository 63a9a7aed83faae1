/*
 * init.c - set-up: configuration from the environment, the sockets the
 * image starts with, the fork hook, and starting the trace file when the
 * process first holds a socket.  Set-up runs from our constructor, or
 * earlier from the first wrapped call (other libraries' constructors may
 * open sockets before ours runs).
 *
 * What set-up costs a process that never holds a socket is the whole of
 * what the shim costs it: reading the environment, one scan of
 * /proc/self/fd for inherited sockets (none when the image before the
 * exec said it held none: exec_hint.h), no file.
 *
 * Environment:
 *   SOCKTRACE_DIR      trace directory (default ${TMPDIR:-/tmp}/socktrace-<uid>)
 *   SOCKTRACE_RING_MB  history kept per process in MiB (default 2, 1..4096)
 *   SOCKTRACE_LOG      where to say why tracing is off ("stderr" or a path)
 *   SOCKTRACE_STACKS   call-site stacks: 0, create (default) or all
 *   SOCKTRACE_STACK_DEPTH  frames kept per stack (default 16, 1..64)
 *   SOCKTRACE_STACK_TABLE  distinct stacks per process (default 4096)
 *   SOCKTRACE_DATA     "events": a record per data call (default: counters only)
 *   SOCKTRACE_TCP_INFO TCP_INFO at the final close: "0" never, "1" always,
 *                      default when its first data call is 1 ms old or more
 *   SOCKTRACE_INODES   "1": every socket's inode at birth (one fstat each)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "event.h"
#include "exec_hint.h"
#include "inherited.h"
#include "log.h"
#include "real.h"
#include "shim.h"
#include "socks.h"
#include "stacks.h"
#include "sys.h"
#include "tracefile.h"

/*
 * What pthread_atfork does (it is a static stub from libc_nonshared.a that
 * passes our object's handle): called directly, the stub's page is not
 * faulted in by every process for one jump.
 */
extern int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void),
			     void *dso_handle);
extern void *__dso_handle;

struct shim shim = { .fd = -1, .resfd_min = UINT32_MAX };
/* A socket was made while set-up ran (shim_start_slow): set-up scans for it. */
static int setup_busy;
__thread int shim_vfork_child TLS_IE;

PROC_PATH pid_t shim_getpid(void)
{
	pid_t pid = __atomic_load_n(&shim.pid, __ATOMIC_RELAXED);

	if (!pid) {
		pid = (pid_t)sys_raw(SYS_getpid, 0, 0, 0);
		__atomic_store_n(&shim.pid, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

/*
 * In the parent, as fork begins: our pid cached (one getpid, at the first
 * fork only), so that each child knows its parent without a getppid of
 * its own, and rightly even when the parent is gone by then.  It runs
 * before every fork on_fork_child follows: libc runs a registration's
 * handlers together.
 */
static PROC_PATH void on_fork_prepare(void)
{
	(void)shim_getpid();
	socks_fork_prepare();
	tracefile_fork_prepare();
}

/*
 * In the fork child, before fork() returns there: its own image (a fork
 * slot of the parent's file, or a file) if it inherited sockets, else
 * nothing of the parent's.  Only this thread
 * exists here, and only async-signal-safe calls are made.  The child's
 * image begins at the fork (a tick: no clock call, whose pages a child
 * that only execs would fault in for nothing).
 */
static PROC_PATH void on_fork_child(void)
{
	pid_t parent = shim.pid;	/* on_fork_prepare's */
	const struct socks_snap *sn = socks_fork_snap();
	/*
	 * The parent's header as the snapshot has it, when there is one: the
	 * parent's file is shared memory the child has not touched, and its
	 * header would be one more page fault here.
	 */
	const struct st_file_header *h = sn->nfds ? sn->hdr : shim_hdr();

	if (h && !exec_hint_tables_complete(h))
		exec_hint_clean_start(0);	/* a socket the parent never tracked is ours too */
	shim.pid = 0;
	shim_tid_reset(0);
	shim.image_start_tick = socks_tick();
	tracefile_fork_child(parent, shim.image_start_tick);
	socks_fork_child_done();
}

/* In the parent, as fork returns (it failed or not). */
static PROC_PATH void on_fork_parent(void)
{
	tracefile_fork_parent();
	socks_fork_done();
}

PROC_PATH void shim_ensure_init(void)
{
	int expected = SHIM_UNINIT;
	const char *why;
	int rc, hinted;

	if (!__atomic_compare_exchange_n(&shim.init, &expected, SHIM_INITIALIZING, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	real_resolve();
	shim.image_start_tick = socks_tick();
	hinted = exec_hint_take();
	shim_log_setup();
	stacks_config();
	socks_configure();
	rc = tracefile_configure(&why);
	if (rc) {
		shim_log(why, NULL, -rc);
		__atomic_store_n(&shim.mode, TRACE_OFF, __ATOMIC_RELEASE);
	} else {
		/*
		 * At set-up, not later: child handlers run in the order they were
		 * registered, and ours must give a child its own state before
		 * any the program registers makes socket calls there.
		 */
		__register_atfork(on_fork_prepare, on_fork_parent, on_fork_child, __dso_handle);
	}
	/* seq_cst, against shim_start_slow's store of setup_busy and load of init. */
	__atomic_store_n(&shim.init, SHIM_READY, __ATOMIC_SEQ_CST);
	if (rc)
		return;
	/*
	 * The image before this exec held no socket: nothing to scan for,
	 * unless a socket was made here while set-up ran (it went untraced).
	 */
	if (__atomic_load_n(&setup_busy, __ATOMIC_SEQ_CST))
		hinted = 0;
	rc = hinted ? 0 : inherited_scan();
	if (rc)
		shim_log("note: inherited sockets not scanned", "/proc/self/fd", -rc);
	exec_hint_clean_start(rc == 0);
}

/* The thread making the file while mode is STARTING (0: none yet known). */
static int starter;
/* Sockets missed while the file was being made (see st_totals.sockets_missed), not yet in it. */
static uint64_t missed;

uint64_t shim_missed_pending(void)
{
	return __atomic_load_n(&missed, __ATOMIC_RELAXED);
}

/* Move the sockets missed so far into the file's totals, once it is there. */
static void flush_missed(void)
{
	struct st_file_header *h = shim_hdr();
	uint64_t n;

	if (h && __atomic_load_n(&missed, __ATOMIC_RELAXED) &&
	    (n = __atomic_exchange_n(&missed, 0, __ATOMIC_ACQ_REL)))
		__atomic_fetch_add(&h->totals.sockets_missed, n, __ATOMIC_RELAXED);
}


/*
 * Another thread is making the file: wait for it, so that this thread's
 * socket is traced too.  Not when the maker is this very thread, inside
 * a signal handler that interrupted it (it cannot finish while we wait):
 * that socket goes untraced, counted for the file's totals (as is one
 * whose wait ran out).  1 when tracing is on now.
 */
static int wait_for_start(void)
{
	int me = shim_tid();

	for (unsigned n = 0; n < SHIM_WAIT_YIELDS; n++) {
		int mode = __atomic_load_n(&shim.mode, __ATOMIC_ACQUIRE);

		if (mode != TRACE_STARTING)
			return mode == TRACE_ON;
		if (__atomic_load_n(&starter, __ATOMIC_ACQUIRE) == me)
			break;
		sys_raw(SYS_sched_yield, 0, 0, 0);
	}
	__atomic_fetch_add(&missed, 1, __ATOMIC_RELAXED);
	/* The maker may have finished meanwhile (another thread's wait ran out). */
	if (__atomic_load_n(&shim.mode, __ATOMIC_ACQUIRE) == TRACE_ON)
		flush_missed();
	return 0;
}

int shim_start_slow(void)
{
	int mode = __atomic_load_n(&shim.mode, __ATOMIC_ACQUIRE);
	const char *why, *detail;
	int rc;

	if (likely(mode == TRACE_ON))
		return 1;
	if (shim_in_vfork_child())
		return 0;
	if (mode == TRACE_STARTING)
		return wait_for_start();
	if (mode != TRACE_IDLE)
		return 0;
	if (__atomic_load_n(&shim.init, __ATOMIC_ACQUIRE) != SHIM_READY) {
		/*
		 * Set-up runs in another thread, or below us in a handler: this
		 * socket goes untraced, and set-up must scan for it even with
		 * a hint (it would pass a hint on otherwise).  One of the two
		 * seq_cst pairs sees the other: READY here, or the flag there.
		 */
		__atomic_store_n(&setup_busy, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&shim.init, __ATOMIC_SEQ_CST) != SHIM_READY)
			return 0;
	}
	if (!__atomic_compare_exchange_n(&shim.mode, &mode, TRACE_STARTING, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return mode == TRACE_STARTING ? wait_for_start() : mode == TRACE_ON;
	__atomic_store_n(&starter, shim_tid(), __ATOMIC_RELEASE);
	rc = tracefile_create(&why, &detail);
	__atomic_store_n(&starter, 0, __ATOMIC_RELEASE);
	if (rc) {
		__atomic_store_n(&shim.mode, TRACE_OFF, __ATOMIC_RELEASE);
		shim_log(why, detail, -rc);
		return 0;
	}
	flush_missed();
	return 1;
}

__attribute__((constructor)) static PROC_PATH void shim_ctor(void)
{
	int saved = errno;

	shim_ensure_init();
	errno = saved;
}

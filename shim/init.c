/*
 * init.c - set-up: configuration from the environment, the trace file, the
 * fork hook.  Runs from our constructor, or earlier from the first wrapped
 * call (other libraries' constructors may open sockets before ours runs).
 *
 * Environment:
 *   SOCKTRACE_DIR      trace directory (default ${TMPDIR:-/tmp}/socktrace-<uid>)
 *   SOCKTRACE_RING_MB  ring size per process in MiB (default 4, 1..4096)
 *   SOCKTRACE_LOG      where to say why tracing is off ("stderr" or a path)
 *   SOCKTRACE_STACKS   call-site stacks: 0, create (default) or all
 *   SOCKTRACE_STACK_DEPTH  frames kept per stack (default 16, 1..64)
 *   SOCKTRACE_STACK_TABLE  distinct stacks per process (default 4096)
 *   SOCKTRACE_DATA     "events": a record per data call (default: counters only)
 *   SOCKTRACE_TCP_INFO TCP_INFO at the final close: "0" never, "1" always,
 *                      default when its first data call is 1 ms old or more
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "event.h"
#include "fdtab.h"
#include "inherited.h"
#include "log.h"
#include "modules.h"
#include "procfs.h"
#include "real.h"
#include "sbuf.h"
#include "shim.h"
#include "stacks.h"
#include "sockstats.h"
#include "tracefile.h"

#define RING_MB_DEFAULT	4u
#define RING_MB_MAX	4096u
#define POOL_MIN	1024u
#define POOL_MAX	(1u << 22)

struct shim shim;
__thread int shim_vfork_child TLS_IE;
static struct tracefile_cfg cfg;

/* Trace directory from SOCKTRACE_DIR, made absolute against today's cwd. */
static int config_dir(void)
{
	const char *env = getenv("SOCKTRACE_DIR");
	const char *tmp = getenv("TMPDIR");
	struct sbuf sb;

	sb_init(&sb, cfg.dir, sizeof(cfg.dir));
	if (env && *env) {
		if (env[0] != '/') {
			if (!getcwd(cfg.dir, sizeof(cfg.dir)))
				return -errno;
			sb.len = strlen(cfg.dir);
			sb_char(&sb, '/');
		}
		sb_str(&sb, env);
	} else {
		sb_str(&sb, tmp && *tmp ? tmp : "/tmp");
		sb_str(&sb, "/socktrace-");
		sb_u64(&sb, getuid());
	}
	return sb.overflow ? -ENAMETOOLONG : 0;
}

/* Ring capacity in records from SOCKTRACE_RING_MB (rounded down to a power of two). */
static void config_ring(void)
{
	const char *env = getenv("SOCKTRACE_RING_MB");
	unsigned long mb = RING_MB_DEFAULT;
	char *end;
	uint64_t recs;

	if (env && *env) {
		errno = 0;
		mb = strtoul(env, &end, 10);
		if (errno || *end || mb < 1 || mb > RING_MB_MAX) {
			shim_log("note: SOCKTRACE_RING_MB must be 1..4096, using 4", env, 0);
			mb = RING_MB_DEFAULT;
		}
	}
	recs = ((uint64_t)mb << 20) / ST_RECORD_SIZE;
	while (recs & (recs - 1))
		recs &= recs - 1;
	cfg.capacity = recs;
}

/* One object per possible open fd, within bounds. */
static uint32_t pool_capacity(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_max == RLIM_INFINITY)
		return POOL_MAX;
	if (rl.rlim_max < POOL_MIN)
		return POOL_MIN;
	return rl.rlim_max > POOL_MAX ? POOL_MAX : (uint32_t)rl.rlim_max;
}

/* First event of a file: who we are and how we began. */
static void record_start(enum st_op op, int64_t arg0)
{
	struct st_record scratch, *r;

	if (!trace_enter())
		return;
	r = ev_begin(&scratch, 1, op, -1);
	r->arg[0] = arg0;
	ev_end(r, &scratch);
}

/*
 * In the fork child, before fork() returns there: stop writing into the
 * parent's file and start our own, naming the parent.  Only this thread
 * exists here, and only async-signal-safe calls are made.
 */
static void on_fork_child(void)
{
	struct st_file_header *old = shim_hdr();
	pid_t parent = shim.pid;
	const char *why;
	size_t old_len;
	int rc;

	shim.pid = getpid();
	shim_tid_reset();
	if (!old)
		return;
	/* The parent's file stays mapped until ours has copied from it. */
	old = tracefile_unpublish(&old_len);
	rc = tracefile_open(&cfg, ST_ORIGIN_FORK, parent, old, &why);
	munmap(old, old_len);
	if (rc) {
		sockstats_detach();	/* the counters must not go on into the parent's file */
		shim_log(why, cfg.dir, -rc);
		return;
	}
	record_start(ST_OP_FORK_CHILD, parent);
}

void shim_ensure_init(void)
{
	int expected = SHIM_UNINIT;
	const char *why;
	int rc;

	if (!__atomic_compare_exchange_n(&shim.init, &expected, SHIM_INITIALIZING, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	real_resolve();
	shim.pid = getpid();
	shim_log_setup();
	config_ring();
	stacks_config();
	sockstats_configure();
	rc = config_dir();
	why = "tracing off: the trace directory name";
	if (!rc) {
		rc = sock_pool_init(pool_capacity());
		why = "tracing off: reserving the socket table";
	}
	if (!rc)
		rc = tracefile_open(&cfg, ST_ORIGIN_ROOT, getppid(), NULL, &why);
	if (rc) {
		shim_log(why, cfg.dir, -rc);
	} else {
		pthread_atfork(NULL, NULL, on_fork_child);
	}
	__atomic_store_n(&shim.init, SHIM_READY, __ATOMIC_RELEASE);
	if (rc)
		return;
	shim_hdr()->start_ticks = procfs_start_ticks();
	record_start(ST_OP_TRACE_START, ST_ORIGIN_ROOT);
	rc = inherited_scan();
	if (rc)
		shim_log("note: inherited sockets not scanned", "/proc/self/fd", -rc);
}

__attribute__((constructor)) static void shim_ctor(void)
{
	int saved = errno;

	shim_ensure_init();
	/* Not in shim_ensure_init: a lazy first call may be a signal handler's. */
	stacks_load();
	if (stacks_mode)
		modules_scan();
	errno = saved;
}

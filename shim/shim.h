/*
 * shim.h - state shared by the shim's files: whether we trace, where the
 * file is, and who we are (pid, tid).
 */
#ifndef SOCKTRACE_SHIM_H
#define SOCKTRACE_SHIM_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../include/trace_format.h"

/* Initial-exec TLS: no __tls_get_addr call (which may malloc) on hot paths. */
#define TLS_IE		__attribute__((tls_model("initial-exec")))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define EXPORT		__attribute__((visibility("default")))
/*
 * Code that every process runs, sockets or not: set-up, fork's child
 * handler, the exec wrappers, exit.  Kept together (the linker gathers
 * .text.startup in one stretch), so that a process or fork child that
 * never holds a socket faults in one stretch of our code, not one page
 * here and one there: a page fault costs as much as ten system calls on
 * these machines (bench/README.md).
 */
#define PROC_PATH	__attribute__((section(".text.startup")))
/*
 * The calls a fork child of a server makes on the sockets it inherited
 * (close, the data calls, shutdown).  The linker puts .text.hot right
 * after .text.startup, so that the fault that brings in the child's
 * handler maps these too (the kernel maps the pages around a fault, in a
 * 64 KiB window): one fault fewer per fork child (bench/README.md).
 */
#define HOT_PATH	__attribute__((section(".text.hot")))
/*
 * A string constant that the process path reads (an environment variable's
 * name, a symbol's), as a copy in .data: set-up writes that page anyway,
 * where a read of .rodata would fault in a page of its own.
 */
#define DATA_STR(s) ({ static char data_str_[] __attribute__((section(".data"))) = s; data_str_; })

enum shim_init {
	SHIM_UNINIT = 0,
	SHIM_INITIALIZING,
	SHIM_READY,
};

/*
 * Tracing goes IDLE -> STARTING -> ON when the process first holds a
 * socket (its file is made then), or -> OFF when the file cannot be made
 * (the app runs on untraced; the log says why).  A process that never
 * holds a socket stays IDLE: no file, no tables, no system call of ours.
 */
enum trace_mode {
	TRACE_IDLE = 0,
	TRACE_STARTING,
	TRACE_ON,
	TRACE_OFF,
};

/*
 * The first cache line is what every wrapper reads: after a system call
 * has been through the kernel's network stack, each line of ours is a
 * likely miss, so the hot paths find all they need here (mirrors of the
 * regions' bases and sizes, kept by regions.c and ring.c).
 */
struct shim {
	struct st_file_header *hdr;	/* the mapped header while ON, else NULL (acquire) */
	struct st_fd *fds;		/* the fd table (ST_REG_FDS) */
	struct st_sock *socks;		/* the socket slots (ST_REG_SOCKS) */
	char *ring;			/* the ring's slots (ST_REG_RING) */
	uint64_t ring_mask;		/* ring_cap - 1 */
	uint64_t ring_event_at;		/* the next slot whose claimer grows or populates */
	uint32_t nfds;			/* fd entries mapped (atomic) */
	uint32_t resfd_min;		/* the lowest fd of ours (resfd.h); UINT32_MAX: none */
	int init;			/* enum shim_init (atomic) */
	int mode;			/* enum trace_mode (atomic) */
	/*
	 * The next clock anchor is due once an event's time reaches this:
	 * header anchor_last.ns + 1 s, kept here with each refresh so that
	 * each event compares with one load (atomic).
	 */
	uint64_t anchor_due;
	/* cold */
	pid_t pid;			/* ours; 0 in a fork child until shim_getpid() asks */
	int fd;				/* the trace file, kept open (reserved, high) while ON */
	uint64_t image_start_tick;	/* when this image's set-up ran, or its fork (socks_tick) */
} __attribute__((aligned(64)));

extern struct shim shim;

/*
 * Set while a vfork child runs on this thread's memory (vfork_x86_64.S):
 * wrappers then change nothing, since every write would land in the parent.
 */
extern __thread int shim_vfork_child TLS_IE;

static inline int shim_in_vfork_child(void)
{
	return unlikely(shim_vfork_child != 0);
}

/*
 * Make sure the shim is set up: called from the constructor and from any
 * wrapper that runs before it.  Never blocks: a caller that finds set-up in
 * progress in another thread (or below itself, in a signal handler) returns
 * and its call goes untraced.
 */
void shim_ensure_init(void);

/*
 * The most sched_yield()s a thread spends waiting for another thread's
 * short job (making the trace file, growing a table or the ring, loading
 * libunwind): a few system calls, so the wait ends long before this; the
 * bound is for a thread stopped meanwhile (in a signal handler), which
 * must not hang the others.
 */
#define SHIM_WAIT_YIELDS	100000u

/* The mapped header when tracing, else NULL. */
static inline struct st_file_header *shim_hdr(void)
{
	return __atomic_load_n(&shim.hdr, __ATOMIC_ACQUIRE);
}

/*
 * The process now holds a socket: make sure it is traced.  Returns 1 when
 * the file is there (made now if needed), 0 when it cannot be (tracing
 * off, or another thread or an interrupted call is making it right now:
 * this call goes untraced).  Async-signal-safe.  Inline: one load while
 * tracing; shim_start_slow does the rest.
 */
int shim_start_slow(void);

static inline int shim_start(void)
{
	if (likely(__atomic_load_n(&shim.mode, __ATOMIC_ACQUIRE) == TRACE_ON))
		return 1;
	return shim_start_slow();
}

/*
 * Sockets made while the file was being made, untraced, not yet counted in
 * its totals (st_totals.sockets_missed has the rest).
 */
uint64_t shim_missed_pending(void);

/* Our pid (one getpid in a fork child, the first time). */
pid_t shim_getpid(void);

/* The calling thread's kernel tid once asked (0: not yet), per thread. */
extern __thread pid_t shim_tls_tid TLS_IE;

/* Ask the kernel for the calling thread's tid, and cache it. */
pid_t shim_tid_fetch(void) __attribute__((cold, noinline));

/* The calling thread's kernel tid, cached per thread.  Inline: one TLS load. */
static inline __attribute__((always_inline)) pid_t shim_tid(void)
{
	pid_t tid = shim_tls_tid;

	return likely(tid != 0) ? tid : shim_tid_fetch();
}

/*
 * The fork child's only thread has a new tid: tid when known (the forking
 * thread is the child's main thread, so its tid is the child's pid), else
 * 0, fetched at the next use.
 */
void shim_tid_reset(pid_t tid);

/* CLOCK_MONOTONIC in ns.  Inline: once per event, a call to the vDSO's clock. */
static inline __attribute__((always_inline)) uint64_t shim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif

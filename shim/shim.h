/*
 * shim.h - state shared by the shim's files: whether we trace, where the
 * ring is, and who we are (pid, tid).
 */
#ifndef SOCKTRACE_SHIM_H
#define SOCKTRACE_SHIM_H

#include <stdint.h>
#include <sys/types.h>

#include "../include/trace_format.h"

/* Initial-exec TLS: no __tls_get_addr call (which may malloc) on hot paths. */
#define TLS_IE		__attribute__((tls_model("initial-exec")))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define EXPORT		__attribute__((visibility("default")))

enum shim_init {
	SHIM_UNINIT = 0,
	SHIM_INITIALIZING,
	SHIM_READY,
};

struct shim {
	/* The mapped trace file; NULL while untraced.  Read with acquire. */
	struct st_file_header *hdr;
	struct st_record *recs;
	uint64_t mask;			/* capacity - 1 */
	size_t map_len;
	pid_t pid;			/* refreshed in the fork child */
	int init;			/* enum shim_init, atomic */
};

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

/* The mapped header when tracing, else NULL. */
static inline struct st_file_header *shim_hdr(void)
{
	return __atomic_load_n(&shim.hdr, __ATOMIC_ACQUIRE);
}

/* The calling thread's kernel tid, cached per thread. */
pid_t shim_tid(void);

/* Forget the cached tid (the fork child's only thread has a new one). */
void shim_tid_reset(void);

/* CLOCK_MONOTONIC in ns. */
uint64_t shim_now(void);

#endif

/*
 * model.h - what the trace files say, merged: processes, and connections
 * (one per socket inode, across every traced process that held it).
 */
#ifndef SOCKTRACE_MODEL_H
#define SOCKTRACE_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <uthash.h>

#include "addr_fmt.h"
#include "trace_read.h"

enum role {
	ROLE_UNCONNECTED = 0,
	ROLE_CLIENT,
	ROLE_SERVER,
	ROLE_LISTENER,
	ROLE_PAIR,
};

/* One process's references to one socket (for open-at-exit). */
struct holding {
	uint64_t inode;		/* key */
	int32_t refs;
	UT_hash_handle hh;
};

struct proc {
	struct trace_file *tf;
	int pid, ppid;
	int exited;		/* the process marked its file at exit */
	uint64_t lost;		/* overwritten + torn + corrupt */
	struct ev **evs;	/* events about no socket: fork, exit, failed socket() */
	size_t nevs, capevs;
	struct holding *held;	/* inode -> refs, replayed in time order */
	int inherited;		/* a fork child that got its parent's counts */
};

/* One record as seen from one connection. */
struct ev {
	const struct st_record *r;
	struct proc *p;
	int as_listener;	/* an accept shown on the listener's timeline */
	int32_t refs_total;	/* references in all traced processes after it; -1 unknown */
};

struct conn {
	uint64_t inode;		/* key */
	UT_hash_handle hh;
	int pid;		/* the process it was first seen in */
	int domain, type;
	enum role role;
	char local[ADDR_STR_MAX];	/* "" when never learned */
	char peer[ADDR_STR_MAX];
	uint64_t peer_inode;	/* socketpair's other end */
	int first_seen;		/* not born under our eyes */
	int open_at_exit;
	int32_t refs_total;	/* running total while the model replays */
	struct ev *evs;
	size_t nevs, capevs;
	int fds[32];
	size_t nfds;
};

struct model {
	struct proc *procs;
	size_t nprocs;
	struct conn *by_inode;	/* uthash head */
	struct conn **conns;	/* in order of first appearance */
	size_t nconns, capconns;
	struct ev *all;		/* every record, in time order */
	size_t nall;
	size_t failed_calls;
	size_t open_at_exit;
	uint64_t lost;
	uint64_t t0;		/* earliest event */
};

/*
 * Build the model from loaded files (the model takes them over).
 * Returns 0, or -1 when out of memory.
 */
int model_build(struct model *m, struct trace_file **files, size_t nfiles);

void model_free(struct model *m);

/* The addresses of r of a given ST_ADDR_* kind, formatted; NULL if none. */
const char *ev_addr_str(const struct st_record *r, unsigned kind, char *out);

/* References to the socket after this event, as this timeline sees them. */
int32_t ev_refs(const struct ev *e);

const char *role_name(enum role role);

#endif

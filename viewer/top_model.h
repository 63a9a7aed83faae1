/*
 * top_model.h - what `socktrace top` shows, kept across refreshes: the
 * traced processes still running (and those that just ended), the
 * sockets each holds now, and the call sites that made them, with rates
 * from one refresh to the next and each site's open count over the last
 * minute.
 *
 * Everything comes from the files' state (header totals, fd table,
 * socket slots, the stack table's per-site made counters), never from
 * the ring: it is exact however much history the ring lost.
 */
#ifndef SOCKTRACE_TOP_MODEL_H
#define SOCKTRACE_TOP_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <uthash.h>

#include "callstack.h"
#include "live.h"

#define TOP_SAMPLES	512	/* open counts kept per site (one per refresh) */
#define TOP_WINDOW_NS	60000000000ull	/* "the last minute" */
#define TOP_LINGER	10	/* refreshes an ended process is still shown */
#define TOP_SLOT_IMAGES	4096	/* images in fork slots looked at from one image at a time */

/* What a socket is doing, as the state says (one of them per socket). */
enum top_sstate {
	TS_LISTEN = 0,		/* listen() succeeded */
	TS_ESTAB,		/* connected, accepted, a socketpair end */
	TS_HALF,		/* shut down one way here (SHUT_WR: our FIN sent, or SHUT_RD) */
	TS_CLOSE_WAIT,		/* the peer's FIN arrived (a read returned 0), ours not sent */
	TS_OTHER,		/* unconnected, connecting, datagram */
	TS_NSTATES
};

enum top_kind { TK_TCP = 0, TK_UDP, TK_UNIX, TK_OTHER, TK_NKINDS };

struct top_site;

/* One stack id of one process: the site it symbolises to and its counters there. */
struct top_stackref {
	uint32_t id;		/* key; 0: sockets made without a stack */
	UT_hash_handle hh;
	struct top_site *site;
	uint64_t made, made_prev;	/* the stack's made counter (sockets made from it here) */
	uint64_t open, open_prev;	/* slots naming it, of sockets made (or received) here */
	int has_prev;
};

struct top_proc {
	struct live_file *lf;
	struct trace_file *stk;	/* the stack table as last copied, for symbolising; NULL: none yet */
	struct top_stackref *refs;	/* by stack id */
	struct top_site **sock_site;	/* per lf->socks[i]: its site (NULL: a fork's copy) */
	size_t capsite;
	int pid, ppid;
	char name[64];		/* argv[0]'s last component */
	int running;
	unsigned ended_for;	/* refreshes since it ended (shown while < TOP_LINGER) */
	uint64_t ended_ns;	/* when the viewer saw it end */
	char why_ended[200];	/* "", or why it is no longer read (file replaced, truncated) */
	int has_prev;
	/* Now. */
	uint64_t open;
	uint64_t by_state[TS_NSTATES], by_kind[TK_NKINDS];
	uint64_t came, closed;	/* sockets made, received or forked in; of them no longer held */
	uint64_t sent, received;	/* bytes, the closed sockets' and the held ones' */
	uint64_t overwritten, dropped;	/* events lost: the ring wrapped over them; found no slot */
	/* Previous refresh, and the rates between the two (per second). */
	uint64_t came_prev, closed_prev, sent_prev, received_prev;
	double made_ps, closed_ps, sent_ps, received_ps;
};

struct top_sample {
	uint64_t t_ns;
	uint64_t open;
};

struct top_site {
	char *key;		/* callstack_key: "" for sockets made without a stack */
	UT_hash_handle hh;
	char label[256];	/* "function file:line" of the app's call, as leaks names it */
	struct callstack *cs;	/* the frames (a copy), NULL for the no-stack site */
	char why[256];		/* when cs is NULL: why there is no stack */
	unsigned nrefs;		/* stackrefs naming it */
	/* Now, over every process shown. */
	uint64_t open, close_wait;
	uint64_t made_total, closed_total;	/* since tracing began (made_known: else unknown) */
	int made_known;
	double made_ps, closed_ps;
	int64_t change_1m;	/* open now minus the open count a minute ago (or at the first sample) */
	uint64_t window_ns;	/* how far back that sample is */
	int growing;		/* over that window the open count rose and never fell */
	struct top_sample samp[TOP_SAMPLES];	/* a ring of one sample per refresh */
	unsigned nsamp, next;
};

/* An image not to read again unless its file is replaced (ended, unreadable, another pid). */
struct top_known {
	char *path;		/* key: the image's name (live_file's) */
	UT_hash_handle hh;
	ino_t ino;
};

struct top_model {
	char **dirs;
	int ndirs;
	int pid;		/* -p PID; 0: every process */
	struct top_proc **procs;	/* shown: running, then ended ones lingering */
	size_t nprocs, capprocs;
	struct top_site *sites;	/* uthash by key */
	struct top_site **order;	/* every site, for sorting */
	size_t nsites, caporder;
	struct top_known *known;
	struct stacks *stacks;	/* the symboliser, kept across refreshes */
	struct timespec *dir_mtime;	/* per dir, at its last scan */
	uint64_t now_ns, prev_ns, wall_ns;
	unsigned refreshes;
	unsigned unreadable;	/* files that could not be read */
	char note[300];		/* the latest file that could not be read, and why */
	uint64_t refresh_cpu_ns;	/* CPU time the last refresh took */
};

/* Start watching dirs (not copied: they must outlive m), every process or only pid. */
int top_init(struct top_model *m, char **dirs, int ndirs, int pid);

/*
 * Read everything again: new files in the directories, each watched
 * file's state; processes that ended are marked (and dropped after
 * TOP_LINGER refreshes), rates computed against the previous refresh.
 * 0, or -1 when out of memory.
 */
int top_refresh(struct top_model *m);

void top_free(struct top_model *m);

/* Processes shown that are running. */
size_t top_running(const struct top_model *m);

/* "listener", "client", "accepted", "pair", "udp", "unconnected" (as leaks says). */
const char *top_sock_role(const struct st_sock *s);

/* "LISTEN", "ESTABLISHED", "CLOSE_WAIT", ... : the TCP state implied, or the state's class. */
const char *top_sock_state(const struct st_sock *s);

/* The class a socket counts under. */
enum top_sstate top_sock_class(const struct st_sock *s);
enum top_kind top_sock_kind(const struct st_sock *s);

/* When the socket last did something: its last data call, else its latest known step. */
uint64_t top_sock_active_ns(const struct top_proc *p, const struct live_sock *ls);

/* Names for the classes (JSON keys): "listening", "established", "half_closed", ... */
const char *top_state_key(enum top_sstate s);
const char *top_kind_key(enum top_kind k);

/* ------------------------------------------------------------------ rows */

/* What the process list can be sorted by. */
enum top_pkey { PK_OPEN = 0, PK_CLOSE_WAIT, PK_MADE, PK_CLOSED, PK_SENT, PK_RECV, PK_LOST, PK_PID,
		PK_NAME, PK_N };
/* ... and the site list. */
enum top_skey { SK_CHANGE = 0, SK_OPEN, SK_CLOSE_WAIT, SK_MADE, SK_CLOSED, SK_TOTAL, SK_NAME, SK_N };

/* The sort keys' names, as the screen and --sort say them ("open", "made", ...). */
const char *top_pkey_name(enum top_pkey k);
const char *top_skey_name(enum top_skey k);

/*
 * Sort m->procs (running first, then by key; largest first unless rev,
 * pid and name ascending) and m->order (by key, then open, then label).
 */
void top_sort(struct top_model *m, enum top_pkey pk, int prev, enum top_skey sk, int srev);

/* One socket in a list: its process and slot copy. */
struct top_row {
	const struct top_proc *p;
	const struct live_sock *s;
};

/*
 * The sockets of site st (or, st NULL, of process p) now, oldest first,
 * into *out (newly allocated, *n of them).  -1 when out of memory.
 */
int top_socks(const struct top_model *m, const struct top_site *st, const struct top_proc *p,
	      struct top_row **out, size_t *n);

/* "1.5k", "23M": a count or rate in at most 5 characters. */
char *top_num(double v, char *out, size_t n);

#endif

/*
 * leaks.h - sockets a process never closed, grouped by the call site that
 * made them: what `socktrace leaks` reports.
 */
#ifndef SOCKTRACE_LEAKS_H
#define SOCKTRACE_LEAKS_H

#include <stddef.h>
#include <stdint.h>

#include "callstack.h"
#include "model.h"

struct leak {
	const struct conn *c;
	const struct ref *x;	/* the reference left open: its process and fd */
	uint64_t born_ns;	/* when the socket was made (its first event) */
	uint64_t end_ns;	/* when its process ended with it, or the moment asked */
	const char *end;	/* "exit", "killed by SIGKILL", NULL: open at the moment asked, or at the trace's end */
	const struct ev *last;	/* the last event on the socket by end_ns */
};

struct leak_group {
	const struct callstack *cs;	/* NULL: creation stack not recorded */
	char why[512];			/* when cs is NULL: the reasons, "; "-separated */
	struct leak *leaks;		/* oldest first */
	size_t n, cap;
};

struct leak_report {
	struct leak_group *groups;	/* largest first */
	size_t n;
	size_t total;			/* sockets in all groups */
	int at;				/* 1: open at at_ns; LEAKS_AT_NOW: open now; 0: left open at exit */
	uint64_t at_ns;
	uint64_t end_ns;		/* the trace's end (trace_end_ns) */
	int every;			/* every socket held to the end, leak or not (leaks --all) */
};

/*
 * Sockets whose last reference went with its process (exit, kill), or
 * still open when the trace ends, in processes that did not exec them
 * away, that the leak rule calls leaks (leak_rule.h; every one of them
 * when every is set); with at, every socket open at monotonic time at_ns instead;
 * with at LEAKS_AT_NOW (at_ns: now), those open now in images still
 * running (a file read live).  Returns -1 when out of memory.
 */
#define LEAKS_AT_NOW	2

int leaks_find(const struct model *m, int at, uint64_t at_ns, int every, struct leak_report *out);

/* The sockets of lr that are leaks (by the rule; with at or every, each one listed): what fails the exit status. */
size_t leaks_count(const struct leak_report *lr);

void leaks_free(struct leak_report *lr);

/* "listener", "client", "accepted", "pair", "udp", "unconnected". */
const char *leak_role(const struct conn *c);

#endif

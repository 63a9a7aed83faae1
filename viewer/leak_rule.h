/*
 * leak_rule.h - the one rule for "leaked": which sockets a process held
 * to its end were abandoned, and which it still served.  The audit's
 * leaked-at-exit and open-at-exit, and socktrace leaks, read its verdict.
 *
 * A socket its process held to the end while still serving it (a postgres
 * backend's client, a daemon's listeners at SIGTERM) is not a leak.  A
 * leak is a socket abandoned while its process lived on:
 *   - its peer gone: the peer's FIN was read, or the peer in the trace had
 *     let go of it, and the process went on to new work (made or accepted
 *     another socket), or lived LEAK_GONE_NS more (closing its other
 *     sockets on the way out is not going on);
 *   - shut down here and never touched again, while the process made
 *     calls on other sockets or lived LEAK_GONE_NS more
 *     (shutdown-without-close);
 *   - idle: nothing moved on it for LEAK_IDLE_NS (or --idle) before the end;
 *   - its call site only grows: LEAK_SITE_MIN or more sockets from one
 *     call site (stacks_site_key: the source line of the app's call, so an
 *     unrolled loop's copies are one site) open at the end, and every
 *     socket made there in that image still open (its open count never
 *     went down).
 * Listeners, and copies a fork child or an exec'd image got and never
 * used (the image that made the socket let go of it), are never leaks.
 */
#ifndef SOCKTRACE_LEAK_RULE_H
#define SOCKTRACE_LEAK_RULE_H

#include <stdint.h>

#include "model.h"

/* How long after its peer left a socket held on counts as abandoned. */
#define LEAK_GONE_NS	1000000000ull
/* How long without any call or data before the end counts as idle, by default
 * (--idle): longer than the usual keep-alive timeouts (nginx 75 s), so an idle
 * keep-alive connection is not a leak. */
#define LEAK_IDLE_NS	120000000000ull
/* How many open sockets from one call site, none ever closed, make a growing site. */
#define LEAK_SITE_MIN	3

/*
 * Judge every socket held to its process's end (open at exit, or still
 * open in a running process when the trace ends): fills c->leak and
 * c->leak_ref.  After the replay and conn_data.
 */
void leak_rule_apply(struct model *m);

/*
 * The idle threshold the next leak_rule_apply uses, from --idle's
 * argument (seconds, above 0); -1 (and nothing set) when s is not one.
 */
int leak_rule_set_idle(const char *s);

/* Is v a leak (a warning), not one of the reasons it is not? */
int leak_verdict_is_leak(enum leak_verdict v);

/* The verdict in words, for a message: "it was never used after it was made". */
const char *leak_verdict_text(enum leak_verdict v);

/* The verdict's JSON name: "never_used", "peer_gone", ... */
const char *leak_verdict_json(enum leak_verdict v);

/*
 * The other end of c, when the trace holds it: a socketpair's other end,
 * or the TCP connection whose addresses are c's swapped and whose life
 * overlaps c's.  NULL when not in the trace.
 */
const struct conn *conn_peer(const struct model *m, const struct conn *c);

/*
 * Did pid make a successful call on a socket other than c after t (before
 * until)?  new_only: only one that made a socket (socket, socketpair, accept).
 */
int proc_busy_after(const struct model *m, int pid, const struct conn *c, uint64_t t,
		    uint64_t until, int new_only);

#endif

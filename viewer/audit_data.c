/*
 * audit_data.c - findings from the data path: close-wait (the peer's FIN
 * arrived and the socket stayed open) and write-after-peer-close (a call
 * failed with EPIPE or ECONNRESET).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ends.h"
#include "model.h"
#include "names.h"
#include "timefmt.h"
#include "audit.h"
#include "replay.h"

/* A close this long after the peer's FIN is no longer "right away". */
#define CLOSE_WAIT_SLACK_NS	1000000000ull

/* The first successful shutdown of c that sent our FIN (SHUT_WR, SHUT_RDWR); NULL when none. */
static const struct trace_rec *fin_shutdown(const struct conn *c)
{
	for (size_t k = 0; k < c->nevs; k++) {
		const struct trace_rec *r = c->evs[k].r;

		if (r->op == ST_OP_SHUTDOWN && r->ret == 0 && (r->arg[0] == SHUT_WR || r->arg[0] == SHUT_RDWR))
			return r;
	}
	return NULL;
}

/*
 * Who kept c in CLOSE_WAIT from eof to end: the reference open latest in
 * that span (the last one held), and from when its process held it alone
 * (*alone: the last moment another process let go, or eof).
 */
static const struct ref *cw_holder(const struct conn *c, uint64_t eof, uint64_t end, uint64_t *alone)
{
	const struct ref *best = NULL;

	for (size_t i = 0; i < c->nrefs; i++) {
		const struct ref *x = c->refs[i];

		if (x->from_ns > end || (x->to_ns && x->to_ns < eof))
			continue;
		if (!best || (best->to_ns && (!x->to_ns || x->to_ns > best->to_ns)))
			best = x;
	}
	*alone = eof;
	for (size_t i = 0; best && i < c->nrefs; i++) {
		const struct ref *x = c->refs[i];

		if (x->p->pid != best->p->pid && x->to_ns > *alone && x->to_ns <= end)
			*alone = x->to_ns;
	}
	return best;
}

/*
 * close-wait: the peer's FIN was read and this side kept the socket in
 * CLOSE_WAIT: for CLOSE_WAIT_SLACK_NS or more, or to an end the leak rule
 * calls abandoned (peer gone).  CLOSE_WAIT ends at our own FIN: a
 * shutdown(SHUT_WR or SHUT_RDWR) or the last close; a shutdown before
 * the peer's FIN means no CLOSE_WAIT at all (FIN_WAIT, then TIME_WAIT).
 * Blamed on the process that held the last reference, for as long as it
 * held it alone.
 */
static int close_wait(struct model *m, const struct conn *c, const char *desc)
{
	const struct trace_rec *shut = fin_shutdown(c);
	char eof[TF_MAX], from[TF_MAX], to[TF_MAX], dur[TF_MAX], alone_d[TF_MAX], how[128];
	const struct ref *x;
	uint64_t end, alone;

	/* CLOSE_WAIT is TCP's: a unix socket's peer is not kept waiting by it. */
	if (c->type != SOCK_STREAM || (c->domain != AF_INET && c->domain != AF_INET6))
		return 0;
	/* Closed in the history lost: when is not known, so nothing is said. */
	if (!c->eof_ns || (c->released_ns && c->released_ns < c->eof_ns) || c->released_unknown)
		return 0;
	if (shut && shut->t_ns <= c->eof_ns)
		return 0;
	end = c->released_ns ? c->released_ns : trace_end_ns(m);
	if (shut && shut->t_ns < end) {
		end = shut->t_ns;
		snprintf(how, sizeof(how), "pid %d's shutdown(%s) sent its FIN (LAST_ACK)", shut->pid,
			 shut->arg[0] == SHUT_WR ? "SHUT_WR" : "SHUT_RDWR");
	} else if (c->released_ns) {
		snprintf(how, sizeof(how), "%s", released_by_call(c) ? "its last close" :
			 "its process ended with it open");
	} else {
		snprintf(how, sizeof(how), "the end of the trace, still open");
	}
	if (end - c->eof_ns < CLOSE_WAIT_SLACK_NS && c->leak != LEAK_PEER_GONE)
		return 0;
	x = cw_holder(c, c->eof_ns, end, &alone);
	if (!x)
		return 0;
	return add_finding(m, "close-wait", SEV_WARNING, x->p->pid, x->fd, c->inode, c->eof_ns,
		"the peer of %s closed its side at %s (pid %d read EOF), but the socket stayed in "
		"CLOSE_WAIT %s, until %s at %s. pid %d held the last reference (fd %d), alone from %s: "
		"%s. The peer cannot finish closing and the fd and its buffers are held. Close a "
		"socket once read() returns 0.", desc, tf_at_s(m, c->eof_ns, eof), c->eof_pid,
		tf_dur(end - c->eof_ns, dur), how, tf_at_s(m, end, to), x->p->pid, x->fd,
		tf_at_s(m, alone, from), tf_dur(end - alone, alone_d));
}

/*
 * A write that failed with EPIPE or ECONNRESET: the peer had gone.  The
 * call came back to the program (with SIGPIPE at its default the EPIPE
 * would have killed it inside the call, before the shim saw a result),
 * so a recorded one was survived: a peer that leaves is routine, and a
 * program that stops writing there handled it (info).  again failed
 * writes of the same process on the same socket after it: the error was
 * not acted on (warning).
 */
static int after_peer_close(struct model *m, const struct conn *c, const struct trace_rec *r,
			    const char *desc, size_t again)
{
	const char *op = op_name(r->op) ? op_name(r->op) : "a data call";
	enum severity sev = again ? SEV_WARNING : SEV_INFO;
	char eof[96] = "", at[TF_MAX], then[160];

	if (c->eof_ns && c->eof_ns <= r->t_ns)
		snprintf(eof, sizeof(eof), " (its FIN was read at %s)", tf_at_s(m, c->eof_ns, at));
	if (again)
		snprintf(then, sizeof(then), "pid %d wrote on it %zu more time%s after, failing each "
			 "time: the error was not acted on", r->pid, again, again == 1 ? "" : "s");
	else
		snprintf(then, sizeof(then), "pid %d wrote no more on it: handled", r->pid);
	if (r->err == EPIPE)
		return add_finding(m, "write-after-peer-close", sev, r->pid, r->fd, c->inode, r->t_ns,
			"%s on fd %d in pid %d failed with EPIPE: %s was already closed for writing, the "
			"peer gone%s. The process went on (SIGPIPE ignored, blocked or handled, or "
			"MSG_NOSIGNAL: at its default SIGPIPE kills in the call); %s.", op, r->fd, r->pid, desc, eof, then);
	return add_finding(m, "write-after-peer-close", sev, r->pid, r->fd, c->inode, r->t_ns,
		"%s on fd %d in pid %d failed with ECONNRESET: the peer of %s reset the connection "
		"(it closed with data unread, or with SO_LINGER {1, 0})%s; what this side wrote after "
		"the peer closed was answered by RST; %s.", op, r->fd, r->pid, desc, eof, then);
}

/* Is r a write that failed because the peer had gone? */
static int failed_write(const struct trace_rec *r)
{
	return is_data_record(r) && !(r->arg[1] & ST_DATA_RECEIVED) && r->ret < 0 &&
	       (r->err == EPIPE || r->err == ECONNRESET);
}

int audit_data(struct model *m)
{
	char desc[1024];

	for (size_t i = 0; i < m->nconns; i++) {
		const struct conn *c = m->conns[i];

		conn_desc(c, desc, sizeof(desc));
		if (close_wait(m, c, desc))
			return -1;
		/* A socket never connected has no peer to have closed (its EPIPE is its own state). */
		if (c->role == ROLE_UNCONNECTED || c->role == ROLE_LISTENER)
			continue;
		/*
		 * Only writes: a read's ECONNRESET is the peer's RST, its own
		 * finding there.  One finding per process and socket: its
		 * first failed write, with how many followed.
		 */
		for (size_t k = 0; k < c->nevs; k++) {
			const struct trace_rec *r = c->evs[k].r;
			size_t again = 0, j;

			if (!failed_write(r))
				continue;
			for (j = 0; j < k; j++)
				if (failed_write(c->evs[j].r) && c->evs[j].r->pid == r->pid)
					break;
			if (j < k)
				continue;	/* not this process's first */
			for (j = k + 1; j < c->nevs; j++)
				again += failed_write(c->evs[j].r) && c->evs[j].r->pid == r->pid;
			if (after_peer_close(m, c, r, desc, again))
				return -1;
		}
	}
	return 0;
}

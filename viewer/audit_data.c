/*
 * audit_data.c - findings from the data path: close-wait (the peer's FIN
 * arrived and the socket stayed open) and write-after-peer-close (a call
 * failed with EPIPE or ECONNRESET).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "names.h"
#include "timefmt.h"

/* A close this long after the peer's FIN is no longer "right away". */
#define CLOSE_WAIT_SLACK_NS	1000000000ull

static int close_wait(struct model *m, const struct conn *c, const char *desc)
{
	int fd = c->nfds ? c->fds[0] : -1;
	char eof[TF_MAX], rel_at[TF_MAX], dur[TF_MAX];
	uint64_t held;

	/* Closed in the history lost: when is not known, so nothing is said. */
	if (!c->eof_ns || (c->released_ns && c->released_ns < c->eof_ns) || c->released_unknown)
		return 0;
	if (c->released_ns && released_by_call(c)) {
		held = c->released_ns - c->eof_ns;
		if (held < CLOSE_WAIT_SLACK_NS)
			return 0;
		return add_finding(m, "close-wait", SEV_WARNING, c->eof_pid, fd, c->inode, c->eof_ns,
			"the peer of %s closed its side at %s (pid %d read EOF), but the socket stayed "
			"open %s more, in CLOSE_WAIT, until %s: the peer cannot finish closing "
			"and the fd and its buffers are held. Close a socket once read() returns 0.",
			desc, tf_at_s(m, c->eof_ns, eof), c->eof_pid, tf_dur(held, dur),
			tf_at_s(m, c->released_ns, rel_at));
	}
	return add_finding(m, "close-wait", SEV_WARNING, c->eof_pid, fd, c->inode, c->eof_ns,
		"the peer of %s closed its side at %s (pid %d read EOF), but the socket was never "
		"closed: it stayed in CLOSE_WAIT %s. Close a socket once read() returns 0; CLOSE_WAIT "
		"sockets piling up are this leak.", desc, tf_at_s(m, c->eof_ns, eof), c->eof_pid,
		c->released_ns ? "until its process ended" : "to the end of the trace");
}

static int after_peer_close(struct model *m, const struct conn *c, const struct trace_rec *r,
			    const char *desc)
{
	const char *op = op_name(r->op) ? op_name(r->op) : "a data call";
	char eof[96] = "", at[TF_MAX];

	if (c->eof_ns && c->eof_ns <= r->t_ns)
		snprintf(eof, sizeof(eof), " (its FIN was read at %s)", tf_at_s(m, c->eof_ns, at));
	if (r->err == EPIPE)
		return add_finding(m, "write-after-peer-close", SEV_WARNING, r->pid, r->fd, c->inode, r->t_ns,
			"%s on fd %d in pid %d failed with EPIPE: %s was already closed for writing, the "
			"peer gone%s. Unless SIGPIPE is ignored or MSG_NOSIGNAL is used, the same write "
			"kills the process with SIGPIPE.", op, r->fd, r->pid, desc, eof);
	return add_finding(m, "write-after-peer-close", SEV_WARNING, r->pid, r->fd, c->inode, r->t_ns,
		"%s on fd %d in pid %d failed with ECONNRESET: the peer of %s reset the connection "
		"(it closed with data unread, or with SO_LINGER {1, 0})%s; what this side wrote after "
		"the peer closed was answered by RST.", op, r->fd, r->pid, desc, eof);
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
		for (size_t k = 0; k < c->nevs; k++) {
			const struct trace_rec *r = c->evs[k].r;

			/* Only writes: a read's ECONNRESET is the peer's RST, its own finding there. */
			if (is_data_record(r) && !(r->arg[1] & ST_DATA_RECEIVED) && r->ret < 0 &&
			    (r->err == EPIPE || r->err == ECONNRESET) && after_peer_close(m, c, r, desc))
				return -1;
		}
	}
	return 0;
}

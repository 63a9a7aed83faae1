/*
 * audit.c - the close-vs-shutdown audit: findings read off the replayed
 * references.  Each finding names the process, fd, socket, time, and in
 * plain words what the kernel did and who else held the socket.
 *
 * Kinds (stable names, the JSON contract): close-not-final, leaked-at-exit,
 * shutdown-without-close, double-close, close-with-unread-data,
 * abortive-close, inherited-across-exec, missed-close; and from the data
 * path (audit_data.c) close-wait, write-after-peer-close.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ends.h"
#include "leak_rule.h"
#include "model.h"
#include "names.h"
#include "report.h"
#include "timefmt.h"
#include "replay.h"
#include "audit.h"
#include "op_flags.h"

/* "TCP server 127.0.0.1:8080 <- 127.0.0.1:5555" */
void conn_desc(const struct conn *c, char *out, size_t n)
{
	const char *proto = c->domain == AF_UNIX ? "unix" : c->type == SOCK_STREAM ? "TCP" :
			    c->type == SOCK_DGRAM ? "UDP" : "socket";
	const char *local = c->local[0] ? c->local : "?", *peer = c->peer[0] ? c->peer : "?";

	switch (c->role) {
	case ROLE_LISTENER:
		snprintf(out, n, "%s listener %s", proto, local);
		break;
	case ROLE_SERVER:
		snprintf(out, n, "%s server %s <- %s", proto, local, peer);
		break;
	case ROLE_CLIENT:
		snprintf(out, n, "%s client %s -> %s", proto, local, peer);
		break;
	case ROLE_PAIR:
		snprintf(out, n, "%s socketpair end", proto);
		break;
	case ROLE_UNKNOWN:
		snprintf(out, n, "%s socket made before the history kept", proto);
		break;
	default:
		snprintf(out, n, "unconnected %s socket%s%s", proto, c->local[0] ? " " : "", c->local);
	}
}

int add_finding(struct model *m, const char *kind, enum severity sev, int pid, int fd,
		uint64_t inode, uint64_t t, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;
	int rc;

	if (model_grow((void **)&m->findings, m->nfindings, &m->capfindings, sizeof(*f)))
		return -1;
	f = &m->findings[m->nfindings];
	memset(f, 0, sizeof(*f));
	va_start(ap, fmt);
	rc = vasprintf(&f->message, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	f->kind = kind;
	f->severity = sev;
	f->pid = pid;
	f->fd = fd;
	f->inode = inode;
	f->t_ns = t;
	m->nfindings++;
	m->by_severity[sev]++;
	return 0;
}

/* "pid 12 fd 5, pid 13 fd 5" from a close's holders (truncated politely). */
static void holders_str(const struct ev *e, char *out, size_t n)
{
	size_t o = 0;

	out[0] = 0;
	for (size_t i = 0; i < e->nheld && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%spid %d fd %d", i ? ", " : "",
				      e->held_by[i].pid, e->held_by[i].fd);
	if (e->in_flight > 0 && o < n)
		snprintf(out + o, n - o, "%s%d in flight (SCM_RIGHTS, not yet received)",
			 o ? ", " : "", e->in_flight);
}

/* How and when the connection's last reference went, in words. */
static void released_str(const struct model *m, const struct conn *c, char *out, size_t n)
{
	char at[TF_MAX];

	if (!c->released_ns)
		snprintf(out, n, "it never went while the trace ran");
	else
		snprintf(out, n, "that was at %s (pid %d fd %d: %s)", tf_at_s(m, c->released_ns, at),
			 c->released_pid, c->released_fd, conn_released_how(c));
}

/* The reference of c that pid held on fd at t, or NULL. */
static const struct ref *ref_at(const struct conn *c, int pid, int fd, uint64_t t)
{
	for (size_t i = 0; i < c->nrefs; i++) {
		const struct ref *x = c->refs[i];

		if (x->p->pid == pid && x->fd == fd && x->from_ns <= t && (!x->to_ns || x->to_ns >= t))
			return x;
	}
	return NULL;
}

/*
 * Is holder h (pid, fd) of c at t a dup its process kept open to its end:
 * not stdio (dup2 onto 0-2 before exec is how a program is handed a
 * socket), never closed by a call, not carried into an exec'd program?
 * Exit and a kill count alike, so the answer does not depend on how the
 * process happened to end.
 */
static int dup_kept(const struct conn *c, const struct holder *h, uint64_t t)
{
	const struct ref *x = h->fd > 2 ? ref_at(c, h->pid, h->fd, t) : NULL;

	return x && ref_end_kind(x) != REF_END_CALL && ref_end_kind(x) != REF_END_EXEC;
}

/* Did pid make a call of its own (any record but the shim's marks) after t1 and before t2? */
static int pid_acted_between(const struct model *m, int pid, uint64_t t1, uint64_t t2)
{
	for (size_t i = model_first_at(m, t1 + 1); i < m->nall; i++) {
		const struct trace_rec *r = m->all[i].r;

		if (r->t_ns >= t2)
			break;
		if (r->t_ns > t1 && r->pid == pid && st_op_class(r->op) != ST_CLASS_SYNTH && r->op < 100)
			return 1;
	}
	return 0;
}

/*
 * Did the acceptor (holder h of c) forget its copy when the fork child
 * closed at t: it went on with other calls (a waitpid, the next accept)
 * still holding it, or never closed it?  A parent that closes its copy as
 * its very next call merely lost a race with the child: that is the
 * correct fork-per-connection server, whichever close came first.
 */
static int acceptor_forgot(const struct model *m, const struct conn *c, const struct holder *h,
			   uint64_t t)
{
	const struct ref *x = ref_at(c, h->pid, h->fd, t);

	if (!x || !x->to_ns || ref_end_kind(x) != REF_END_CALL)
		return 1;
	return pid_acted_between(m, h->pid, t, x->to_ns);
}

/*
 * How much a close that left references behind matters.  Routine: closing
 * a listener (workers share it), a parent's copy after fork, a socket handed
 * on.  The bug: a fork child's close of an accepted connection while the
 * process that accepted it still holds it and went on (the classic
 * fork-per-connection bug), or a dup in the same process kept open to its
 * end.
 */
static enum severity not_final_severity(const struct model *m, const struct conn *c,
					const struct ev *e)
{
	int acceptor = -1;

	if (c->role == ROLE_LISTENER)
		return SEV_INFO;
	for (size_t i = 0; i < c->nrefs; i++)
		if (op_has(c->refs[i]->made_op, OPF_ACCEPT))
			acceptor = c->refs[i]->p->pid;
	for (size_t i = 0; i < e->nheld; i++) {
		if (c->role == ROLE_SERVER && e->held_by[i].pid == acceptor && e->r->pid != acceptor &&
		    acceptor_forgot(m, c, &e->held_by[i], e->r->t_ns))
			return SEV_WARNING;
		if (e->held_by[i].pid == e->r->pid && dup_kept(c, &e->held_by[i], e->r->t_ns))
			return SEV_WARNING;
	}
	return SEV_INFO;
}

/*
 * Could anyone notice that c's final close at r dropped unread data?  The
 * peer notices at its next call on its end; there is nobody when that end
 * (in the trace) was closed already, or was closed later with no call on
 * it in between.  An end outside the trace may notice.  Says why not in why.
 */
static int unread_noticed(const struct model *m, const struct conn *c, const struct trace_rec *r,
			  char *why, size_t n)
{
	const struct conn *o = conn_peer(m, c);
	char at[TF_MAX];

	if (!o || !o->released_ns || o->released_unknown)
		return 1;
	if (o->released_ns <= r->t_ns) {
		snprintf(why, n, "its other end had been closed already, at %s", tf_at_s(m, o->released_ns, at));
		return 0;
	}
	if (o->last_ns > r->t_ns)
		return 1;
	for (size_t k = 0; k < o->nevs; k++) {
		const struct trace_rec *q = o->evs[k].r;

		if (q->t_ns > r->t_ns && q->t_ns < o->released_ns && st_op_class(q->op) != ST_CLASS_DROP &&
		    st_op_class(q->op) != ST_CLASS_SYNTH)
			return 1;
	}
	snprintf(why, n, "its other end (pid %d fd %d) was closed at %s with no call on it in between",
		 o->released_pid, o->released_fd, tf_at_s(m, o->released_ns, at));
	return 0;
}

/* close-with-unread-data: what the family does with the bytes, and whether anyone can notice. */
static int unread_finding(struct model *m, const struct conn *c, const struct trace_rec *r,
			  const char *op, int fd, const char *desc)
{
	char why[256];
	int noticed = unread_noticed(m, c, r, why, sizeof(why));
	const char *effect = c->domain == AF_UNIX ?
		"the kernel drops them, and the peer's next call on its end fails with ECONNRESET "
		"(a unix socket has no RST or FIN)" :
		"the kernel answers with RST, not FIN, and the peer's next read or write fails with "
		"ECONNRESET";

	if (noticed)
		return add_finding(m, "close-with-unread-data", SEV_WARNING, r->pid, fd, c->inode, r->t_ns,
			"%s of fd %d in pid %d was the last reference to %s and %lld byte%s the peer sent "
			"were still unread: %s.", op, fd, r->pid, desc, (long long)r->arg[1],
			r->arg[1] == 1 ? "" : "s", effect);
	return add_finding(m, "close-with-unread-data", SEV_INFO, r->pid, fd, c->inode, r->t_ns,
		"%s of fd %d in pid %d was the last reference to %s and %lld byte%s the peer sent were "
		"still unread: %s; but nobody could notice: %s.", op, fd, r->pid, desc,
		(long long)r->arg[1], r->arg[1] == 1 ? "" : "s", effect, why);
}

static int close_findings(struct model *m, struct conn *c, const char *desc)
{
	char held[512], rel_s[256], at[TF_MAX];

	for (size_t k = 0; k < c->nevs; k++) {
		const struct ev *e = &c->evs[k];
		const struct trace_rec *r = e->r;
		const char *op = op_name(r->op) ? op_name(r->op) : "close";
		int drop_fd = r->flags & ST_REC_IMPLICIT_CLOSE ? r->fd2 : r->fd;

		if (e->released == 0 && r->op != ST_OP_MISSED_CLOSE && r->op != ST_OP_EXEC_FD) {
			enum severity sev = not_final_severity(m, c, e);

			holders_str(e, held, sizeof(held));
			released_str(m, c, rel_s, sizeof(rel_s));
			if (add_finding(m, "close-not-final", sev, r->pid, drop_fd, c->inode, r->t_ns,
				"%s of fd %d in pid %d did not close the socket (%s): %d other reference%s "
				"remain%s (%s). The kernel acts only when the last reference in every process "
				"is gone, so %s until then; %s.",
				op, drop_fd, r->pid, desc, e->refs_total, e->refs_total == 1 ? "" : "s",
				e->refs_total == 1 ? "s" : "", held,
				c->role == ROLE_LISTENER ? "the port stays open and new connections are still "
				"queued for accept" : c->role == ROLE_UNCONNECTED || c->role == ROLE_UNKNOWN ?
				"the socket stays open" :
				"the peer sees no FIN", rel_s))
				return -1;
		}
		if (e->released == 1 && (r->flags & ST_REC_UNREAD) && r->arg[1] > 0 &&
		    unread_finding(m, c, r, op, drop_fd, desc))
			return -1;
		if (e->released == 1 && c->linger0 && c->type == SOCK_STREAM &&
		    c->role != ROLE_LISTENER && c->role != ROLE_UNCONNECTED && c->role != ROLE_UNKNOWN &&
		    add_finding(m, "abortive-close", SEV_INFO, r->pid, drop_fd, c->inode, r->t_ns,
			"%s of fd %d in pid %d ended %s with SO_LINGER {on, 0}: an abortive close, RST "
			"by design (no FIN, no TIME_WAIT); the peer gets ECONNRESET.",
			op, drop_fd, r->pid, desc))
			return -1;
		if (r->op == ST_OP_MISSED_CLOSE &&
		    add_finding(m, "missed-close", SEV_WARNING, r->pid, r->fd, c->inode, r->t_ns,
			"fd %d in pid %d held %s, but at %s a new socket arrived on fd %d with no "
			"close socktrace could see (a raw system call, a libc-internal close, or one "
			"made before tracing); its reference is counted as dropped there.",
			r->fd, r->pid, desc, tf_at_s(m, r->t_ns, at), r->fd))
			return -1;
	}
	return 0;
}

/*
 * A socket open at exit (ends.h), judged by the leak rule (leak_rule.h):
 * a leak is a warning; a socket still served to the end is info, so
 * nothing held to the end is hidden.
 */
static int exit_findings(struct model *m, struct conn *c, const char *desc)
{
	char from[TF_MAX], to[TF_MAX], age[TF_MAX];
	const struct ref *x;
	int leak = leak_verdict_is_leak(c->leak);

	if (conn_fate(c, &x) != FATE_OPEN_AT_EXIT)
		return 0;
	tf_at_s(m, x->to_ns, to);
	if (x->shut)
		return add_finding(m, "shutdown-without-close", leak ? SEV_WARNING : SEV_INFO, x->p->pid,
			   x->fd, c->inode, x->to_ns, "pid %d shut down fd %d (%s) but never closed it: the "
			   "fd stayed open, with the socket's memory, until the process ended at %s (%s)%s.",
			   x->p->pid, x->fd, desc, to, ref_end_name(x), leak ? ", and it went on meanwhile" :
			   "; it ended soon after, so nothing piled up");
	if (!leak)
		return add_finding(m, "open-at-exit", SEV_INFO, x->p->pid, x->fd, c->inode, x->to_ns,
			   "fd %d (%s), made by %s at %s, was still open when pid %d ended at %s (%s), "
			   "%s later; the kernel closed it with the process. Not a leak: %s.",
			   x->fd, desc, ref_how_name(x), tf_at_s(m, x->from_ns, from), x->p->pid, to, ref_end_name(x),
			   tf_dur(x->to_ns - x->from_ns, age), leak_verdict_text(c->leak));
	return add_finding(m, "leaked-at-exit", SEV_WARNING, x->p->pid, x->fd, c->inode, x->to_ns,
		   "fd %d (%s), made by %s at %s, was still open when pid %d ended at %s "
		   "(%s), %s later: no close; the kernel closed it with the process. A leak: %s.",
		   x->fd, desc, ref_how_name(x), tf_at_s(m, x->from_ns, from), x->p->pid, to, ref_end_name(x),
		   tf_dur(x->to_ns - x->from_ns, age), leak_verdict_text(c->leak));
}

/* Does image p hold the other end of socketpair c as well (so no one else waits on the pair)? */
static int pair_both_here(const struct model *m, const struct conn *c, const struct proc *p)
{
	const struct conn *o = c->role == ROLE_PAIR ? conn_peer(m, c) : NULL;

	for (size_t i = 0; o && i < o->nrefs; i++)
		if (o->refs[i]->p == p)
			return 1;
	return 0;
}

/*
 * A socket that survived exec (no close-on-exec) into an image that never
 * used it: a warning, or info when that image holds both ends of the
 * socketpair (no one else can be waiting on it).  An image that kept it
 * across an exec of its own passed it on (haproxy -W's master its IPC
 * socket, over a reload): the image it went to is judged instead, so a
 * chain of execs gives one finding, on the image that held it last.
 */
static int exec_findings(struct model *m, struct conn *c, const char *desc)
{
	for (size_t i = 0; i < c->nrefs; i++) {
		const struct ref *x = c->refs[i];
		const char *exe = proc_name(x->p);
		int pair = 0;

		/* Used, or closed by a call of its own: the new program knew of it. */
		if (x->used || x->moved || ref_end_kind(x) == REF_END_CALL ||
		    ref_end_kind(x) == REF_END_EXEC || x->fd <= 2 ||
		    (x->origin != REF_FROM_EXEC && x->origin != REF_FROM_INHERITED))
			continue;
		pair = pair_both_here(m, c, x->p);
		if (add_finding(m, "inherited-across-exec", pair ? SEV_INFO : SEV_WARNING, x->p->pid, x->fd,
			c->inode, x->from_ns, "fd %d (%s) had no close-on-exec and survived into %s (pid %d), "
			"which never used it%s: while it holds the socket the kernel keeps it open "
			"(no FIN for a connection, the port still bound for a listener)%s. Open it "
			"with SOCK_CLOEXEC / accept4(SOCK_CLOEXEC).", x->fd, desc, exe, x->p->pid,
			x->to_ns ? " until it ended" : " while the trace ran", pair ? "; it holds the "
			"pair's other end too, so no one else can be waiting on it" : ""))
			return -1;
	}
	return 0;
}

/* close() of a closed fd: EBADF, with the last close of that fd the trace knows. */
static int double_close(struct model *m, const struct ev *e)
{
	const struct trace_rec *r = e->r;
	const struct ref *last = NULL;
	char desc[1024], at[TF_MAX];

	for (size_t i = 0; i < m->nconns; i++)
		for (size_t k = 0; k < m->conns[i]->nrefs; k++) {
			const struct ref *x = m->conns[i]->refs[k];

			if (x->p->pid == r->pid && x->fd == r->fd && x->to_ns && x->to_ns <= r->t_ns &&
			    (!last || x->to_ns > last->to_ns))
				last = x;
		}
	if (!last)
		return add_finding(m, "double-close", SEV_ERROR, r->pid, r->fd, r->inode, r->t_ns,
			   "close(%d) in pid %d failed with EBADF: the fd was not open. A second close "
			   "of a number can close whatever another thread opened on it meanwhile.",
			   r->fd, r->pid);
	conn_desc(last->c, desc, sizeof(desc));
	return add_finding(m, "double-close", SEV_ERROR, r->pid, r->fd, last->c->inode, r->t_ns,
		   "close(%d) in pid %d failed with EBADF: fd %d (%s) was already closed at %s "
		   "(%s). A second close of a number can close whatever another thread opened on "
		   "it meanwhile.", r->fd, r->pid, r->fd, desc, tf_at_s(m, last->to_ns, at), ref_end_name(last));
}

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return strcmp(x->kind, y->kind);
}

static int is_double_close(const struct trace_rec *r)
{
	return r->op == ST_OP_CLOSE && r->ret < 0 && r->err == EBADF;
}

int audit_run(struct model *m)
{
	char desc[1024];

	for (size_t i = 0; i < m->nconns; i++) {
		struct conn *c = m->conns[i];

		conn_desc(c, desc, sizeof(desc));
		if (close_findings(m, c, desc) || exit_findings(m, c, desc) ||
		    exec_findings(m, c, desc))
			return -1;
		for (size_t k = 0; k < c->nevs; k++)
			if (is_double_close(c->evs[k].r) && !c->evs[k].as_listener &&
			    double_close(m, &c->evs[k]))
				return -1;
	}
	for (size_t i = 0; i < m->nprocs; i++)
		for (size_t k = 0; k < m->procs[i].nevs; k++)
			if (is_double_close(m->procs[i].evs[k]->r) && double_close(m, m->procs[i].evs[k]))
				return -1;
	if (audit_data(m))
		return -1;
	if (m->nfindings)
		qsort(m->findings, m->nfindings, sizeof(*m->findings), cmp_finding);
	return 0;
}

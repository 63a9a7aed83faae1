/*
 * replay.c - every reference to every socket, in every traced process, over
 * time: the one pass over the records, in time order.
 *
 * The shim counts references within one process; the kernel sends FIN only
 * when the last reference in any process goes.  So the viewer replays all
 * files in time order and keeps, per process image, its open fds (struct
 * ref): born by socket/accept/dup/recvmsg, copied by fork, carried through
 * exec unless close-on-exec, dropped by the close family, exit, a kill its
 * parent reaped, or a reuse the shim saw.  A socket passed with SCM_RIGHTS
 * is held in flight by the kernel until a process receives it.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "names.h"
#include "op_flags.h"
#include "replay.h"

void refs_link_images(struct model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *q = &m->procs[i];
		const struct st_file_header *qh = &q->tf->hdr;
		struct proc *best = NULL;

		q->origin = qh->origin;
		if (qh->state != ST_STATE_EXECED)
			continue;
		for (size_t k = q->tf->nrecs; k-- > 0;) {
			const struct trace_rec *r = &q->tf->recs[k];

			if (op_has(r->op, OPF_EXEC) && (r->flags & ST_REC_PENDING)) {
				q->exec_ok_pos = r->pos + 1;
				break;
			}
		}
		for (size_t j = 0; j < m->nprocs; j++) {
			struct proc *p = &m->procs[j];
			const struct st_file_header *ph = &p->tf->hdr;

			if (p == q || ph->pid != qh->pid || ph->mono_anchor_ns < qh->end_mono_ns ||
			    (ph->start_ticks && qh->start_ticks && ph->start_ticks != qh->start_ticks) ||
			    ph->origin == ST_ORIGIN_FORK)
				continue;
			if (!best || ph->mono_anchor_ns < best->tf->hdr.mono_anchor_ns)
				best = p;
		}
		if (best && !best->exec_prev) {
			q->exec_next = best;
			best->exec_prev = q;
		}
	}
	for (size_t i = 0; i < m->nprocs; i++)
		if (m->procs[i].exec_prev)
			m->procs[i].origin = ST_ORIGIN_EXEC;
}

static struct ref *ref_find(struct proc *p, int fd)
{
	struct ref *x;

	HASH_FIND_INT(p->fds, &fd, x);
	return x;
}

/*
 * The one rule for "last reference": c is released when no reference to
 * it is left anywhere, in any process or in flight.
 */
static int conn_unheld(const struct conn *c)
{
	return c->live + c->in_flight <= 0;
}

/*
 * c lost a reference at t (by: how; x: the reference, for RELEASE_BY_REF;
 * pid, fd: who let go, fd -1 for one in flight): when it was the last,
 * c is released then.  unknown: that time is a bound (lost history).
 */
static void release_if_last(struct conn *c, uint64_t t, enum conn_release by, const struct ref *x,
			    int pid, int fd, int unknown)
{
	if (!conn_unheld(c) || c->released_ns)
		return;
	c->released_ns = t;
	c->released_by = by;
	c->last_ref = x;
	c->released_pid = pid;
	c->released_fd = fd;
	c->released_unknown = unknown;
}

/* A reference left (end, end_op: how): the connection is released when none is left anywhere. */
static void ref_end(struct ref *x, enum ref_end end, unsigned end_op, uint64_t t)
{
	struct conn *c = x->c;

	HASH_DEL(x->p->fds, x);
	x->to_ns = t;
	x->end = end;
	x->end_op = end_op;
	c->live--;
	release_if_last(c, t, RELEASE_BY_REF, x, x->p->pid, x->fd, ref_end_lost(x));
}

/* Add x to its owner's open set (replacing an fd the trace lost the close of). */
static void ref_attach(struct ref *x)
{
	struct ref *old = ref_find(x->p, x->fd);

	if (old)
		ref_end(old, REF_ENDED_REPLACED, 0, x->from_ns);
	HASH_ADD_INT(x->p->fds, fd, x);
	x->c->live++;
	x->c->released_ns = 0;
	x->c->released_by = RELEASE_NONE;
	x->c->last_ref = NULL;
}

/* A reference whose end (a REF_ENDED_LOST_*) is in the history lost: ended at t, the latest it can have been. */
static void ref_end_in_lost(struct ref *x, enum ref_end end, uint64_t t)
{
	ref_end(x, end, 0, t);
}

/*
 * c arrived in p by SCM_RIGHTS in the history lost (the state, or a later
 * call on it, says p had it): the reference that was in flight landed.
 */
static void flight_landed(struct model *m, struct conn *c)
{
	for (size_t i = 0; i < m->nflights; i++)
		if (m->flights[i].c == c && !m->flights[i].done) {
			m->flights[i].done = 1;
			c->in_flight--;
			return;
		}
}

/* Did q's ring lose what q did at t (its timelines begin later)? */
static int lost_at(const struct proc *q, uint64_t t)
{
	return q->tf->lost_last_pos && t < q->tf->history_from_ns;
}

/*
 * May q have received f by t unseen?  1 when q lost its history at t,
 * 0 when q would have shown it, -1 when q is not a receiver (the sender).
 */
static int lost_receiver(const struct flight *f, const struct proc *q, uint64_t t)
{
	if (q == f->from)
		return -1;
	return lost_at(q, t);
}

/*
 * Could f have been received at t or before without the trace showing it?
 * Yes when every process that could receive it lost its history at t: the
 * carrier's holders and the image that made it, and its other end's (a
 * socketpair's).
 */
static int flight_unknown_at(const struct model *m, const struct flight *f, uint64_t t)
{
	const struct conn *carrier = model_conn(m, f->carrier);
	uint64_t keys[2] = { f->carrier, carrier ? carrier->peer_inode : 0 };
	int candidates = 0;

	for (int k = 0; k < 2; k++) {
		const struct conn *e = model_conn(m, keys[k]);
		const struct proc *maker = model_key_proc(m, keys[k]);
		int v = maker ? lost_receiver(f, maker, t) : -1;

		if (v == 0)
			return 0;
		candidates += v > 0;
		for (size_t i = 0; e && i < e->nrefs; i++) {
			v = lost_receiver(f, e->refs[i]->p, t);
			if (v == 0)
				return 0;
			candidates += v > 0;
		}
	}
	return candidates > 0;
}

/* Are all of c's references in flight ones that may have landed unseen by t? */
static int flights_unknown_at(const struct model *m, const struct conn *c, uint64_t t)
{
	int any = 0;

	for (size_t i = 0; i < m->nflights; i++) {
		if (m->flights[i].c != c || m->flights[i].done)
			continue;
		if (!flight_unknown_at(m, &m->flights[i], t))
			return 0;
		any = 1;
	}
	return any;
}

/*
 * A new reference of p to c on fd, made at t (how, how_op: ref_how_name's;
 * origin: the verdicts' word), attached to p's open set.  NULL when fd or
 * c say there is none, or out of memory.
 */
static struct ref *ref_open(struct proc *p, struct conn *c, int fd, enum ref_how how, unsigned how_op,
			    enum ref_origin origin, int cloexec, uint64_t t)
{
	struct ref *x;

	if (fd < 0 || !c)
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x || model_grow((void **)&c->refs, c->nrefs, &c->caprefs, sizeof(*c->refs))) {
		free(x);
		return NULL;
	}
	x->fd = fd;
	x->p = p;
	x->c = c;
	x->cloexec = cloexec;
	x->from_ns = t;
	x->how = how;
	x->how_op = how_op;
	x->origin = origin;
	c->refs[c->nrefs++] = x;
	ref_attach(x);
	return x;
}

/*
 * The reference x of an exec'ing image lives on in the new image (same
 * fd, same process): a new ref there, the count unchanged.
 */
static void ref_through_exec(struct ref *x, struct proc *next, uint64_t t)
{
	struct conn *c = x->c;
	int live = c->live;
	uint64_t released = c->released_ns;
	enum conn_release by = c->released_by;
	const struct ref *last = c->last_ref;

	ref_end(x, REF_ENDED_EXEC_KEPT, 0, t);
	c->live = live - 1;
	c->released_ns = released;
	c->released_by = by;
	c->last_ref = last;
	if (ref_open(next, c, x->fd, REF_HOW_EXEC, 0, REF_FROM_EXEC, 0, t))
		c->live = live;
}

/* Every reference of p ends (exit, kill: end), at t. */
static void end_all(struct proc *p, enum ref_end end, uint64_t t)
{
	struct ref *x, *tmp;

	HASH_ITER(hh, p->fds, x, tmp)
		ref_end(x, end, 0, t);
}

/* A fork child starts with a copy of each of its parent's references. */
/*
 * p drops its fd, which holds c, and the replay has no reference there:
 * where the history was lost, the reference it must have had, made now
 * (and the fd's previous holder ended, its close unseen).  Either p's own
 * history was lost (the reference began there; what was in flight to c
 * landed there too),
 * or p is a fork child whose parent's history was lost at the fork: p got
 * it then, and the parent held it too, on the same fd.  NULL when neither
 * (the close of a socket the trace never saw opened: nothing to infer).
 */
static struct ref *unseen_ref(struct model *m, struct proc *p, struct conn *c, int fd, uint64_t t)
{
	struct proc *q = p->fork_parent;
	uint64_t from;
	struct ref *x = ref_find(p, fd), *y;

	if (p->tf->lost_last_pos) {
		/* Its history before history_from_ns is gone: the reference began there. */
		from = p->tf->history_from_ns < t ? p->tf->history_from_ns : t;
		flight_landed(m, c);
	} else if (q && lost_at(q, p->tf->hdr.image_start_ns)) {
		from = p->tf->hdr.image_start_ns;
		y = ref_find(q, fd);
		if (!y || y->c != c) {
			if (y)
				ref_end_in_lost(y, REF_ENDED_LOST_CLOSE, from);
			y = ref_open(q, c, fd, REF_HOW_LOST, 0, REF_FROM_LOST, 0, from);
			if (y)
				y->from_state = 1;
		}
	} else {
		return NULL;
	}
	if (x)
		ref_end_in_lost(x, REF_ENDED_LOST_CLOSE, from);
	x = ref_open(p, c, fd, p->tf->lost_last_pos ? REF_HOW_LOST : REF_HOW_FORK, 0,
		     p->tf->lost_last_pos ? REF_FROM_LOST : REF_FROM_FORK, 0, from);
	if (x)
		x->from_state = 1;
	return x;
}

static void fork_copy(struct proc *parent, struct proc *child, uint64_t t)
{
	struct ref *x, *tmp;

	if (child->inherited)
		return;
	child->inherited = 1;
	HASH_ITER(hh, parent->fds, x, tmp)
		ref_open(child, x->c, x->fd, REF_HOW_FORK, 0, REF_FROM_FORK, x->cloexec, t);
}

/* The traced fork child pid of parent, if its file is here. */
static struct proc *fork_child(struct model *m, const struct proc *parent, int pid)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *p = &m->procs[i];

		if (p->pid == pid && p->ppid == parent->pid && p->tf->hdr.origin == ST_ORIGIN_FORK)
			return p;
	}
	return NULL;
}

/* The image of pid that parent pid ppid reaped: the latest of its exec chain not yet ended. */
static struct proc *reaped_image(struct model *m, int ppid, int pid)
{
	struct proc *found = NULL;

	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *p = &m->procs[i];

		if (p->pid != pid || p->ppid != ppid || p->end == END_EXIT)
			continue;
		if (!found || p->tf->hdr.mono_anchor_ns > found->tf->hdr.mono_anchor_ns)
			found = p;
	}
	return found;
}

/* "killed by SIGKILL" / "exit (reaped, status 0)", newly allocated (NULL: no memory). */
static char *reap_end(int status)
{
	const char *sig = WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : NULL;
	char *s;
	int n;

	if (WIFSIGNALED(status))
		n = asprintf(&s, "killed by SIG%s", sig ? sig : "?");
	else
		n = asprintf(&s, "exit (reaped, status %d)", WEXITSTATUS(status));
	return n < 0 ? NULL : s;
}

/*
 * Child pid of parent ppid was reaped at t with wait status: every image
 * of its exec chain lets go of its references.  Returns the image, or
 * NULL when it is not in the trace or already ended.
 */
static struct proc *reap(struct model *m, int ppid, int pid, int status, uint64_t t)
{
	struct proc *child = reaped_image(m, ppid, pid);

	if (!child || child->reap_end)
		return NULL;
	/* Owned by the child: its chain's references end in these words (ref_end_name). */
	child->reap_end = reap_end(status);
	for (struct proc *q = child; q; q = q->exec_prev)
		end_all(q, REF_ENDED_REAPED, t);
	child->end = END_REAPED;
	child->end_ns = t;
	child->end_status = status;
	return child;
}

static void reaped(struct model *m, struct proc *parent, const struct trace_rec *r)
{
	reap(m, parent->pid, (int)r->arg[0], (int)r->arg[1], r->t_ns);
}

void refs_reaped_by_run(struct model *m, const struct run_reap *rr)
{
	struct proc *child = reap(m, rr->ppid, rr->pid, rr->status, rr->t_ns);

	if (child)
		child->reaped_by_run = 1;
}

/* The first record of an exec'd image: close-on-exec fds of the old one are gone. */
static void image_started(struct proc *p, uint64_t t)
{
	struct ref *x, *tmp;
	struct proc *q = p->exec_prev;

	p->started = 1;
	if (!q)
		return;
	HASH_ITER(hh, q->fds, x, tmp)
		if (x->cloexec)
			ref_end(x, REF_ENDED_CLOEXEC, 0, t);
}

int record_drops_ref(const struct trace_rec *r)
{
	if (r->op == ST_OP_CLOSE)
		return r->inode != 0;
	if (r->op == ST_OP_CLOSE_RANGE)
		return !(r->flags & ST_REC_CLOEXEC);
	if (op_has(r->op, OPF_DUP_OVER))
		return !!(r->flags & ST_REC_IMPLICIT_CLOSE);
	return op_has(r->op, OPF_CLOSE_FAMILY);
}

/* Who holds c now, for a close that was not the last. */
static void snapshot_holders(struct ev *e, struct conn *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nrefs; i++)
		n += !c->refs[i]->to_ns;
	if (!n || !(e->held_by = calloc(n, sizeof(*e->held_by))))
		return;
	for (size_t i = 0; i < c->nrefs; i++)
		if (!c->refs[i]->to_ns) {
			e->held_by[e->nheld].pid = c->refs[i]->p->pid;
			e->held_by[e->nheld++].fd = c->refs[i]->fd;
		}
}

/* An exec'd image's record for an fd it did not make: an inherited one. */
static void inherited(struct proc *p, struct conn *c, const struct trace_rec *r)
{
	struct ref *x = ref_find(p, r->fd);
	struct proc *q = p->exec_prev;
	struct ref *old = q ? ref_find(q, r->fd) : NULL;

	if (x && x->c == c)
		return;		/* carried through exec */
	if (old && old->c == c) {
		ref_through_exec(old, p, r->t_ns);
		return;
	}
	ref_open(p, c, r->fd, REF_HOW_INHERITED, 0, REF_FROM_INHERITED, !!(r->flags & ST_REC_CLOEXEC), r->t_ns);
}

/* At the successful exec: the kernel's word on each fd, close-on-exec or kept. */
static void exec_fd(struct proc *p, struct conn *c, const struct trace_rec *r)
{
	struct ref *x = ref_find(p, r->fd);

	if (!x || x->c != c)
		return;
	x->cloexec = !!(r->flags & ST_REC_CLOEXEC);
	if (!p->exec_ok_pos || r->pos + 1 <= p->exec_ok_pos)
		return;		/* an exec that failed later */
	if (x->cloexec)
		ref_end(x, REF_ENDED_CLOEXEC, 0, r->t_ns);
	else if (p->exec_next)
		ref_through_exec(x, p->exec_next, r->t_ns);
}

/*
 * The kernel discarded passed fds at a truncated recvmsg on carrier
 * r->inode2: those sent from the other end of that carrier and not yet
 * received are gone.  The other end is known for a socketpair; otherwise
 * any carrier but this one is taken to be it.
 */
static void discard_flights(struct model *m, const struct trace_rec *r)
{
	struct conn *carrier = r->inode2 ? model_conn(m, r->inode2) : NULL;
	uint64_t other = carrier ? carrier->peer_inode : 0;

	for (size_t i = 0; i < m->nflights; i++) {
		struct flight *f = &m->flights[i];

		if (f->done || (other ? f->carrier != other : f->carrier == r->inode2))
			continue;
		f->done = 1;
		f->c->in_flight--;
		release_if_last(f->c, r->t_ns, RELEASE_DISCARDED, NULL, r->pid, -1, 0);
	}
}

/* A close-family record r (OPF_CLOSE_FAMILY) of p on c: the reference it names ends. */
static void apply_close(struct model *m, struct proc *p, struct conn *c, const struct trace_rec *r)
{
	struct ref *x;

	if (!c)
		return;
	if (r->op == ST_OP_CLOSE_RANGE && (r->flags & ST_REC_CLOEXEC)) {
		if ((x = ref_find(p, r->fd)))
			x->cloexec = 1;
	} else if ((x = ref_find(p, r->fd)) && x->c == c) {
		ref_end(x, r->op == ST_OP_MISSED_CLOSE ? REF_ENDED_MISSED_CLOSE : REF_ENDED_CLOSE,
			r->op, r->t_ns);
	} else if (r->ret == 0 && (x = unseen_ref(m, p, c, r->fd, r->t_ns))) {
		/* Made where the history was lost: it ends by this close like any other. */
		ref_end(x, REF_ENDED_CLOSE, r->op, r->t_ns);
	}
}

/* A dup2 or dup3 (OPF_DUP_OVER): onto an open fd it ends that reference, else it makes one. */
static void apply_dup_over(struct proc *p, struct conn *c, const struct trace_rec *r)
{
	struct ref *x;

	if (r->flags & ST_REC_IMPLICIT_CLOSE) {
		if ((x = ref_find(p, r->fd2)) && x->c == c)
			ref_end(x, REF_ENDED_DUP_OVER, r->op, r->t_ns);
	} else if (r->ret >= 0 && r->ret != r->fd) {
		ref_open(p, c, (int)r->ret, REF_HOW_CALL, r->op, REF_FROM_CALL, !!(r->flags & ST_REC_CLOEXEC),
			 r->t_ns);
	}
}

/* The effect of r on the references of its process (and of fork children). */
static void apply(struct model *m, struct proc *p, struct conn *c, const struct trace_rec *r)
{
	int cloexec = !!(r->flags & ST_REC_CLOEXEC);
	struct ref *x;

	if (op_has(r->op, OPF_CLOSE_FAMILY)) {
		apply_close(m, p, c, r);
		return;
	}
	if (op_has(r->op, OPF_DUP_OVER)) {
		apply_dup_over(p, c, r);
		return;
	}
	if (op_has(r->op, OPF_WAIT)) {
		reaped(m, p, r);
		return;
	}
	if (op_has(r->op, OPF_EXIT)) {
		end_all(p, REF_ENDED_EXIT, r->t_ns);
		p->end = END_EXIT;
		p->end_ns = r->t_ns;
		return;
	}
	switch (r->op) {
	case ST_OP_SOCKET:
	case ST_OP_ACCEPT:
	case ST_OP_ACCEPT4:
		if (r->ret >= 0 && (x = ref_open(p, c, (int)r->ret, REF_HOW_CALL, r->op, REF_FROM_CALL, cloexec,
						  r->t_ns)))
			x->made_op = r->op;
		if (r->ret >= 0 && c && r->inode2) {
			struct conn *l = model_conn(m, r->inode2);

			if (l && l->linger0)
				c->linger0 = 1;	/* accepted sockets inherit the listener's linger */
		}
		break;
	case ST_OP_SOCKETPAIR:
		if (r->ret == 0)
			ref_open(p, c, r->fd, REF_HOW_CALL, r->op, REF_FROM_CALL, cloexec, r->t_ns);
		break;
	case ST_OP_DUP:
		if (r->ret >= 0)
			ref_open(p, c, (int)r->ret, REF_HOW_CALL, r->op, REF_FROM_CALL, cloexec, r->t_ns);
		break;
	case ST_OP_FCNTL:
	case ST_OP_FCNTL64:
		if (r->arg[0] == 2 /* F_SETFD */) {
			if (r->ret == 0 && (x = ref_find(p, r->fd)))
				x->cloexec = cloexec;
		} else if (r->ret >= 0) {
			ref_open(p, c, (int)r->ret, REF_HOW_CALL, r->op, REF_FROM_CALL, cloexec, r->t_ns);
		}
		break;
	case ST_OP_SHUTDOWN:
		if (r->ret == 0 && (x = ref_find(p, r->fd)))
			x->shut = 1;
		break;
	case ST_OP_SETSOCKOPT:
		if (c && r->ret == 0 && r->arg[0] == SOL_SOCKET && r->arg[1] == SO_LINGER) {
			const struct st_addr_hdr *h = (const void *)r->addrs;
			struct linger l = { 0, 0 };

			if (r->addrs_len >= sizeof(*h) + sizeof(l) && (h->kinds & ST_ADDR_OPTVAL) &&
			    h->len >= sizeof(l)) {
				memcpy(&l, h + 1, sizeof(l));
				c->linger0 = l.l_onoff && !l.l_linger;
			}
		}
		break;
	case ST_OP_SENDMSG:
		if (is_data_record(r))
			break;	/* bytes, not a socket passed */
		if (c && r->ret >= 0 &&
		    !model_grow((void **)&m->flights, m->nflights, &m->capflights, sizeof(*m->flights))) {
			m->flights[m->nflights++] = (struct flight){ c, r->inode2, 0, r->t_ns, p };
			c->in_flight++;
		}
		break;
	case ST_OP_RECVMSG:
		if (is_data_record(r))
			break;
		if (!c) {
			discard_flights(m, r);
			break;
		}
		for (size_t i = 0; i < m->nflights; i++)
			if (m->flights[i].c == c && !m->flights[i].done) {
				m->flights[i].done = 1;
				c->in_flight--;
				break;
			}
		ref_open(p, c, r->fd, REF_HOW_RECEIVED, r->op, REF_FROM_CALL, cloexec, r->t_ns);
		break;
	case ST_OP_INHERITED:
		if (c)
			inherited(p, c, r);
		break;
	case ST_OP_EXEC_FD:
		if (c)
			exec_fd(p, c, r);
		break;
	case ST_OP_FORK:
		if (r->ret > 0) {
			struct proc *child = fork_child(m, p, (int)r->ret);

			if (child)
				fork_copy(p, child, r->t_ns);
		}
		break;
	case ST_OP_FORK_CHILD:
		/* The parent's fork record was lost: copy from its image now. */
		for (size_t i = 0; i < m->nprocs && !p->inherited; i++)
			if (m->procs[i].pid == (int)r->arg[0] && !m->procs[i].exec_next &&
			    m->procs[i].end != END_EXIT)
				fork_copy(&m->procs[i], p, r->t_ns);
		break;
	default:
		break;
	}
}

/* Does r use its socket (for "inherited, never used")? */
static int is_use(const struct trace_rec *r)
{
	if (r->op == ST_OP_INHERITED || r->op == ST_OP_EXEC_FD || op_has(r->op, OPF_EXIT))
		return 0;
	return !record_drops_ref(r);
}

static int refs_mismatched;	/* the first mismatch was said: the command exits 70 */

/* Is the refs invariant checked (SOCKTRACE_CHECK_REFS=1)?  Read once. */
static int refs_check_wanted(void)
{
	static int wanted = -1;

	if (wanted < 0) {
		const char *v = getenv("SOCKTRACE_CHECK_REFS");

		wanted = v && !strcmp(v, "1");
	}
	return wanted;
}

/* The references to c the replay holds in pid (every image of it) on fds up to max_fd. */
static int32_t refs_in_pid(const struct conn *c, int pid, int max_fd)
{
	int32_t n = 0;

	for (size_t i = 0; i < c->nrefs; i++)
		n += !c->refs[i]->to_ns && c->refs[i]->p->pid == pid && c->refs[i]->fd <= max_fd;
	return n;
}

/*
 * Can the shim's count in r and the replay's differ without a bug in
 * either?  When p's ring lost records (or its fork parent's did, before
 * the fork): a reference born or dropped there is not in the replay.  An
 * exec-fd record is written before the exec, with the count of the table
 * the exec is about to change.  Not when the shim did not count (tables
 * full).
 */
static int refs_check_skipped(const struct proc *p, const struct trace_rec *r)
{
	const struct proc *q = p->fork_parent;

	if (r->flags & ST_REC_REFS_UNKNOWN)
		return 1;
	if (p->lost || p->tf->lost_last_pos || (q && (q->lost || q->tf->lost_last_pos)))
		return 1;
	return r->op == ST_OP_EXEC_FD;
}

/*
 * The invariant: after r, the replay holds as many references to c in r's
 * process as the shim counted there (r->refs).  Says the first mismatch on
 * stderr; replay_refs_status turns the command's status into 70 then.
 */
static void refs_check(const struct proc *p, const struct conn *c, const struct trace_rec *r)
{
	int32_t here;

	if (refs_mismatched || !refs_check_wanted() || refs_check_skipped(p, r))
		return;
	/* An exec'd image's start-up scan has counted the fds up to this one (in fd order). */
	here = refs_in_pid(c, p->pid, r->op == ST_OP_INHERITED ? r->fd : INT32_MAX);
	if (here == r->refs)
		return;
	refs_mismatched = 1;
	fprintf(stderr, "socktrace: refs invariant: pid %d fd %d sid 0x%llx: record #%llu (%s) says %d, replay says %d\n",
		r->pid, r->fd, (unsigned long long)r->sid, (unsigned long long)r->pos,
		op_name(r->op) ? op_name(r->op) : "?", r->refs, here);
}

int replay_refs_status(int status)
{
	return refs_mismatched ? 70 : status;
}

int refs_apply(struct model *m, struct ev *e, struct conn *c)
{
	const struct trace_rec *r = e->r;
	struct proc *p = e->p;
	struct ref *x;

	if (!p->started)
		image_started(p, r->t_ns);
	if (c && r->fd >= 0 && is_use(r) && (x = ref_find(p, r->fd)) && x->c == c)
		x->used = 1;
	apply(m, p, c, r);
	e->released = -1;
	if (!c) {
		e->refs_total = -1;
		return 0;
	}
	refs_check(p, c, r);
	e->refs_total = c->live + c->in_flight;
	e->refs_elsewhere = refs_elsewhere(c, p->pid, r->flags & ST_REC_REFS_UNKNOWN ? -1 : r->refs);
	e->in_flight = c->in_flight;
	/* An exec'd image's scan found a socket this pid made before its exec. */
	e->exec_kept = r->op == ST_OP_INHERITED && (x = ref_find(p, r->fd)) && x->c == c &&
		       x->origin == REF_FROM_EXEC;
	if (record_drops_ref(r) || (r->op == ST_OP_EXEC_FD && (r->flags & ST_REC_CLOEXEC) && p->exec_ok_pos &&
			   r->pos + 1 > p->exec_ok_pos)) {
		e->released = conn_unheld(c);
		if (!e->released && c->live == 0 && flights_unknown_at(m, c, r->t_ns)) {
			/* Only passed references remain, and their receipt may be in lost history. */
			e->released = -1;
			e->released_unknown = 1;
		} else if (!e->released) {
			snapshot_holders(e, c);
		}
	}
	return 0;
}

/* The image up forks levels from p (a fork child's fork parent, and so on). */
static const struct proc *forks_up(const struct proc *p, unsigned forks)
{
	while (p && forks--)
		p = p->fork_parent;
	return p;
}

/* What a slot of the state says of its connection, where the records did not. */
static void learn_slot(const struct proc *p, struct conn *c, const struct vsock *v)
{
	const struct st_sock *s = &v->s;
	char buf[ADDR_STR_MAX];
	const char *a;

	c->in_state = 1;
	if (!c->domain)
		c->domain = s->domain;
	if (!c->type)
		c->type = s->type;
	if (!c->made_ns || (s->made_ns && s->made_ns < c->made_ns && !s->forks)) {
		c->made_ns = s->made_ns;
		c->made_by = s->made_by;
		c->made_stack = s->stack_id;
		c->made_proc = forks_up(p, s->forks);
	}
	if (s->made_by == ST_OP_NONE || (s->flags & ST_SK_FIRST_SEEN))
		c->first_seen = 1;
	if (s->flags & ST_SK_LINGER0)
		c->linger0 = 1;
	if (c->role == ROLE_UNCONNECTED) {
		if (op_has(s->made_by, OPF_ACCEPT))
			c->role = ROLE_SERVER;
		else if (s->made_by == ST_OP_SOCKETPAIR)
			c->role = ROLE_PAIR;
		else if (s->flags & ST_SK_LISTENING)
			c->role = ROLE_LISTENER;
		else if (s->flags & ST_SK_CONNECTED)
			c->role = ROLE_CLIENT;
	}
	if (c->role == ROLE_PAIR && !c->peer_inode)
		c->peer_inode = v->key2;
	if (!c->local[0] && s->local_len && (a = addr_format((const struct sockaddr *)s->local, s->local_len, buf)))
		strcpy(c->local, a);
	if (!c->peer[0] && s->peer_len && (a = addr_format((const struct sockaddr *)s->peer, s->peer_len, buf)))
		strcpy(c->peer, a);
	if ((s->flags & ST_SK_EOF) && s->eof_ns && (!c->eof_ns || s->eof_ns < c->eof_ns)) {
		c->eof_ns = s->eof_ns;
		c->eof_pid = p->pid;
	}
}

/*
 * Where a reference only the state knows came from: up the fork line (its
 * fd entry came through forks), from outside the trace (no op: inherited,
 * first seen), or a call of this image.
 */
static enum ref_origin state_origin(const struct vfd *d)
{
	if (d->forks)
		return REF_FROM_FORK;
	if (d->op == ST_OP_NONE || d->op == ST_OP_INHERITED)
		return REF_FROM_INHERITED;
	return REF_FROM_CALL;
}

int refs_state_open(struct model *m, struct ev *e)
{
	struct proc *p = e->p;
	const struct vfd *d = &p->tf->fds[e->r->fd2];
	const struct vsock *v = &p->tf->socks[d->slot];
	struct conn *c = model_conn_get(m, v->key, p->pid, v->s.domain, v->s.type);
	struct ref *x;

	if (!c)
		return -1;
	if (!p->started)
		image_started(p, e->r->t_ns);
	x = ref_find(p, d->fd);
	if (x && x->c == c)
		return 0;
	if (x)
		ref_end_in_lost(x, REF_ENDED_LOST_CLOSE, e->r->t_ns);
	/* Received, its recvmsg lost: the flight its sender's record began has landed here. */
	if (v->s.made_by == ST_OP_RECVMSG)
		flight_landed(m, c);
	x = ref_open(p, c, d->fd, REF_HOW_STATE, d->op, state_origin(d), d->cloexec, e->r->t_ns);
	if (!x)
		return -1;
	x->made_op = d->forks ? 0 : d->op;
	x->from_state = 1;
	x->stack_id = d->stack_id;
	return 0;
}

int refs_state(struct model *m, struct ev *e)
{
	struct proc *p = e->p;
	const struct trace_file *tf = p->tf;
	uint64_t t = e->r->t_ns;
	struct ref *x, *tmp;

	if (!p->started)
		image_started(p, t);
	for (size_t i = 0; i < tf->nfds; i++) {
		const struct vfd *d = &tf->fds[i];
		const struct vsock *v = &tf->socks[d->slot];
		struct conn *c = model_conn_get(m, v->key, p->pid, v->s.domain, v->s.type);

		if (!c)
			return -1;
		learn_slot(p, c, v);
		conn_note_fd(c, d->fd);
		x = ref_find(p, d->fd);
		if (x && x->c != c) {
			ref_end_in_lost(x, REF_ENDED_LOST_REPLACED, t);
			x = NULL;
		}
		if (!x && v->s.made_by == ST_OP_RECVMSG)
			flight_landed(m, c);
		if (!x) {
			/* Held, but its birth is in the history lost: from when the state says. */
			uint64_t from = !v->s.forks && v->s.made_ns && v->s.made_ns <= t ? v->s.made_ns : t;

			x = ref_open(p, c, d->fd, REF_HOW_STATE, d->op, state_origin(d), d->cloexec, from);
			if (!x)
				return -1;
			x->made_op = d->forks ? 0 : d->op;
			x->from_state = 1;
		}
		x->cloexec = d->cloexec;
		x->stack_id = d->stack_id;
		x->stack_proc = forks_up(p, d->forks);
		x->confirmed = 1;
	}
	HASH_ITER(hh, p->fds, x, tmp) {
		if (x->confirmed)
			x->confirmed = 0;
		else
			ref_end_in_lost(x, REF_ENDED_LOST_CLOSE, t);
	}
	return 0;
}

int refs_finish(struct model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *q = &m->procs[i];
		struct ref *x, *tmp;

		/* An exec'd image that never wrote a record still took the kept fds. */
		if (q->exec_next && !q->exec_next->started)
			image_started(q->exec_next, q->tf->hdr.end_mono_ns);
		if (q->exec_next)
			HASH_ITER(hh, q->fds, x, tmp)
				ref_through_exec(x, q->exec_next, q->tf->hdr.end_mono_ns);
	}
	/*
	 * Passed and never seen received, where every receiver lost its
	 * history after the sending: received there, not in flight forever.
	 */
	for (size_t i = 0; i < m->nflights; i++) {
		struct flight *f = &m->flights[i];
		struct conn *c = f->c;

		if (f->done || !flight_unknown_at(m, f, f->sent_ns))
			continue;
		f->done = 1;
		c->in_flight--;
		m->lost_receipts++;
		release_if_last(c, f->sent_ns, RELEASE_RECEIVED_LOST, NULL, 0, -1, 1);
	}
	/* Marked exited, but its exit record was lost (the ring wrapped): it ended then. */
	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *q = &m->procs[i];

		if (q->exited && q->end == END_UNKNOWN && q->tf->hdr.end_mono_ns) {
			end_all(q, REF_ENDED_EXIT, q->tf->hdr.end_mono_ns);
			q->end = END_EXIT;
			q->end_ns = q->tf->hdr.end_mono_ns;
		}
	}
	return 0;
}

int32_t refs_elsewhere(const struct conn *c, int pid, int32_t here)
{
	int32_t n = c->in_flight;

	if (c->live + c->in_flight == here)
		return 0;

	for (size_t i = 0; i < c->nrefs; i++)
		n += !c->refs[i]->to_ns && c->refs[i]->p->pid != pid;
	return n;
}

const struct ref *conn_last_ref(const struct conn *c)
{
	return c->released_ns && c->released_by == RELEASE_BY_REF ? c->last_ref : NULL;
}

int released_by_call(const struct conn *c)
{
	const struct ref *x = conn_last_ref(c);

	return x && ref_end_kind(x) == REF_END_CALL;
}


/*
 * replay_records.c - the replay stage's loop: every record of every file in
 * time order, routed to its connection (events, role, addresses) and to
 * the references replay (replay.c), or to its process.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "op_flags.h"
#include "replay.h"
#include "timefmt.h"

static struct conn *conn_get(struct model *m, uint64_t inode, const struct ev *e)
{
	return model_conn_get(m, inode, e->p->pid, e->r->domain, e->r->type);
}

static void learn_addrs(struct conn *c, const struct trace_rec *r);

/* What this event teaches about the connection: role, addresses, fds. */
static void learn(struct conn *c, const struct ev *e)
{
	const struct trace_rec *r = e->r;

	if (!c->domain && r->domain)
		c->domain = r->domain;
	if (!c->type && r->type)
		c->type = r->type;
	/* Born outside the trace only when its first event says so (not an exec'd image's scan). */
	if ((r->flags & ST_REC_FIRST_SEEN) && c->nevs == 1)
		c->first_seen = 1;
	if (e->as_listener)
		return;
	if (op_has(r->op, OPF_ACCEPT)) {
		/* Only a successful accept's own copy is about the new socket. */
		conn_note_fd(c, (int)r->ret);
		c->role = ROLE_SERVER;
		learn_addrs(c, r);
		return;
	}
	switch (r->op) {
	case ST_OP_SOCKET:
		conn_note_fd(c, (int)r->ret);
		break;
	case ST_OP_SOCKETPAIR:
		if (r->ret == 0) {
			c->role = ROLE_PAIR;
			c->peer_inode = r->inode2;
		}
		break;
	case ST_OP_LISTEN:
		if (r->ret == 0)
			c->role = ROLE_LISTENER;
		break;
	case ST_OP_INHERITED:
		if (r->arg[0] == 1)
			c->role = ROLE_LISTENER;
		break;
	case ST_OP_CONNECT:
		if (c->role == ROLE_UNCONNECTED)
			c->role = ROLE_CLIENT;
		break;
	case ST_OP_FCNTL:
	case ST_OP_FCNTL64:
		if (r->arg[0] == F_SETFD)
			break;	/* ret is 0, not an fd */
		/* fall through */
	case ST_OP_DUP:
	case ST_OP_DUP2:
	case ST_OP_DUP3:
		if (!(r->flags & ST_REC_IMPLICIT_CLOSE) && r->ret >= 0)
			conn_note_fd(c, (int)r->ret);
		break;
	default:
		break;
	}
	if (r->fd >= 0 && !(r->flags & ST_REC_IMPLICIT_CLOSE))
		conn_note_fd(c, r->fd);
	learn_addrs(c, r);
}

/* The addresses an event reports become the connection's. */
static void learn_addrs(struct conn *c, const struct trace_rec *r)
{
	char buf[ADDR_STR_MAX];
	const char *a;

	if ((a = ev_addr_str(r, ST_ADDR_LOCAL, buf)))
		strcpy(c->local, a);
	if ((a = ev_addr_str(r, ST_ADDR_PEER, buf)))
		strcpy(c->peer, a);
	else if (r->op == ST_OP_CONNECT && !c->peer[0] && (a = ev_addr_str(r, ST_ADDR_ARG, buf)))
		strcpy(c->peer, a);	/* the peer it tried to reach */
}

static int add_ev(struct conn *c, const struct ev *e)
{
	if (model_grow((void **)&c->evs, c->nevs, &c->capevs, sizeof(*c->evs)))
		return -1;
	c->evs[c->nevs++] = *e;
	learn(c, e);
	return 0;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->r->t_ns != y->r->t_ns)
		return x->r->t_ns < y->r->t_ns ? -1 : 1;
	if (x->p->pid != y->p->pid)
		return x->p->pid < y->p->pid ? -1 : 1;
	if (x->r->pos != y->r->pos)
		return x->r->pos < y->r->pos ? -1 : 1;
	/* The state applies before the end it is the state of. */
	return (y->r->op == VIEW_OP_STATE) - (x->r->op == VIEW_OP_STATE);
}

/* Did the call r records fail (a record of what happened is no call)? */
static int is_failure(const struct trace_rec *r)
{
	if (r->op >= 100)
		return 0;	/* synthetic: no call failed */
	return !op_has(r->op, OPF_NEVER_FAILS) && r->ret < 0;
}

/* Route one record to its connection(s), or to its process. */
static int place(struct model *m, struct ev *e)
{
	const struct trace_rec *r = e->r;
	int accept = op_has(r->op, OPF_ACCEPT);
	struct conn *c;

	if (r->op == VIEW_OP_STATE)
		return refs_state(m, e);
	if (r->op == VIEW_OP_STATE_OPEN)
		return refs_state_open(m, e);
	if (is_failure(r) && record_would_block(r))
		m->would_block++;
	else if (is_failure(r))
		m->failed_calls++;
	c = r->inode ? conn_get(m, r->inode, e) : NULL;
	if ((r->inode && !c) || refs_apply(m, e, c))
		return -1;
	if (!r->inode) {
		if (model_grow((void **)&e->p->evs, e->p->nevs, &e->p->capevs, sizeof(*e->p->evs)))
			return -1;
		e->p->evs[e->p->nevs++] = e;
		return 0;
	}
	if (accept && r->ret < 0) {
		/* A failed accept is the listener's own event (inode is the listener). */
		e->as_listener = 1;
	} else if (accept && r->inode2) {
		/* Shown on the listener's timeline too. */
		struct ev le = *e;

		struct conn *l;

		le.as_listener = 1;
		le.released = -1;
		l = conn_get(m, r->inode2, &le);
		if (!l)
			return -1;
		le.refs_total = l->live + l->in_flight;
		le.refs_elsewhere = refs_elsewhere(l, r->pid, ev_refs(&le));
		if (add_ev(l, &le))
			return -1;
	}
	if (add_ev(c, e))
		return -1;
	return 0;
}

/* When the reference of fd entry d began, as the state says; 0 when not known. */
static uint64_t state_ref_start(const struct trace_file *tf, const struct vfd *d)
{
	const struct st_sock *s = &tf->socks[d->slot].s;

	return s->forks ? tf->hdr.image_start_ns : s->made_ns;
}

/*
 * A VIEW_OP_STATE_OPEN record (trace_read.h) for each reference a file's
 * state holds whose beginning is in the history that file lost.
 */
static int state_opens(struct model *m, struct trace_file **files, size_t nfiles)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < nfiles; i++) {
			const struct trace_file *tf = files[i];

			for (size_t j = 0; tf->lost_last_pos && j < tf->nfds; j++) {
				uint64_t t = state_ref_start(tf, &tf->fds[j]);
				struct trace_rec *r;

				if (!t || t >= tf->history_from_ns)
					continue;
				if (pass == 0) {
					n++;
					continue;
				}
				r = &m->syn[m->nsyn];
				r->op = VIEW_OP_STATE_OPEN;
				r->pid = r->tid = tf->hdr.pid;
				r->t_ns = t;
				r->fd = tf->fds[j].fd;
				r->fd2 = (int)j;
				m->syn_proc[m->nsyn++] = i;
			}
		}
		if (pass == 0) {
			m->syn = calloc(n ? n : 1, sizeof(*m->syn));
			m->syn_proc = calloc(n ? n : 1, sizeof(*m->syn_proc));
			if (!m->syn || !m->syn_proc)
				return -1;
		}
	}
	return 0;
}

/*
 * socktrace run's reap of rr->pid is before that pid's last event (all[],
 * n of them, in time order): impossible for a real run, so socktrace.run
 * was edited or belongs to another run.  Says so on stderr (1), rather
 * than kill a process that went on.
 */
static int reap_impossible(const struct model *m, const struct ev *all, size_t n,
			   const struct run_reap *rr)
{
	char at[TF_MAX], last[TF_MAX];

	for (size_t i = n; i-- > 0;) {
		if (all[i].p->pid != rr->pid)
			continue;
		if (all[i].r->t_ns <= rr->t_ns)
			return 0;
		fprintf(stderr, "socktrace: socktrace.run says pid %d was reaped at %s, before its last "
			"event at %s: not so (ignored)\n", rr->pid, tf_at_s(m, rr->t_ns, at),
			tf_at_s(m, all[i].r->t_ns, last));
		return 1;
	}
	return 0;
}

int replay_run(struct model *m, struct trace_file **files, size_t nfiles,
	       const struct run_reap *reaps, size_t nreaps)
{
	struct ev *all = NULL;
	size_t n = 0, k = 0, next_reap = 0;

	m->procs = calloc(nfiles ? nfiles : 1, sizeof(*m->procs));
	if (!m->procs)
		return -1;
	for (size_t i = 0; i < nfiles; i++) {
		struct proc *p = &m->procs[i];

		p->tf = files[i];
		p->pid = files[i]->hdr.pid;
		p->ppid = files[i]->hdr.ppid;
		p->exited = files[i]->hdr.state == ST_STATE_EXITED;
		p->lost = files[i]->overwritten + files[i]->torn + files[i]->corrupt;
		m->lost += p->lost;
		n += files[i]->nrecs;
	}
	m->nprocs = nfiles;
	if (state_opens(m, files, nfiles))
		return -1;
	/* Process events point into all[]: it lives as long as the model. */
	all = m->all = calloc(n + m->nsyn ? n + m->nsyn : 1, sizeof(*all));
	if (!all)
		return -1;
	for (size_t i = 0; i < nfiles; i++)
		for (size_t j = 0; j < files[i]->nrecs; j++) {
			all[k].r = &files[i]->recs[j];
			all[k].p = &m->procs[i];
			k++;
		}
	for (size_t i = 0; i < m->nsyn; i++) {
		all[k].r = &m->syn[i];
		all[k].p = &m->procs[m->syn_proc[i]];
		k++;
	}
	n += m->nsyn;
	m->nall = n;
	qsort(all, n, sizeof(*all), cmp_ev);
	/* The trace's first event: its first record, or a file's making when records before were lost. */
	m->t0 = n ? all[0].r->t_ns : 0;
	for (size_t i = 0; i < nfiles; i++)
		if (files[i]->lost_last_pos && files[i]->hdr.mono_anchor_ns &&
		    (!m->t0 || files[i]->hdr.mono_anchor_ns < m->t0))
			m->t0 = files[i]->hdr.mono_anchor_ns;
	m->t0_wall_ns = tf_wall_of_t0(m);
	refs_link_images(m);
	if (model_keys(m))
		return -1;
	for (size_t i = 0; i <= n; i++) {
		/* socktrace run's reaps (in time order) go where a traced parent's wait would. */
		while (next_reap < nreaps && (i == n || reaps[next_reap].t_ns < all[i].r->t_ns)) {
			if (!reap_impossible(m, all, n, &reaps[next_reap])) {
				m->run_end_ns = reaps[next_reap].t_ns;
				refs_reaped_by_run(m, &reaps[next_reap]);
			}
			next_reap++;
		}
		if (i < n && place(m, &all[i]))
			return -1;
	}
	if (refs_finish(m))
		return -1;
	/* Nothing kept says what it was: say so rather than "unconnected". */
	for (size_t i = 0; i < m->nconns; i++)
		if (m->conns[i]->role == ROLE_UNCONNECTED && !m->conns[i]->in_state &&
		    !conn_timeline_complete(m->conns[i]))
			m->conns[i]->role = ROLE_UNKNOWN;
	replay_tcp_states(m);
	return 0;
}


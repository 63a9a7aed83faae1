/*
 * conn_data.c - what the data path says about each connection: bytes each
 * way and activity times (summed over every process that moved bytes on
 * it), the peer's FIN, connect latency, the TCP_INFO snapshot at its final
 * close and the name lookup that led to it (the TCP state after each of
 * its events is the replay's: replay_tcp.c).
 *
 * Totals come from two places: the record of a socket's final close in a
 * process (an ST_ADDR_DATA entry), and, for sockets a process still held
 * when its file was read (exit, kill, exec), the state's slot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "derive.h"

int ev_value_get(const struct trace_rec *r, unsigned kind, void *out, size_t len)
{
	const struct st_addr_hdr *h;
	const uint8_t *val;
	size_t off = 0;

	while ((h = st_entry_next(r->addrs, r->addrs_len, &off, &val)))
		if (st_entry_is(h, kind) && h->len >= len) {
			memcpy(out, val, len);
			return 1;
		}
	return 0;
}

static void add_totals(struct conn *c, const struct vdata *t)
{
	c->has_data = 1;
	c->bytes_sent += t->bytes_sent;
	c->bytes_received += t->bytes_received;
	if (t->first_ns && (!c->first_ns || t->first_ns < c->first_ns))
		c->first_ns = t->first_ns;
	if (t->last_ns > c->last_ns)
		c->last_ns = t->last_ns;
}

/* Process p moved bytes on c: each of its references there is used (leak_rule.h). */
static void mark_moved(struct conn *c, const struct proc *p)
{
	for (size_t i = 0; i < c->nrefs; i++)
		if (c->refs[i]->p == p)
			c->refs[i]->moved = 1;
}

/* The counters of sockets each process still held: its state's slots. */
static void from_state(struct model *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct trace_file *tf = m->procs[i].tf;

		for (size_t k = 0; k < tf->nsocks; k++) {
			const struct vsock *s = &tf->socks[k];
			struct vdata t;
			struct conn *c;

			if (!s->first_ns || !(c = model_conn(m, s->key)))
				continue;
			t.bytes_sent = s->s.bytes_sent;
			t.bytes_received = s->s.bytes_received;
			t.first_ns = s->first_ns;
			t.last_ns = s->last_ns;
			add_totals(c, &t);
			if (t.bytes_sent || t.bytes_received)
				mark_moved(c, &m->procs[i]);
		}
	}
}

/* Connect latency: a blocking connect's own duration, or EINPROGRESS to its completion. */
static void connect_latency(struct conn *c)
{
	const struct trace_rec *start = NULL;

	c->connect_latency_ns = -1;
	for (size_t k = 0; k < c->nevs; k++) {
		const struct trace_rec *r = c->evs[k].r;

		if (r->op == ST_OP_CONNECT && r->ret == 0 && r->arg[0] > 0)
			c->connect_latency_ns = r->arg[0];
		else if (r->op == ST_OP_CONNECT && r->ret < 0 && r->err == EINPROGRESS)
			start = r;
		else if (r->op == ST_OP_CONNECTED && start && r->err == 0)
			c->connect_latency_ns = (int64_t)(r->t_ns - (start->t_ns - (uint64_t)start->arg[0]));
	}
}

/* Does the address a (from a getaddrinfo result) name the same endpoint as b (a connect's)? */
static int same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_addr.s_addr == y->sin_addr.s_addr &&
		       (!x->sin_port || x->sin_port == y->sin_port);
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) &&
		       (!x->sin6_port || x->sin6_port == y->sin6_port);
	}
	return 0;
}

size_t ev_next_addr(const struct trace_rec *r, unsigned kind, size_t *off, struct sockaddr_storage *ss)
{
	while (*off + sizeof(struct st_addr_hdr) <= r->addrs_len) {
		const struct st_addr_hdr *h = (const void *)&r->addrs[*off];

		*off += sizeof(*h) + h->len;
		if ((h->kinds & kind) && h->len > 0 && h->len <= sizeof(*ss)) {
			memset(ss, 0, sizeof(*ss));
			memcpy(ss, h + 1, h->len);
			return h->len;
		}
	}
	return 0;
}

/* The latest successful getaddrinfo, before t, in any process, that found addr. */
static const struct ev *find_lookup(const struct model *m, const struct sockaddr_storage *addr,
				    uint64_t t, int pid)
{
	const struct ev *best = NULL;

	for (size_t i = 0; i < m->nprocs; i++)
		for (size_t k = 0; k < m->procs[i].nevs; k++) {
			const struct ev *e = m->procs[i].evs[k];
			struct sockaddr_storage ss;
			size_t off = 0;

			if (e->r->op != ST_OP_GETADDRINFO || e->r->ret != 0 || e->r->t_ns > t)
				continue;
			while (ev_next_addr(e->r, ST_ADDR_RESULT, &off, &ss))
				if (same_endpoint(&ss, addr)) {
					/* Latest wins; the connecting process's own lookup first. */
					if (!best || (e->r->pid == pid) > (best->r->pid == pid) ||
					    ((e->r->pid == pid) == (best->r->pid == pid) && e->r->t_ns > best->r->t_ns))
						best = e;
					break;
				}
		}
	return best;
}

static void link_lookup(const struct model *m, struct conn *c)
{
	for (size_t k = 0; k < c->nevs; k++) {
		const struct trace_rec *r = c->evs[k].r;
		struct sockaddr_storage ss;
		size_t off = 0;

		if (r->op == ST_OP_CONNECT && ev_next_addr(r, ST_ADDR_ARG, &off, &ss)) {
			c->lookup = find_lookup(m, &ss, r->t_ns, r->pid);
			if (c->lookup)
				return;
		}
	}
}

void conn_data(struct model *m)
{
	from_state(m);
	for (size_t i = 0; i < m->nconns; i++) {
		struct conn *c = m->conns[i];

		for (size_t k = 0; k < c->nevs; k++) {
			const struct trace_rec *r = c->evs[k].r;
			struct vdata t;

			if (c->evs[k].as_listener)
				continue;
			if (ev_value_get(r, ST_ADDR_DATA, &t, sizeof(t))) {
				add_totals(c, &t);
				if (t.bytes_sent || t.bytes_received)
					mark_moved(c, c->evs[k].p);
			}
			if (ev_value_get(r, ST_ADDR_TCPINFO, &c->tcp_info, sizeof(c->tcp_info)))
				c->has_tcp_info = 1;
			if (r->op == ST_OP_PEER_EOF && (!c->eof_ns || r->t_ns < c->eof_ns)) {
				c->eof_ns = r->t_ns;
				c->eof_pid = r->pid;
			}
		}
		connect_latency(c);
		link_lookup(m, c);
	}
}

/*
 * conn_data.c - what the data path says about each connection: bytes each
 * way and activity times (summed over every process that moved bytes on
 * it), the peer's FIN, connect latency, the TCP_INFO snapshot at its final
 * close, the name lookup that led to it, and the TCP state after each of
 * its events, inferred from the calls.
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

#include "model.h"

/* The kernel's number for CLOSE_WAIT in tcp_info.tcpi_state (include/net/tcp_states.h). */
#define KERNEL_TCP_CLOSE_WAIT	8

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

/* Is r a failed data call with err? */
static int data_failed(const struct trace_rec *r, int err)
{
	return is_data_record(r) && r->ret < 0 && r->err == err;
}

/*
 * The TCP state after event e, from the state before (NULL: not known
 * yet).  Sets *note to what to expect next, when the state says it.
 */
static const char *tcp_next(const struct conn *c, const struct ev *e, const char *st,
			    const char **note)
{
	const struct trace_rec *r = e->r;
	struct st_tcp_snapshot tcp;
	int shut_wr = r->op == ST_OP_SHUTDOWN && r->ret == 0 && (r->arg[0] == SHUT_WR || r->arg[0] == SHUT_RDWR);

	*note = NULL;
	if (e->as_listener)
		return st;
	switch (r->op) {
	case ST_OP_CONNECT:
		if (r->ret == 0)
			return "ESTABLISHED";
		if (r->err == EINPROGRESS) {
			*note = "connect pending";
			return "SYN_SENT";
		}
		return r->err == EALREADY || r->err == EISCONN || r->err == EINTR ? st : "CLOSED";
	case ST_OP_CONNECTED:
		return r->err ? "CLOSED" : "ESTABLISHED";
	case ST_OP_ACCEPT:
	case ST_OP_ACCEPT4:
		return r->ret >= 0 ? "ESTABLISHED" : st;
	case ST_OP_PEER_EOF:
		if (st && !strcmp(st, "FIN_WAIT")) {
			*note = "both sides sent FIN, this side first";
			return "TIME_WAIT";
		}
		*note = "the peer closed its side: close this socket";
		return "CLOSE_WAIT";
	default:
		break;
	}
	if (!st || !strcmp(st, "CLOSED"))
		return st;
	if (shut_wr) {
		if (!strcmp(st, "CLOSE_WAIT")) {
			*note = "the peer keeps TIME_WAIT";
			return "LAST_ACK";
		}
		if (!strcmp(st, "ESTABLISHED")) {
			*note = "FIN sent; TIME_WAIT expected on this side";
			return "FIN_WAIT";
		}
	}
	if (data_failed(r, ECONNRESET) || data_failed(r, EPIPE) || data_failed(r, ETIMEDOUT)) {
		*note = "the connection was reset";
		return "CLOSED";
	}
	if (e->released == 1) {
		if ((r->flags & ST_REC_UNREAD) && r->arg[1] > 0) {
			*note = "RST sent: unread data";
			return "CLOSED";
		}
		if (c->linger0) {
			*note = "RST sent: SO_LINGER {1, 0}";
			return "CLOSED";
		}
		if (!strcmp(st, "ESTABLISHED") && (ev_value_get(r, ST_ADDR_TCPINFO, &tcp, sizeof(tcp)) &&
						   tcp.state == KERNEL_TCP_CLOSE_WAIT)) {
			*note = "the peer had closed first (TCP_INFO: CLOSE_WAIT); the peer keeps TIME_WAIT";
			return "LAST_ACK";
		}
		if (!strcmp(st, "ESTABLISHED")) {
			*note = "FIN sent; TIME_WAIT expected on this side";
			return "FIN_WAIT";
		}
		if (!strcmp(st, "CLOSE_WAIT")) {
			*note = "FIN sent after the peer's; the peer keeps TIME_WAIT";
			return "LAST_ACK";
		}
	}
	return st;
}

/* The inferred TCP state along a TCP connection's timeline. */
static void tcp_states(struct conn *c)
{
	const char *st = NULL;

	if (c->type != SOCK_STREAM || (c->domain != AF_INET && c->domain != AF_INET6) ||
	    c->role == ROLE_LISTENER)
		return;
	for (size_t k = 0; k < c->nevs; k++) {
		const char *note, *next = tcp_next(c, &c->evs[k], st, &note);

		if (next && (!st || strcmp(next, st))) {
			c->evs[k].tcp_state = next;
			c->evs[k].tcp_note = note;
		}
		st = next;
	}
	c->tcp_state = st;
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
		tcp_states(c);
	}
}

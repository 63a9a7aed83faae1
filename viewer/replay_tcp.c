/*
 * replay_tcp.c - the TCP state after each event of a TCP connection,
 * inferred from the calls and from the replay's word on which close was
 * the last (ev.released): a FIN or RST goes out only then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "replay.h"
#include "op_flags.h"

/* The kernel's number for CLOSE_WAIT in tcp_info.tcpi_state (include/net/tcp_states.h). */
#define KERNEL_TCP_CLOSE_WAIT	8

/* Is r a failed data call with err? */
static int data_failed(const struct trace_rec *r, int err)
{
	return is_data_record(r) && r->ret < 0 && r->err == err;
}

/*
 * The TCP state after event e, from the state before (TCPS_NONE: not
 * known yet).  Sets *note to what to expect next, when the state says it.
 */
static enum tcp_state tcp_next(const struct conn *c, const struct ev *e, enum tcp_state st,
			       const char **note)
{
	const struct trace_rec *r = e->r;
	struct st_tcp_snapshot tcp;
	int shut_wr = r->op == ST_OP_SHUTDOWN && r->ret == 0 && (r->arg[0] == SHUT_WR || r->arg[0] == SHUT_RDWR);

	*note = NULL;
	if (e->as_listener)
		return st;
	if (op_has(r->op, OPF_ACCEPT))
		return r->ret >= 0 ? TCPS_ESTABLISHED : st;
	switch (r->op) {
	case ST_OP_CONNECT:
		if (r->ret == 0)
			return TCPS_ESTABLISHED;
		if (r->err == EINPROGRESS) {
			*note = "connect pending";
			return TCPS_SYN_SENT;
		}
		return r->err == EALREADY || r->err == EISCONN || r->err == EINTR ? st : TCPS_CLOSED;
	case ST_OP_CONNECTED:
		return r->err ? TCPS_CLOSED : TCPS_ESTABLISHED;
	case ST_OP_PEER_EOF:
		if (st == TCPS_FIN_WAIT) {
			*note = "both sides sent FIN, this side first";
			return TCPS_TIME_WAIT;
		}
		*note = "the peer closed its side: close this socket";
		return TCPS_CLOSE_WAIT;
	default:
		break;
	}
	if (st == TCPS_NONE || st == TCPS_CLOSED)
		return st;
	if (shut_wr) {
		if (st == TCPS_CLOSE_WAIT) {
			*note = "the peer keeps TIME_WAIT";
			return TCPS_LAST_ACK;
		}
		if (st == TCPS_ESTABLISHED) {
			*note = "FIN sent; TIME_WAIT expected on this side";
			return TCPS_FIN_WAIT;
		}
	}
	if (data_failed(r, ECONNRESET) || data_failed(r, EPIPE) || data_failed(r, ETIMEDOUT)) {
		*note = "the connection was reset";
		return TCPS_CLOSED;
	}
	if (e->released == 1) {
		if ((r->flags & ST_REC_UNREAD) && r->arg[1] > 0) {
			*note = "RST sent: unread data";
			return TCPS_CLOSED;
		}
		if (c->linger0) {
			*note = "RST sent: SO_LINGER {1, 0}";
			return TCPS_CLOSED;
		}
		if (st == TCPS_ESTABLISHED && (ev_value_get(r, ST_ADDR_TCPINFO, &tcp, sizeof(tcp)) &&
						   tcp.state == KERNEL_TCP_CLOSE_WAIT)) {
			*note = "the peer had closed first (TCP_INFO: CLOSE_WAIT); the peer keeps TIME_WAIT";
			return TCPS_LAST_ACK;
		}
		if (st == TCPS_ESTABLISHED) {
			*note = "FIN sent; TIME_WAIT expected on this side";
			return TCPS_FIN_WAIT;
		}
		if (st == TCPS_CLOSE_WAIT) {
			*note = "FIN sent after the peer's; the peer keeps TIME_WAIT";
			return TCPS_LAST_ACK;
		}
	}
	return st;
}

/*
 * The state after the last reference went with no event of the
 * connection's own: its process exited or was killed, holding it.  The
 * kernel closes it then as a close would: FIN (or RST under SO_LINGER
 * {1, 0}; bytes left unread are not known at an exit).
 */
static enum tcp_state tcp_after_unheld(const struct conn *c, enum tcp_state st)
{
	if (st != TCPS_ESTABLISHED && st != TCPS_CLOSE_WAIT)
		return st;
	if (c->linger0)
		return TCPS_CLOSED;
	return st == TCPS_ESTABLISHED ? TCPS_FIN_WAIT : TCPS_LAST_ACK;
}

/* The inferred TCP state along a TCP connection's timeline, and after it. */
static void tcp_states(struct conn *c)
{
	enum tcp_state st = TCPS_NONE;
	int released_by_event = 0;

	if (c->type != SOCK_STREAM || (c->domain != AF_INET && c->domain != AF_INET6) ||
	    c->role == ROLE_LISTENER)
		return;
	for (size_t k = 0; k < c->nevs; k++) {
		const char *note;
		enum tcp_state next = tcp_next(c, &c->evs[k], st, &note);

		if (next != TCPS_NONE && next != st) {
			c->evs[k].tcp_state = next;
			c->evs[k].tcp_note = note;
		}
		st = next;
		released_by_event |= c->evs[k].released == 1;
	}
	if (c->released_by == RELEASE_BY_REF && !released_by_event)
		st = tcp_after_unheld(c, st);
	c->tcp_state = st;
}

void replay_tcp_states(struct model *m)
{
	for (size_t i = 0; i < m->nconns; i++)
		tcp_states(m->conns[i]);
}

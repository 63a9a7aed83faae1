/*
 * html_ending.c - how a connection ended, in the picture's colours: who
 * sent FIN first, a reset, or still open / leaked; from the model's fate
 * (ends.h) and the TCP states the replay inferred along the timeline (replay_tcp.c).
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>

#include "ends.h"
#include "html_data.h"

/* A stream that was never TCP-tracked (a unix stream, or its states not known): by its marks. */
static enum html_ending by_marks(const struct conn *c)
{
	int shut = 0;

	for (size_t k = 0; k < c->nevs; k++) {
		const struct ev *e = &c->evs[k];
		const struct trace_rec *r = e->r;

		if (e->as_listener)
			continue;
		if (e->released == 1 && (r->flags & ST_REC_UNREAD) && r->arg[1] > 0)
			return HE_RESET;
		if (r->op == ST_OP_PEER_EOF && !shut)
			return HE_PEER_FIN;
		if (r->op == ST_OP_SHUTDOWN && r->ret == 0 && r->arg[0] != SHUT_RD)
			shut = 1;
	}
	if (c->eof_ns && (!c->released_ns || c->eof_ns <= c->released_ns) && !shut)
		return HE_PEER_FIN;
	return c->released_ns ? HE_WE_FIN : HE_OTHER;
}

enum html_ending html_ending(const struct conn *c)
{
	enum tcp_state first = TCPS_NONE;
	int established = 0;

	switch (conn_fate(c, NULL)) {
	case FATE_OPEN_AT_EXIT:
		return HE_LEAKED;
	case FATE_STILL_RUNNING:
	case FATE_HANDED_ON:
		return HE_OPEN;
	default:
		break;
	}
	if (c->role == ROLE_LISTENER || c->type != SOCK_STREAM)
		return HE_OTHER;
	if (!c->tcp_state)
		return by_marks(c);
	for (size_t k = 0; k < c->nevs; k++) {
		enum tcp_state st = c->evs[k].tcp_state;

		if (st == TCPS_ESTABLISHED)
			established = 1;
		else if (st == TCPS_CLOSED)
			return established ? HE_RESET : HE_OTHER;	/* never connected: refused, timed out */
		else if (!first && (st == TCPS_FIN_WAIT || st == TCPS_CLOSE_WAIT ||
				    st == TCPS_LAST_ACK || st == TCPS_TIME_WAIT))
			first = st;
	}
	if (!first)
		return by_marks(c);
	return first == TCPS_FIN_WAIT ? HE_WE_FIN : HE_PEER_FIN;
}

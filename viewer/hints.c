/*
 * hints.c - one line on what a failure means, from how TCP works, for the
 * failures users meet most.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "hints.h"
#include "model.h"

const char *failure_hint(const struct trace_rec *r)
{
	int connecting = r->op == ST_OP_CONNECT || r->op == ST_OP_CONNECTED;

	if (r->op >= 100 && r->op != ST_OP_CONNECTED)
		return NULL;
	if (r->ret >= 0 && r->op != ST_OP_CONNECTED)
		return NULL;
	switch (r->err) {
	case ECONNREFUSED:
		return "an RST answered the SYN: nothing listens on that address and port";
	case ETIMEDOUT:
		return connecting ? "no answer to the SYN: a wrong address, or a firewall dropping it" :
		       "the peer stopped answering: retransmissions or keepalives timed out";
	case EHOSTUNREACH:
	case ENETUNREACH:
		return "an ICMP error on the route: no way to that host or network";
	case EADDRINUSE:
		return "the port is taken, by a listener or by connections in TIME_WAIT (SO_REUSEADDR "
		       "lets a listener bind over TIME_WAIT)";
	case EADDRNOTAVAIL:
		return "no such local address, or no ephemeral port left for it";
	case EINPROGRESS:
		return "normal for a non-blocking connect: it completes later (poll for writable, then "
		       "getsockopt SO_ERROR)";
	case EPIPE:
		return "writing after the connection was closed for writing: SIGPIPE kills by default "
		       "(MSG_NOSIGNAL or SIG_IGN avoid it)";
	case ECONNRESET:
		return "the peer sent RST: it closed with unread data or SO_LINGER {1, 0}, or crashed";
	case ENOTCONN:
		return "not connected (yet, or any more)";
	default:
		return NULL;
	}
}

/*
 * ref_words.c - the words for the replay's typed state: how a reference
 * was made and ended, how a connection was released, its TCP state.  The
 * outputs print these; the verdicts read the enums.
 */
#define _GNU_SOURCE
#include "names.h"
#include "replay.h"

/* The words for how x was made. */
const char *ref_how_name(const struct ref *x)
{
	switch (x->how) {
	case REF_HOW_CALL: return op_name(x->how_op);
	case REF_HOW_RECEIVED: return "recvmsg (SCM_RIGHTS)";
	case REF_HOW_FORK: return "fork";
	case REF_HOW_EXEC: return "exec";
	case REF_HOW_INHERITED: return "inherited";
	case REF_HOW_STATE: return op_name(x->how_op) ? op_name(x->how_op) : "before the history kept";
	default: return "before the history kept";
	}
}

/*
 * The words a reaped image's references end with: those of the image that
 * was reaped, the last of x's exec chain ("killed by SIGKILL").
 */
static const char *reaped_words(const struct proc *p)
{
	for (; p; p = p->exec_next)
		if (p->reap_end)
			return p->reap_end;
	return "reaped";
}

const char *ref_end_name(const struct ref *x)
{
	switch (x->end) {
	case REF_OPEN: return NULL;
	case REF_ENDED_CLOSE: return op_name(x->end_op);
	case REF_ENDED_DUP_OVER: return x->end_op == ST_OP_DUP2 ? "dup2 over it" : "dup3 over it";
	case REF_ENDED_MISSED_CLOSE: return "missed close";
	case REF_ENDED_REPLACED: return "replaced (close not seen)";
	case REF_ENDED_CLOEXEC: return "exec (close-on-exec)";
	case REF_ENDED_LOST_CLOSE: return "closed (its close is in the history lost)";
	case REF_ENDED_LOST_REPLACED: return "replaced (its close is in the history lost)";
	case REF_ENDED_EXIT: return "exit";
	case REF_ENDED_REAPED: return reaped_words(x->p);
	case REF_ENDED_EXEC_KEPT: return "exec (kept: no close-on-exec)";
	}
	return NULL;
}

enum ref_end_kind ref_end_kind(const struct ref *x)
{
	switch (x->end) {
	case REF_OPEN: return REF_END_OPEN;
	case REF_ENDED_EXIT: return REF_END_EXIT;
	case REF_ENDED_REAPED: return REF_END_REAPED;
	case REF_ENDED_EXEC_KEPT: return REF_END_EXEC;
	default: return REF_END_CALL;
	}
}

int ref_end_lost(const struct ref *x)
{
	return x->end == REF_ENDED_LOST_CLOSE || x->end == REF_ENDED_LOST_REPLACED;
}

const char *conn_released_how(const struct conn *c)
{
	switch (c->released_by) {
	case RELEASE_BY_REF: return ref_end_name(c->last_ref);
	case RELEASE_DISCARDED: return "discarded in flight (MSG_CTRUNC)";
	case RELEASE_RECEIVED_LOST: return "received in the history lost (SCM_RIGHTS)";
	default: return NULL;
	}
}

const char *tcp_state_word(enum tcp_state st)
{
	switch (st) {
	case TCPS_CLOSED: return "CLOSED";
	case TCPS_SYN_SENT: return "SYN_SENT";
	case TCPS_ESTABLISHED: return "ESTABLISHED";
	case TCPS_FIN_WAIT: return "FIN_WAIT";
	case TCPS_CLOSE_WAIT: return "CLOSE_WAIT";
	case TCPS_LAST_ACK: return "LAST_ACK";
	case TCPS_TIME_WAIT: return "TIME_WAIT";
	default: return NULL;
	}
}

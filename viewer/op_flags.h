/*
 * op_flags.h - the viewer's groupings of ops, one place each.
 *
 * The op list is trace_format.h's ST_OPS (number, name, class); a grouping
 * the class already says comes from it, the few finer ones the viewer
 * dispatches on are named here, once, in VIEW_OP_FLAGS.  A switch that does
 * per-op work (formatting a call) stays where the work is; a test of "is
 * this op one of these" is op_has(op, OPF_...).
 */
#ifndef SOCKTRACE_OP_FLAGS_H
#define SOCKTRACE_OP_FLAGS_H

#include "trace_format.h"

enum op_flag {
	OPF_CLOSE_FAMILY = 1u << 0,	/* drops the reference it names: close, fclose... missed close */
	OPF_DUP_OVER = 1u << 1,		/* may drop the reference on its target fd (dup2, dup3) */
	OPF_ACCEPT = 1u << 2,		/* a new socket from a listener */
	OPF_EXEC = 1u << 3,		/* replaces the image (st_op_is_exec) */
	OPF_EXIT = 1u << 4,		/* the process ends itself */
	OPF_WAIT = 1u << 5,		/* reaps a child */
	OPF_NEVER_FAILS = 1u << 6,	/* a record of what happened, not a call that can fail */
	OPF_FCNTL = 1u << 7,		/* fcntl, fcntl64: F_DUPFD (a copy) or F_SETFD */
};

/*
 * The ops of each finer grouping (op names as in ST_OPS).  The close
 * family is ST_CLASS_DROP's ops and the shim's missed-close mark; exec is
 * st_op_is_exec's.
 */
#define VIEW_OP_FLAGS(X)						\
	X(MISSED_CLOSE, OPF_CLOSE_FAMILY | OPF_NEVER_FAILS)		\
	X(DUP2, OPF_DUP_OVER)						\
	X(DUP3, OPF_DUP_OVER)						\
	X(FCNTL, OPF_FCNTL)						\
	X(FCNTL64, OPF_FCNTL)						\
	X(ACCEPT, OPF_ACCEPT)						\
	X(ACCEPT4, OPF_ACCEPT)						\
	X(EXIT, OPF_EXIT | OPF_NEVER_FAILS)				\
	X(_EXIT, OPF_EXIT | OPF_NEVER_FAILS)				\
	X(WAIT, OPF_WAIT)						\
	X(WAITPID, OPF_WAIT)						\
	X(WAIT3, OPF_WAIT)						\
	X(WAIT4, OPF_WAIT)						\
	X(WAITID, OPF_WAIT)						\
	X(TRACE_START, OPF_NEVER_FAILS)					\
	X(FORK_CHILD, OPF_NEVER_FAILS)

/* The flags of op (0 for an op in no grouping, or an unknown number). */
static inline unsigned op_flags(unsigned op)
{
	unsigned f = (st_op_is_exec(op) ? OPF_EXEC : 0) |
		     (st_op_class(op) == ST_CLASS_DROP ? OPF_CLOSE_FAMILY : 0);

	switch (op) {
#define OPF_CASE(name, flags) case ST_OP_##name: return f | (flags);
	VIEW_OP_FLAGS(OPF_CASE)
#undef OPF_CASE
	default: return f;
	}
}

/* Is op in any of the groupings of mask? */
static inline int op_has(unsigned op, unsigned mask)
{
	return !!(op_flags(op) & mask);
}

#endif

/*
 * hooks_check.c - the hook list (hooks.h) held to the trace format's op
 * list (ST_OPS) and to struct real_fns' layout, when the shim is compiled.
 * No code: each rule is a _Static_assert whose message names the op or
 * the hook at fault.
 *
 * - Every op a call of the app makes (classes CREATE to PROC) is recorded
 *   by at least one hook, or is listed in SHIM_OPS_WITHOUT_HOOK: an op the
 *   viewer knows and the shim never writes is a call traced by no one.
 * - Every hook's op exists (ST_OP_<op> must be declared) and is a call of
 *   the app, or NONE: a hook cannot write a synthetic op as itself.
 */
#define _GNU_SOURCE
#include <stddef.h>

#include "../include/trace_format.h"
#include "real.h"

/*
 * Per op, as constants (st_op_class() is a function, and a constant
 * keeps clang's message short): its class, and whether it is a call of
 * the app, which needs a hook.
 */
enum {
#define OP_CLASS(num, id, name, cls) OP_CLASS_OF_##id = cls,
	ST_OPS(OP_CLASS)
#undef OP_CLASS
};
#define IS_APP_CALL(cls)	IS_APP_CLASS((enum st_op_class)(cls))
#define IS_APP_CLASS(c)								\
	((c) == ST_CLASS_CREATE || (c) == ST_CLASS_COPY ||			\
	 (c) == ST_CLASS_DROP || (c) == ST_CLASS_CALL ||			\
	 (c) == ST_CLASS_MSG || (c) == ST_CLASS_DATA ||				\
	 (c) == ST_CLASS_LOOKUP || (c) == ST_CLASS_PROC)
enum {
#define OP_NEEDS_HOOK(num, id, name, cls) OP_NEEDS_HOOK_##id = IS_APP_CALL(cls),
	ST_OPS(OP_NEEDS_HOOK)
#undef OP_NEEDS_HOOK
};

#define HOOK_OP_IS_CALL(name, ret, params, op, kind, fb)			\
	_Static_assert(ST_OP_##op == ST_OP_NONE || OP_NEEDS_HOOK_##op,		\
		       "hook " #name " records ST_OP_" #op ", which is no call of the app in ST_OPS");
SHIM_HOOKS(HOOK_OP_IS_CALL)

/*
 * The ops recorded, as a bit set in two words (ops 0-63, 64-127): a
 * constant expression, which a loop over the list is not.
 */
#define OP_BIT(op, word)							\
	(ST_OP_##op / 64 == (word) ? 1ull << (ST_OP_##op % 64) : 0ull)
#define HOOK_BIT_0(name, ret, params, op, kind, fb) | OP_BIT(op, 0)
#define HOOK_BIT_1(name, ret, params, op, kind, fb) | OP_BIT(op, 1)
#define UNHOOKED_BIT_0(op) | OP_BIT(op, 0)
#define UNHOOKED_BIT_1(op) | OP_BIT(op, 1)
#define RECORDED_0 (0ull SHIM_HOOKS(HOOK_BIT_0) SHIM_OPS_WITHOUT_HOOK(UNHOOKED_BIT_0))
#define RECORDED_1 (0ull SHIM_HOOKS(HOOK_BIT_1) SHIM_OPS_WITHOUT_HOOK(UNHOOKED_BIT_1))
enum {
#define OP_RECORDED(num, id, name, cls)						\
	OP_RECORDED_##id = (num) < 64 ? RECORDED_0 >> ((num) % 64) & 1 :	\
			   (num) < 128 ? RECORDED_1 >> ((num) % 64) & 1 : 0,
	ST_OPS(OP_RECORDED)
#undef OP_RECORDED
};

#define OP_HAS_HOOK(num, id, name, cls)						\
	_Static_assert(!OP_NEEDS_HOOK_##id || OP_RECORDED_##id,			\
		       "op ST_OP_" #id " (" name ") is a call of the app that no hook in "	\
		       "SHIM_HOOKS records (numbers from 128 on: widen RECORDED_ here)");
ST_OPS(OP_HAS_HOOK)

/* hooks.h's promise: the calls of a connection's life share two cache lines. */
_Static_assert(offsetof(struct real_fns, recvmsg) + sizeof(void *) <= 128,
	       "struct real_fns: socket ... recvmsg no longer fit the first two cache lines");

/*
 * exec_hint.h - telling an exec'd image that it inherited no socket, so
 * that its set-up need not scan /proc/self/fd (the largest part of what
 * the shim costs a socket-free process: about 40 us of a 700 us exec of
 * /bin/true here, bench/README.md).
 *
 * The only channel across exec that needs no system call is the
 * environment.  An image that knows it passes no socket on (it never held
 * one, or the table knows every one it holds and each is close-on-exec;
 * and its own start was known to be clean) adds one variable naming its
 * pid to the environment it execs with, when that environment preloads
 * the shim as ours does.  The new image believes it only for the same pid,
 * and takes it out of its environ at set-up, so the program never sees it
 * (only /proc/PID/environ, the kernel's copy, still holds it).
 */
#ifndef SOCKTRACE_EXEC_HINT_H
#define SOCKTRACE_EXEC_HINT_H

#include <stddef.h>

#include "../include/trace_format.h"

/*
 * At set-up, before the inherited-socket scan: 1 when environ holds a hint
 * of this pid's (the image before this exec held no socket), else 0.
 * Every hint is removed from environ either way.  Also remembers our
 * LD_PRELOAD, by which exec_env_prepare knows an environment that loads
 * the shim.  Not async-signal-safe (it edits environ): set-up only.
 */
int exec_hint_take(void);

/*
 * Whether this image's start is known to be free of sockets (the scan
 * found none, or a hint said so); set-up's verdict.  Kept across fork.
 */
void exec_hint_clean_start(int clean);

/*
 * Does hdr's table know every socket this image holds?  Not when one went
 * untracked: past the fd table, a growth given up, past the socket slots
 * (no state), or made while the file was being made.  A fork child asks
 * its parent's header before taking its own: its start is clean only if
 * the parent's tables were complete.
 */
int exec_hint_tables_complete(const struct st_file_header *hdr);

/* Environments of up to this many variables are copied on the exec wrapper's stack. */
#define EXEC_ENV_SMALL	62

/* The environment one exec passes, and what to undo if exec returns. */
struct exec_env {
	char **envp;		/* to pass: the caller's own, or a copy of ours */
	char **orig;		/* the caller's */
	size_t map_len;		/* the copy's mapping, 0 when none (the caller's, or on the stack) */
	int hinted;		/* the copy carries our hint */
	char hint[32];		/* the hint's text, for a copy on the stack */
};

/*
 * Entries the exec wrapper may give exec_env_prepare on its stack: room
 * for EXEC_ENV_SMALL variables, the hint and the NULL, a mapping being a
 * page fault (and a system call) in every exec; 0 on an alternate signal
 * stack, which may be small (execve is async-signal-safe: a handler may
 * call it there).  One sigaltstack call.
 */
size_t exec_env_room(void);

/*
 * The environment to exec with, for an exec of the caller's envp: a copy
 * with the hint added when this image passes no socket on (it traces
 * nothing, or none_kept: the exec's records found every socket it holds
 * close-on-exec), it started clean, and envp preloads the shim as ours
 * does; a copy without any hint the caller passed along (another image's,
 * not true of this one); else envp itself.
 * A copy lives in room[0..nroom) (exec_env_room's size, on the caller's
 * stack) when it fits, else in a mapping of its own (no malloc: exec may
 * be called from a signal handler); exec_env_release unmaps it.  Never
 * fails: without memory, envp as it is.  Async-signal-safe.
 */
void exec_env_prepare(struct exec_env *e, char *const envp[], int none_kept, char **room,
		      size_t nroom);

/*
 * exec returned ret with err: whether to try once more with the caller's
 * own environment (the hint made it too big: E2BIG), so that the exec
 * fails or succeeds as it would untraced.  Drops the copy when so.
 */
int exec_env_retry(struct exec_env *e, int ret, int err);

/* Exec returned for good: unmap the copy. */
void exec_env_release(struct exec_env *e);

#endif

/*
 * exec_hint.c - the no-socket hint across exec (exec_hint.h says why).
 *
 * What the hint may claim, and why it is safe to believe:
 * - It is added only by an image whose own start was clean (a scan that
 *   ran, or a hint) and that passes no socket on: its tracing is IDLE (no
 *   socket was ever made, received or inherited here as far as the
 *   wrappers and set-up saw: any would have started a file, mode ON, or
 *   OFF when that failed), or ON with every socket in the table (none went
 *   untracked) and each close-on-exec, as the exec's records found.
 * - It names the exec'ing pid; exec keeps the pid, so a hint that was copied
 *   into another process's environment is not believed there.
 * - set-up removes it from environ, so the program cannot pass it on; the
 *   exec wrappers drop any the caller passed (they are not ours to vouch for).
 * What it cannot see: a socket made by a raw system call of the program's
 *   own (inline asm, io_uring) before an exec that skips libc's wrappers
 *   too, or by another thread while this one execs.  The new image then
 *   finds that socket at its first wrapped call on it (first seen), not at
 *   start.  README "Limits" says so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec_hint.h"
#include "sbuf.h"
#include "shim.h"
#include "sys.h"

#define HINT		"SOCKTRACE_NOSOCK="
#define HINT_LEN	(sizeof(HINT) - 1)
#define PRELOAD		"LD_PRELOAD="
#define PRELOAD_LEN	(sizeof(PRELOAD) - 1)
#define PID_DIGITS	10		/* pid_t's largest, without its sign */

static int clean;			/* set-up's verdict; fork copies it */
/*
 * Our LD_PRELOAD's value as a 64-bit FNV-1a hash and its length (0: none,
 * or longer than PRELOAD_MAX), not a copy: a 4 KiB copy would be one more
 * page written by every process.  Two values with the same hash and length
 * would pass for each other; at 2^-64, the hint's whole risk.
 */
#define PRELOAD_MAX	4095
static uint64_t preload_hash;
static size_t preload_len;
/*
 * The names the exec path compares, in .data for the reason DATA_STR's
 * strings are (shim.h).  The comparisons are ours, not libc's, for the
 * same reason: a fork child that only execs would fault in their code.
 */
static char hint_name[] __attribute__((section(".data"))) = HINT;
static char preload_name[] __attribute__((section(".data"))) = PRELOAD;

/* s begins with the first n bytes of p (s may be shorter: it stops at s's NUL). */
static PROC_PATH int prefix_is(const char *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != p[i])
			return 0;
	return 1;
}

/* FNV-1a of the string s, and its length in *len (at most PRELOAD_MAX + 1). */
static PROC_PATH uint64_t str_hash(const char *s, size_t *len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t n = 0;

	for (; s[n] && n <= PRELOAD_MAX; n++)
		h = (h ^ (uint8_t)s[n]) * 0x100000001b3ull;
	*len = n;
	return h;
}

static PROC_PATH int is_hint(const char *s)
{
	return prefix_is(s, hint_name, HINT_LEN);
}

/* The decimal pid that s spells, or -1 (anything else: a sign, no digit, junk after). */
static PROC_PATH long parse_pid(const char *s)
{
	long v = 0;
	int n = 0;

	for (; *s >= '0' && *s <= '9' && n < PID_DIGITS; s++, n++)
		v = v * 10 + (*s - '0');
	return n && !*s ? v : -1;
}

PROC_PATH int exec_hint_take(void)
{
	const char *ld = getenv(DATA_STR("LD_PRELOAD"));
	char **src, **dst;
	long pid = -1;
	int hints = 0;

	if (ld) {
		preload_hash = str_hash(ld, &preload_len);
		if (preload_len > PRELOAD_MAX)
			preload_len = 0;
	}
	if (!environ)
		return 0;
	for (src = environ; *src && !is_hint(*src); src++)
		;
	/* Close the gaps in place: a copy main()'s envp still points at sees the same. */
	for (dst = src; *src; src++) {
		if (!is_hint(*src)) {
			*dst++ = *src;
			continue;
		}
		hints++;
		pid = parse_pid(*src + HINT_LEN);
	}
	*dst = NULL;
	/* Two hints: one was not ours (ours replaces any the caller passed). */
	return hints == 1 && pid == (long)shim_getpid();
}

PROC_PATH void exec_hint_clean_start(int is_clean)
{
	clean = is_clean;
}

PROC_PATH int exec_hint_tables_complete(const struct st_file_header *hdr)
{
	uint32_t gaps = ST_HDR_FDS_FULL | ST_HDR_GROW_STALLED | ST_HDR_STATE_FULL;

	return !(__atomic_load_n(&hdr->flags, __ATOMIC_ACQUIRE) & gaps) &&
	       !__atomic_load_n(&hdr->totals.sockets_missed, __ATOMIC_RELAXED) &&
	       !shim_missed_pending();
}

/*
 * May this exec carry the hint?  Only an image that is set up, started
 * clean and passes no socket on (see the top), and only into an environment
 * that preloads the shim exactly as ours did (every LD_PRELOAD in it ours,
 * whichever ld.so reads): any other may load no shim, and the variable
 * would stay in a program we do not trace.
 */
static PROC_PATH int hint_wanted(char *const envp[], int none_kept)
{
	int ours = 0;

	if (!clean || !preload_len || !envp ||
	    __atomic_load_n(&shim.init, __ATOMIC_ACQUIRE) != SHIM_READY ||
	    (!none_kept && __atomic_load_n(&shim.mode, __ATOMIC_ACQUIRE) != TRACE_IDLE))
		return 0;
	for (size_t i = 0; envp[i]; i++) {
		size_t len;

		if (!prefix_is(envp[i], preload_name, PRELOAD_LEN))
			continue;
		if (str_hash(envp[i] + PRELOAD_LEN, &len) != preload_hash || len != preload_len)
			return 0;
		ours = 1;
	}
	return ours;
}

PROC_PATH size_t exec_env_room(void)
{
	stack_t ss;

	if (sys_raw(SYS_sigaltstack, 0, (long)&ss, 0) == 0 && (ss.ss_flags & SS_ONSTACK))
		return 0;
	return EXEC_ENV_SMALL + 2;
}

PROC_PATH void exec_env_prepare(struct exec_env *e, char *const envp[], int none_kept, char **room,
				size_t nroom)
{
	size_t n = 0, stale = 0, len;
	char **out, **o;
	struct sbuf sb;
	int add;
	void *m;

	e->envp = e->orig = (char **)envp;
	e->map_len = 0;
	e->hinted = 0;
	if (shim_in_vfork_child())
		return;		/* our memory is the parent's: a mapping would stay there */
	add = hint_wanted(envp, none_kept);
	for (; envp && envp[n]; n++)
		stale += is_hint(envp[n]);
	if (!add && !stale)
		return;
	_Static_assert(sizeof(e->hint) >= HINT_LEN + PID_DIGITS + 1, "the hint fits");
	if (n - stale + 2 <= nroom) {
		out = room;
		len = 0;
	} else {
		len = (n - stale + 2) * sizeof(char *) + sizeof(e->hint);
		m = (void *)sys_raw6(SYS_mmap, 0, (long)len, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if ((unsigned long)m > -4096UL)
			return;		/* as the caller gave it: a stale hint's pid is checked anyway */
		out = m;
	}
	o = out;
	for (size_t i = 0; i < n; i++)
		if (!is_hint(envp[i]))
			*o++ = envp[i];
	if (add) {
		char *s = len ? (char *)(out + (n - stale + 2)) : e->hint;

		sb_init(&sb, s, HINT_LEN + PID_DIGITS + 1);
		sb_str(&sb, hint_name);
		sb_u64(&sb, (uint64_t)shim_getpid());
		*o++ = s;
		e->hinted = 1;
	}
	*o = NULL;
	e->envp = out;
	e->map_len = len;
}

PROC_PATH int exec_env_retry(struct exec_env *e, int ret, int err)
{
	if (ret != -1 || err != E2BIG || !e->hinted)
		return 0;
	exec_env_release(e);
	return 1;
}

PROC_PATH void exec_env_release(struct exec_env *e)
{
	if (e->map_len)
		sys_raw(SYS_munmap, e->envp, e->map_len, 0);
	e->envp = e->orig;
	e->map_len = 0;
	e->hinted = 0;
}

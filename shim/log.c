/*
 * log.c - the one place the shim writes human-readable text.
 *
 * The default log, ${TMPDIR:-/tmp}/socktrace-UID.log, has a name anyone
 * can guess: another user may plant a symlink or a file of theirs there.
 * It is opened without following a symlink and used only when it is a
 * plain file of ours that nobody else can write; otherwise the line goes
 * to stderr, saying why (the one case the shim writes to the app's
 * stderr unasked: the alternative is writing where an attacker chose).
 */
#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sbuf.h"
#include "setup_text.h"
#include "shim.h"
#include "sys.h"
#include "trace_format.h"

static char *log_path;		/* NULL: none (stderr, or too long) */
static size_t log_cap;
static char *fallback_path;	/* the default log, for a SOCKTRACE_LOG we may not write */
static size_t fallback_cap;
static int log_to_stderr;
static int log_is_default;

PROC_PATH void shim_log_setup(void)
{
	const char *env = getenv(DATA_STR("SOCKTRACE_LOG"));
	struct sbuf sb;

	setup_text_open(&sb);
	if (env && !strcmp(env, "stderr")) {
		log_to_stderr = 1;
	} else if (env && *env) {
		sb_str(&sb, env);
	} else {
		/* The uid is added at the first line written: no system call before. */
		log_is_default = 1;
		setup_text_default_prefix(&sb);
	}
	if (!log_to_stderr)
		log_path = setup_text_keep(&sb, 32, &log_cap);
	setup_text_open(&sb);
	setup_text_default_prefix(&sb);
	fallback_path = setup_text_keep(&sb, 32, &fallback_cap);
}

/* Append the uid and the log suffix to a default log's prefix in path. */
static void name_default(char *path, size_t cap)
{
	struct sbuf sb = { .buf = path, .cap = cap, .len = strlen(path) };

	sb_u64(&sb, getuid());
	sb_str(&sb, ST_DEFAULT_LOG_SUFFIX);
}

/* The default log's name gets its uid the first time a line is written. */
static void log_name_done(void)
{
	static int named;

	if (!log_is_default || named || !log_path)
		return;
	name_default(log_path, log_cap);
	named = 1;
}

/*
 * The log at path's fd, or a negative errno; *unsafe names what is wrong
 * with a default log (is_default) that must not be written.
 */
static long open_log(const char *path, int is_default, const char **unsafe)
{
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (is_default ? O_NOFOLLOW : 0);
	long fd = sys_raw(SYS_open, path, flags, 0600);
	struct stat st;

	*unsafe = NULL;
	if (fd == -ELOOP && is_default) {
		*unsafe = "the default log path is a symlink";
		return fd;
	}
	if (fd < 0 || !is_default)
		return fd;
	if (sys_raw(SYS_fstat, fd, &st, 0) != 0 || !S_ISREG(st.st_mode))
		*unsafe = "the default log path is not a plain file";
	else if (st.st_uid != geteuid())
		*unsafe = "the default log belongs to another user";
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		*unsafe = "the default log is writable by others";
	else if (st.st_nlink != 1)
		*unsafe = "the default log has other names (hard links)";
	if (*unsafe) {
		sys_raw(SYS_close, fd, 0, 0);
		return -EPERM;
	}
	return fd;
}

/* Say in the line that it was not written to path, and why. */
static void not_written(struct sbuf *sb, const char *path, const char *unsafe)
{
	sb_str(sb, " [not written to ");
	sb_str(sb, path);
	sb_str(sb, ": ");
	sb_str(sb, unsafe);
	sb_str(sb, "]");
}

void shim_log(const char *what, const char *detail, int err)
{
	char line[1024];
	const char *unsafe = NULL;
	struct sbuf sb;
	long fd = -1;

	sb_init(&sb, line, sizeof(line));
	sb_str(&sb, "socktrace[");
	sb_u64(&sb, (uint64_t)shim_getpid());
	sb_str(&sb, "] ");
	sb_str(&sb, program_invocation_short_name);
	sb_str(&sb, ": ");
	sb_str(&sb, what);
	if (detail) {
		sb_str(&sb, ": ");
		sb_str(&sb, detail);
	}
	if (err) {
		sb_str(&sb, ": ");
		sb_str(&sb, strerrorname_np(err));
		sb_str(&sb, " (");
		sb_str(&sb, strerrordesc_np(err));
		sb_str(&sb, ")");
	}
	log_name_done();
	if (!log_to_stderr && log_path)
		fd = open_log(log_path, log_is_default, &unsafe);
	/*
	 * A SOCKTRACE_LOG this process may not write (an image that runs as
	 * another user than the one who chose it): the line goes to this
	 * user's default log, naming the one it was meant for.
	 */
	if (fd < 0 && !unsafe && !log_is_default && !log_to_stderr && fallback_path &&
	    (fd == -EACCES || fd == -EPERM || fd == -EROFS)) {
		int err_log = (int)-fd;
		static int fallback_named;

		/* Named once (a racing thread may then read it half-named: its line is lost). */
		if (!__atomic_exchange_n(&fallback_named, 1, __ATOMIC_ACQ_REL))
			name_default(fallback_path, fallback_cap);
		sb_str(&sb, " [SOCKTRACE_LOG ");
		sb_str(&sb, log_path);
		sb_str(&sb, " not writable: ");
		sb_str(&sb, strerrorname_np(err_log));
		sb_str(&sb, "]");
		fd = open_log(fallback_path, 1, &unsafe);
		if (unsafe)
			not_written(&sb, fallback_path, unsafe);
	} else if (unsafe) {
		not_written(&sb, log_path, unsafe);
	}
	if (sb.len + 2 > sizeof(line))
		sb.len = sizeof(line) - 2;
	line[sb.len++] = '\n';
	if (log_to_stderr || unsafe) {
		(void)sys_raw(SYS_write, 2, line, sb.len);
		return;
	}
	if (fd < 0)
		return;
	(void)sys_raw(SYS_write, fd, line, sb.len);
	sys_raw(SYS_close, fd, 0, 0);
}

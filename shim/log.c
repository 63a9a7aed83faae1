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
#include "shim.h"
#include "sys.h"

static char log_path[4096];
static int log_to_stderr;
static int log_is_default;

void shim_log_setup(void)
{
	const char *env = getenv("SOCKTRACE_LOG");
	const char *tmp = getenv("TMPDIR");
	struct sbuf sb;

	sb_init(&sb, log_path, sizeof(log_path));
	if (env && !strcmp(env, "stderr")) {
		log_to_stderr = 1;
	} else if (env && *env) {
		sb_str(&sb, env);
	} else {
		/* The uid is added at the first line written: no system call before. */
		log_is_default = 1;
		sb_str(&sb, tmp && *tmp == '/' ? tmp : "/tmp");
		sb_str(&sb, "/socktrace-");
	}
	if (sb.overflow || sb.len > sizeof(log_path) - 32)
		log_path[0] = 0;
}

/* The default log's name gets its uid the first time a line is written. */
static void log_name_done(void)
{
	static int named;
	struct sbuf sb;

	if (!log_is_default || named || !log_path[0])
		return;
	sb = (struct sbuf){ .buf = log_path, .cap = sizeof(log_path), .len = strlen(log_path) };
	sb_u64(&sb, getuid());
	sb_str(&sb, ".log");
	named = 1;
}

/*
 * The log's fd, or a negative errno; *unsafe names what is wrong with a
 * default log that must not be written.
 */
static long open_log(const char **unsafe)
{
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (log_is_default ? O_NOFOLLOW : 0);
	long fd = sys_raw(SYS_open, log_path, flags, 0600);
	struct stat st;

	*unsafe = NULL;
	if (fd == -ELOOP && log_is_default) {
		*unsafe = "the default log path is a symlink";
		return fd;
	}
	if (fd < 0 || !log_is_default)
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
	if (!log_to_stderr && log_path[0])
		fd = open_log(&unsafe);
	if (unsafe) {
		sb_str(&sb, " [not written to ");
		sb_str(&sb, log_path);
		sb_str(&sb, ": ");
		sb_str(&sb, unsafe);
		sb_str(&sb, "]");
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

/*
 * log.c - the one place the shim writes human-readable text.
 */
#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "real.h"
#include "sbuf.h"
#include "shim.h"

static char log_path[4096];
static int log_to_stderr;

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
		sb_str(&sb, tmp && *tmp ? tmp : "/tmp");
		sb_str(&sb, "/socktrace-");
		sb_u64(&sb, getuid());
		sb_str(&sb, ".log");
	}
}

void shim_log(const char *what, const char *detail, int err)
{
	char line[1024];
	struct sbuf sb;
	int fd;

	sb_init(&sb, line, sizeof(line));
	sb_str(&sb, "socktrace[");
	sb_u64(&sb, (uint64_t)shim.pid);
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
	if (sb.len + 2 > sizeof(line))
		sb.len = sizeof(line) - 2;
	line[sb.len++] = '\n';
	if (log_to_stderr) {
		(void)!write(2, line, sb.len);
		return;
	}
	if (!log_path[0])
		return;
	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	(void)!write(fd, line, sb.len);
	REAL(close)(fd);
}

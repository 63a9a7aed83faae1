/*
 * run_status.c - reading and writing socktrace run's sidecar file.
 */
#define _GNU_SOURCE
#include "run_status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int run_status_write(const char *dir, const struct run_reap *rr)
{
	char *path;
	FILE *f;
	int rc;

	if (asprintf(&path, "%s/%s", dir, RUN_STATUS_FILE) < 0)
		return -1;
	f = fopen(path, "w");
	free(path);
	if (!f)
		return -1;
	fprintf(f, "# socktrace run: how the command it ran ended (socktrace report reads this)\n"
		"pid %d\nppid %d\nwait_status %d\nreaped_t_ns %" PRIu64 "\n", rr->pid, rr->ppid,
		rr->status, rr->t_ns);
	rc = ferror(f);
	if (fclose(f) || rc) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* "123" as a whole decimal in [lo, hi] into *v; -1 if it is not one. */
static int number(const char *s, long long lo, long long hi, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || end == s || (*end && *end != '\n') || *v < lo || *v > hi ? -1 : 0;
}

int run_status_read(const char *dir, struct run_reap *rr, char *err, size_t n)
{
	char *path, line[256], key[32], val[64];
	unsigned have = 0, lineno = 0;
	FILE *f;

	if (asprintf(&path, "%s/%s", dir, RUN_STATUS_FILE) < 0) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		int e = errno;

		snprintf(err, n, "%s: %s", path, strerror(e));
		free(path);
		return e == ENOENT ? 0 : -1;
	}
	memset(rr, 0, sizeof(*rr));
	while (fgets(line, sizeof(line), f)) {
		long long v;
		int k;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%31s %63s", key, val) != 2)
			goto bad;
		k = !strcmp(key, "pid") ? 0 : !strcmp(key, "ppid") ? 1 : !strcmp(key, "wait_status") ? 2 :
		    !strcmp(key, "reaped_t_ns") ? 3 : -1;
		if (k < 0)
			continue;
		if (number(val, k == 2 ? INT32_MIN : 1, k == 3 ? INT64_MAX : INT32_MAX, &v))
			goto bad;
		if (k == 0)
			rr->pid = (int)v;
		else if (k == 1)
			rr->ppid = (int)v;
		else if (k == 2)
			rr->status = (int)v;
		else
			rr->t_ns = (uint64_t)v;
		have |= 1u << k;
	}
	fclose(f);
	if (have != 0xf) {
		snprintf(err, n, "%s: incomplete (needs pid, ppid, wait_status and reaped_t_ns)", path);
		free(path);
		return -1;
	}
	free(path);
	return 1;
bad:
	snprintf(err, n, "%s: line %u: not \"key number\": %.60s", path, lineno, strtok(line, "\n"));
	fclose(f);
	free(path);
	return -1;
}

/*
 * load.c - finding and loading trace files.
 */
#define _GNU_SOURCE
#include "load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>

#include "run_status.h"
#include "trace_format.h"

/*
 * Images read from one file at most: a bound against a corrupt file only
 * (each image takes at least two pages of its file: 4M images, 32 GiB).
 */
#define LOAD_IMAGES_MAX	(4u << 20)

/* An image offset of the file being loaded, read (or tried) once. */
struct seen_off {
	uint64_t off;
	UT_hash_handle hh;
};

/* Keep tf in l; -1 (tf freed) when out of memory. */
static int keep(struct loaded *l, struct trace_file *tf)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct trace_file **p = realloc(l->files, cap * sizeof(*p));

		if (!p) {
			trace_free(tf);
			return -1;
		}
		l->files = p;
		l->cap = cap;
	}
	l->files[l->n++] = tf;
	return 0;
}

/* Say a problem of the image at off of path: the file's own for its first image. */
static void image_error(struct loaded *l, const char *path, uint64_t off, const char *err)
{
	if (off)
		fprintf(stderr, "socktrace: %s: image at offset %llu: %s\n", path, (unsigned long long)off,
			err);
	else
		fprintf(stderr, "socktrace: %s: %s\n", path, err);
	l->errors++;
}

/*
 * Every image of path from the one at offset start (0: its first), then
 * those in its fork slots, each image's own slots after it (a child's
 * offset is above its parent's, so the walk ends).  An image that cannot
 * be read is reported and counted; the others still load.
 */
static int add_file(struct loaded *l, const char *path, uint64_t start)
{
	uint64_t *todo = malloc(sizeof(*todo));
	size_t ntodo = 1, captodo = 1, images = 0;
	struct seen_off *seen = NULL, *e, *et;
	int rc = 0;

	if (!todo) {
		fprintf(stderr, "socktrace: out of memory\n");
		return -1;
	}
	todo[0] = start;
	while (ntodo && !rc) {
		uint64_t off = todo[--ntodo];
		struct trace_file *tf;
		char err[512];

		/* The same slot claimed twice (batches that overlap: corrupt) is read once. */
		HASH_FIND(hh, seen, &off, sizeof(off), e);
		if (e) {
			image_error(l, path, off, "listed in more than one fork slot (corrupt batches): read once");
			continue;
		}
		if (images++ == LOAD_IMAGES_MAX) {
			image_error(l, path, off, "more images in fork slots than socktrace reads in one file: "
				    "the rest not read");
			break;
		}
		if (!(e = calloc(1, sizeof(*e)))) {
			rc = -1;
			break;
		}
		e->off = off;
		HASH_ADD(hh, seen, off, sizeof(e->off), e);
		if (trace_load_image(path, off, &tf, err, sizeof(err))) {
			image_error(l, path, off, err);
			continue;
		}
		if (tf->slot_err[0])
			image_error(l, path, off, tf->slot_err);
		/* Its children next, the first forked first. */
		for (size_t i = tf->nslot_images; i-- > 0 && !rc;) {
			if (model_grow((void **)&todo, ntodo, &captodo, sizeof(*todo)))
				rc = -1;
			else
				todo[ntodo++] = tf->slot_images[i];
		}
		if (rc)
			trace_free(tf);
		else
			rc = keep(l, tf);
	}
	if (rc)
		fprintf(stderr, "socktrace: out of memory\n");
	HASH_ITER(hh, seen, e, et) {
		HASH_DEL(seen, e);
		free(e);
	}
	free(todo);
	return rc;
}

static int is_trace_name(const char *name)
{
	size_t n = strlen(name), s = strlen(ST_FILE_SUFFIX);

	return n > s && !strcmp(name + n - s, ST_FILE_SUFFIX);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int filter_trace(const struct dirent *d)
{
	return is_trace_name(d->d_name);
}

/* The sidecar of socktrace run in directory dir, if any, into l->reaps (kept in time order). */
static void add_run_status(struct loaded *l, const char *dir)
{
	struct run_reap rr, *p;
	char err[512];
	size_t i;
	int rc = run_status_read(dir, &rr, err, sizeof(err));

	if (rc < 0) {
		fprintf(stderr, "socktrace: %s (ignored)\n", err);
		l->errors++;
	}
	if (rc <= 0)
		return;
	p = realloc(l->reaps, (l->nreaps + 1) * sizeof(*p));
	if (!p) {
		fprintf(stderr, "socktrace: out of memory\n");
		return;
	}
	l->reaps = p;
	for (i = l->nreaps; i > 0 && p[i - 1].t_ns > rr.t_ns; i--)
		p[i] = p[i - 1];
	p[i] = rr;
	l->nreaps++;
}

void load_free(struct loaded *l)
{
	for (size_t i = 0; i < l->n; i++)
		trace_free(l->files[i]);
	free(l->files);
	free(l->reaps);
	memset(l, 0, sizeof(*l));
}

/* ${TMPDIR:-/tmp}/socktrace-UID (st_default_tmp), then suffix, newly allocated (NULL: out of memory). */
static char *default_path(const char *suffix)
{
	char *path;

	if (asprintf(&path, "%s/" ST_DEFAULT_NAME "%u%s", st_default_tmp(getenv("TMPDIR")),
		     (unsigned)getuid(), suffix) < 0)
		return NULL;
	return path;
}

char *load_default_dir(void)
{
	const char *env = getenv("SOCKTRACE_DIR");

	if (env && *env)
		return strdup(env);
	return default_path("");
}

char *load_default_log(void)
{
	return default_path(ST_DEFAULT_LOG_SUFFIX);
}

int load_path(struct loaded *l, const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, rc = 0;
	size_t before = l->n + (size_t)l->errors;

	if (stat(path, &st) != 0) {
		int e = errno;
		const char *at = strrchr(path, '@');
		char *file;
		uint64_t off;

		/* FILE@OFFSET: the image in that fork slot of FILE (as the report's "file" names it). */
		if (at && at[1] && strspn(at + 1, "0123456789") == strlen(at + 1) &&
		    (file = strndup(path, (size_t)(at - path)))) {
			off = strtoull(at + 1, NULL, 10);
			if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
				n = add_file(l, file, off);
				free(file);
				return n;
			}
			free(file);
		}
		fprintf(stderr, "socktrace: %s: %s\n", path, strerror(e));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return add_file(l, path, 0);
	n = scandir(path, &names, filter_trace, by_name);
	if (n < 0) {
		fprintf(stderr, "socktrace: %s: cannot list: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *full;

		if (!rc && asprintf(&full, "%s/%s", path, names[i]->d_name) >= 0) {
			rc = add_file(l, full, 0);
			free(full);
		}
		free(names[i]);
	}
	free(names);
	if (!rc && l->n + (size_t)l->errors == before) {
		const char *env = getenv("SOCKTRACE_LOG");
		char *log = env && *env ? strdup(env) : load_default_log(), *full;

		fprintf(stderr, "socktrace: %s: no trace files (*%s) here\n", path, ST_FILE_SUFFIX);
		if (asprintf(&full, "%s/socktrace.log", path) >= 0) {
			load_print_notes(full);
			free(full);
		}
		if (log && strcmp(log, "stderr") && !load_print_notes(log))
			fprintf(stderr, "socktrace: the shim's log (SOCKTRACE_LOG, here %s) has no notes "
				"either%s\n", log, access(log, F_OK) ? ": no such file" : "");
		free(log);
		return -1;
	}
	if (!rc)
		add_run_status(l, path);
	return rc;
}

uint64_t load_path_bytes(const char *path)
{
	struct dirent **names;
	struct stat st;
	uint64_t sum = 0;
	int n, dfd;

	if (stat(path, &st) != 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return (uint64_t)st.st_size;
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	n = scandir(path, &names, filter_trace, NULL);
	for (int i = 0; i < n; i++) {
		if (!fstatat(dfd, names[i]->d_name, &st, 0) && S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_size;
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	close(dfd);
	return sum;
}

int load_dir_has_traces(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)))
		found = is_trace_name(e->d_name);
	closedir(d);
	return found;
}

/* A default log of another user, changed since: opened without following a link, or NULL. */
static FILE *foreign_log(int dfd, const char *name, time_t since, uid_t *uid)
{
	const size_t pre = strlen(ST_DEFAULT_NAME), suf = strlen(ST_DEFAULT_LOG_SUFFIX);
	struct stat st;
	int fd;
	FILE *f;

	if (strncmp(name, ST_DEFAULT_NAME, pre) || strlen(name) < pre + 1 + suf ||
	    strcmp(name + strlen(name) - suf, ST_DEFAULT_LOG_SUFFIX))
		return NULL;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid == geteuid() || st.st_mtime < since ||
	    !(f = fdopen(fd, "r"))) {
		close(fd);
		return NULL;
	}
	*uid = st.st_uid;
	return f;
}

int load_print_foreign_notes(const char *log, time_t since)
{
	const char *base = st_default_tmp(getenv("TMPDIR"));
	char line[1024], want[PATH_MAX + 32];
	DIR *d = opendir(base);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	snprintf(want, sizeof(want), "[SOCKTRACE_LOG %s not writable", log);
	while ((e = readdir(d))) {
		uid_t uid;
		FILE *f = foreign_log(dirfd(d), e->d_name, since, &uid);

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (!strstr(line, want))
				continue;
			fprintf(stderr, "socktrace: note (uid %u could not write %s; from %s/%s): %s%s",
				(unsigned)uid, log, base, e->d_name, line, strchr(line, '\n') ? "" : "\n");
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

int load_print_notes(const char *log)
{
	char line[1024];
	FILE *f = fopen(log, "r");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!n++)
			fprintf(stderr, "socktrace: the shim's notes in %s:\n", log);
		fprintf(stderr, "socktrace: note: %s%s", line, strchr(line, '\n') ? "" : "\n");
	}
	fclose(f);
	return n;
}

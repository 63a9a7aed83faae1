/*
 * out_file.c - write a file whole or not at all.  mkstemp makes the
 * temporary with O_EXCL in the target's own directory (so the rename is
 * atomic, and a link planted under the temporary's name is never
 * followed); rename replaces the name itself, never what a symlink there
 * points to.
 */
#define _GNU_SOURCE
#include "out_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int out_open(struct out_file *o, const char *path)
{
	const char *slash = strrchr(path, '/');
	int dlen = slash ? (int)(slash - path) + 1 : 0, fd;
	mode_t mask = umask(0);	/* read it back at once: the viewer has one thread */

	umask(mask);
	memset(o, 0, sizeof(*o));
	o->path = path;
	if (!slash ? !*path : !slash[1]) {
		fprintf(stderr, "socktrace: %s: names a directory, not a file\n", path);
		return -1;
	}
	if (asprintf(&o->tmp, "%.*s.%s.XXXXXX", dlen, path, slash ? slash + 1 : path) < 0) {
		o->tmp = NULL;
		fprintf(stderr, "socktrace: %s: out of memory\n", path);
		return -1;
	}
	if ((fd = mkstemp(o->tmp)) < 0) {
		fprintf(stderr, "socktrace: %s: cannot create a file beside it: %s\n", path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	/* mkstemp makes it 0600; a report gets what a plain create would (0666 less the umask). */
	if (fchmod(fd, 0666 & ~mask) || !(o->f = fdopen(fd, "w"))) {
		fprintf(stderr, "socktrace: %s: %s\n", o->tmp, strerror(errno));
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	return 0;
}

int out_commit(struct out_file *o)
{
	int err = 0;

	if (fflush(o->f) || fsync(fileno(o->f)))
		err = errno;
	if (fclose(o->f) && !err)
		err = errno;
	o->f = NULL;
	if (!err && rename(o->tmp, o->path))
		err = errno;
	if (err) {
		fprintf(stderr, "socktrace: writing %s: %s\n", o->path, strerror(err));
		unlink(o->tmp);
	}
	free(o->tmp);
	o->tmp = NULL;
	return err ? -1 : 0;
}

void out_abort(struct out_file *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
}

int out_write(const char *path, const char *what, int (*write)(FILE *f, void *arg), void *arg)
{
	struct out_file o;

	if (!path)
		return write(stdout, arg) ? 1 : stdout_written(what);
	if (out_open(&o, path))
		return 1;
	if (write(o.f, arg)) {
		out_abort(&o);
		return 1;
	}
	return out_commit(&o) ? 1 : 0;
}

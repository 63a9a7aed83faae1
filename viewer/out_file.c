/*
 * out_file.c - write a file whole or not at all.  mkstemp makes the
 * temporary with O_EXCL in the target's own directory (so the rename is
 * atomic, and a link planted under the temporary's name is never
 * followed); rename replaces the name itself.  That is for a name that
 * is missing or a regular file.  Any other name (a symlink, /dev/stdout
 * among them, a FIFO, a device) is written through as a shell's
 * redirection would: a rename would put a regular file in its place (a
 * report over /dev/null, as root).  Only when it is ours or root's: a
 * link or a FIFO another user planted at the name (in /tmp) is refused,
 * whatever fs.protected_symlinks says.
 */
#define _GNU_SOURCE
#include "out_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* path is not a regular file nor missing: open it for writing as it is (o->direct). */
static int open_through(struct out_file *o, const char *path)
{
	struct stat st;
	int fd;

	/* No O_CREAT: a dangling link is an error, not a file made where it points. */
	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "socktrace: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || (S_ISREG(st.st_mode) && ftruncate(fd, 0)) || !(o->f = fdopen(fd, "w"))) {
		fprintf(stderr, "socktrace: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	o->direct = 1;
	o->regular = S_ISREG(st.st_mode);
	return 0;
}

int out_open(struct out_file *o, const char *path)
{
	const char *slash = strrchr(path, '/');
	int dlen = slash ? (int)(slash - path) + 1 : 0, fd;
	struct stat st = { 0 };
	mode_t mask = umask(0);	/* read it back at once: the viewer has one thread */

	umask(mask);
	memset(o, 0, sizeof(*o));
	o->path = path;
	if (!slash ? !*path : !slash[1]) {
		fprintf(stderr, "socktrace: %s: names a directory, not a file\n", path);
		return -1;
	}
	/* Missing (or not to be looked at: mkstemp says why) or a regular file: replaced whole. */
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "socktrace: %s: is a directory, not a file\n", path);
		return -1;
	}
	if (st.st_mode && !S_ISREG(st.st_mode)) {
		/* Planted by another user (a link or a FIFO in /tmp): never written through. */
		if (st.st_uid != geteuid() && st.st_uid != 0) {
			fprintf(stderr, "socktrace: %s: a %s of another user's (uid %u): not written "
				"through; remove it or name another file\n", path,
				S_ISLNK(st.st_mode) ? "symlink" : "file", (unsigned)st.st_uid);
			return -1;
		}
		return open_through(o, path);
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

	/* fsync is for files: a FIFO or a terminal says EINVAL. */
	if (fflush(o->f) || ((!o->direct || o->regular) && fsync(fileno(o->f))))
		err = errno;
	if (fclose(o->f) && !err)
		err = errno;
	o->f = NULL;
	if (o->direct) {
		if (err)
			fprintf(stderr, "socktrace: writing %s: %s\n", o->path, strerror(err));
		return err ? -1 : 0;
	}
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

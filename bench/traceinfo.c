/*
 * traceinfo.c - bench helper: summarize socktrace trace files.
 *
 * Usage: traceinfo FILE...
 *
 * For each file that carries a valid header (ST_MAGIC, ST_FORMAT_VERSION)
 * prints one tab-separated line:
 *
 *   head <TAB> pid <TAB> exe <TAB> argv0 <TAB> file
 *
 * head is the number of ring positions ever claimed, i.e. records written by
 * the traced image.  run.sh uses it to find the bench program's own file among
 * those of other traced images (valgrind's launcher script, for one) and to
 * count the records the shim wrote per iteration.  Files that are not traces
 * are reported on stderr and skipped; the exit status is 1 if any was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trace_format.h"

static void clean(char *s, size_t max)
{
	s[max - 1] = '\0';
	for (; *s; s++)
		if (*s == '\t' || *s == '\n')
			*s = ' ';
}

int main(int argc, char **argv)
{
	static struct st_file_header h;
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		const char *argv0;
		ssize_t r;
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0) {
			fprintf(stderr, "traceinfo: %s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		r = pread(fd, &h, sizeof(h), 0);
		close(fd);
		if (r != (ssize_t)sizeof(h) || memcmp(h.magic, ST_MAGIC, sizeof(ST_MAGIC)) != 0) {
			fprintf(stderr, "traceinfo: %s: not a socktrace file\n", argv[i]);
			bad = 1;
			continue;
		}
		if (h.version != ST_FORMAT_VERSION) {
			fprintf(stderr, "traceinfo: %s: format version %" PRIu32 ", expected %u\n",
				argv[i], h.version, ST_FORMAT_VERSION);
			bad = 1;
			continue;
		}
		clean(h.exe, sizeof(h.exe));
		clean(h.argv, sizeof(h.argv));	/* stops at the first NUL: argv[0] */
		argv0 = h.argc > 0 ? h.argv : "";
		printf("%" PRIu64 "\t%" PRId32 "\t%s\t%s\t%s\n",
		       h.head, h.pid, h.exe[0] ? h.exe : "-", argv0[0] ? argv0 : "-", argv[i]);
	}
	return bad;
}

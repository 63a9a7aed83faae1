/*
 * traceinfo.c - bench helper: summarize socktrace trace files (format 4).
 *
 * Usage: traceinfo FILE...
 *
 * For each file that carries a valid header (ST_MAGIC, ST_FORMAT_VERSION)
 * prints one tab-separated line:
 *
 *   records <TAB> pid <TAB> exe <TAB> argv0 <TAB> file
 *
 * records is the number of records the traced image wrote: the ring
 * positions it claimed (head) less those that were continuation slots of a
 * record (a record whose addresses do not fit in one slot takes more than
 * one position).  Continuations are counted in the ring's window, so the
 * count is exact while the ring has not wrapped; positions it overwrote are
 * counted as records.  run.sh uses it to find the bench program's own file
 * among those of other traced images (valgrind's launcher script, for one)
 * and to count the records the shim wrote per iteration.  Files that are
 * not traces are reported on stderr and skipped; the exit status is 1 if
 * any was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_format.h"

static void clean(char *s, size_t max)
{
	s[max - 1] = '\0';
	for (; *s; s++)
		if (*s == '\t' || *s == '\n')
			*s = ' ';
}

/* head less the continuation slots in the ring's window (trace_format.h's reader rules). */
static uint64_t records(const char *base, uint64_t size, const struct st_file_header *h)
{
	uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE), first, conts = 0;

	st_ring_window(head, h->ring_cap, &first);
	for (uint64_t pos = first; pos < head; pos++) {
		const struct st_record *r = st_region_entry(base, size, &h->region[ST_REG_RING],
							    st_ring_slot(pos, h->ring_cap));

		if (r && st_slot_complete(__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE), pos) &&
		    r->op == ST_OP_CONT)
			conts++;
	}
	return head - conts;
}

int main(int argc, char **argv)
{
	static struct st_file_header h;
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		const char *argv0;
		struct stat st;
		char *base;
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0 || fstat(fd, &st) != 0) {
			fprintf(stderr, "traceinfo: %s: %s\n", argv[i], strerror(errno));
			if (fd >= 0)
				close(fd);
			bad = 1;
			continue;
		}
		base = (uint64_t)st.st_size >= sizeof(h) ?
		       mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
		close(fd);
		if (base == MAP_FAILED || memcmp(base, ST_MAGIC, sizeof(ST_MAGIC)) != 0) {
			fprintf(stderr, "traceinfo: %s: not a socktrace file\n", argv[i]);
			if (base != MAP_FAILED)
				munmap(base, (size_t)st.st_size);
			bad = 1;
			continue;
		}
		memcpy(&h, base, sizeof(h));
		if (h.version != ST_FORMAT_VERSION || !h.ring_cap || (h.ring_cap & (h.ring_cap - 1))) {
			fprintf(stderr, "traceinfo: %s: format version %" PRIu32 ", expected %u\n",
				argv[i], h.version, ST_FORMAT_VERSION);
			munmap(base, (size_t)st.st_size);
			bad = 1;
			continue;
		}
		clean(h.exe, sizeof(h.exe));
		clean(h.argv, sizeof(h.argv));	/* stops at the first NUL: argv[0] */
		argv0 = h.argc > 0 ? h.argv : "";
		printf("%" PRIu64 "\t%" PRId32 "\t%s\t%s\t%s\n",
		       records(base, (uint64_t)st.st_size, (const struct st_file_header *)base), h.pid,
		       h.exe[0] ? h.exe : "-", argv0[0] ? argv0 : "-", argv[i]);
		munmap(base, (size_t)st.st_size);
	}
	return bad;
}

/*
 * tracefuzz - damage the records of a trace file, reproducibly (for
 * tests/t0400-viewer-robust.t).  The header is left as it is, except head.
 *
 *   tracefuzz FILE SEED garbage [HEAD]
 *       every record byte pseudo-random: no slot is complete
 *   tracefuzz FILE SEED complete [HEAD]
 *       pseudo-random records that all pass the reader's completeness test
 *       (seq == pos + 1, pos == position) for the positions head names:
 *       random ops, fds, inodes (from a small set, so connections gather
 *       events), refs, flags, and address lists - some well formed with
 *       random inet/inet6/unix/other sockaddrs, some with impossible lengths.
 *
 * HEAD (default: the file's) is written to the header first.  Prints the
 * number of positions made complete.  Exit 0, or 2 on a usage/file error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_format.h"

static uint64_t state;

static uint64_t rnd(void)
{
	/* splitmix64: the same bytes for the same seed everywhere */
	uint64_t z = (state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rnd_bytes(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* A plausible address list in r->addrs (or, sometimes, an impossible one). */
static void addrs(struct st_record *r)
{
	static const uint16_t fams[] = { AF_INET, AF_INET6, AF_UNIX, AF_UNIX, AF_PACKET, 0, 0xffff };
	size_t off = 0;
	int n = (int)(rnd() % 4);

	for (int i = 0; i < n; i++) {
		struct st_addr_hdr h;
		uint16_t fam = fams[rnd() % (sizeof(fams) / sizeof(fams[0]))];
		size_t len = rnd() % 111;

		if (fam == AF_INET && rnd() % 2)
			len = 16;
		else if (fam == AF_INET6 && rnd() % 2)
			len = 28;
		if (len < 2)
			len = 2;
		if (off + sizeof(h) + len > ST_ADDRS_SIZE)
			break;
		h.kinds = (uint8_t)rnd();
		h.len = (uint8_t)len;
		memcpy(&r->addrs[off], &h, sizeof(h));
		rnd_bytes(&r->addrs[off + sizeof(h)], len);
		memcpy(&r->addrs[off + sizeof(h)], &fam, sizeof(fam));
		off += sizeof(h) + len;
	}
	r->addrs_len = (uint16_t)off;
	switch (rnd() % 10) {
	case 0: r->addrs_len = (uint16_t)(ST_ADDRS_SIZE + 1 + rnd() % 1000); break;	/* too long */
	case 1: if (off) r->addrs_len = (uint16_t)(off - 1); break;		/* cuts an entry */
	case 2: r->addrs_len = (uint16_t)(rnd() % (ST_ADDRS_SIZE + 1)); break;	/* anything */
	default: break;
	}
}

static void complete(struct st_record *r, uint64_t pos)
{
	static const uint16_t ops[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					17, 18, 19, 99, 100, 101, 102, 103, 0xffff };

	rnd_bytes(r, sizeof(*r));
	r->seq = pos + 1;
	r->pos = pos;
	r->op = ops[rnd() % (sizeof(ops) / sizeof(ops[0]))];
	if (rnd() % 4)
		r->inode = 1 + rnd() % 8;		/* a few connections with many events */
	if (rnd() % 2)
		r->inode2 = 1 + rnd() % 8;
	if (rnd() % 2)
		r->fd = (int32_t)(rnd() % 64) - 8;
	if (rnd() % 2)
		r->refs = (int32_t)(rnd() % 8) - 2;
	if (rnd() % 2)
		r->ret = (int64_t)(rnd() % 64) - 8;
	if (rnd() % 2)
		r->err = (int32_t)(rnd() % 140);
	if (rnd() % 2)
		r->arg[0] = (int64_t)(rnd() % 64) - 8;
	if (rnd() % 2)
		r->arg[1] = (int64_t)(rnd() % 8) - 2;
	if (rnd() % 2)
		r->t_ns = rnd() % 1000000000u;
	if (rnd() % 2)
		r->domain = (uint16_t)(rnd() % 12);
	if (rnd() % 2)
		r->type = (uint16_t)(rnd() % 7);
	addrs(r);
}

int main(int argc, char **argv)
{
	struct st_file_header *h;
	struct st_record *recs;
	struct stat st;
	uint64_t cap, head, start, made = 0;
	char *map;
	int fd, full;

	if (argc < 4 || (strcmp(argv[3], "garbage") && strcmp(argv[3], "complete"))) {
		fprintf(stderr, "usage: tracefuzz FILE SEED garbage|complete [HEAD]\n");
		return 2;
	}
	full = !strcmp(argv[3], "complete");
	state = strtoull(argv[2], NULL, 0);
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fstat(fd, &st) || (uint64_t)st.st_size < ST_HEADER_SIZE) {
		perror(argv[1]);
		return 2;
	}
	map = mmap(0, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	h = (struct st_file_header *)map;
	recs = (struct st_record *)(map + ST_HEADER_SIZE);
	cap = h->capacity;
	if (!cap || (cap & (cap - 1)) || ST_HEADER_SIZE + cap * ST_RECORD_SIZE > (uint64_t)st.st_size) {
		fprintf(stderr, "tracefuzz: %s: the header must be valid\n", argv[1]);
		return 2;
	}
	if (argc > 4)
		h->head = strtoull(argv[4], NULL, 0);
	head = h->head;
	rnd_bytes(recs, cap * ST_RECORD_SIZE);
	if (full) {
		start = head > cap ? head - cap : 0;
		for (uint64_t p = start; p < head; p++, made++)
			complete(&recs[p & (cap - 1)], p);
	}
	printf("%llu\n", (unsigned long long)made);
	munmap(map, (size_t)st.st_size);
	close(fd);
	return 0;
}

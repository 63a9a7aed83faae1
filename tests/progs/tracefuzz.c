/*
 * tracefuzz - damage a trace file (format 4), reproducibly, for the viewer's
 * robustness tests (tests/t0400-viewer-robust.t, t0707-stacks-corrupt.t).
 * It starts from a real trace and changes only what its mode names.
 *
 *   tracefuzz FILE SEED garbage [HEAD]
 *       the ring made whole (a chunk appended at the file's end up to
 *       ring_cap slots), then every slot pseudo-random bytes, none complete
 *       for any position it could hold
 *   tracefuzz FILE SEED complete [HEAD]
 *       the ring made whole, then pseudo-random records that pass the
 *       reader's completeness test (seq == pos + 1) at every position of
 *       the window head names: random ops, sids (from a small set, so
 *       connections gather events), fds, refs, flags, args, entries (inet,
 *       inet6, unix and other sockaddrs, inodes, data totals, names,
 *       impossible lengths), and continuations: most joined as the format
 *       says, some with a wrong index or head, missing, repeated, or for a
 *       head that has none
 *   tracefuzz FILE SEED state
 *       the socket table and the fd table grown by a chunk each, then
 *       pseudo-random socket slots (sids from a small set, addresses of
 *       any length) and fd entries (words naming slots in range, beyond
 *       it, or none, with any flags)
 *   tracefuzz FILE SEED regions
 *       the region directory scrambled: chunk counts, offsets (into the
 *       header, past the end, overlapping), firsts, counts, entry sizes
 *   tracefuzz FILE set FIELD VALUE
 *       one field set to VALUE (decimal, 0x hex, or negative)
 *   tracefuzz FILE offset FIELD
 *       print FIELD's byte offset in the file and its size
 *
 * FIELD names a header field (header.ring_cap), a region directory field
 * (region.ring.entry_size, region.stacks.chunk.0.offset) or a field of an
 * entry of a region, found through the region directory (ring.POS.op for
 * the slot of position POS, socks.I.sid, fds.FD.word, stacks.ID.depth for
 * the stack whose id is ID, modules.I.state).  `tracefuzz FILE offset x`
 * lists the field names.  So the tests name fields, never offsets: the
 * layout is trace_format.h's alone.
 *
 * HEAD (default: the file's) is written to the header first.  The SEED
 * modes print the number of positions, slots or chunks they made.  Exit
 * 0, or 2 on a usage or file error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_format.h"

#define PAGE		4096u
#define CONT_REACH	256u	/* the viewer looks this far past a head for its continuations */

static const char *path;
static int fd = -1;
static char *map;
static uint64_t size;
static struct st_file_header *h;
static uint64_t state;

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "tracefuzz: %s: %s\n", path, what);
	exit(2);
}

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

/* One chance in n. */
static int one_in(unsigned n)
{
	return rnd() % n == 0;
}

static void map_file(void)
{
	struct stat st;

	if (map)
		munmap(map, size);
	if (fstat(fd, &st) || (uint64_t)st.st_size < ST_HEADER_SIZE)
		die("not a trace file (shorter than a header)");
	size = (uint64_t)st.st_size;
	map = mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die(strerror(errno));
	h = (struct st_file_header *)map;
}

/* The byte offset of entry i of region r, or 0 (the reader's rule: st_region_entry). */
static uint64_t entry_off(enum st_region r, uint64_t i)
{
	const char *e = st_region_entry(map, size, &h->region[r], i);

	return e ? (uint64_t)(e - (const char *)map) : 0;
}

/*
 * Grow region r to want entries with one chunk appended at the file's
 * end, as the shim does (offset published last; file_size its end).
 * Returns the entries added.
 */
static uint64_t grow(enum st_region r, uint64_t want)
{
	struct st_region_dir *d = &h->region[r];
	uint64_t have = st_region_mapped(d), off = (size + PAGE - 1) & ~(uint64_t)(PAGE - 1), len;

	if (have >= want || d->nchunks >= ST_CHUNKS_MAX || !d->entry_size)
		return 0;
	len = ((want - have) * d->entry_size + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	if (ftruncate(fd, (off_t)(off + len)))
		die(strerror(errno));
	map_file();
	d = &h->region[r];
	d->chunk[d->nchunks].first = (uint32_t)have;
	d->chunk[d->nchunks].count = (uint32_t)(want - have);
	d->chunk[d->nchunks].offset = off;
	d->nchunks++;
	h->file_size = off + len;
	return want - have;
}

/* ------------------------------------------------------------------ the ring */

/* The slot of position pos (the ring whole: every slot is mapped). */
static struct st_record *slot_of(uint64_t pos)
{
	uint64_t off = entry_off(ST_REG_RING, st_ring_slot(pos, h->ring_cap));

	return off ? (struct st_record *)(map + off) : NULL;
}

static void ring_whole(void)
{
	if (!h->ring_cap || (h->ring_cap & (h->ring_cap - 1)) || h->ring_cap > (1u << 24))
		die("the header's ring_cap must be valid");
	grow(ST_REG_RING, h->ring_cap);
}

/* Every slot random, and complete for no position it can hold. */
static uint64_t garbage(void)
{
	uint64_t cap = h->ring_cap, n = 0;

	for (uint64_t s = 0; s < cap; s++) {
		struct st_record *r = slot_of(s);

		if (!r)
			continue;
		rnd_bytes(r, ST_SLOT_SIZE);
		/* seq - 1 must not map to this slot (p + 1 == seq for no p == s mod cap): owned then. */
		if (st_ring_slot(r->seq - 1, cap) == s)
			r->seq = ST_SEQ_OWNED;
		n++;
	}
	return n;
}

/* A sockaddr-like value of len bytes: a family, then noise. */
static void put_addr(uint8_t *v, size_t len)
{
	static const uint16_t fams[] = { AF_INET, AF_INET6, AF_UNIX, AF_UNIX, AF_PACKET, 0, 0xffff };
	uint16_t fam = fams[rnd() % (sizeof(fams) / sizeof(fams[0]))];

	rnd_bytes(v, len);
	if (len >= 2)
		memcpy(v, &fam, sizeof(fam));
	/* A unix path with or without its NUL, abstract names too. */
	if (fam == AF_UNIX && len > 3 && one_in(2)) {
		for (size_t i = 2; i < len; i++)
			v[i] = (uint8_t)('a' + rnd() % 26);
		if (one_in(2))
			v[len - 1] = 0;
		if (one_in(4))
			v[2] = 0;
	}
}

/*
 * Plausible entries in area (up to room bytes), or sometimes impossible
 * ones; returns the addrs_len to claim, which may not match what is there.
 */
static size_t entries(uint8_t *area, size_t room)
{
	size_t off = 0;
	int n = (int)(rnd() % 6);

	for (int i = 0; i < n; i++) {
		struct st_addr_hdr e;
		size_t len;

		switch (rnd() % 8) {
		case 0:
			e.kinds = 0;			/* ST_ADDR_INODE */
			len = 8;
			break;
		case 1:
			e.kinds = ST_ADDR_DATA;
			len = rnd() % 2 ? sizeof(struct st_data_totals) : rnd() % 40;
			break;
		case 2:
			e.kinds = ST_ADDR_TCPINFO;
			len = rnd() % 2 ? sizeof(struct st_tcp_snapshot) : rnd() % 60;
			break;
		case 3:
			e.kinds = ST_ADDR_NAME;
			len = rnd() % 120;
			break;
		case 4:
			e.kinds = (uint8_t)rnd();	/* any kinds at all */
			len = rnd() % 256;
			break;
		default:
			e.kinds = (uint8_t)(1u << (rnd() % 5)) | (one_in(3) ? ST_ADDR_PEER : 0);
			len = rnd() % 3 == 0 ? 16 : rnd() % 3 == 0 ? 28 : rnd() % 111;
			break;
		}
		if (off + sizeof(e) + len > room)
			break;
		e.len = (uint8_t)len;
		memcpy(area + off, &e, sizeof(e));
		if (e.kinds & (ST_ADDR_ARG | ST_ADDR_LOCAL | ST_ADDR_PEER | ST_ADDR_RESULT))
			put_addr(area + off + sizeof(e), len);
		else if (e.kinds == ST_ADDR_NAME && len)
			for (size_t k = 0; k < len; k++)	/* flags, then strings with or without NULs */
				area[off + sizeof(e) + k] = k == 0 ? (uint8_t)(rnd() % 4) :
							    one_in(6) ? 0 : (uint8_t)('a' + rnd() % 26);
		else
			rnd_bytes(area + off + sizeof(e), len);
		off += sizeof(e) + len;
	}
	switch (rnd() % 10) {
	case 0: return room + 1 + rnd() % 1000;			/* too long */
	case 1: return off ? off - 1 : 0;			/* cuts an entry */
	case 2: return rnd() % (room + 1);			/* anything */
	default: return off;
	}
}

/* The fields of a random record (seq and entries left to the caller). */
static void random_record(struct st_record *r)
{
	static const uint16_t extra[] = { 0, 54, 99, 105, 120, 200, 250, 0xffff };
	uint32_t tag = 0x1234u;

	rnd_bytes(r, sizeof(*r));
	r->op = one_in(6) ? extra[rnd() % (sizeof(extra) / sizeof(extra[0]))] :
		(uint16_t)(rnd() % 2 ? 1 + rnd() % 53 : 100 + rnd() % 12);
	if (rnd() % 4)
		r->sid = (uint64_t)tag << 32 | (1 + rnd() % 8);	/* a few connections, many events */
	else if (one_in(2))
		r->sid = 0;
	if (rnd() % 2)
		r->sid2 = rnd() % 2 ? (uint64_t)tag << 32 | (1 + rnd() % 8) : 0;
	if (rnd() % 2)
		r->fd = (int32_t)(rnd() % 64) - 8;
	if (rnd() % 2)
		r->fd2 = (int32_t)(rnd() % 64) - 8;
	if (rnd() % 2)
		r->refs = (int32_t)(rnd() % 8) - 2;
	if (rnd() % 2)
		r->ret = (int64_t)(rnd() % 64) - 8;
	if (rnd() % 2)
		r->err = (int16_t)(rnd() % 140);
	if (rnd() % 2)
		r->arg[0] = (int64_t)(rnd() % 64) - 8;
	if (rnd() % 2)
		r->arg[1] = (int64_t)(rnd() % 8) - 2;
	if (rnd() % 2)
		r->t_ns = h->mono_anchor_ns + rnd() % 1000000000u;
	if (rnd() % 2)
		r->domain = (uint8_t)(rnd() % 12);
	if (rnd() % 2)
		r->type = (uint8_t)(rnd() % 7);
	if (rnd() % 2)
		r->tid = h->pid;
	if (rnd() % 2)
		r->stack_id = (uint32_t)(rnd() % 80);
	r->reserved = 0;
}

/*
 * A record at pos with k continuations after it (positions pos + 1 ..),
 * some of them damaged.  Returns the positions it used (1 + k).
 */
static uint64_t complete_at(uint64_t pos, uint64_t end)
{
	uint8_t area[ST_ADDRS_MAX];
	struct st_record *r = slot_of(pos);
	unsigned k = 0;
	size_t len;

	if (!r)
		return 1;	/* not in the file: the ring could not be made whole */
	random_record(r);
	if (one_in(4) && end - pos > 1) {
		k = 1 + (unsigned)(rnd() % ST_CONT_MAX);
		if (k > end - pos - 1)
			k = (unsigned)(end - pos - 1);
	}
	memset(area, 0, sizeof(area));
	len = entries(area, ST_REC_ADDRS + k * ST_CONT_DATA);
	r->addrs_len = (uint16_t)len;
	r->ncont = (uint8_t)(one_in(40) ? ST_CONT_MAX + 1 + rnd() % 4 : k);	/* sometimes impossible */
	memcpy(r->addrs, area, ST_REC_ADDRS);
	r->seq = pos + 1;
	for (unsigned i = 1; i <= k; i++) {
		struct st_cont *c = (struct st_cont *)slot_of(pos + i);

		if (!c)
			break;
		rnd_bytes(c, sizeof(*c));
		c->op = ST_OP_CONT;
		c->index = (uint16_t)i;
		c->tid = r->tid;
		c->head_pos = pos;
		memcpy(c->data, area + ST_REC_ADDRS + (i - 1) * ST_CONT_DATA, ST_CONT_DATA);
		c->seq = pos + i + 1;
		switch (rnd() % 24) {
		case 0: c->index = (uint16_t)(rnd() % 8); break;		/* a wrong index */
		case 1: c->head_pos = rnd() % (pos + 2); break;		/* another head's */
		case 2: c->seq = pos + i; break;				/* not complete: lost */
		case 3: c->index = 1; break;					/* a repeated index */
		default: break;
		}
	}
	return 1 + k;
}

/* Complete records for every position of the window [head - cap, head). */
static uint64_t complete(void)
{
	uint64_t head = h->head, first, made = 0;

	st_ring_window(head, h->ring_cap, &first);
	for (uint64_t s = 0; s < h->ring_cap; s++)
		if (slot_of(s))
			rnd_bytes(slot_of(s), ST_SLOT_SIZE);
	for (uint64_t p = first; p < head;) {
		uint64_t n;

		if (one_in(50)) {
			/* A continuation with no head before it: a stray. */
			struct st_cont *c = (struct st_cont *)slot_of(p);

			if (!c) {
				p++;
				continue;
			}
			rnd_bytes(c, sizeof(*c));
			c->op = ST_OP_CONT;
			c->index = (uint16_t)(1 + rnd() % ST_CONT_MAX);
			c->head_pos = p > 0 ? p - 1 - rnd() % (p < CONT_REACH ? p : CONT_REACH) : 0;
			c->seq = p + 1;
			n = 1;
		} else {
			n = complete_at(p, head);
		}
		p += n;
		made += n;
	}
	return made;
}

/* ------------------------------------------------------------------ the state */

static uint64_t scramble_state(void)
{
	uint64_t nslots, nfds, made = 0;
	uint32_t tag = h->tag;

	grow(ST_REG_SOCKS, st_region_mapped(&h->region[ST_REG_SOCKS]) + 16);
	grow(ST_REG_FDS, st_region_mapped(&h->region[ST_REG_FDS]) + 256);
	nslots = st_region_mapped(&h->region[ST_REG_SOCKS]);
	nfds = st_region_mapped(&h->region[ST_REG_FDS]);
	for (uint64_t i = 0; i < nslots; i++) {
		uint64_t off = entry_off(ST_REG_SOCKS, i);
		struct st_sock *s;

		if (!off)
			continue;
		s = (struct st_sock *)(map + off);
		if (one_in(3)) {
			memset(s, 0, sizeof(*s));
			continue;
		}
		rnd_bytes(s, sizeof(*s));
		s->sid = one_in(8) ? rnd() : (uint64_t)(one_in(2) ? tag : 0x1234u) << 32 | (1 + rnd() % 8);
		if (rnd() % 2)
			s->sid2 = (uint64_t)tag << 32 | (1 + rnd() % 8);
		if (rnd() % 2)
			s->inode = 1 + rnd() % 8;
		if (rnd() % 2)
			s->local_len = (uint8_t)(rnd() % 2 ? 16 : rnd() % 80);
		if (rnd() % 2)
			s->peer_len = (uint8_t)(rnd() % 2 ? 28 : rnd() % 80);
		put_addr(s->local, sizeof(s->local));
		put_addr(s->peer, sizeof(s->peer));
		if (rnd() % 2)
			s->domain = (uint8_t)(rnd() % 12);
		if (rnd() % 2)
			s->type = (uint8_t)(rnd() % 7);
		if (rnd() % 2)
			s->tcp_state = (uint8_t)(rnd() % 12);
		if (rnd() % 2)
			s->stack_id = (uint32_t)(rnd() % 80);
		if (rnd() % 2)
			s->made_by = (uint8_t)(rnd() % 2 ? rnd() % 7 : 103);
		if (rnd() % 2)
			s->first_tick = 0;
		made++;
	}
	for (uint64_t f = 0; f < nfds; f++) {
		uint64_t off = entry_off(ST_REG_FDS, f);
		struct st_fd *e;

		if (!off)
			continue;
		e = (struct st_fd *)(map + off);
		if (one_in(2)) {
			memset(e, 0, sizeof(*e));
			continue;
		}
		rnd_bytes(e, sizeof(*e));
		switch (rnd() % 5) {
		case 0: e->word = ST_FDE_TOMB; break;
		case 1: e->word = rnd(); break;						/* anything */
		case 2: e->word = (nslots + 1 + rnd() % 1000) | (rnd() & (7ull << 32)); break;	/* past the table */
		default: e->word = (1 + rnd() % (nslots ? nslots : 1)) | (rnd() & (7ull << 32)); break;
		}
		if (rnd() % 2)
			e->op = (uint16_t)(rnd() % 120);
		if (rnd() % 2)
			e->stack_id = (uint32_t)(rnd() % 80);
		made++;
	}
	return made;
}

/* ------------------------------------------------------------------ the directory */

static uint64_t scramble_regions(void)
{
	uint64_t made = 0;

	for (unsigned r = 0; r < ST_REG_MAX; r++) {
		struct st_region_dir *d = &h->region[r];

		if (one_in(3))
			continue;
		switch (rnd() % 6) {
		case 0: d->nchunks = (uint32_t)(rnd() % (ST_CHUNKS_MAX + 4)); break;
		case 1: d->entry_size = (uint32_t)(rnd() % 2 ? rnd() % 1024 : rnd()); break;
		case 2: d->capacity = rnd(); break;
		default: break;
		}
		for (unsigned k = 0; k < ST_CHUNKS_MAX; k++) {
			struct st_chunk *c = &d->chunk[k];

			if (!one_in(2))
				continue;
			switch (rnd() % 7) {
			case 0: c->offset = rnd() % ST_HEADER_SIZE; break;			/* into the header */
			case 1: c->offset = size - rnd() % (size < 8192 ? size : 8192); break;	/* runs past the end */
			case 2: c->offset = size + rnd() % (1u << 20); break;			/* past the end */
			case 3: c->offset = h->region[rnd() % ST_REG_MAX].chunk[0].offset; break;	/* overlaps */
			case 4: c->first = (uint32_t)rnd(); break;
			case 5: c->count = (uint32_t)rnd(); break;
			default: c->offset = rnd(); break;
			}
			made++;
		}
	}
	return made;
}

/* ------------------------------------------------------------------ named fields */

struct field {
	const char *name;
	size_t off, len;
};

#define F(type, m) { #m, offsetof(type, m), sizeof(((type *)0)->m) }
#define A(type, m, i, n) { n, offsetof(type, m) + (i) * sizeof(((type *)0)->m[0]), sizeof(((type *)0)->m[0]) }

static const struct field header_fields[] = {
	F(struct st_file_header, magic), F(struct st_file_header, version),
	F(struct st_file_header, header_size), F(struct st_file_header, flags),
	F(struct st_file_header, opts), F(struct st_file_header, pid),
	F(struct st_file_header, ppid), F(struct st_file_header, tag),
	F(struct st_file_header, origin), F(struct st_file_header, state),
	F(struct st_file_header, exit_status), F(struct st_file_header, has_exit_status),
	F(struct st_file_header, stack_depth), F(struct st_file_header, start_ticks),
	F(struct st_file_header, tick_clock), F(struct st_file_header, grow_errno),
	F(struct st_file_header, head), F(struct st_file_header, ring_cap),
	F(struct st_file_header, file_size), F(struct st_file_header, nancestors),
	F(struct st_file_header, argc), F(struct st_file_header, argv_len),
	F(struct st_file_header, exe), F(struct st_file_header, argv),
	{ NULL, 0, 0 }
};
static const struct field dir_fields[] = {
	F(struct st_region_dir, entry_size), F(struct st_region_dir, nchunks),
	F(struct st_region_dir, capacity), { NULL, 0, 0 }
};
static const struct field chunk_fields[] = {
	F(struct st_chunk, offset), F(struct st_chunk, first), F(struct st_chunk, count),
	{ NULL, 0, 0 }
};
static const struct field rec_fields[] = {
	F(struct st_record, seq), F(struct st_record, op), F(struct st_record, flags),
	F(struct st_record, err), F(struct st_record, domain), F(struct st_record, type),
	F(struct st_record, t_ns), F(struct st_record, sid), F(struct st_record, sid2),
	F(struct st_record, ret), A(struct st_record, arg, 0, "arg0"), A(struct st_record, arg, 1, "arg1"),
	F(struct st_record, tid), F(struct st_record, fd), F(struct st_record, fd2),
	F(struct st_record, refs), F(struct st_record, stack_id), F(struct st_record, addrs_len),
	F(struct st_record, ncont), F(struct st_record, addrs),
	/* a continuation's own */
	F(struct st_cont, index), F(struct st_cont, head_pos), F(struct st_cont, data),
	{ NULL, 0, 0 }
};
static const struct field sock_fields[] = {
	F(struct st_sock, sid), F(struct st_sock, inode), F(struct st_sock, sid2),
	F(struct st_sock, made_ns), F(struct st_sock, stack_id), F(struct st_sock, forks),
	F(struct st_sock, domain), F(struct st_sock, type), F(struct st_sock, made_by),
	F(struct st_sock, refs), F(struct st_sock, local_len), F(struct st_sock, peer_len),
	F(struct st_sock, tcp_state), F(struct st_sock, flags), F(struct st_sock, bytes_sent),
	F(struct st_sock, bytes_received), F(struct st_sock, first_tick), F(struct st_sock, last_tick),
	F(struct st_sock, local), F(struct st_sock, peer), { NULL, 0, 0 }
};
static const struct field fd_fields[] = {
	F(struct st_fd, word), F(struct st_fd, stack_id), F(struct st_fd, op), F(struct st_fd, forks),
	{ NULL, 0, 0 }
};
static const struct field stack_fields[] = {
	F(struct st_stack, hash), F(struct st_stack, state), F(struct st_stack, depth),
	F(struct st_stack, truncated), F(struct st_stack, t_ns), F(struct st_stack, made),
	{ "ips", offsetof(struct st_stack, ips), 8 }, { NULL, 0, 0 }
};
static const struct field module_fields[] = {
	F(struct st_module, state), F(struct st_module, build_id_len), F(struct st_module, is_exe),
	F(struct st_module, bias), F(struct st_module, lo), F(struct st_module, hi),
	F(struct st_module, t_load_ns), F(struct st_module, t_unload_ns),
	F(struct st_module, build_id), F(struct st_module, path), { NULL, 0, 0 }
};

static const char *const region_names[ST_REG_MAX] = { "fds", "socks", "ring", "stacks", "modules" };
static const struct field *const region_fields[ST_REG_MAX] = {
	fd_fields, sock_fields, rec_fields, stack_fields, module_fields
};

static const struct field *field_in(const struct field *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static void list_fields(const char *prefix, const struct field *t)
{
	for (; t->name; t++)
		fprintf(stderr, "  %s%s\n", prefix, t->name);
}

static __attribute__((noreturn)) void bad_field(const char *name)
{
	fprintf(stderr, "tracefuzz: no field %s; fields:\n", name);
	list_fields("header.", header_fields);
	list_fields("region.REGION.", dir_fields);
	list_fields("region.REGION.chunk.K.", chunk_fields);
	for (unsigned r = 0; r < ST_REG_MAX; r++) {
		char p[32];

		snprintf(p, sizeof(p), "%s.%s.", region_names[r],
			 r == ST_REG_RING ? "POS" : r == ST_REG_STACKS ? "ID" : "I");
		list_fields(p, region_fields[r]);
	}
	exit(2);
}

static int region_of(const char *name)
{
	for (unsigned r = 0; r < ST_REG_MAX; r++)
		if (!strcmp(region_names[r], name))
			return (int)r;
	return -1;
}

static uint64_t number(const char *s, const char *what)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = *s == '-' ? (uint64_t)strtoll(s, &end, 0) : strtoull(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "tracefuzz: bad %s %s\n", what, s);
		exit(2);
	}
	return v;
}

/* Where FIELD lies in the file: its offset and size. */
static void locate(const char *name, uint64_t *off, size_t *len)
{
	char buf[256], *part[6], *save = NULL;
	const struct field *f = NULL;
	unsigned n = 0;
	int r;

	snprintf(buf, sizeof(buf), "%s", name);
	for (char *p = strtok_r(buf, ".", &save); p && n < 6; p = strtok_r(NULL, ".", &save))
		part[n++] = p;
	if (n == 2 && !strcmp(part[0], "header") && (f = field_in(header_fields, part[1]))) {
		*off = f->off;
	} else if (n >= 3 && !strcmp(part[0], "region") && (r = region_of(part[1])) >= 0) {
		*off = offsetof(struct st_file_header, region) + (uint64_t)r * sizeof(struct st_region_dir);
		if (n == 3 && (f = field_in(dir_fields, part[2]))) {
			/* found */
		} else if (n == 5 && !strcmp(part[2], "chunk") && (f = field_in(chunk_fields, part[4]))) {
			uint64_t k = number(part[3], "chunk");

			if (k >= ST_CHUNKS_MAX)
				bad_field(name);
			*off += offsetof(struct st_region_dir, chunk) + k * sizeof(struct st_chunk);
		} else {
			bad_field(name);
		}
		*off += f->off;
	} else if (n == 3 && (r = region_of(part[0])) >= 0 && (f = field_in(region_fields[r], part[2]))) {
		uint64_t i = number(part[1], "index");

		if (r == ST_REG_RING)
			i = st_ring_slot(i, h->ring_cap ? h->ring_cap : 1);
		else if (r == ST_REG_STACKS && i-- == 0)
			bad_field(name);
		*off = entry_off((enum st_region)r, i);
		if (!*off) {
			fprintf(stderr, "tracefuzz: %s: no such entry in the file\n", name);
			exit(2);
		}
		*off += f->off;
	} else {
		bad_field(name);
	}
	*len = f->len;
}

static void set_field(const char *name, const char *value)
{
	uint64_t off, v = number(value, "value");
	size_t len;

	locate(name, &off, &len);
	if (len > sizeof(v))
		len = sizeof(v);	/* an array: its first bytes */
	if (off + len > size)
		die("field outside the file");
	memcpy(map + off, &v, len);	/* little-endian, as the format is */
}

int main(int argc, char **argv)
{
	uint64_t made = 0;
	const char *mode;

	if (argc < 4) {
		fprintf(stderr, "usage: tracefuzz FILE SEED garbage|complete [HEAD]\n"
				"       tracefuzz FILE SEED state|regions\n"
				"       tracefuzz FILE set FIELD VALUE\n"
				"       tracefuzz FILE offset FIELD\n");
		return 2;
	}
	path = argv[1];
	fd = open(path, O_RDWR);
	if (fd < 0)
		die(strerror(errno));
	map_file();
	if (!strcmp(argv[2], "offset") && argc == 4) {
		uint64_t off;
		size_t len;

		locate(argv[3], &off, &len);
		printf("%" PRIu64 " %zu\n", off, len);
		return 0;
	}
	if (!strcmp(argv[2], "set") && argc == 5) {
		set_field(argv[3], argv[4]);
		return 0;
	}
	state = number(argv[2], "seed");
	mode = argv[3];
	if (!strcmp(mode, "garbage") || !strcmp(mode, "complete")) {
		if (argc > 5)
			die("too many arguments");
		ring_whole();
		if (argc > 4)
			h->head = number(argv[4], "head");
		made = !strcmp(mode, "garbage") ? garbage() : complete();
	} else if (!strcmp(mode, "state") && argc == 4) {
		made = scramble_state();
	} else if (!strcmp(mode, "regions") && argc == 4) {
		made = scramble_regions();
	} else {
		die("unknown mode");
	}
	printf("%" PRIu64 "\n", made);
	munmap(map, size);
	close(fd);
	return 0;
}

/*
 * stackinfo.c - the tests' one raw reader of a trace file (format 4):
 * what the file says, without the viewer's interpretation, so the stack
 * tests (tests/stacks.sh) and the shim's tests have an oracle independent
 * of the viewer.
 *
 * usage: stackinfo FILE            everything, one fact per line
 *        stackinfo -w ID FILE      where each ip of stack ID falls
 * FILE@OFFSET reads the image in the fork slot at OFFSET of FILE (a
 * "slot" line of the image that handed it out names it).
 *
 * Lines (everything), in this order:
 *   file pid=N origin=N version=N opts=0xN (the stack bits) stack_depth=N exe=PATH
 *   header pid=N ppid=N tag=N origin=N state=N version=N ring_cap=N head=N file_size=N
 *          opts=N flags=N grow_errno=N start_ticks=N nancestors=N stack_depth=N
 *          has_exit_status=N exit_status=N image_offset=N
 *   batch offset=N slot_size=N nslots=N taken=N      (each batch of fork slots this image
 *                                                    made, newest first, and then:)
 *   slot offset=N batch=N i=N version=N pid=N        (each fork slot of it handed out;
 *                                                    version 0: no image there)
 *   times mono_anchor_ns=N image_start_ns=N          (CLOCK_MONOTONIC ns:
 *                                                    st_header_stamp_ns)
 *   ancestor pid=N fork_ns=N                         (one per fork ancestor, ns)
 *   region name=NAME entry_size=N chunks=N mapped=N capacity=N
 *   chunk region=NAME k=K offset=N first=N count=N   (one per published chunk)
 *   totals made=N arrived=N forked_in=N bytes_sent=N bytes_received=N ring_dropped=N
 *          stacks_used=N stacks_dropped=N stacks_skipped=N modules_dropped=N sockets_missed=N
 *   stacks used=N dropped=N skipped=N depth=N count=N entry_size=N capacity=N
 *          (count: the entries the file holds now; capacity: the most it may grow to)
 *                                                                    ("stacks none")
 *   modules used=N dropped=N                                         ("modules none")
 *   module idx=I path=P build_id=HEX bias=0x lo=0x hi=0x loaded=1|0 exe=0|1
 *   fd fd=N slot=N cloexec=0|1 closing=0|1 op=N stack=ID forks=N   (an fd naming a socket)
 *   fd fd=N tomb=0|1                                               (an fd naming none)
 *   sock slot=N sid=HEX inode=N sid2=HEX made_by=N domain=N type=N flags=0xN refs=N
 *        fds=N stack=ID forks=N tcp=N sent=N received=N first_tick=N eof_ns=N
 *        local_len=N peer_len=N made_ns=N                          (a slot with a sid)
 *   rec pos=N op=N fd=N fd2=N ret=N err=N tid=N flags=0xN name=OP sid=HEX sid2=HEX
 *       refs=N arg0=N arg1=N addrs_len=N ncont=N conts=N entries=N stack=ID
 *   entry pos=N kinds=0xN len=N [family=N] [inode=N]   (each entry of that record)
 *   lost overwritten=N torn=N
 *   stack ID depth=N truncated=N made=N open=N ips=0x..,0x..
 * With -w ID, one line per ip, innermost first:
 *   frame I ip=0x.. module=PATH off=0x..      (module=? when none holds it)
 * where off = ip - bias, the address in the file's own terms: feed off - 1
 * to addr2line -f -e PATH (every ip is a return address).
 *
 * A rec line's conts counts the continuations found and joined (of ncont);
 * entries are walked over the bytes present (a lost continuation cuts
 * them).  A sock line's fds counts the fd entries naming the slot: a slot
 * is live only when that is not 0 (trace_format.h), and only live slots
 * are printed.  A stack's open counts the live slots made from it here.
 *
 * Nothing in the file is trusted: every size, offset and count is checked
 * against the file's length; a file that does not hold together prints
 * "error ..." and exits 2.  Usage errors exit 64.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_format.h"

#define DEPTH_LIMIT	1024u	/* far above the shim's 64: a bigger one is corrupt */
#define CONT_REACH	256u	/* a continuation lies within this many positions of its head */

static const unsigned char *base;
static uint64_t flen;
static const struct st_file_header *h;

static const char *const region_names[ST_REG_MAX] = { "fds", "socks", "ring", "stacks", "modules" };

static __attribute__((noreturn)) void bad(const char *what)
{
	printf("error %s\n", what);
	exit(2);
}

/* Entry i of region r, or NULL when no published chunk holds it (st_region_entry). */
static const void *entry(enum st_region r, uint64_t i)
{
	return st_region_entry(base, flen, &h->region[r], i);
}

static uint64_t count(enum st_region r)
{
	return st_region_mapped(&h->region[r]);
}

/* The entry size each region must have (0: the stack table's, checked against the depth). */
static uint32_t entry_size_of(unsigned r)
{
	switch (r) {
	case ST_REG_FDS: return sizeof(struct st_fd);
	case ST_REG_SOCKS: return sizeof(struct st_sock);
	case ST_REG_RING: return ST_SLOT_SIZE;
	case ST_REG_MODULES: return sizeof(struct st_module);
	default: return 0;
	}
}

/* The header and the region directory hold together, every published chunk within the file. */
static void check_file(void)
{
	if (memcmp(h->magic, ST_MAGIC, sizeof(h->magic)))
		bad("magic");
	if (h->version != ST_FORMAT_VERSION || h->header_size != ST_HEADER_SIZE)
		bad("version or sizes");
	if (h->ring_cap == 0 || (h->ring_cap & (h->ring_cap - 1)) || h->ring_cap > (1ull << 32))
		bad("ring capacity");
	if (h->stack_depth > DEPTH_LIMIT)
		bad("stack depth");
	for (unsigned r = 0; r < ST_REG_MAX; r++) {
		const struct st_region_dir *d = &h->region[r];
		uint32_t want = entry_size_of(r), end = 0;

		if (d->nchunks > ST_CHUNKS_MAX)
			bad("region chunk count");
		if (!d->nchunks)
			continue;
		if (want ? d->entry_size != want :
		    d->entry_size < sizeof(struct st_stack) + (uint64_t)h->stack_depth * 8 ||
		    d->entry_size % 8)
			bad("region entry size");
		for (unsigned k = 0; k < d->nchunks; k++) {
			const struct st_chunk *c = &d->chunk[k];

			if (!c->offset)
				continue;
			if (!c->count || c->offset < ST_HEADER_SIZE || c->offset > flen ||
			    (uint64_t)c->count * d->entry_size > flen - c->offset)
				bad("chunk outside the file");
			/* Entries are read in place: 8-aligned, as the writer's page-aligned chunks are. */
			if (c->offset % 8)
				bad("chunk misaligned");
			/* Entries are numbered on across the chunks, in directory order. */
			if (c->first != end || (uint64_t)c->first + c->count > d->capacity)
				bad("chunk numbering");
			end = c->first + c->count;
		}
	}
}

static const struct st_stack *stack_at(uint64_t id)
{
	const struct st_stack *e;

	if (id == 0 || !(e = entry(ST_REG_STACKS, id - 1)))
		return NULL;
	if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != ST_STACK_READY)
		return NULL;
	if (e->depth > h->stack_depth)
		bad("stack entry deeper than its table");
	return e;
}

static const struct st_module *module_at(uint64_t i)
{
	const struct st_module *m = entry(ST_REG_MODULES, i);

	if (!m || __atomic_load_n(&m->state, __ATOMIC_ACQUIRE) != ST_MODULE_READY)
		return NULL;
	if (!memchr(m->path, 0, sizeof(m->path)))
		bad("module path not terminated");
	if (m->build_id_len > ST_BUILD_ID_MAX)
		bad("module build id length");
	return m;
}

/* The module holding ip when the stack was stored (t), else any that holds it. */
static const struct st_module *module_of(uint64_t ip, uint64_t t)
{
	const struct st_module *any = NULL;

	for (uint64_t i = 0; i < count(ST_REG_MODULES); i++) {
		const struct st_module *m = module_at(i);

		if (!m || ip < m->lo || ip >= m->hi)
			continue;
		if (m->t_load_ns <= t && (!m->t_unload_ns || m->t_unload_ns >= t))
			return m;
		if (!any)
			any = m;
	}
	return any;
}

/* The fd entries naming each socket slot: live slots are those named (the format's rule). */
static uint32_t *fd_refs(void)
{
	uint64_t nslots = count(ST_REG_SOCKS);
	uint32_t *refs = calloc(nslots ? nslots : 1, sizeof(*refs));

	if (!refs)
		bad("out of memory");
	for (uint64_t fd = 0; fd < count(ST_REG_FDS); fd++) {
		const struct st_fd *e = entry(ST_REG_FDS, fd);
		int64_t idx = e ? st_fde_slot(__atomic_load_n(&e->word, __ATOMIC_ACQUIRE)) : -1;

		if (idx >= 0 && (uint64_t)idx < nslots)
			refs[idx]++;
	}
	return refs;
}

static void print_header(void)
{
	const struct st_totals *t = &h->totals;

	printf("file pid=%d origin=%u version=%u opts=0x%x stack_depth=%u exe=%.*s\n", h->pid,
	       h->origin, h->version, h->opts & (ST_OPT_STACKS_CREATE | ST_OPT_STACKS_ALL),
	       h->stack_depth, (int)strnlen(h->exe, ST_EXE_MAX), h->exe);
	printf("header pid=%d ppid=%d tag=%u origin=%u state=%u version=%u ring_cap=%" PRIu64
	       " head=%" PRIu64 " file_size=%" PRIu64 " opts=%u flags=%u grow_errno=%u"
	       " start_ticks=%" PRIu64 " nancestors=%u stack_depth=%u has_exit_status=%u"
	       " exit_status=%d image_offset=%" PRIu64 "\n",
	       h->pid, h->ppid, h->tag, h->origin, h->state, h->version, h->ring_cap,
	       __atomic_load_n(&h->head, __ATOMIC_ACQUIRE), h->file_size, h->opts, h->flags,
	       h->grow_errno, h->start_ticks, h->nancestors, h->stack_depth, h->has_exit_status,
	       h->exit_status, h->image_offset);
	printf("times mono_anchor_ns=%" PRIu64 " image_start_ns=%" PRIu64 "\n", h->mono_anchor_ns,
	       st_header_stamp_ns(h, h->image_start_ns));
	for (unsigned i = 0; i < h->nancestors && i < ST_ANCESTORS_MAX; i++)
		printf("ancestor pid=%d fork_ns=%" PRIu64 "\n", h->ancestors[i].pid,
		       st_header_stamp_ns(h, h->ancestors[i].fork_ns));
	for (unsigned r = 0; r < ST_REG_MAX; r++) {
		const struct st_region_dir *d = &h->region[r];

		printf("region name=%s entry_size=%u chunks=%u mapped=%" PRIu64 " capacity=%" PRIu64 "\n",
		       region_names[r], d->entry_size, d->nchunks, count(r), d->capacity);
		for (unsigned k = 0; k < d->nchunks; k++)
			if (d->chunk[k].offset)
				printf("chunk region=%s k=%u offset=%" PRIu64 " first=%u count=%u\n",
				       region_names[r], k, d->chunk[k].offset, d->chunk[k].first,
				       d->chunk[k].count);
	}
	printf("totals made=%" PRIu64 " arrived=%" PRIu64 " forked_in=%" PRIu64 " bytes_sent=%" PRIu64
	       " bytes_received=%" PRIu64 " ring_dropped=%" PRIu64 " stacks_used=%" PRIu64
	       " stacks_dropped=%" PRIu64 " stacks_skipped=%" PRIu64 " modules_dropped=%" PRIu64
	       " sockets_missed=%" PRIu64 "\n",
	       t->sockets_made, t->sockets_arrived, t->sockets_forked_in, t->bytes_sent,
	       t->bytes_received, t->ring_dropped, t->stacks_used, t->stacks_dropped,
	       t->stacks_skipped, t->modules_dropped, t->sockets_missed);
}

static void print_tables(void)
{
	uint64_t nmod = count(ST_REG_MODULES), ready = 0;

	if (count(ST_REG_STACKS))
		printf("stacks used=%" PRIu64 " dropped=%" PRIu64 " skipped=%" PRIu64
		       " depth=%u count=%" PRIu64 " entry_size=%u capacity=%" PRIu64 "\n",
		       h->totals.stacks_used, h->totals.stacks_dropped, h->totals.stacks_skipped,
		       h->stack_depth, count(ST_REG_STACKS), h->region[ST_REG_STACKS].entry_size,
		       h->region[ST_REG_STACKS].capacity);
	else
		printf("stacks none\n");
	for (uint64_t i = 0; i < nmod; i++)
		ready += module_at(i) != NULL;
	if (nmod)
		printf("modules used=%" PRIu64 " dropped=%" PRIu64 "\n", ready, h->totals.modules_dropped);
	else
		printf("modules none\n");
	for (uint64_t i = 0; i < nmod; i++) {
		const struct st_module *m = module_at(i);

		if (!m)
			continue;
		printf("module idx=%" PRIu64 " path=%s build_id=", i, m->path);
		for (unsigned b = 0; b < m->build_id_len; b++)
			printf("%02x", m->build_id[b]);
		printf(" bias=0x%" PRIx64 " lo=0x%" PRIx64 " hi=0x%" PRIx64 " loaded=%d exe=%u\n",
		       m->bias, m->lo, m->hi, m->t_unload_ns == 0, m->is_exe);
	}
}

static void print_state(const uint32_t *refs)
{
	for (uint64_t fd = 0; fd < count(ST_REG_FDS); fd++) {
		const struct st_fd *e = entry(ST_REG_FDS, fd);
		uint64_t word = e ? __atomic_load_n(&e->word, __ATOMIC_ACQUIRE) : 0;

		if (!word)
			continue;
		if (st_fde_slot(word) < 0)
			printf("fd fd=%" PRIu64 " tomb=%d\n", fd, !!(word & ST_FDE_TOMB));
		else
			printf("fd fd=%" PRIu64 " slot=%" PRId64 " cloexec=%d closing=%d op=%u stack=%u forks=%u\n",
			       fd, st_fde_slot(word), !!(word & ST_FDE_CLOEXEC),
			       !!(word & ST_FDE_CLOSING), e->op, e->stack_id, e->forks);
	}
	for (uint64_t i = 0; i < count(ST_REG_SOCKS); i++) {
		const struct st_sock *s = entry(ST_REG_SOCKS, i);
		uint64_t sid = s ? __atomic_load_n(&s->sid, __ATOMIC_ACQUIRE) : 0;

		if (!sid || !refs[i])
			continue;
		printf("sock slot=%" PRIu64 " sid=%" PRIx64 " inode=%" PRIu64 " sid2=%" PRIx64
		       " made_by=%u domain=%u type=%u flags=0x%x refs=%d fds=%u stack=%u forks=%u"
		       " tcp=%u sent=%" PRIu64 " received=%" PRIu64 " first_tick=%" PRIu64
		       " eof_ns=%" PRIu64 " local_len=%u peer_len=%u made_ns=%" PRIu64 "\n",
		       i, sid, s->inode, s->sid2, s->made_by, s->domain, s->type, s->flags, s->refs,
		       refs[i], s->stack_id, s->forks, s->tcp_state, s->bytes_sent, s->bytes_received,
		       s->first_tick, s->eof_ns, s->local_len, s->peer_len, s->made_ns);
	}
}

/*
 * The record at position pos, complete and stable, copied into *out: the
 * slot is copied, then its seq read again (a live writer may lap us).
 */
static int slot_copy(uint64_t pos, struct st_record *out)
{
	const struct st_record *r = entry(ST_REG_RING, st_ring_slot(pos, h->ring_cap));
	uint64_t seq;

	if (!r)
		return 0;
	seq = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
	if (!st_slot_complete(seq, pos))
		return 0;
	memcpy(out, r, sizeof(*out));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&r->seq, __ATOMIC_RELAXED) == seq;
}

/*
 * The head r at pos joined with its continuations into area: the bytes
 * present from the start (the head's, then each continuation in turn
 * while none is missing), and in *found how many were joined.
 */
static size_t join(uint64_t pos, uint64_t head, const struct st_record *r, uint8_t *area,
		   unsigned *found)
{
	unsigned have[ST_CONT_MAX + 1] = { 0 };
	size_t len = ST_REC_ADDRS;

	memset(area, 0, ST_ADDRS_MAX);
	memcpy(area, r->addrs, ST_REC_ADDRS);
	*found = 0;
	for (uint64_t p = pos + 1; p < head && p <= pos + CONT_REACH && *found < r->ncont; p++) {
		struct st_record c;

		if (slot_copy(p, &c) && st_record_join(area, pos, (const struct st_cont *)&c) == 0 &&
		    !have[((const struct st_cont *)&c)->index]++)
			(*found)++;
	}
	for (unsigned k = 1; k <= r->ncont && k <= ST_CONT_MAX && have[k]; k++)
		len += ST_CONT_DATA;
	return len;
}

/* The whole entries in area [0, len). */
static unsigned entries_in(const uint8_t *area, size_t len)
{
	const uint8_t *val;
	size_t off = 0;
	unsigned n = 0;

	while (st_entry_next(area, len, &off, &val))
		n++;
	return n;
}

static void print_entries(uint64_t pos, const uint8_t *area, size_t len)
{
	const struct st_addr_hdr *e;
	const uint8_t *val;
	size_t off = 0;

	while ((e = st_entry_next(area, len, &off, &val))) {
		printf("entry pos=%" PRIu64 " kinds=0x%x len=%u", pos, e->kinds, e->len);
		if (st_entry_is(e, ST_ADDR_INODE)) {
			uint64_t ino;

			memcpy(&ino, val, sizeof(ino));
			printf(" inode=%" PRIu64, ino);
		} else if (e->len >= 2 && (e->kinds & (ST_ADDR_ARG | ST_ADDR_LOCAL | ST_ADDR_PEER |
							ST_ADDR_RESULT))) {
			uint16_t fam;

			memcpy(&fam, val, sizeof(fam));
			printf(" family=%u", fam);
		}
		printf("\n");
	}
}

static void print_ring(void)
{
	uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE), first, torn = 0;
	uint8_t area[ST_ADDRS_MAX];

	st_ring_window(head, h->ring_cap, &first);
	for (uint64_t p = first; p < head; p++) {
		struct st_record r;
		unsigned found = 0;
		size_t len;

		if (!slot_copy(p, &r)) {
			torn++;
			continue;
		}
		if (r.op == ST_OP_CONT)
			continue;
		len = join(p, head, &r, area, &found);
		if (len > r.addrs_len)
			len = r.addrs_len;
		printf("rec pos=%" PRIu64 " op=%u fd=%d fd2=%d ret=%" PRId64 " err=%d tid=%d flags=0x%x"
		       " name=%s sid=%" PRIx64 " sid2=%" PRIx64 " refs=%d arg0=%" PRId64 " arg1=%" PRId64
		       " addrs_len=%u ncont=%u conts=%u entries=%u stack=%u\n",
		       p, r.op, r.fd, r.fd2, r.ret, r.err, r.tid, r.flags,
		       st_op_name(r.op) ? st_op_name(r.op) : "?", r.sid, r.sid2, r.refs, r.arg[0],
		       r.arg[1], r.addrs_len, r.ncont, found, entries_in(area, len), r.stack_id);
		print_entries(p, area, len);
	}
	printf("lost overwritten=%" PRIu64 " torn=%" PRIu64 "\n", first, torn);
}

static void print_stacks(const uint32_t *refs)
{
	uint64_t nslots = count(ST_REG_SOCKS);

	for (uint64_t id = 1; id <= count(ST_REG_STACKS); id++) {
		const struct st_stack *e = stack_at(id);
		uint64_t open = 0;

		if (!e)
			continue;
		for (uint64_t i = 0; i < nslots; i++) {
			const struct st_sock *s = entry(ST_REG_SOCKS, i);

			/* A slot's stack_id is this table's only when it was not forked in. */
			open += s && s->sid && refs[i] && s->stack_id == id && s->forks == 0;
		}
		printf("stack %" PRIu64 " depth=%u truncated=%u made=%" PRIu64 " open=%" PRIu64 " ips=",
		       id, e->depth, e->truncated, e->made, open);
		for (unsigned i = 0; i < e->depth; i++)
			printf("%s0x%" PRIx64, i ? "," : "", e->ips[i]);
		printf("\n");
	}
}

/* The fork slots this image handed out: its batches, newest first (st_slot_image's walk). */
static void print_slots(void)
{
	uint64_t b = h->slot_batches, prev = UINT64_MAX;

	while (b && b < prev && b <= flen - ST_BATCH_SIZE) {
		const struct st_slot_batch *sb = (const void *)(base + b);

		printf("batch offset=%" PRIu64 " slot_size=%" PRIu64 " nslots=%u taken=%u\n", b,
		       sb->slot_size, sb->nslots, __atomic_load_n(&sb->taken, __ATOMIC_ACQUIRE));
		for (uint32_t i = 0;; i++) {
			uint64_t off = st_slot_image(sb, b, flen, i);
			const struct st_file_header *c;

			if (!off)
				break;
			c = (const void *)(base + off);
			printf("slot offset=%" PRIu64 " batch=%" PRIu64 " i=%u version=%u pid=%d\n", off, b, i,
			       __atomic_load_n(&c->version, __ATOMIC_ACQUIRE), c->pid);
		}
		prev = b;
		b = sb->next;
	}
}

static void print_all(void)
{
	uint32_t *refs = fd_refs();

	print_header();
	print_slots();
	print_tables();
	print_state(refs);
	print_ring();
	print_stacks(refs);
	free(refs);
}

static int print_where(uint64_t id)
{
	const struct st_stack *e = stack_at(id);

	if (!e) {
		printf("error no ready stack %" PRIu64 "\n", id);
		return 1;
	}
	for (unsigned i = 0; i < e->depth; i++) {
		const struct st_module *m = module_of(e->ips[i], e->t_ns);

		if (m)
			printf("frame %u ip=0x%" PRIx64 " module=%s off=0x%" PRIx64 "\n", i, e->ips[i],
			       m->path, e->ips[i] - m->bias);
		else
			printf("frame %u ip=0x%" PRIx64 " module=? off=0x%" PRIx64 "\n", i, e->ips[i],
			       e->ips[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct stat st;
	uint64_t where = 0, image = 0;
	int fd, i = 1;
	char *at;

	if (argc == 4 && !strcmp(argv[1], "-w")) {
		char *end;

		where = strtoull(argv[2], &end, 10);
		if (*end || !where) {
			fprintf(stderr, "stackinfo: bad stack id %s\n", argv[2]);
			return 64;
		}
		i = 3;
	} else if (argc != 2) {
		fprintf(stderr, "usage: stackinfo [-w ID] FILE\n");
		return 64;
	}
	at = strrchr(argv[i], '@');
	if (at) {
		char *end;

		*at = 0;
		image = strtoull(at + 1, &end, 10);
		if (*end || !image || image % ST_HEADER_SIZE) {
			fprintf(stderr, "stackinfo: bad image offset %s\n", at + 1);
			return 64;
		}
	}
	fd = open(argv[i], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(argv[i]);
		return 2;
	}
	flen = (uint64_t)st.st_size;
	if (flen < ST_HEADER_SIZE)
		bad("file shorter than a header");
	base = mmap(NULL, flen, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		bad("mmap");
	close(fd);
	if (image > flen - ST_HEADER_SIZE)
		bad("image offset past the file's end");
	h = (const void *)(base + image);
	if (h->image_offset != image)
		bad("image offset disagrees with the header's");
	check_file();
	if (where)
		return print_where(where);
	print_all();
	return 0;
}

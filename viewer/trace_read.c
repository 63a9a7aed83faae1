/*
 * trace_read.c - validating and copying a trace file's image (format 4):
 * its first, or one in a fork slot, and the list of its slots' images.
 *
 * The file may be truncated, corrupt, from another version, or still being
 * written by a live process; every length, count and offset read from it
 * is checked against the file's real size before it is used, and the
 * reader's rules (a slot's completeness, the ring's window, walking the
 * entries, ticks to ns) are trace_format.h's own.
 */
#define _GNU_SOURCE
#include "trace_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mapguard.h"
#include "op_flags.h"

#define DEPTH_LIMIT	1024u	/* far above the shim's 64: a bigger one is corrupt */
#define CONT_REACH	256u	/* a continuation is claimed within this many positions of its head */

/* The file as mapped, for the region walks. */
struct view {
	const char *base;
	uint64_t size;
	const struct st_file_header *h;	/* the copy in tf */
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The entry size each region must have (0: checked apart). */
static uint32_t region_entry_size(unsigned r)
{
	switch (r) {
	case ST_REG_FDS: return sizeof(struct st_fd);
	case ST_REG_SOCKS: return sizeof(struct st_sock);
	case ST_REG_RING: return ST_SLOT_SIZE;
	case ST_REG_MODULES: return sizeof(struct st_module);
	default: return 0;
	}
}

static const char *region_name(unsigned r)
{
	static const char *const names[ST_REG_MAX] = { "fd table", "socket table", "ring",
						       "stack table", "module map" };

	return r < ST_REG_MAX ? names[r] : "region";
}

/* A published chunk c of es-byte entries that runs past a file of size bytes. */
static int chunk_past_end(const struct st_chunk *c, uint32_t es, uint64_t size)
{
	return c->offset > size || c->count > (size - c->offset) / es;
}

/* A published chunk whose entries could not be read in place: in the header, or not 8-aligned. */
static int chunk_misplaced(const struct st_chunk *c)
{
	return c->offset < ST_HEADER_SIZE || c->offset % 8;
}

int trace_check_header(const struct st_file_header *h, uint64_t size, char *err, size_t errlen)
{
	if (memcmp(h->magic, ST_MAGIC, sizeof(h->magic)))
		return fail(err, errlen, "not a socktrace trace (bad magic)");
	if (h->version == 0)
		return fail(err, errlen, "header incomplete (the process died while creating it)");
	if (h->version != ST_FORMAT_VERSION)
		return fail(err, errlen, "trace format version %u; this socktrace reads version %u%s",
			    h->version, ST_FORMAT_VERSION,
			    h->version < ST_FORMAT_VERSION ? " (made by an older socktrace: read it with that one)" :
			    " (made by a newer socktrace)");
	if (h->header_size != ST_HEADER_SIZE)
		return fail(err, errlen, "corrupt header: header size %u (expected %u)", h->header_size,
			    ST_HEADER_SIZE);
	if (h->ring_cap == 0 || (h->ring_cap & (h->ring_cap - 1)) || h->ring_cap > (1ull << 32))
		return fail(err, errlen, "corrupt header: ring capacity %llu is not a power of two up to 2^32",
			    (unsigned long long)h->ring_cap);
	if (h->pid <= 0)
		return fail(err, errlen, "corrupt header: pid %d", h->pid);
	/*
	 * The stack table and the module map only name call sites: damage
	 * there (and in the stack depth) spoils the stacks, not the trace;
	 * copy_stacks checks them and says so.
	 */
	for (unsigned r = 0; r < ST_REG_MAX; r++) {
		const struct st_region_dir *d = &h->region[r];
		uint32_t want = region_entry_size(r);

		uint64_t end = 0;

		if (!d->nchunks || r == ST_REG_STACKS || r == ST_REG_MODULES)
			continue;
		if (d->nchunks > ST_CHUNKS_MAX || d->entry_size != want || d->capacity > (1ull << 32))
			return fail(err, errlen, "corrupt header: %s of %u chunks of %u-byte entries",
				    region_name(r), d->nchunks, d->entry_size);
		/* The chunks the viewer walks: numbered on from each other, in place, within the file. */
		for (unsigned k = 0; k < d->nchunks; k++) {
			const struct st_chunk *c = &d->chunk[k];

			if (!c->offset)
				continue;
			if (chunk_past_end(c, d->entry_size, size))
				return fail(err, errlen, "truncated: %llu bytes, but the %s's chunk %u ends "
					    "at %llu", (unsigned long long)size, region_name(r), k,
					    (unsigned long long)c->offset + (uint64_t)c->count * d->entry_size);
			if (c->first != end || (uint64_t)c->first + c->count > d->capacity ||
			    chunk_misplaced(c))
				return fail(err, errlen, "corrupt header: %s chunk %u (entries %u..%llu at "
					    "offset %llu)", region_name(r), k, c->first,
					    (unsigned long long)c->first + c->count,
					    (unsigned long long)c->offset);
			end = (uint64_t)c->first + c->count;
		}
	}
	return 0;
}

int trace_check_image(const struct st_file_header *h, uint64_t off, uint64_t size, char *err,
		      size_t errlen)
{
	if (off % ST_HEADER_SIZE)
		return fail(err, errlen, "corrupt: an image at offset %llu is not page-aligned",
			    (unsigned long long)off);
	if (off > size || size - off < ST_HEADER_SIZE)
		return fail(err, errlen, "truncated: %llu bytes, but the image's header ends at %llu",
			    (unsigned long long)size, (unsigned long long)off + ST_HEADER_SIZE);
	if (trace_check_header(h, size, err, errlen))
		return -1;
	if (h->image_offset != off)
		return fail(err, errlen, "corrupt header: it says it is at offset %llu, but it is at %llu",
			    (unsigned long long)h->image_offset, (unsigned long long)off);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Room for one more offset in *offs; -1 when out of memory. */
static int offs_room(uint64_t **offs, size_t n, size_t *cap)
{
	uint64_t *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	if (!(p = realloc(*offs, c * sizeof(*p))))
		return -1;
	*offs = p;
	*cap = c;
	return 0;
}

int trace_slot_images(const void *base, uint64_t size, uint64_t off, uint64_t first,
		      uint64_t **offs, size_t *n, size_t *cap, char *err, size_t errlen)
{
	const char *map = base;
	size_t from = *n;
	uint64_t b = first, prev = 0;
	int rc = 0;

	/* Each batch below the one before and above the image: the walk ends. */
	while (b && !rc) {
		struct st_slot_batch batch;
		uint32_t handed;

		if (b % ST_BATCH_SIZE || b <= off || (prev && b >= prev)) {
			char why[64];

			if (prev && b >= prev)
				snprintf(why, sizeof(why), "not below the batch before it, at %llu",
					 (unsigned long long)prev);
			else
				snprintf(why, sizeof(why), "%s", b % ST_BATCH_SIZE ? "not page-aligned" :
					 "not after its image's header");
			rc = fail(err, errlen, "corrupt fork slots: a batch at offset %llu (%s)",
				  (unsigned long long)b, why);
			break;
		}
		if (b > size || size - b < ST_BATCH_SIZE) {
			rc = fail(err, errlen, "truncated: %llu bytes, but a batch of fork slots is at %llu",
				  (unsigned long long)size, (unsigned long long)b);
			break;
		}
		memcpy(&batch, map + b, sizeof(batch));
		batch.taken = __atomic_load_n(&((const struct st_slot_batch *)(map + b))->taken,
					      __ATOMIC_ACQUIRE);
		if (memcmp(batch.magic, ST_BATCH_MAGIC, sizeof(batch.magic))) {
			rc = fail(err, errlen, "corrupt fork slots: the batch at offset %llu (bad magic)",
				  (unsigned long long)b);
			break;
		}
		if (!batch.slot_size || batch.slot_size % ST_HEADER_SIZE || batch.nslots > ST_BATCH_SLOTS_MAX) {
			rc = fail(err, errlen, "corrupt fork slots: the batch at offset %llu (%u slots of %llu "
				  "bytes)", (unsigned long long)b, batch.nslots,
				  (unsigned long long)batch.slot_size);
			break;
		}
		handed = batch.taken < batch.nslots ? batch.taken : batch.nslots;
		for (uint32_t i = 0; i < handed && !rc; i++) {
			uint64_t so = st_slot_image(&batch, b, size, i);

			if (!so) {
				rc = fail(err, errlen, "truncated: %llu bytes, but slot %u of the batch of fork "
					  "slots at %llu ends at %llu", (unsigned long long)size, i,
					  (unsigned long long)b, (unsigned long long)b + ST_BATCH_SIZE +
					  (uint64_t)(i + 1) * batch.slot_size);
				break;
			}
			/* A header without a version was never published: no image there. */
			if (!__atomic_load_n(&((const struct st_file_header *)(map + so))->version,
					     __ATOMIC_ACQUIRE))
				continue;
			if (offs_room(offs, *n, cap))
				rc = -2;
			else
				(*offs)[(*n)++] = so;
		}
		prev = b;
		b = batch.next;
	}
	if (*n > from)
		qsort(*offs + from, *n - from, sizeof(**offs), cmp_u64);
	return rc;
}

/*
 * Why region r (the stack table or the module map) of v cannot be read, in
 * buf, or NULL when it can: entries of a sound size, each published chunk
 * within the file, no more entries than the file has room for.
 */
static const char *side_region_bad(const struct view *v, unsigned r, char *buf, size_t n)
{
	const struct st_region_dir *d = &v->h->region[r];
	uint64_t count = st_region_mapped(d);
	int sound = r == ST_REG_MODULES ? d->entry_size == sizeof(struct st_module) :
		    v->h->stack_depth && v->h->stack_depth <= DEPTH_LIMIT && d->entry_size % 8 == 0 &&
		    d->entry_size >= sizeof(struct st_stack) + (uint64_t)v->h->stack_depth * 8;

	if (!d->nchunks)
		return NULL;
	if (d->nchunks > ST_CHUNKS_MAX || !sound) {
		snprintf(buf, n, "%s corrupt (depth %u, entry size %u, %u chunks)", region_name(r),
			 v->h->stack_depth, d->entry_size, d->nchunks);
		return buf;
	}
	for (unsigned k = 0; k < d->nchunks; k++) {
		const struct st_chunk *c = &d->chunk[k];

		if (c->offset && (chunk_misplaced(c) || chunk_past_end(c, d->entry_size, v->size))) {
			snprintf(buf, n, "%s unreadable (chunk %u outside the file)", region_name(r), k);
			return buf;
		}
	}
	if (count && count > v->size / d->entry_size) {
		snprintf(buf, n, "%s unreadable (%llu entries of %u bytes: more than the file holds)",
			 region_name(r), (unsigned long long)count, d->entry_size);
		return buf;
	}
	return NULL;
}

/* Entry i of region r, or NULL when no published chunk within the file holds it. */
static const void *entry(const struct view *v, unsigned r, uint64_t i)
{
	return st_region_entry(v->base, v->size, &v->h->region[r], i);
}

/* Entries region r has mapped: the end of its last published chunk. */
static uint64_t mapped(const struct view *v, unsigned r)
{
	return st_region_mapped(&v->h->region[r]);
}

/* ns per tick of tf, from its anchors (0: no usable pair). */
static double file_rate(const struct st_file_header *h)
{
	if (h->tick_clock != ST_TICK_TSC || h->anchor_last.tick <= h->anchor.tick ||
	    h->anchor_last.ns <= h->anchor.ns)
		return 0;
	return (double)(h->anchor_last.ns - h->anchor.ns) / (double)(h->anchor_last.tick - h->anchor.tick);
}

int trace_image_running(const struct st_file_header *h)
{
	char path[64], buf[1024], state = 0;
	uint64_t start = 0;
	ssize_t n;
	int fd, found = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", h->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf));
		close(fd);
		found = n > 0 && st_proc_stat_parse(buf, (size_t)n, &state, &start) == 0;
	}
	return st_image_running(h->state, h->start_ticks, found, state, start);
}

uint64_t trace_tick_ns(const struct trace_file *tf, uint64_t tick)
{
	const struct st_file_header *h = &tf->hdr;

	return st_ticks_to_ns(h->tick_clock, tick, h->anchor, h->anchor_last);
}

/* The header's stamps from before the file was made, in ns from here on (st_header_stamp_ns). */
static void stamps_to_ns(struct st_file_header *h)
{
	h->image_start_ns = st_header_stamp_ns(h, h->image_start_ns);
	for (unsigned i = 0; i < h->nancestors && i < ST_ANCESTORS_MAX; i++)
		h->ancestors[i].fork_ns = st_header_stamp_ns(h, h->ancestors[i].fork_ns);
	h->flags &= ~ST_HDR_START_TICKS;
}

/* A duration in ticks as ns. */
static uint64_t ticks_span_ns(const struct trace_file *tf, uint64_t ticks)
{
	double rate = file_rate(&tf->hdr);

	if (tf->hdr.tick_clock != ST_TICK_TSC)
		return ticks;
	return rate ? (uint64_t)((double)ticks * rate) : 0;
}

/* Do the entries of area [0, len) parse to exactly len bytes? */
static int entries_ok(const uint8_t *area, size_t len)
{
	const uint8_t *val;
	size_t off = 0;

	while (st_entry_next(area, len, &off, &val))
		;
	return off == len;
}

/* Entries of the joined area in the viewer's units: the inode, data totals' ticks as ns. */
static void normalise(struct trace_file *tf, struct trace_rec *r, uint8_t *area)
{
	const struct st_addr_hdr *h;
	const uint8_t *val;
	size_t off = 0;

	while ((h = st_entry_next(area, r->addrs_len, &off, &val))) {
		if (st_entry_is(h, ST_ADDR_INODE)) {
			memcpy(&r->kinode, val, sizeof(r->kinode));
		} else if ((h->kinds & ST_ADDR_DATA) && h->len >= sizeof(struct st_data_totals)) {
			struct st_data_totals t;
			struct vdata d;

			memcpy(&t, val, sizeof(t));
			d.bytes_sent = t.bytes_sent;
			d.bytes_received = t.bytes_received;
			d.first_ns = trace_tick_ns(tf, t.first_tick);
			d.last_ns = trace_tick_ns(tf, t.last_tick);
			if (d.last_ns < d.first_ns)
				d.last_ns = d.first_ns;
			memcpy((uint8_t *)val, &d, sizeof(d));
		}
	}
	if (r->op == ST_OP_CONNECT && r->arg[0] > 0)
		r->arg[0] = (int64_t)ticks_span_ns(tf, (uint64_t)r->arg[0]);
}

/* The record at position pos of the ring, complete and stable, copied into *out; 0 when not. */
static int slot_copy(const struct view *v, uint64_t pos, struct st_record *out)
{
	const struct st_record *r = entry(v, ST_REG_RING, st_ring_slot(pos, v->h->ring_cap));
	uint64_t seq;

	if (!r)
		return 0;
	seq = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
	if (!st_slot_complete(seq, pos))
		return 0;
	memcpy(out, r, sizeof(*out));
	/* The copy's loads complete before seq is read again (seqlock): a live writer may lap us. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&r->seq, __ATOMIC_RELAXED) == seq;
}

/* Find the continuations of the head at pos and join them into area; returns the bytes joined. */
static size_t join_conts(const struct view *v, uint64_t pos, uint64_t head, const struct st_record *r,
			 uint8_t *area)
{
	size_t have = ST_REC_ADDRS;
	unsigned found = 0;

	memcpy(area, r->addrs, ST_REC_ADDRS);
	for (uint64_t p = pos + 1; p < head && p <= pos + CONT_REACH && found < r->ncont; p++) {
		struct st_record c;

		if (!slot_copy(v, p, &c))
			continue;
		if (st_record_join(area, pos, (const struct st_cont *)&c) == 0) {
			unsigned idx = ((const struct st_cont *)&c)->index;

			found++;
			if (ST_REC_ADDRS + idx * ST_CONT_DATA > have && found == idx)
				have = ST_REC_ADDRS + idx * ST_CONT_DATA;
		}
	}
	return have;
}

/* The VIEW_OP_STATE record: where the image's state applies (trace_read.h). */
static void add_state_record(struct trace_file *tf)
{
	struct trace_rec *s = &tf->recs[tf->nrecs], *at = NULL;

	memset(s, 0, sizeof(*s));
	s->op = VIEW_OP_STATE;
	s->pid = tf->hdr.pid;
	s->fd = s->fd2 = -1;
	for (size_t k = tf->nrecs; k-- > 0 && !at;) {
		const struct trace_rec *r = &tf->recs[k];

		if ((tf->hdr.state == ST_STATE_EXITED && op_has(r->op, OPF_EXIT)) ||
		    (tf->hdr.state == ST_STATE_EXECED && st_op_is_exec(r->op) && (r->flags & ST_REC_PENDING)))
			at = (struct trace_rec *)r;
	}
	if (tf->nrecs) {
		/*
		 * The state is the one at the image's end (its exit or exec
		 * record: the exec's fd records follow it), or, that record
		 * lost, after every kept record, the latest stamped too (a
		 * thread claims its position before it reads the clock, so
		 * times need not follow positions).
		 */
		uint64_t tmax = 0;

		for (size_t k = 0; k < tf->nrecs && !at; k++)
			if (tf->recs[k].t_ns > tmax)
				tmax = tf->recs[k].t_ns;
		s->t_ns = at ? at->t_ns : tmax;
		s->pos = at ? at->pos : tf->recs[tf->nrecs - 1].pos + 1;
	} else {
		s->t_ns = tf->hdr.end_mono_ns ? tf->hdr.end_mono_ns : tf->hdr.mono_anchor_ns;
		s->pos = tf->hdr.head;
	}
	tf->nrecs++;
}

/* Copy the complete records of the ring into tf. */
static int copy_records(struct trace_file *tf, const struct view *v, char *err, size_t errlen)
{
	uint64_t head = tf->hdr.head, cap = tf->hdr.ring_cap, first, n;
	size_t used = 0;
	uint8_t area[ST_ADDRS_MAX];

	st_ring_window(head, cap, &first);
	n = head - first;
	tf->overwritten = first;
	if (first)
		tf->lost_last_pos = first;
	tf->recs = calloc(n + 1, sizeof(*tf->recs));	/* and VIEW_OP_STATE */
	/* A head brings ST_REC_ADDRS bytes, each continuation (a position too) ST_CONT_DATA. */
	tf->arena = malloc(n * ST_CONT_DATA + ST_REC_ADDRS);
	if (!tf->recs || !tf->arena)
		return fail(err, errlen, "out of memory for %llu records", (unsigned long long)n);
	for (uint64_t pos = first; pos < head; pos++) {
		struct trace_rec *t = &tf->recs[tf->nrecs];
		struct st_record r;
		size_t have;
		uint8_t *dst;

		if (!slot_copy(v, pos, &r)) {
			tf->torn++;
			tf->lost_last_pos = pos + 1;
			continue;
		}
		if (r.op == ST_OP_CONT)
			continue;
		if (r.ncont > ST_CONT_MAX || r.addrs_len > ST_REC_ADDRS + r.ncont * ST_CONT_DATA) {
			tf->corrupt++;
			continue;
		}
		have = r.ncont ? join_conts(v, pos, head, &r, area) : ST_REC_ADDRS;
		if (!r.ncont)
			memcpy(area, r.addrs, ST_REC_ADDRS);
		if (r.addrs_len > have) {
			/* A continuation was lost: keep the whole entries before it. */
			const uint8_t *val;
			size_t off = 0, keep = 0;

			while (st_entry_next(area, have, &off, &val))
				keep = off;
			r.addrs_len = (uint16_t)keep;
			r.flags |= ST_REC_ADDR_TRUNC;
		}
		if (!entries_ok(area, r.addrs_len)) {
			tf->corrupt++;
			continue;
		}
		dst = tf->arena + used;
		memcpy(dst, area, r.addrs_len);
		used += r.addrs_len;
		t->pos = pos;
		t->t_ns = r.t_ns;
		t->sid = r.sid;
		t->sid2 = r.sid2;
		t->ret = r.ret;
		t->arg[0] = r.arg[0];
		t->arg[1] = r.arg[1];
		t->pid = tf->hdr.pid;
		t->tid = r.tid;
		t->fd = r.fd;
		t->fd2 = r.fd2;
		t->err = r.err;
		t->refs = r.refs;
		t->op = r.op;
		t->flags = r.flags;
		t->domain = r.domain;
		t->type = r.type;
		t->stack_id = r.stack_id;
		t->addrs_len = r.addrs_len;
		t->addrs = dst;
		normalise(tf, t, dst);
		tf->nrecs++;
	}
	add_state_record(tf);
	for (size_t k = 0; k < tf->nrecs && tf->lost_last_pos; k++)
		if (tf->recs[k].pos >= tf->lost_last_pos) {
			tf->history_from_ns = tf->recs[k].t_ns;
			break;
		}
	if (tf->lost_last_pos && !tf->history_from_ns)
		tf->history_from_ns = tf->hdr.end_mono_ns ? tf->hdr.end_mono_ns : tf->hdr.mono_anchor_ns;
	return 0;
}

/* The state: live slots (a sid and an fd naming them) and their fds. */
static int copy_state(struct trace_file *tf, const struct view *v)
{
	uint64_t nslots = mapped(v, ST_REG_SOCKS), nfds = mapped(v, ST_REG_FDS);
	int64_t *map = calloc(nslots ? nslots : 1, sizeof(*map));
	int *refs = calloc(nslots ? nslots : 1, sizeof(*refs));
	int rc = -1;

	if (!map || !refs)
		goto out;
	for (uint64_t fd = 0; fd < nfds; fd++) {
		const struct st_fd *e = entry(v, ST_REG_FDS, fd);
		int64_t idx = e ? st_fde_slot(__atomic_load_n(&e->word, __ATOMIC_ACQUIRE)) : -1;

		if (idx >= 0 && (uint64_t)idx < nslots)
			refs[idx]++;
	}
	/* A live process may change its tables as they are read: slots and fd entries by the header's rules. */
	tf->socks = calloc(nslots ? nslots : 1, sizeof(*tf->socks));
	tf->fds = calloc(nfds ? nfds : 1, sizeof(*tf->fds));
	if (!tf->socks || !tf->fds)
		goto out;
	for (uint64_t i = 0; i < nslots; i++) {
		const struct st_sock *s = entry(v, ST_REG_SOCKS, i);
		struct vsock *d;

		map[i] = -1;
		d = &tf->socks[tf->nsocks];
		if (!s || !refs[i] || !st_sock_read(s, &d->s))
			continue;
		d->refs = refs[i];
		if (d->s.first_tick) {
			d->first_ns = trace_tick_ns(tf, d->s.first_tick);
			d->last_ns = trace_tick_ns(tf, d->s.last_tick > d->s.first_tick ? d->s.last_tick :
						   d->s.first_tick);
		}
		map[i] = (int64_t)tf->nsocks++;
	}
	for (uint64_t fd = 0; fd < nfds && fd <= INT32_MAX; fd++) {
		const struct st_fd *e = entry(v, ST_REG_FDS, fd);
		struct st_fd fe;
		int64_t idx;
		struct vfd *d;

		if (!e || !st_fd_read(e, &fe))
			continue;
		idx = st_fde_slot(fe.word);
		if (idx < 0 || (uint64_t)idx >= nslots || map[idx] < 0)
			continue;
		d = &tf->fds[tf->nfds++];
		d->fd = (int)fd;
		d->slot = (uint32_t)map[idx];
		d->cloexec = !!(fe.word & ST_FDE_CLOEXEC);
		d->closing = !!(fe.word & ST_FDE_CLOSING);
		d->op = fe.op;
		d->stack_id = fe.stack_id;
		d->forks = fe.forks;
	}
	rc = 0;
out:
	free(map);
	free(refs);
	return rc;
}

/* The stack table, one entry per id, and the module map: copied when sound. */
static int copy_stacks(struct trace_file *tf, const struct view *v)
{
	char why[160];
	const char *bad_stacks = side_region_bad(v, ST_REG_STACKS, why, sizeof(why));
	uint64_t n = bad_stacks ? 0 : mapped(v, ST_REG_STACKS), m = mapped(v, ST_REG_MODULES);
	uint32_t es = v->h->region[ST_REG_STACKS].entry_size;
	char *stacks = n ? malloc(n * es) : NULL;

	if (n && !stacks)
		return -1;
	/* Each side region on its own: a bad stack table must not let a bad module count through. */
	if (bad_stacks)
		snprintf(tf->note, sizeof(tf->note), "%s: stacks ignored", bad_stacks);
	if (side_region_bad(v, ST_REG_MODULES, why, sizeof(why))) {
		if (!bad_stacks)
			snprintf(tf->note, sizeof(tf->note), "%s: frames cannot be named", why);
		tf->modules_bad = 1;
		m = 0;
	}
	for (uint64_t i = 0; i < n; i++) {
		const struct st_stack *e = entry(v, ST_REG_STACKS, i);

		if (e)
			memcpy(stacks + i * es, e, es);
		else
			memset(stacks + i * es, 0, es);	/* not in the file: reads as a free entry */
	}
	tf->stacks = stacks;
	tf->nstacks = n;
	tf->stack_entry_size = es;
	tf->modules = calloc(m ? m : 1, sizeof(*tf->modules));
	if (!tf->modules)
		return -1;
	for (uint64_t i = 0; i < m; i++) {
		const struct st_module *e = entry(v, ST_REG_MODULES, i);

		if (e)
			memcpy(&tf->modules[tf->nmodules++], e, sizeof(*e));
	}
	return 0;
}

/* Everything trace_load copies from the mapping, run under mapguard (a live file may shrink). */
struct copy_job {
	struct trace_file *tf;
	const struct view *v;
	char *err;
	size_t errlen;
};

/* The image's header at its offset, its changing words loaded on their own. */
static int copy_header(void *arg)
{
	struct copy_job *j = arg;
	const struct st_file_header *live = (const struct st_file_header *)(j->v->base + j->tf->image_off);

	memcpy(&j->tf->hdr, live, sizeof(j->tf->hdr));
	j->tf->hdr.head = __atomic_load_n(&live->head, __ATOMIC_ACQUIRE);
	j->tf->hdr.slot_batches = __atomic_load_n(&live->slot_batches, __ATOMIC_ACQUIRE);
	return 0;
}

static int copy_all(void *arg)
{
	struct copy_job *j = arg;
	size_t cap = 0;

	if (copy_records(j->tf, j->v, j->err, j->errlen))
		return -1;
	if (copy_state(j->tf, j->v) || copy_stacks(j->tf, j->v))
		return fail(j->err, j->errlen, "out of memory");
	/* Its fork slots' images: a bad batch spoils that list, not this image. */
	if (trace_slot_images(j->v->base, j->v->size, j->tf->image_off, j->tf->hdr.slot_batches,
			      &j->tf->slot_images, &j->tf->nslot_images, &cap, j->tf->slot_err,
			      sizeof(j->tf->slot_err)) == -2)
		return fail(j->err, j->errlen, "out of memory");
	return 0;
}

static int walk_slots(void *arg)
{
	struct copy_job *j = arg;
	size_t cap = j->tf->nslot_images;

	j->tf->hdr.slot_batches = __atomic_load_n(
		&((const struct st_file_header *)(j->v->base + j->tf->image_off))->slot_batches,
		__ATOMIC_ACQUIRE);
	j->tf->nslot_images = 0;
	j->tf->slot_err[0] = 0;
	return trace_slot_images(j->v->base, j->v->size, j->tf->image_off, j->tf->hdr.slot_batches,
				 &j->tf->slot_images, &j->tf->nslot_images, &cap, j->tf->slot_err,
				 sizeof(j->tf->slot_err)) == -2 ? -1 : 0;
}

/* tf's fork slots listed again over fd's first size bytes (the first walk's error stays if this fails). */
static void rewalk_slots(struct trace_file *tf, int fd, uint64_t size)
{
	char keep[sizeof(tf->slot_err)], err[8];
	struct view v;
	void *map = mmap(0, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	struct copy_job job = { tf, &v, err, sizeof(err) };

	if (map == MAP_FAILED)
		return;
	memcpy(keep, tf->slot_err, sizeof(keep));
	v.base = map;
	v.size = size;
	v.h = &tf->hdr;
	if (mapguard_run(walk_slots, &job))
		memcpy(tf->slot_err, keep, sizeof(keep));
	munmap(map, (size_t)size);
}

char *trace_image_name(const char *path, uint64_t off)
{
	char *name;

	if (!off)
		return strdup(path);
	if (asprintf(&name, "%s@%llu", path, (unsigned long long)off) < 0)
		return NULL;
	return name;
}

struct stacks_job {
	struct trace_file *tf;
	const struct view *v;
};

static int copy_stacks_job(void *arg)
{
	struct stacks_job *j = arg;

	return copy_stacks(j->tf, j->v);
}

struct trace_file *trace_stacks_copy(const char *path, const void *base, uint64_t size,
				     const struct st_file_header *h)
{
	struct trace_file *tf = calloc(1, sizeof(*tf));
	struct view v;
	struct stacks_job job;

	if (!tf || !(tf->path = strdup(path)) || !(tf->name = trace_image_name(path, h->image_offset))) {
		trace_free(tf);
		return NULL;
	}
	tf->image_off = h->image_offset;
	memcpy(&tf->hdr, h, sizeof(tf->hdr));
	v.base = base;
	v.size = size;
	v.h = &tf->hdr;
	job.tf = tf;
	job.v = &v;
	if (mapguard_run(copy_stacks_job, &job)) {
		trace_free(tf);
		return NULL;
	}
	return tf;
}

int trace_load(const char *path, struct trace_file **out, char *err, size_t errlen)
{
	return trace_load_image(path, 0, out, err, errlen);
}

int trace_load_image(const char *path, uint64_t off, struct trace_file **out, char *err,
		     size_t errlen)
{
	struct trace_file *tf = NULL;
	struct view v;
	struct stat st;
	void *map = MAP_FAILED;
	int fd, rc = -1, tries = 0;

	/* O_NONBLOCK: a FIFO named like a trace must not hang the report. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail(err, errlen, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0) {
		fail(err, errlen, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(err, errlen, "not a regular file");
		goto out;
	}
again:
	if ((uint64_t)st.st_size < ST_HEADER_SIZE) {
		fail(err, errlen, "truncated: %lld bytes, shorter than the %u-byte header",
		     (long long)st.st_size, ST_HEADER_SIZE);
		goto out;
	}
	map = mmap(0, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fail(err, errlen, "cannot map: %s", strerror(errno));
		goto out;
	}
	tf = calloc(1, sizeof(*tf));
	if (!tf || !(tf->path = strdup(path)) || !(tf->name = trace_image_name(path, off))) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	tf->image_off = off;
	v.base = map;
	v.size = (uint64_t)st.st_size;
	v.h = &tf->hdr;
	/* A header not within the file is not read: trace_check_image says why. */
	if (!(off % ST_HEADER_SIZE) && off <= v.size && v.size - off >= ST_HEADER_SIZE) {
		struct copy_job job = { tf, &v, err, errlen };

		if (mapguard_run(copy_header, &job) == MAPGUARD_FAULT) {
			rc = fail(err, errlen, "truncated while read (the file shrank under the reader)");
			goto out;
		}
	}
	if ((rc = trace_check_image(&tf->hdr, off, (uint64_t)st.st_size, err, errlen))) {
		off_t was = st.st_size;

		rc = -1;
		/* A live file may have grown (and published a chunk) since the fstat: look again. */
		if (tries++ < 3 && fstat(fd, &st) == 0 && st.st_size > was) {
			munmap(map, (size_t)was);
			map = MAP_FAILED;
			trace_free(tf);
			tf = NULL;
			goto again;
		}
		st.st_size = was;
		goto out;
	}
	stamps_to_ns(&tf->hdr);
	tf->hdr.exe[sizeof(tf->hdr.exe) - 1] = 0;
	if (tf->hdr.argv_len > sizeof(tf->hdr.argv))
		tf->hdr.argv_len = sizeof(tf->hdr.argv);
	{
		struct copy_job job = { tf, &v, err, errlen };
		int crc = mapguard_run(copy_all, &job);

		/* rc is still the header check's 0: each failure here sets its own. */
		if (crc == MAPGUARD_FAULT) {
			rc = fail(err, errlen, "truncated while read (the file shrank under the reader)");
			goto out;
		}
		if (crc) {
			rc = -1;
			goto out;
		}
	}
	/*
	 * A running image may have made a batch of slots past the size this
	 * read saw: its list then ends in one past the end.  Walk it again
	 * over the file as it is now.
	 */
	if (tf->slot_err[0]) {
		struct stat now;

		if (fstat(fd, &now) == 0 && now.st_size > st.st_size)
			rewalk_slots(tf, fd, (uint64_t)now.st_size);
	}
	tf->live = trace_image_running(&tf->hdr);
	*out = tf;
	tf = NULL;
	rc = 0;
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	close(fd);
	trace_free(tf);
	return rc;
}

void trace_free(struct trace_file *tf)
{
	if (!tf)
		return;
	free(tf->recs);
	free(tf->arena);
	free(tf->socks);
	free(tf->fds);
	free((void *)tf->stacks);
	free(tf->modules);
	free(tf->slot_images);
	free(tf->name);
	free(tf->path);
	free(tf);
}

int64_t trace_sock_by_sid(const struct trace_file *tf, uint64_t sid)
{
	for (size_t i = 0; i < tf->nsocks; i++)
		if (tf->socks[i].s.sid == sid)
			return (int64_t)i;
	return -1;
}

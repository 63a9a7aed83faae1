/*
 * tracedump.c - print a trace file's raw contents, for the shim's tests:
 * what the file says, without the viewer's interpretation.
 *
 * Usage: tracedump FILE [header|totals|fds|socks|ring|stacks|modules]...
 * (default: all).  One line per item, "key=value" words:
 *
 *   header pid=.. ppid=.. tag=.. origin=.. state=.. version=.. ring_cap=.. head=.. file_size=.. ...
 *   totals made=.. arrived=.. closed=.. bytes_sent=.. ...
 *   region name=.. entry_size=.. chunks=.. mapped=.. capacity=..
 *   fd fd=.. slot=.. cloexec=.. closing=.. op=.. stack=.. forks=..
 *   sock slot=.. sid=.. inode=.. sid2=.. made_by=.. flags=.. refs=.. sent=.. received=.. ...
 *   rec pos=.. op=.. fd=.. fd2=.. sid=.. sid2=.. ret=.. err=.. refs=.. flags=.. stack=.. entries=..
 *   lost overwritten=.. torn=..
 *   stack id=.. depth=.. made=.. open=.. ips=..,..
 *   module path=.. bias=..
 *
 * Reads the file with the rules of trace_format.h, trusting no length in
 * it (bounds against the file's size); exits 1 with a message when the
 * file is not a format-4 trace.
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

static const char *base;
static size_t size;
static const struct st_file_header *h;

static const char *region_names[ST_REG_MAX] = { "fds", "socks", "ring", "stacks", "modules" };

/* Entry i of region r, or NULL when no published chunk within the file holds it. */
static const void *entry(enum st_region r, uint64_t i)
{
	const struct st_region_dir *d = &h->region[r];

	for (unsigned k = 0; k < d->nchunks && k < ST_CHUNKS_MAX; k++) {
		const struct st_chunk *c = &d->chunk[k];

		if (!c->offset || i < c->first || i >= (uint64_t)c->first + c->count)
			continue;
		if (c->offset + (i - c->first + 1) * d->entry_size > size)
			return NULL;
		return base + c->offset + (i - c->first) * d->entry_size;
	}
	return NULL;
}

/* Entries region r has mapped: the end of its last published chunk. */
static uint64_t mapped(enum st_region r)
{
	const struct st_region_dir *d = &h->region[r];
	uint64_t n = 0;

	for (unsigned k = 0; k < d->nchunks && k < ST_CHUNKS_MAX; k++)
		if (d->chunk[k].offset && (uint64_t)d->chunk[k].first + d->chunk[k].count > n)
			n = (uint64_t)d->chunk[k].first + d->chunk[k].count;
	return n;
}

static void print_header(void)
{
	printf("header pid=%d ppid=%d tag=%u origin=%u state=%u version=%u ring_cap=%" PRIu64
	       " head=%" PRIu64 " file_size=%" PRIu64 " opts=%u flags=%u grow_errno=%u exe=%s"
	       " start_ticks=%" PRIu64 " nancestors=%u stack_depth=%u has_exit_status=%u"
	       " exit_status=%d\n",
	       h->pid, h->ppid, h->tag, h->origin, h->state, h->version, h->ring_cap, h->head,
	       h->file_size, h->opts, h->flags, h->grow_errno, h->exe, h->start_ticks,
	       h->nancestors, h->stack_depth, h->has_exit_status, h->exit_status);
	for (unsigned i = 0; i < h->nancestors && i < ST_ANCESTORS_MAX; i++)
		printf("ancestor pid=%d fork_ns=%" PRIu64 "\n", h->ancestors[i].pid,
		       h->ancestors[i].fork_ns);
	for (unsigned r = 0; r < ST_REG_MAX; r++)
		printf("region name=%s entry_size=%u chunks=%u mapped=%" PRIu64 " capacity=%" PRIu64 "\n",
		       region_names[r], h->region[r].entry_size, h->region[r].nchunks, mapped(r),
		       h->region[r].capacity);
}

static void print_totals(void)
{
	const struct st_totals *t = &h->totals;

	printf("totals made=%" PRIu64 " arrived=%" PRIu64 " forked_in=%" PRIu64 " bytes_sent=%" PRIu64
	       " bytes_received=%" PRIu64 " ring_dropped=%" PRIu64 " stacks_used=%" PRIu64
	       " stacks_dropped=%" PRIu64 " stacks_skipped=%" PRIu64 " modules_dropped=%" PRIu64 "\n",
	       t->sockets_made, t->sockets_arrived, t->sockets_forked_in, t->bytes_sent,
	       t->bytes_received, t->ring_dropped, t->stacks_used, t->stacks_dropped,
	       t->stacks_skipped, t->modules_dropped);
}

static void print_fds(void)
{
	for (uint64_t fd = 0; fd < mapped(ST_REG_FDS); fd++) {
		const struct st_fd *e = entry(ST_REG_FDS, fd);

		if (!e || !e->word)
			continue;
		if (!(e->word & ST_FDE_IDX_MASK)) {
			printf("fd fd=%" PRIu64 " tomb=%d\n", fd, !!(e->word & ST_FDE_TOMB));
			continue;
		}
		printf("fd fd=%" PRIu64 " slot=%" PRId64 " cloexec=%d closing=%d op=%u stack=%u forks=%u\n",
		       fd, st_fde_slot(e->word), !!(e->word & ST_FDE_CLOEXEC),
		       !!(e->word & ST_FDE_CLOSING), e->op, e->stack_id, e->forks);
	}
}

static void print_socks(void)
{
	for (uint64_t i = 0; i < mapped(ST_REG_SOCKS); i++) {
		const struct st_sock *s = entry(ST_REG_SOCKS, i);

		if (!s || !s->sid)
			continue;
		printf("sock slot=%" PRIu64 " sid=%" PRIx64 " inode=%" PRIu64 " sid2=%" PRIx64
		       " made_by=%u domain=%u type=%u flags=%#x refs=%d stack=%u forks=%u"
		       " tcp=%u sent=%" PRIu64 " received=%" PRIu64 " first_tick=%" PRIu64
		       " eof_ns=%" PRIu64 " local_len=%u peer_len=%u made_ns=%" PRIu64 "\n",
		       i, s->sid, s->inode, s->sid2, s->made_by, s->domain, s->type, s->flags, s->refs,
		       s->stack_id, s->forks, s->tcp_state, s->bytes_sent, s->bytes_received,
		       s->first_tick, s->eof_ns, s->local_len, s->peer_len, s->made_ns);
	}
}

static void print_ring(void)
{
	uint64_t first, head = h->head, cap = h->ring_cap, torn = 0;

	st_ring_window(head, cap, &first);
	for (uint64_t pos = first; pos < head; pos++) {
		const struct st_record *r = entry(ST_REG_RING, st_ring_slot(pos, cap));

		if (!r || !st_slot_complete(r->seq, pos)) {
			torn++;
			continue;
		}
		if (r->op == ST_OP_CONT)
			continue;
		printf("rec pos=%" PRIu64 " op=%s fd=%d fd2=%d sid=%" PRIx64 " sid2=%" PRIx64
		       " ret=%" PRId64 " err=%d refs=%d flags=%#x stack=%u arg0=%" PRId64
		       " arg1=%" PRId64 " entries=%u ncont=%u\n",
		       pos, st_op_name(r->op) ? st_op_name(r->op) : "?", r->fd, r->fd2, r->sid,
		       r->sid2, r->ret, r->err, r->refs, r->flags, r->stack_id, r->arg[0], r->arg[1],
		       r->addrs_len, r->ncont);
	}
	printf("lost overwritten=%" PRIu64 " torn=%" PRIu64 "\n", first, torn);
}

static void print_stacks(void)
{
	for (uint64_t i = 0; i < mapped(ST_REG_STACKS); i++) {
		const struct st_stack *s = entry(ST_REG_STACKS, i);

		if (!s || s->state != ST_STACK_READY)
			continue;
		printf("stack id=%" PRIu64 " depth=%u made=%" PRIu64 " ips=", i + 1, s->depth, s->made);
		for (unsigned k = 0; k < s->depth && k < h->stack_depth; k++)
			printf("%s%#" PRIx64, k ? "," : "", s->ips[k]);
		printf("\n");
	}
}

static void print_modules(void)
{
	for (uint64_t i = 0; i < mapped(ST_REG_MODULES); i++) {
		const struct st_module *m = entry(ST_REG_MODULES, i);

		if (!m || m->state != ST_MODULE_READY)
			continue;
		printf("module path=%.*s bias=%#" PRIx64 " exe=%u\n", (int)sizeof(m->path), m->path,
		       m->bias, m->is_exe);
	}
}

int main(int argc, char **argv)
{
	struct stat st;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: tracedump FILE [header|totals|fds|socks|ring|stacks|modules]...\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || (size_t)st.st_size < ST_HEADER_SIZE) {
		fprintf(stderr, "tracedump: %s: not a trace file\n", argv[1]);
		return 1;
	}
	size = (size_t)st.st_size;
	base = mmap(0, size, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		perror("tracedump: mmap");
		return 1;
	}
	h = (const struct st_file_header *)base;
	if (memcmp(h->magic, ST_MAGIC, 8) || h->version != ST_FORMAT_VERSION) {
		fprintf(stderr, "tracedump: %s: not a format-%u trace\n", argv[1], ST_FORMAT_VERSION);
		return 1;
	}
	for (int i = argc > 2 ? 2 : 1; i < argc || i == 1; i++) {
		const char *what = argc > 2 ? argv[i] : "all";
		int all = !strcmp(what, "all");

		if (all || !strcmp(what, "header"))
			print_header();
		if (all || !strcmp(what, "totals"))
			print_totals();
		if (all || !strcmp(what, "fds"))
			print_fds();
		if (all || !strcmp(what, "socks"))
			print_socks();
		if (all || !strcmp(what, "ring"))
			print_ring();
		if (all || !strcmp(what, "stacks"))
			print_stacks();
		if (all || !strcmp(what, "modules"))
			print_modules();
		if (argc <= 2)
			break;
	}
	return 0;
}

/*
 * stackinfo.c - print the call-site stacks, module map and records of one
 * raw trace file, for the stack tests (independent of the viewer).
 *
 * usage: stackinfo FILE            everything, one fact per line
 *        stackinfo -w ID FILE      where each ip of stack ID falls
 *
 * Lines (everything):
 *   file pid=N origin=N version=N opts=0xN (the stack bits) stack_depth=N exe=PATH
 *   stacks used=N dropped=N skipped=N depth=N count=N entry_size=N   ("stacks none")
 *   modules used=N dropped=N                                         ("modules none")
 *   module idx=I path=P build_id=HEX bias=0x lo=0x hi=0x loaded=1|0 exe=0|1
 *   rec pos=N op=N fd=N fd2=N ret=N err=N tid=N flags=0xN stack=ID
 *   stack ID depth=N truncated=N ips=0x..,0x..
 * With -w ID, one line per ip, innermost first:
 *   frame I ip=0x.. module=PATH off=0x..      (module=? when none holds it)
 * where off = ip - bias, the address in the file's own terms: feed off - 1
 * to addr2line -f -e PATH (every ip is a return address).
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

static const unsigned char *base;
static uint64_t flen;

static __attribute__((noreturn)) void bad(const char *what)
{
	printf("error %s\n", what);
	exit(2);
}

/* Does [off, off + len) lie inside the file? */
static int inside(uint64_t off, uint64_t len)
{
	return off <= flen && len <= flen - off;
}

struct sections {
	const struct st_stack_table *st;
	uint64_t st_count, st_esize;
	const struct st_module_table *mt;
	uint64_t mt_count;
};

static void find_sections(const struct st_file_header *h, struct sections *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < ST_EXT_MAX; i++) {
		const struct st_ext *e = &h->ext[i];

		if (e->kind == ST_EXT_NONE)
			continue;
		if (!inside(e->offset, e->size) || e->offset < ST_HEADER_SIZE)
			bad("ext section outside the file");
		if (e->kind == ST_EXT_STACKS) {
			const struct st_stack_table *t;

			if (s->st)
				bad("two stack tables");
			if (e->size < sizeof(*t) || e->offset % 8)
				bad("stack table too small or misaligned");
			t = (const void *)(base + e->offset);
			if (t->depth < 1 || t->depth > 1024)
				bad("stack table depth");
			if (e->entry_size < sizeof(struct st_stack) + (uint64_t)t->depth * 8 ||
			    e->entry_size % 8)
				bad("stack entry size smaller than its depth needs");
			if (e->count == 0 || (e->count & (e->count - 1)))
				bad("stack table count not a power of two");
			if (e->count > (e->size - sizeof(*t)) / e->entry_size)
				bad("stack table entries do not fit its section");
			s->st = t;
			s->st_count = e->count;
			s->st_esize = e->entry_size;
		} else if (e->kind == ST_EXT_MODULES) {
			if (s->mt)
				bad("two module tables");
			if (e->size < sizeof(struct st_module_table) || e->offset % 8)
				bad("module table too small or misaligned");
			if (e->entry_size != sizeof(struct st_module))
				bad("module entry size");
			if (e->count > (e->size - sizeof(struct st_module_table)) / sizeof(struct st_module))
				bad("module entries do not fit their section");
			s->mt = (const void *)(base + e->offset);
			s->mt_count = e->count;
		}
	}
}

static const struct st_stack *stack_at(const struct sections *s, uint64_t id)
{
	const struct st_stack *e;

	if (!s->st || id == 0 || id > s->st_count)
		return NULL;
	e = (const void *)((const unsigned char *)(s->st + 1) + (id - 1) * s->st_esize);
	if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != ST_STACK_READY)
		return NULL;
	if (e->depth > s->st->depth)
		bad("stack entry deeper than its table");
	return e;
}

static uint64_t modules_used(const struct sections *s)
{
	uint64_t n = s->mt ? __atomic_load_n(&s->mt->used, __ATOMIC_ACQUIRE) : 0;

	return n < s->mt_count ? n : s->mt_count;
}

static const struct st_module *module_at(const struct sections *s, uint64_t i)
{
	const struct st_module *m = (const void *)(s->mt + 1);

	if (__atomic_load_n(&m[i].state, __ATOMIC_ACQUIRE) != ST_MODULE_READY)
		return NULL;
	if (!memchr(m[i].path, 0, sizeof(m[i].path)))
		bad("module path not terminated");
	if (m[i].build_id_len > ST_BUILD_ID_MAX)
		bad("module build id length");
	return &m[i];
}

/* The module holding ip when the stack was stored (t), else any that holds it. */
static const struct st_module *module_of(const struct sections *s, uint64_t ip, uint64_t t)
{
	const struct st_module *any = NULL;

	for (uint64_t i = 0; i < modules_used(s); i++) {
		const struct st_module *m = module_at(s, i);

		if (!m || ip < m->lo || ip >= m->hi)
			continue;
		if (m->t_load_ns <= t && (!m->t_unload_ns || m->t_unload_ns >= t))
			return m;
		if (!any)
			any = m;
	}
	return any;
}

static void print_all(const struct st_file_header *h, const struct sections *s)
{
	uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	uint64_t first = head > h->capacity ? head - h->capacity : 0;
	const struct st_record *recs = (const void *)(base + ST_HEADER_SIZE);

	printf("file pid=%d origin=%u version=%u opts=0x%x stack_depth=%u exe=%.*s\n", h->pid,
	       h->origin, h->version, h->opts & (ST_OPT_STACKS_CREATE | ST_OPT_STACKS_ALL), h->stack_depth, (int)strnlen(h->exe, ST_EXE_MAX),
	       h->exe);
	if (s->st)
		printf("stacks used=%" PRIu64 " dropped=%" PRIu64 " skipped=%" PRIu64
		       " depth=%u count=%" PRIu64 " entry_size=%" PRIu64 "\n",
		       s->st->used, s->st->dropped, s->st->skipped, s->st->depth, s->st_count,
		       s->st_esize);
	else
		printf("stacks none\n");
	if (s->mt)
		printf("modules used=%" PRIu64 " dropped=%" PRIu64 "\n", s->mt->used, s->mt->dropped);
	else
		printf("modules none\n");
	for (uint64_t i = 0; i < modules_used(s); i++) {
		const struct st_module *m = module_at(s, i);

		if (!m)
			continue;
		printf("module idx=%" PRIu64 " path=%s build_id=", i, m->path);
		for (unsigned b = 0; b < m->build_id_len; b++)
			printf("%02x", m->build_id[b]);
		printf(" bias=0x%" PRIx64 " lo=0x%" PRIx64 " hi=0x%" PRIx64 " loaded=%d exe=%u\n",
		       m->bias, m->lo, m->hi, m->t_unload_ns == 0, m->is_exe);
	}
	for (uint64_t p = first; p < head; p++) {
		const struct st_record *r = &recs[p & (h->capacity - 1)];

		if (__atomic_load_n(&r->seq, __ATOMIC_ACQUIRE) != p + 1 || r->pos != p)
			continue;
		printf("rec pos=%" PRIu64 " op=%u fd=%d fd2=%d ret=%" PRId64 " err=%d tid=%d flags=0x%x stack=%u\n",
		       p, r->op, r->fd, r->fd2, r->ret, r->err, r->tid, r->flags, r->stack_id);
	}
	for (uint64_t id = 1; s->st && id <= s->st_count; id++) {
		const struct st_stack *e = stack_at(s, id);

		if (!e)
			continue;
		printf("stack %" PRIu64 " depth=%u truncated=%u ips=", id, e->depth, e->truncated);
		for (unsigned i = 0; i < e->depth; i++)
			printf("%s0x%" PRIx64, i ? "," : "", e->ips[i]);
		printf("\n");
	}
}

static int print_where(const struct sections *s, uint64_t id)
{
	const struct st_stack *e = stack_at(s, id);

	if (!e) {
		printf("error no ready stack %" PRIu64 "\n", id);
		return 1;
	}
	for (unsigned i = 0; i < e->depth; i++) {
		const struct st_module *m = module_of(s, e->ips[i], e->t_ns);

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
	const struct st_file_header *h;
	struct sections s;
	struct stat st;
	uint64_t where = 0;
	int fd, i = 1;

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
	h = (const void *)base;
	if (memcmp(h->magic, ST_MAGIC, sizeof(h->magic)))
		bad("magic");
	if (h->version != 3 || h->header_size != ST_HEADER_SIZE || h->record_size != ST_RECORD_SIZE)
		bad("version or sizes");
	if (h->capacity == 0 || (h->capacity & (h->capacity - 1)) ||
	    h->capacity > (flen - ST_HEADER_SIZE) / ST_RECORD_SIZE)
		bad("capacity");
	find_sections(h, &s);
	if (where)
		return print_where(&s, where);
	print_all(h, &s);
	return 0;
}

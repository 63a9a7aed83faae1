/*
 * sockstats.c - where the data counters live, and how a fork child gets
 * its own (see sockstats.h).
 *
 * Why a fixed array with the file mapped over its start: the data path
 * must find a socket's counters with one load and no test of which file
 * is current, and a SIGKILLed process's counts must already be in its
 * file.  MAP_SHARED|MAP_FIXED over a reserved range gives both; the fork
 * child, whose range still shows its parent's file, maps its own section
 * over it before fork() returns.
 */
#define _GNU_SOURCE
#include "sockstats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* What sockstats_tick() counts. */
#if defined(__x86_64__)
#define TICK_CLOCK	ST_SS_CLOCK_TSC
#else
#define TICK_CLOCK	ST_SS_CLOCK_MONO
#endif

/* Slots kept in the file (64 bytes each): 1 MiB.  More sockets at once are counted in memory. */
#define FILE_SLOTS_MAX	16384u
#define PAGE		4096u

struct st_sockstat *sockstats_slots;
unsigned sockstats_opts = ST_OPT_TCP_INFO;

static struct st_sockstats_head *region;	/* head, then the slots */
static size_t region_len;
static uint32_t file_slots;			/* slots the file section holds */
static uint32_t slot_flags = ST_SS_FRESH;	/* a new slot's flags */

static uint64_t round_page(uint64_t n)
{
	return (n + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

/*
 * TCP_INFO at a final close costs one getsockopt, about 0.35 us here: 2%
 * of a loopback connection that lives 20 us, nothing for one that lives
 * a millisecond.  By default ("auto") only connections whose first data
 * call is at least this old get one; SOCKTRACE_TCP_INFO=1: every one, 0:
 * none.  The age is read in ticks (no clock call on the close path): 5
 * million TSC ticks are 1 ms at 5 GHz, 2.5 ms at 2 GHz.
 */
#define TCP_INFO_MIN_AGE_NS	1000000ull
#define TCP_INFO_MIN_AGE_TICKS	5000000ull
enum tcp_info_mode { TCP_INFO_OFF, TCP_INFO_ALWAYS, TCP_INFO_AUTO };
static enum tcp_info_mode tcp_info_mode = TCP_INFO_AUTO;

/* "events", "0", "1" switches; anything else keeps the default. */
void sockstats_configure(void)
{
	const char *data = getenv("SOCKTRACE_DATA");
	const char *tcp = getenv("SOCKTRACE_TCP_INFO");

	if (data && !strcmp(data, "events"))
		sockstats_opts |= ST_OPT_DATA_EVENTS;
	if (tcp && !strcmp(tcp, "0"))
		tcp_info_mode = TCP_INFO_OFF;
	else if (tcp && !strcmp(tcp, "1"))
		tcp_info_mode = TCP_INFO_ALWAYS;
	if (tcp_info_mode == TCP_INFO_OFF)
		sockstats_opts &= ~ST_OPT_TCP_INFO;
	slot_flags = ST_SS_FRESH | (sockstats_opts & ST_OPT_DATA_EVENTS ? ST_SS_EVENTS : 0);
}

int sockstats_reserve(uint32_t capacity)
{
	size_t len = round_page(sizeof(*region) + (uint64_t)capacity * sizeof(struct st_sockstat));
	void *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	region = p;
	region_len = len;
	file_slots = capacity < FILE_SLOTS_MAX ? capacity : FILE_SLOTS_MAX;
	__atomic_store_n(&sockstats_slots, (struct st_sockstat *)(region + 1), __ATOMIC_RELEASE);
	return 0;
}

uint64_t sockstats_section_bytes(void)
{
	return region ? round_page(sizeof(*region) + (uint64_t)file_slots * sizeof(struct st_sockstat)) : 0;
}

/*
 * The fork child's view of its sockets: identity and flags as inherited,
 * its own counting from zero (the parent's bytes are in the parent's file).
 */
static void inherit_into(struct st_sockstat *dst, uint32_t n)
{
	uint32_t used = sock_pool_used();

	for (uint32_t i = 0; i < used; i++) {
		const struct st_sockstat *s = &sockstats_slots[i];
		struct st_sockstat *d = i < n ? &dst[i] : &sockstats_slots[i];
		uint64_t inode = s->inode;
		uint32_t flags = (s->flags & (ST_SS_CONNECTING | ST_SS_EOF)) | slot_flags;

		memset(d, 0, sizeof(*d));
		d->flags = flags;
		d->inode = inode;
	}
}

int sockstats_attach(int fd, struct st_file_header *h, uint64_t offset, int inherit)
{
	uint64_t len = sockstats_section_bytes();
	struct st_sockstats_head *head = (void *)((char *)h + offset);
	struct st_ext *e = NULL;
	struct timespec now;
	void *p;

	if (!len)
		return 0;
	for (unsigned i = 0; i < ST_EXT_MAX && !e; i++)
		if (h->ext[i].kind == ST_EXT_NONE)
			e = &h->ext[i];
	if (!e)
		return -ENOSPC;
	head->clock = TICK_CLOCK;
	head->head_size = sizeof(*head);
	head->anchor_tick = sockstats_tick();
	clock_gettime(CLOCK_MONOTONIC, &now);
	head->anchor_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	if (inherit)
		inherit_into((struct st_sockstat *)(head + 1), file_slots);
	/* Until now the range showed the parent's file (a fork child) or nothing. */
	p = mmap(region, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, (off_t)offset);
	if (p == MAP_FAILED)
		return -errno;
	madvise(region, len, MADV_RANDOM);	/* as the trace file's own mapping: no readahead */
	e->kind = ST_EXT_SOCKSTATS;
	e->entry_size = sizeof(struct st_sockstat);
	e->offset = offset;
	e->size = len;
	e->count = file_slots;
	h->opts |= sockstats_opts;
	return 0;
}

void sockstats_detach(void)
{
	uint64_t len = sockstats_section_bytes();
	void *copy;

	if (!len)
		return;
	/* Keep what the slots say, but in private memory of our own. */
	copy = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy == MAP_FAILED)
		return;
	memcpy(copy, region, len);
	if (mremap(copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, region) == MAP_FAILED)
		munmap(copy, len);
}

void sockstats_reset(uint32_t idx, uint64_t inode)
{
	struct st_sockstat *s = &sockstats_slots[idx];

	__atomic_store_n(&s->inode, 0, __ATOMIC_RELAXED);
	s->bytes_sent = 0;
	s->bytes_received = 0;
	s->first_ns = 0;
	s->first_tick = 0;
	s->last_tick = 0;
	__atomic_store_n(&s->flags, slot_flags, __ATOMIC_RELAXED);
	/* Identity last: a reader of a killed process's file never sees a half-reset slot as this socket. */
	__atomic_store_n(&s->inode, inode, __ATOMIC_RELEASE);
}

void sockstats_free(uint32_t idx)
{
	__atomic_store_n(&sockstats_slots[idx].inode, 0, __ATOMIC_RELEASE);
}

/* A tick as CLOCK_MONOTONIC, by the rate between the set-up anchor and (now_tick, now_ns). */
static uint64_t tick_ns(uint64_t tick, uint64_t now_tick, uint64_t now_ns)
{
	uint64_t t0 = region->anchor_tick, n0 = region->anchor_ns;

	if (TICK_CLOCK != ST_SS_CLOCK_TSC || !tick)
		return tick;
	if (now_tick <= t0 || tick < t0 || now_ns <= n0)
		return now_ns;
	/* In double: exact to well under a ns at these magnitudes, and no 128-bit division call. */
	return n0 + (uint64_t)((double)(tick - t0) * (double)(now_ns - n0) / (double)(now_tick - t0));
}

int sockstats_totals(uint32_t idx, uint64_t now_ns, struct st_data_totals *out)
{
	const struct st_sockstat *s = &sockstats_slots[idx];

	if (__atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) & ST_SS_FRESH)
		return 0;
	out->bytes_sent = __atomic_load_n(&s->bytes_sent, __ATOMIC_RELAXED);
	out->bytes_received = __atomic_load_n(&s->bytes_received, __ATOMIC_RELAXED);
	out->first_ns = s->first_ns;
	out->last_ns = tick_ns(__atomic_load_n(&s->last_tick, __ATOMIC_RELAXED), sockstats_tick(), now_ns);
	if (out->last_ns < out->first_ns)
		out->last_ns = out->first_ns;
	return 1;
}

void sockstats_mark_end(uint64_t now_ns)
{
	if (!region)
		return;
	region->end_tick = sockstats_tick();
	region->end_ns = now_ns;
}

int sockstats_want_tcp_info(uint32_t idx)
{
	const struct st_sockstat *s = &sockstats_slots[idx];

	if (tcp_info_mode != TCP_INFO_AUTO)
		return tcp_info_mode == TCP_INFO_ALWAYS;
	if (!s->first_ns)
		return 0;	/* no data moved: nothing to say about rtt or retransmits */
	return sockstats_tick() - s->first_tick >
	       (TICK_CLOCK == ST_SS_CLOCK_TSC ? TCP_INFO_MIN_AGE_TICKS : TCP_INFO_MIN_AGE_NS);
}

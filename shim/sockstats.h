/*
 * sockstats.h - per-socket data counters (bytes each way, first and last
 * activity), one slot per socket-pool index, living in the trace file's
 * ST_EXT_SOCKSTATS section so a killed process's counts survive.
 *
 * The slots are one array at a fixed address for the life of the process:
 * its first part is a shared view of this image's trace-file section (a
 * fork child maps its own file's section over the same addresses), the
 * rest plain memory for sockets beyond the section.  The data path then
 * finds a socket's slot with one indexed load, whatever the file.
 */
#ifndef SOCKTRACE_SOCKSTATS_H
#define SOCKTRACE_SOCKSTATS_H

#include <stdint.h>
#include <time.h>

#include "../include/trace_format.h"
#include "fdtab.h"
#include "shim.h"

/* Slot of socket-pool index i: sockstats_slots[i].  Valid once the pool is. */
extern struct st_sockstat *sockstats_slots;

/* ST_OPT_DATA_EVENTS | ST_OPT_TCP_INFO, from the environment (sockstats_configure). */
extern unsigned sockstats_opts;

/*
 * The activity clock: on x86-64 the time-stamp counter (one instruction,
 * no vDSO call on the data path), elsewhere the coarse monotonic clock.
 */
static inline uint64_t sockstats_tick(void)
{
#if defined(__x86_64__)
	/*
	 * Unconditional: a test of sockstats_use_tsc costs the data path 3
	 * instructions.  Without an invariant TSC the ticks still count, at a
	 * rate that may drift; the file says which (ST_SS_CLOCK_*).
	 */
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/*
 * Stamp the slot's last activity.  On x86-64 the counter's two halves are
 * stored as they come (2 instructions, not 4 to join them first): a
 * reader racing the store at the moment the low half wraps (every 2^32
 * ticks, about a second) may see the old high half; readers here are the
 * final close, after the calls, and the viewer, after the process.
 */
static inline void sockstats_stamp(struct st_sockstat *s)
{
#if defined(__x86_64__)
	uint32_t lo, hi, *half = (uint32_t *)&s->last_tick;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	__atomic_store_n(&half[1], hi, __ATOMIC_RELAXED);
	__atomic_store_n(&half[0], lo, __ATOMIC_RELAXED);
#else
	__atomic_store_n(&s->last_tick, sockstats_tick(), __ATOMIC_RELAXED);
#endif
}

/* The slot of the socket an fd-table entry word names. */
static inline struct st_sockstat *sockstat_of(uint64_t word)
{
	return &sockstats_slots[fde_idx(word)];
}

/* Read SOCKTRACE_DATA and SOCKTRACE_TCP_INFO (at set-up, before any socket). */
void sockstats_configure(void);

/*
 * Reserve the slot array for a pool of capacity sockets (address space
 * only).  0 or a negative errno; without it the pool must not be used.
 */
int sockstats_reserve(uint32_t capacity);

/* Bytes the trace file needs for the section (page-aligned). */
uint64_t sockstats_section_bytes(void);

/*
 * Make the section at offset of the freshly created trace file (fd, mapped
 * at h) the home of the first slots, and describe it in h's directory.  A
 * fork child (inherit) first copies its inherited sockets' identity and
 * flags from its parent's view, counters at zero.  0 or a negative errno
 * (the slots are then plain memory again).
 */
int sockstats_attach(int fd, struct st_file_header *h, uint64_t offset, int inherit);

/*
 * The fork child could not make its own file: its slots must stop being
 * a view of its parent's (plain memory, counters kept).
 */
void sockstats_detach(void);

/* A new socket object idx for inode (sock_new): a fresh slot. */
void sockstats_reset(uint32_t idx, uint64_t inode);

/* Socket object idx is gone (its last reference here): the slot is free. */
void sockstats_free(uint32_t idx);

/*
 * The totals of slot idx, times as CLOCK_MONOTONIC (now_ns: a current
 * reading, to convert ticks).  Returns 0 when the socket saw no data call.
 */
int sockstats_totals(uint32_t idx, uint64_t now_ns, struct st_data_totals *out);

/*
 * Is a TCP_INFO snapshot wanted at the final close of socket object idx
 * (SOCKTRACE_TCP_INFO: 0 never, 1 always, default: when its first data
 * call is 5 million TSC ticks old, 1 to 2.5 ms: the call costs it little)?
 */
int sockstats_want_tcp_info(uint32_t idx);

/* At exit: a second clock anchor, so a reader can convert ticks exactly. */
void sockstats_mark_end(uint64_t now_ns);

#endif

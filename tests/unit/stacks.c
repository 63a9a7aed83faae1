/*
 * stacks.c - the creation-stack table (shim/stacks.c): hash tables added
 * as levels of ST_REG_STACKS, each twice the last, while the region has
 * room.
 *
 *  1. two adders at once: the thread adding a level is stopped after its
 *     chunk is grown and before it is published (a seam in stacks.c),
 *     while another thread's stores fill the level past its half and ask
 *     for a level too.  Once the first goes on, every chunk is published:
 *     stacks stored after it are kept (none dropped while the region has
 *     room), and each is found again under its id.
 *
 * Frames are made up (unit_stack_store): the table, not libunwind, is
 * under test.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regions.h"
#include "stacks.h"
#include "tap.h"
#include "shimfile.h"

#define FRAMES	4
#define AFTER	400		/* stores after the race: levels of 64, 128, 256 and 512 hold them */

static pthread_t adder;
static int seam_armed;		/* atomic: the next add_level on the adder stops */
static int in_seam;		/* atomic: it is stopped */
static int seam_go;		/* atomic: let it go on */

/* Made-up frames of stack k: distinct for each k. */
static void frames(void **ips, unsigned k)
{
	for (unsigned i = 0; i < FRAMES; i++)
		ips[i] = (void *)(uintptr_t)(0x400000u + k * 0x100u + i * 8u);
}

static uint32_t store(unsigned k)
{
	void *ips[FRAMES];

	frames(ips, k);
	return unit_stack_store(ips, FRAMES);
}

/* The shim's seam: the adder waits here, its chunk grown, until told to go on. */
void unit_seam_add_level(void)
{
	if (!pthread_equal(pthread_self(), adder) || !__atomic_exchange_n(&seam_armed, 0, __ATOMIC_ACQ_REL))
		return;
	__atomic_store_n(&in_seam, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&seam_go, __ATOMIC_ACQUIRE))
		sched_yield();
}

/* The adder: stacks 0.. until one of them adds a level (and stops in the seam); how many. */
static void *adder_main(void *arg)
{
	unsigned k = 0;

	(void)arg;
	store(k++);		/* the first level */
	__atomic_store_n(&seam_armed, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&seam_armed, __ATOMIC_ACQUIRE) && k < 1000)
		store(k++);
	return (void *)(uintptr_t)k;
}

static void two_adders(void)
{
	struct st_file_header *h = unit_trace(0);
	const struct st_totals *t;
	unsigned base, bad = 0;
	uint32_t ids[AFTER];
	void *ret;

	if (!ok(h != NULL && h->region[ST_REG_STACKS].capacity >= 1024, "adders: the file is made, with a stack table")) {
		skip(5, "no stack table");
		return;
	}
	t = &h->totals;
	if (!ok(pthread_create(&adder, NULL, adder_main, NULL) == 0, "adders: the adding thread runs")) {
		skip(4, "no thread");
		return;
	}
	while (!__atomic_load_n(&in_seam, __ATOMIC_ACQUIRE))
		sched_yield();	/* the alarm bounds it */
	/* Past the level's half: each of these stores asks for a level while the adder is stopped. */
	for (unsigned k = 0; k < 8; k++)
		store(2000 + k);
	__atomic_store_n(&seam_go, 1, __ATOMIC_RELEASE);
	pthread_join(adder, &ret);
	base = (unsigned)(uintptr_t)ret;
	ok(h->region[ST_REG_STACKS].nchunks >= 2,
	   "adders: the adder grew a level while the other thread stored (%u stores, %u chunks)", base,
	   h->region[ST_REG_STACKS].nchunks);
	for (unsigned k = 0; k < AFTER; k++)
		ids[k] = store(3000 + k);
	ok(t->stacks_dropped == 0, "adders: no stack dropped after the race, with room left (%llu dropped, %u chunks)",
	   (unsigned long long)t->stacks_dropped, h->region[ST_REG_STACKS].nchunks);
	is_int((int)t->stacks_used, (int)(base + 8 + AFTER), "adders: every distinct stack stored once");
	for (unsigned k = 0; k < AFTER; k++)
		if (!ids[k] || store(3000 + k) != ids[k])
			bad++;
	is_int((int)bad, 0, "adders: each stack stored after the race is found again under its id");
}

int main(int argc, char **argv)
{
	int rc;

	(void)argc;
	unit_setup(argv);
	alarm(60);
	plan(6);
	tap_isolated("two adders", two_adders);
	rc = done_testing();
	unit_cleanup();
	return rc;
}

/*
 * fdtab.c - the fd table and the socket pool.
 *
 * Why no locks: close() and accept() may run in signal handlers, so every
 * update is a single atomic operation (exchange, CAS, add) and any thread,
 * or a handler interrupting one, can make progress.
 */
#define _GNU_SOURCE
#include "fdtab.h"
#include "shim.h"
#include "sockstats.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>

uint64_t *fdtab_dir[FDTAB_DIR];
unsigned fdtab_hwm;

static struct sock *pool;
static uint32_t pool_cap;
static uint32_t pool_used;	/* atomic: high-water mark of indices handed out */
static uint64_t free_head;	/* atomic: (tag << 32) | (index + 1) */

/* fd's slot, creating its chunk on first use; NULL if fd is out of range. */
static uint64_t *slot_create(int fd)
{
	unsigned u = (unsigned)fd;
	uint64_t **dirent, *chunk, *expected = 0;

	if (u >= FDTAB_MAX)
		return 0;
	dirent = &fdtab_dir[u >> FDTAB_CHUNK_BITS];
	chunk = __atomic_load_n(dirent, __ATOMIC_ACQUIRE);
	if (!chunk) {
		chunk = mmap(0, FDTAB_CHUNK * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (chunk == MAP_FAILED)
			return 0;
		if (!__atomic_compare_exchange_n(dirent, &expected, chunk, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			munmap(chunk, FDTAB_CHUNK * sizeof(uint64_t));
			chunk = expected;
		}
	}
	return &chunk[u & (FDTAB_CHUNK - 1)];
}

uint64_t fdtab_lookup(int fd)
{
	uint64_t *slot = fdtab_slot(fd);
	uint64_t word = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : 0;

	return fde_live(word) ? word : 0;
}

/* Raise fdtab_hwm to at least want (racing installs: the highest wins). */
static __attribute__((noinline, cold)) void hwm_raise(unsigned want)
{
	unsigned hwm = __atomic_load_n(&fdtab_hwm, __ATOMIC_RELAXED);

	while (hwm < want && !__atomic_compare_exchange_n(&fdtab_hwm, &hwm, want, 1, __ATOMIC_RELAXED,
							   __ATOMIC_RELAXED))
		;
}

int64_t fdtab_install(int fd, uint32_t idx, uint64_t flags)
{
	uint64_t *slot = slot_create(fd);

	if (!slot)
		return -1;
	if (unlikely((unsigned)fd >= __atomic_load_n(&fdtab_hwm, __ATOMIC_RELAXED)))
		hwm_raise((unsigned)fd + 1);
	return (int64_t)__atomic_exchange_n(slot, ((uint64_t)idx + 1) | flags, __ATOMIC_ACQ_REL);
}

int fdtab_reserve(int fd, int on)
{
	uint64_t *slot = on ? slot_create(fd) : fdtab_slot(fd);

	if (!slot)
		return on ? -1 : 0;
	if (on && unlikely((unsigned)fd >= __atomic_load_n(&fdtab_hwm, __ATOMIC_RELAXED)))
		hwm_raise((unsigned)fd + 1);
	__atomic_store_n(slot, on ? FDE_RESERVED : 0, __ATOMIC_RELEASE);
	return 0;
}

void fdtab_set_cloexec(int fd, int on)
{
	uint64_t *slot = fdtab_slot(fd);
	uint64_t word, want;

	if (!slot)
		return;
	word = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	do {
		if (!fde_live(word))
			return;
		want = on ? word | FDE_CLOEXEC : word & ~FDE_CLOEXEC;
	} while (!__atomic_compare_exchange_n(slot, &word, want, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
}

int sock_pool_init(uint32_t capacity)
{
	void *p = mmap(0, (size_t)capacity * sizeof(struct sock), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	int rc;

	if (p == MAP_FAILED)
		return -errno;
	/* Every socket object has a data-counter slot: both or neither. */
	rc = sockstats_reserve(capacity);
	if (rc) {
		munmap(p, (size_t)capacity * sizeof(struct sock));
		return rc;
	}
	pool = p;
	pool_cap = capacity;
	return 0;
}

uint32_t sock_pool_used(void)
{
	uint32_t n = __atomic_load_n(&pool_used, __ATOMIC_ACQUIRE);

	return n < pool_cap ? n : pool_cap;
}

struct sock *sock_get(uint32_t idx)
{
	return &pool[idx];
}

/* Pop a free object (Treiber stack; the tag defeats ABA), or -1. */
static int64_t free_pop(void)
{
	uint64_t head = __atomic_load_n(&free_head, __ATOMIC_ACQUIRE), next;
	uint32_t top;

	do {
		top = (uint32_t)head;
		if (!top)
			return -1;
		next = ((head >> 32) + 1) << 32 |
		       __atomic_load_n(&pool[top - 1].next_free, __ATOMIC_RELAXED);
	} while (!__atomic_compare_exchange_n(&free_head, &head, next, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return top - 1;
}

static void free_push(uint32_t idx)
{
	uint64_t head = __atomic_load_n(&free_head, __ATOMIC_ACQUIRE), next;

	do {
		__atomic_store_n(&pool[idx].next_free, (uint32_t)head, __ATOMIC_RELAXED);
		next = ((head >> 32) + 1) << 32 | (idx + 1);
	} while (!__atomic_compare_exchange_n(&free_head, &head, next, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
}

int64_t sock_new(uint64_t inode, int domain, int type)
{
	int64_t idx;
	struct sock *s;

	if (!pool)
		return -1;
	idx = free_pop();
	if (idx < 0) {
		uint32_t n = __atomic_fetch_add(&pool_used, 1, __ATOMIC_RELAXED);

		if (n >= pool_cap) {
			__atomic_fetch_sub(&pool_used, 1, __ATOMIC_RELAXED);
			return -1;
		}
		idx = n;
	}
	s = &pool[idx];
	s->local_len = 0;
	s->peered = 0;
	s->domain = (uint16_t)domain;
	s->type = (uint16_t)type;
	sockstats_reset((uint32_t)idx, inode);
	__atomic_store_n(&s->inode, inode, __ATOMIC_RELAXED);
	__atomic_store_n(&s->refs, 1, __ATOMIC_RELEASE);
	return idx;
}

void sock_set_listen_addr(uint32_t idx, const void *sa, unsigned len)
{
	struct sockaddr_in6 copy;	/* sa may be unaligned (packed in a record) */
	const struct sockaddr_in *in = (const void *)&copy;
	const struct sockaddr_in6 *in6 = &copy;
	struct sock *s = &pool[idx];

	int specific;

	s->local_len = 0;
	if (len > sizeof(copy))
		return;
	memcpy(&copy, sa, len);
	specific = (len == sizeof(*in) && in->sin_family == AF_INET &&
		    in->sin_addr.s_addr != htonl(INADDR_ANY)) ||
		   (len == sizeof(*in6) && in6->sin6_family == AF_INET6 &&
		    !IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr));
	if (specific) {
		memcpy(s->local, sa, len);
		s->local_len = (uint8_t)len;
	}
}

int32_t sock_ref(uint32_t idx)
{
	return __atomic_add_fetch(&pool[idx].refs, 1, __ATOMIC_ACQ_REL);
}

int32_t sock_unref(uint32_t idx)
{
	int32_t left = __atomic_sub_fetch(&pool[idx].refs, 1, __ATOMIC_ACQ_REL);

	if (left == 0) {
		sockstats_free(idx);
		__atomic_store_n(&pool[idx].inode, 0, __ATOMIC_RELAXED);
		free_push(idx);
	}
	return left;
}

int64_t sock_find(uint64_t inode)
{
	uint32_t n = __atomic_load_n(&pool_used, __ATOMIC_ACQUIRE);

	if (!inode)
		return -1;
	for (uint32_t i = 0; i < n && i < pool_cap; i++)
		if (__atomic_load_n(&pool[i].inode, __ATOMIC_ACQUIRE) == inode &&
		    __atomic_load_n(&pool[i].refs, __ATOMIC_ACQUIRE) > 0)
			return i;
	return -1;
}

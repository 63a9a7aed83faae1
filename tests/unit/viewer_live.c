/*
 * viewer_live.c - reading a trace file while its writer changes it
 * (viewer/live.c, the rules in include/trace_format.h):
 *
 * - st_sock_read against a writer thread that frees and refills one slot
 *   as fast as it can: every copy it accepts is one socket's, never a mix
 *   (a plain copy of the same slot is shown to mix, so the check has
 *   teeth);
 * - st_proc_stat_parse / st_image_running: a reused pid (another start
 *   time), a zombie, a header marked ended;
 * - live_read on a file truncated while watched fails with a reason;
 *   mapguard turns the SIGBUS of a read past the new end into an error;
 * - live_replaced sees a file renamed over the one mapped.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "live.h"
#include "mapguard.h"
#include "tap.h"

/* ------------------------------------------------------------------ torn slots */

static struct st_sock slot __attribute__((aligned(64)));
static volatile int writer_stop;

/* As the shim: sid 0 frees, fields filled, sid last (release); every field says the sid. */
static void *writer(void *arg)
{
	uint64_t v = 1;

	(void)arg;
	while (!writer_stop) {
		__atomic_store_n(&slot.sid, 0, __ATOMIC_RELEASE);
		v++;
		__atomic_store_n(&slot.made_ns, v, __ATOMIC_RELAXED);
		__atomic_store_n(&slot.bytes_sent, v, __ATOMIC_RELAXED);
		__atomic_store_n(&slot.eof_ns, v, __ATOMIC_RELAXED);
		memset((void *)slot.local, (int)(v & 0xff), 16);
		__atomic_store_n(&slot.local_len, 16, __ATOMIC_RELEASE);
		__atomic_store_n(&slot.sid, v, __ATOMIC_RELEASE);
		/* Held a moment, as a socket is between calls. */
		for (volatile int k = 0; k < 50; k++)
			;
	}
	return NULL;
}

/* Does copy c hold one socket's fields (all say its sid)? */
static int whole(const struct st_sock *c)
{
	if (c->made_ns != c->sid || c->bytes_sent != c->sid || c->eof_ns != c->sid)
		return 0;
	for (int i = 0; i < 16; i++)
		if (c->local[i] != (uint8_t)(c->sid & 0xff))
			return 0;
	return 1;
}

static void torn_slots(void)
{
	pthread_t t;
	long accepted = 0, mixed = 0, plain_mixed = 0;
	struct st_sock c;

	struct timespec t0, now;

	pthread_create(&t, NULL, writer, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/*
	 * At least 2,000,000 copies; on a loaded machine (or under a
	 * sanitizer) the writer may seldom run during one, so go on, up to
	 * 20 s, until a plain copy has been caught mixing two sockets.
	 */
	for (long i = 0;; i++) {
		if (i >= 2000000 && (i & 0xffff) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((plain_mixed && accepted) || now.tv_sec - t0.tv_sec >= 20)
				break;
		}
		if (st_sock_read(&slot, &c)) {
			accepted++;
			mixed += !whole(&c);
		}
		/* The same slot copied without the rule. */
		memcpy(&c, (const void *)&slot, sizeof(c));
		plain_mixed += c.sid && !whole(&c);
	}
	writer_stop = 1;
	pthread_join(t, NULL);
	ok(accepted > 0, "st_sock_read accepts copies while the slot churns (%ld)", accepted);
	is_int(mixed, 0, "... and every copy it accepts is one socket's fields, never two's");
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		ok(plain_mixed > 0, "a plain copy of the same slot does mix them (%ld times): the check matters",
		   plain_mixed);
	else
		skip(1, "one CPU: the writer never runs during a copy");
}

/* ------------------------------------------------------------------ liveness */

static void liveness(void)
{
	const char stat[] = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 987654 1 2";
	const char zombie[] = "4242 (x) Z 1 4242 4242 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 987654 1 2";
	char state = 0;
	uint64_t start = 0;

	is_int(st_proc_stat_parse(stat, strlen(stat), &state, &start), 0, "a stat line with ') ' in its command parses");
	ok(state == 'S' && start == 987654, "... state S, start time 987654 (field 22, after the last ')')");
	ok(st_image_running(ST_STATE_RUNNING, 987654, 1, state, start), "the same start time: running");
	ok(!st_image_running(ST_STATE_RUNNING, 987653, 1, state, start),
	   "another start time: the pid was reused, the image is gone");
	ok(!st_image_running(ST_STATE_RUNNING, 987654, 0, 0, 0), "no /proc entry: gone (a SIGKILLed process)");
	ok(!st_image_running(ST_STATE_EXITED, 987654, 1, state, start), "a header marked exited: gone");
	st_proc_stat_parse(zombie, strlen(zombie), &state, &start);
	ok(!st_image_running(ST_STATE_RUNNING, 987654, 1, state, start), "a zombie: gone");
}

/* ------------------------------------------------------------------ files */

#define NSLOTS	8
#define NFDS	8

/* A small valid trace file of this process at path: fd 3 names slot 0, sid 77. */
static int make_trace(const char *path)
{
	size_t size = ST_HEADER_SIZE + NSLOTS * sizeof(struct st_sock) + NFDS * sizeof(struct st_fd);
	char *buf = calloc(1, size);
	struct st_file_header *h = (struct st_file_header *)buf;
	struct st_sock *s = (struct st_sock *)(buf + ST_HEADER_SIZE);
	struct st_fd *f = (struct st_fd *)(buf + ST_HEADER_SIZE + NSLOTS * sizeof(struct st_sock));
	int fd, rc;

	memcpy(h->magic, ST_MAGIC, sizeof(h->magic));
	h->version = ST_FORMAT_VERSION;
	h->header_size = ST_HEADER_SIZE;
	h->pid = getpid();
	h->ring_cap = 1;
	h->state = ST_STATE_RUNNING;
	h->region[ST_REG_SOCKS] = (struct st_region_dir){ sizeof(struct st_sock), 1, NSLOTS,
							  { { ST_HEADER_SIZE, 0, NSLOTS } } };
	h->region[ST_REG_FDS] = (struct st_region_dir){ sizeof(struct st_fd), 1, NFDS,
							{ { ST_HEADER_SIZE + NSLOTS * sizeof(struct st_sock), 0, NFDS } } };
	s[0].sid = 77;
	s[0].domain = 2;
	s[0].type = 1;
	f[3].word = 1;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	rc = fd >= 0 && write(fd, buf, size) == (ssize_t)size ? 0 : -1;
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

struct past_end {
	const volatile char *p;
};

static int read_past(void *arg)
{
	struct past_end *pe = arg;

	return pe->p[0];
}

static void files(void)
{
	char dir[] = "/tmp/viewer_live.XXXXXX", path[128], other[128], err[256];
	struct live_file *lf = NULL;
	struct past_end pe;
	int fd;
	char *map;

	if (!mkdtemp(dir)) {
		skip(8, "no temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/t.1.socktrace", dir);
	snprintf(other, sizeof(other), "%s/u.1.socktrace", dir);
	make_trace(path);
	is_int(live_open(path, &lf, err, sizeof(err)), 0, "live_open reads a file of a running image");
	if (!lf) {
		diag("%s", err);
		skip(7, "not opened");
		return;
	}
	ok(lf->running && lf->nsocks == 1 && lf->socks[0].fd == 3 && lf->socks[0].s.sid == 77,
	   "... running, one socket: fd 3, sid 77");
	ok(!live_replaced(lf), "... the file it mapped is the one at its path");
	/* Truncated while watched: the next read says so. */
	if (truncate(path, ST_HEADER_SIZE + 100))
		diag("truncate failed");
	is_int(live_read(lf), -1, "a file truncated while watched: live_read fails");
	ok(strstr(lf->err, "truncated") != NULL, "... saying it was truncated (%s)", lf->err);
	/* A read past the new end of a mapping: SIGBUS, caught. */
	fd = open(path, O_RDONLY);
	map = mmap(NULL, 3 * 4096 + 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	pe.p = map + 2 * 4096;
	is_int(mapguard_run(read_past, &pe), MAPGUARD_FAULT, "mapguard: a read past a file's end is an error, not a crash");
	pe.p = map;
	is_int(mapguard_run(read_past, &pe), 'S', "... and a read within it returns what fn returned");
	munmap(map, 4 * 4096);
	live_close(lf);
	/* Replaced: another file renamed over it. */
	make_trace(path);
	live_open(path, &lf, err, sizeof(err));
	make_trace(other);
	if (rename(other, path))
		diag("rename failed");
	ok(lf && live_replaced(lf), "a file renamed over the mapped one: live_replaced says so");
	live_close(lf);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	plan(18);
	torn_slots();
	liveness();
	files();
	return done_testing();
}

/*
 * track.c - fd table bookkeeping with its records.
 */
#define _GNU_SOURCE
#include "stacks.h"
#include "track.h"

#include <errno.h>
#include <linux/tcp.h>	/* the kernel's tcp_info: glibc's lacks the byte counts */
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "event.h"
#include "fdtab.h"
#include "sockstats.h"
#include "sys.h"

uint64_t fd_inode(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	return st.st_ino;
}

/* Copy object idx's identity and current count into r. */
static void fill_identity(struct st_record *r, uint32_t idx)
{
	struct sock *s = sock_get(idx);

	r->inode = __atomic_load_n(&s->inode, __ATOMIC_ACQUIRE);
	r->domain = s->domain;
	r->type = s->type;
	r->refs = __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE);
}

/*
 * Drop the reference held by a replaced entry word, recording the missed
 * close.  before: the time of the event that revealed it (0: now); the close
 * happened before that event, so the record is stamped just ahead of it.
 */
static void close_missed(int fd, int64_t old, uint64_t before)
{
	struct st_record scratch, *m;
	uint32_t idx;

	if (old <= 0 || !fde_live((uint64_t)old) || ((uint64_t)old & FDE_CLOSING))
		return;
	idx = fde_idx((uint64_t)old);
	m = ev_begin(&scratch, trace_enter(), ST_OP_MISSED_CLOSE, fd);
	if (before)
		m->t_ns = before - 1;
	fill_identity(m, idx);
	m->refs = sock_unref(idx);
	ev_end(m, &scratch);
}

/* Install object idx at fd for the event r, and record any socket it displaced. */
static void install(const struct st_record *r, int fd, int64_t idx, int cloexec)
{
	int64_t old;

	if (idx < 0)
		return;
	old = fdtab_install(fd, (uint32_t)idx, cloexec ? FDE_CLOEXEC : 0);
	close_missed(fd, old, r->t_ns);
}

void track_born(struct st_record *r, int fd, int domain, int type, int cloexec, int peered)
{
	int64_t idx;

	r->inode = fd_inode(fd);
	r->domain = (uint16_t)domain;
	r->type = (uint16_t)type;
	if (cloexec)
		r->flags |= ST_REC_CLOEXEC;
	idx = sock_new(r->inode, domain, type);
	if (idx < 0) {
		r->flags |= ST_REC_REFS_UNKNOWN;
		r->refs = -1;
		return;
	}
	r->refs = 1;
	sock_get((uint32_t)idx)->peered = (uint8_t)peered;
	install(r, fd, idx, cloexec);
}

uint64_t track_identify(struct st_record *r, int fd)
{
	uint64_t word = fdtab_lookup(fd);
	int domain = 0, type = 0;
	socklen_t len;
	int64_t idx;

	if (word && !(word & FDE_CLOSING)) {
		fill_identity(r, fde_idx(word));
		return word;
	}
	r->inode = fd_inode(fd);
	if (!r->inode)
		return 0;
	len = sizeof(domain);
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
	len = sizeof(type);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
	r->flags |= ST_REC_FIRST_SEEN;
	idx = sock_find(r->inode);
	if (idx >= 0)
		sock_ref((uint32_t)idx);
	else if ((idx = sock_new(r->inode, domain, type)) >= 0)
		sock_get((uint32_t)idx)->peered = 1;	/* born unseen: it may be connected */
	if (idx < 0) {
		r->domain = (uint16_t)domain;
		r->type = (uint16_t)type;
		r->flags |= ST_REC_REFS_UNKNOWN;
		r->refs = -1;
		return 0;
	}
	install(r, fd, idx, 0);
	fill_identity(r, (uint32_t)idx);
	return fdtab_lookup(fd);
}

void track_copy(struct st_record *r, uint64_t word, int newfd, int cloexec)
{
	uint32_t idx = fde_idx(word);

	sock_ref(idx);
	install(r, newfd, idx, cloexec);
	fill_identity(r, idx);
	if (cloexec)
		r->flags |= ST_REC_CLOEXEC;
}

void track_drop(struct st_record *r, uint64_t word)
{
	uint32_t idx = fde_idx(word);
	struct st_data_totals tot;
	/* Read before the unref: the last one frees the slot for the next socket. */
	int moved = sockstats_totals(idx, r->t_ns, &tot);

	fill_identity(r, idx);
	r->refs = sock_unref(idx);
	if (r->refs == 0 && moved)
		ev_value(r, ST_ADDR_DATA, &tot, sizeof(tot));
}

void track_forget_stale(int newfd)
{
	uint64_t word = fdtab_begin_close(newfd);

	if (!word)
		return;
	fdtab_end_close(newfd, word);
	close_missed(newfd, (int64_t)word, 0);
}

int64_t track_unread(int fd, uint64_t word)
{
	struct sock *s = sock_get(fde_idx(word));
	int n = 0;

	if (!s->peered || s->type != SOCK_STREAM || __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE) != 1)
		return -1;
	/* Raw: leaves errno alone, and skips libc's wrapper on the close path. */
	if (sys_raw(SYS_ioctl, fd, FIONREAD, &n) != 0)
		return -1;
	return n;
}

int track_tcp_info(int fd, uint64_t word, struct st_tcp_snapshot *out)
{
	struct sock *s = sock_get(fde_idx(word));
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (!(sockstats_opts & ST_OPT_TCP_INFO) || !s->peered || s->type != SOCK_STREAM ||
	    (s->domain != AF_INET && s->domain != AF_INET6) ||
	    __atomic_load_n(&s->refs, __ATOMIC_ACQUIRE) != 1 || !sockstats_want_tcp_info(fde_idx(word)))
		return 0;
	memset(&ti, 0, sizeof(ti));
	/* Raw: errno untouched, and no wrapper of ours in between. */
	if (sys_raw6(SYS_getsockopt, fd, IPPROTO_TCP, TCP_INFO, (long)&ti, (long)&len, 0) != 0)
		return 0;
	memset(out, 0, sizeof(*out));
	out->state = ti.tcpi_state;
	out->ca_state = ti.tcpi_ca_state;
	out->retransmits = ti.tcpi_retransmits;
	out->rtt_us = ti.tcpi_rtt;
	out->rttvar_us = ti.tcpi_rttvar;
	out->total_retrans = ti.tcpi_total_retrans;
	out->lost = ti.tcpi_lost;
	out->unacked = ti.tcpi_unacked;
	out->bytes_acked = ti.tcpi_bytes_acked;
	out->bytes_received = ti.tcpi_bytes_received;
	return 1;
}

void track_set_unread(struct st_record *r, int64_t unread)
{
	if (unread < 0)
		return;
	r->flags |= ST_REC_UNREAD;
	r->arg[1] = unread;
}

void track_dropped_fd(enum st_op op, int fd, int64_t arg0, int fd2, unsigned flags, int64_t unread)
{
	uint64_t word = fdtab_begin_close(fd);
	struct st_record scratch, *r;

	if (!word)
		return;
	fdtab_end_close(fd, word);
	r = ev_begin(&scratch, trace_enter(), op, fd);
	r->flags |= (uint16_t)flags;
	r->arg[0] = arg0;
	r->fd2 = fd2;
	ev_stack(r, &scratch, STACK_DROP);
	track_drop(r, word);
	track_set_unread(r, unread);
	ev_end(r, &scratch);
}

void track_received(struct st_record *r, int fd, uint64_t inode, int domain, int type, int cloexec)
{
	int64_t idx = sock_find(inode);

	r->inode = inode;
	r->domain = (uint16_t)domain;
	r->type = (uint16_t)type;
	if (cloexec)
		r->flags |= ST_REC_CLOEXEC;
	if (idx >= 0)
		sock_ref((uint32_t)idx);	/* passed to itself: one more fd on a socket it holds */
	else if ((idx = sock_new(inode, domain, type)) >= 0)
		sock_get((uint32_t)idx)->peered = 1;
	if (idx < 0) {
		r->flags |= ST_REC_REFS_UNKNOWN;
		r->refs = -1;
		return;
	}
	install(r, fd, idx, cloexec);
	fill_identity(r, (uint32_t)idx);
}

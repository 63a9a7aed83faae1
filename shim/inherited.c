/*
 * inherited.c - sockets already open when this image starts: inherited
 * across exec (fork+exec, posix_spawn), from inetd or systemd socket
 * activation.  Each becomes an ST_OP_INHERITED record with its inode and
 * addresses, so the viewer can join it to the reference the exec'ing
 * image held, and a slot in the state.  An image that starts with no
 * socket makes no file here.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "event.h"
#include "fdtab.h"
#include "inherited.h"
#include "procfs.h"
#include "socks.h"
#include "sys.h"

static void inherited_fd(int fd, void *arg)
{
	struct sockaddr_storage local, peer;
	int listening = 0, cloexec;
	socklen_t len = sizeof(listening);
	struct st_record *r;
	struct st_sock *s;
	uint64_t word, ino;
	unsigned n;
	long fdflags;
	struct ev e;

	(void)arg;
	if (fdtab_lookup(fd) || !(ino = socks_fd_inode(fd)))
		return;		/* not a socket, or one made before our constructor ran */
	if (!shim_start())
		return;
	fdflags = sys_raw(SYS_fcntl, fd, F_GETFD, 0);
	cloexec = fdflags > 0 && (fdflags & FD_CLOEXEC);
	r = ev_begin(&e, ST_OP_INHERITED, fd);
	word = socks_arrived(fd, ino, ST_OP_INHERITED, cloexec, 0, r->t_ns);
	if (cloexec)
		r->flags |= ST_REC_CLOEXEC;
	ev_inode(&e, ino);
	if (sys_raw6(SYS_getsockopt, fd, SOL_SOCKET, SO_ACCEPTCONN, (long)&listening, (long)&len, 0) == 0)
		r->arg[0] = listening != 0;
	n = ev_sockname(&e, fd, &local);
	if (word) {
		s = sock_of(word);
		r->sid = s->sid;
		r->domain = s->domain;
		r->type = s->type;
		r->refs = s->refs;
		sock_set_addr(s, 0, &local, n);
		if (listening) {
			sock_set(s, ST_SK_LISTENING);
			sock_tcp(s, ST_TCP_LISTEN);
		}
	} else {
		r->flags |= ST_REC_REFS_UNKNOWN;
		r->refs = -1;
	}
	if (!listening) {
		n = ev_peername(&e, fd, &peer);
		if (word && n) {
			sock_set_addr(sock_of(word), 1, &peer, n);
			sock_tcp(sock_of(word), ST_TCP_ESTABLISHED);
		}
	}
	ev_end(&e);
}

PROC_PATH int inherited_scan(void)
{
	if (shim_in_vfork_child())
		return 0;
	return procfs_each_fd(inherited_fd, NULL);
}

/*
 * inherited.c - sockets already open when this image starts: inherited
 * across exec (fork+exec, posix_spawn), from inetd or systemd socket
 * activation.  Each becomes an ST_OP_INHERITED record with its addresses,
 * so the viewer can join it to the reference the exec'ing image held.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "event.h"
#include "fdtab.h"
#include "inherited.h"
#include "procfs.h"
#include "sys.h"
#include "track.h"

static void inherited_fd(int fd, void *arg)
{
	struct st_record scratch, *r;
	int listening = 0;
	socklen_t len = sizeof(listening);
	long fdflags;

	(void)arg;
	if (fdtab_lookup(fd) || !fd_inode(fd))
		return;		/* not a socket, or one made before our constructor ran */
	r = ev_begin(&scratch, 1, ST_OP_INHERITED, fd);
	track_identify(r, fd);
	fdflags = sys_raw(SYS_fcntl, fd, F_GETFD, 0);
	if (fdflags > 0 && (fdflags & FD_CLOEXEC)) {
		r->flags |= ST_REC_CLOEXEC;
		fdtab_set_cloexec(fd, 1);
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0)
		r->arg[0] = listening != 0;
	ev_sockname(r, fd);
	if (!listening)
		ev_peername(r, fd);
	ev_end(r, &scratch);
}

int inherited_scan(void)
{
	if (!trace_enter())
		return 0;
	return procfs_each_fd(inherited_fd, NULL);
}

/*
 * evfmt.c - one event as the call the app wrote.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "names.h"
#include "report.h"

const char *origin_name(unsigned origin)
{
	switch (origin) {
	case ST_ORIGIN_FORK: return "fork";
	case ST_ORIGIN_EXEC: return "exec";
	default: return "root";
	}
}

uint64_t ev_wall_ns(const struct proc *p, uint64_t mono_ns)
{
	return p->tf->hdr.wall_anchor_ns + (mono_ns - p->tf->hdr.mono_anchor_ns);
}

/* "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC" from socket()'s type argument. */
static void type_str(int64_t raw, char *out, size_t n)
{
	const char *t = socktype_name((int)(raw & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)));

	if (t)
		snprintf(out, n, "%s%s%s", t, raw & SOCK_NONBLOCK ? "|SOCK_NONBLOCK" : "",
			 raw & SOCK_CLOEXEC ? "|SOCK_CLOEXEC" : "");
	else
		snprintf(out, n, "%lld", (long long)raw);
}

static const char *fcntl_cmd(int64_t cmd)
{
	switch (cmd) {
	case F_DUPFD: return "F_DUPFD";
	case F_DUPFD_CLOEXEC: return "F_DUPFD_CLOEXEC";
	case F_SETFD: return "F_SETFD";
	default: return "?";
	}
}

/* "killed by SIGKILL" / "exited 3" from a wait status. */
static void status_str(int st, char *out, size_t n)
{
	const char *sig = WIFSIGNALED(st) ? sigabbrev_np(WTERMSIG(st)) : NULL;

	if (WIFSIGNALED(st))
		snprintf(out, n, "killed by SIG%s%s", sig ? sig : "?", WCOREDUMP(st) ? ", core dumped" : "");
	else
		snprintf(out, n, "exited %d", WEXITSTATUS(st));
}

char *ev_call_str(const struct ev *e, char *out, size_t n)
{
	const struct st_record *r = e->r;
	const char *name = op_name(r->op), *fam = family_name(r->domain);
	char a[ADDR_STR_MAX], t[64], fambuf[16];
	const char *arg = ev_addr_str(r, ST_ADDR_ARG, a);

	if (!fam) {
		snprintf(fambuf, sizeof(fambuf), "%u", r->domain);
		fam = fambuf;
	}
	switch (r->op) {
	case ST_OP_SOCKET:
	case ST_OP_SOCKETPAIR:
		type_str(r->arg[0], t, sizeof(t));
		snprintf(out, n, "%s(%s, %s, %lld)", name, fam, t, (long long)r->arg[1]);
		break;
	case ST_OP_BIND:
	case ST_OP_CONNECT:
		snprintf(out, n, "%s(%d, %s)", name, r->fd, arg ? arg : "?");
		break;
	case ST_OP_LISTEN:
		snprintf(out, n, "listen(%d, %lld)", r->fd, (long long)r->arg[0]);
		break;
	case ST_OP_ACCEPT:
		snprintf(out, n, "accept(%d)", r->fd);
		break;
	case ST_OP_ACCEPT4:
		snprintf(out, n, "accept4(%d, %s)", r->fd,
			 r->arg[0] & SOCK_CLOEXEC ? (r->arg[0] & SOCK_NONBLOCK ? "SOCK_CLOEXEC|SOCK_NONBLOCK" : "SOCK_CLOEXEC")
			 : r->arg[0] & SOCK_NONBLOCK ? "SOCK_NONBLOCK" : "0");
		break;
	case ST_OP_SHUTDOWN: {
		const char *how = shut_name((int)r->arg[0]);

		if (how)
			snprintf(out, n, "shutdown(%d, %s)", r->fd, how);
		else
			snprintf(out, n, "shutdown(%d, %lld)", r->fd, (long long)r->arg[0]);
		break;
	}
	case ST_OP_CLOSE:
	case ST_OP_DUP:
		snprintf(out, n, "%s%s(%d)", r->flags & ST_REC_VIA_SYSCALL ? "syscall:" : "", name, r->fd);
		break;
	case ST_OP_DUP2:
		snprintf(out, n, "dup2(%d, %d)", r->fd, r->fd2 >= 0 ? r->fd2 : (int)r->ret);
		break;
	case ST_OP_DUP3:
		snprintf(out, n, "dup3(%d, %d, %s)", r->fd, r->fd2 >= 0 ? r->fd2 : (int)r->ret,
			 r->arg[0] & O_CLOEXEC ? "O_CLOEXEC" : "0");
		break;
	case ST_OP_FCNTL:
	case ST_OP_FCNTL64:
		if (r->arg[0] == F_SETFD)
			snprintf(out, n, "%s(%d, F_SETFD, %s)", name, r->fd,
				 r->arg[1] & FD_CLOEXEC ? "FD_CLOEXEC" : "0");
		else
			snprintf(out, n, "%s(%d, %s)", name, r->fd, fcntl_cmd(r->arg[0]));
		break;
	case ST_OP_CLOSE_RANGE:
		snprintf(out, n, "close_range(%u, %u, %s%s) on fd %d", (unsigned)r->arg[0],
			 (unsigned)((uint64_t)r->arg[0] >> 32),
			 r->flags & ST_REC_CLOEXEC ? "CLOSE_RANGE_CLOEXEC" : "",
			 r->flags & ST_REC_CLOEXEC ? "" : r->fd2 ? "CLOSE_RANGE_UNSHARE" : "0", r->fd);
		break;
	case ST_OP_CLOSEFROM:
		snprintf(out, n, "closefrom(%lld) on fd %d", (long long)r->arg[0], r->fd);
		break;
	case ST_OP_FCLOSE:
		snprintf(out, n, "fclose(FILE on fd %d)", r->fd);
		break;
	case ST_OP_FCLOSEALL:
		snprintf(out, n, "fcloseall() on fd %d", r->fd);
		break;
	case ST_OP_SENDMSG:
		snprintf(out, n, "sendmsg(%d, SCM_RIGHTS fd %d)", r->fd2, r->fd);
		break;
	case ST_OP_RECVMSG:
		if (r->fd < 0)
			snprintf(out, n, "recvmsg(%d): MSG_CTRUNC, passed fds discarded", r->fd2);
		else
			snprintf(out, n, "recvmsg(%d, SCM_RIGHTS) -> fd %d", r->fd2, r->fd);
		break;
	case ST_OP_SETSOCKOPT: {
		const struct st_addr_hdr *h = (const void *)r->addrs;
		struct linger l = { 0, 0 };

		if (r->arg[0] == SOL_SOCKET && r->arg[1] == SO_LINGER && r->addrs_len >= sizeof(*h) + sizeof(l) &&
		    h->len >= sizeof(l)) {
			memcpy(&l, h + 1, sizeof(l));
			snprintf(out, n, "setsockopt(%d, SO_LINGER, {%d, %d})", r->fd, l.l_onoff, l.l_linger);
		} else {
			snprintf(out, n, "setsockopt(%d, %lld, %lld)", r->fd, (long long)r->arg[0],
				 (long long)r->arg[1]);
		}
		break;
	}
	case ST_OP_WAIT: case ST_OP_WAITPID: case ST_OP_WAIT3: case ST_OP_WAIT4: case ST_OP_WAITID: {
		char st[64];

		status_str((int)r->arg[1], st, sizeof(st));
		snprintf(out, n, "%s(): child %lld %s", name, (long long)r->arg[0], st);
		break;
	}
	case ST_OP_INHERITED:
		snprintf(out, n, "(fd %d open at start: inherited%s)", r->fd,
			 r->flags & ST_REC_CLOEXEC ? ", close-on-exec" : "");
		break;
	case ST_OP_EXEC_FD:
		snprintf(out, n, "(at exec: fd %d %s)", r->fd,
			 r->flags & ST_REC_CLOEXEC ? "is close-on-exec" : "stays open in the new program");
		break;
	case ST_OP_FORK:
		snprintf(out, n, "fork()");
		break;
	case ST_OP__EXIT:
		snprintf(out, n, "_exit(%lld)", (long long)r->arg[0]);
		break;
	case ST_OP_EXIT:
		snprintf(out, n, "exit");
		break;
	case ST_OP_FORK_CHILD:
		snprintf(out, n, "(forked from pid %lld)", (long long)r->arg[0]);
		break;
	case ST_OP_MISSED_CLOSE:
		snprintf(out, n, "(fd %d reused: its close was never seen)", r->fd);
		break;
	case ST_OP_TRACE_START:
		snprintf(out, n, "(tracing starts)");
		break;
	case ST_OP_EXECVE: case ST_OP_EXECV: case ST_OP_EXECVP: case ST_OP_EXECVPE:
	case ST_OP_EXECL: case ST_OP_EXECLP: case ST_OP_EXECLE: case ST_OP_FEXECVE:
	case ST_OP_EXECVEAT:
		snprintf(out, n, "%s(...)%s", name, r->flags & ST_REC_PENDING ? " (about to exec)" : "");
		break;
	default:
		if (name)
			snprintf(out, n, "%s(%d)", name, r->fd);
		else
			snprintf(out, n, "op#%u(%d)", r->op, r->fd);
	}
	return out;
}

/*
 * evfmt.c - one event as the call the app wrote.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "names.h"
#include "op_flags.h"
#include "report.h"
#include "timefmt.h"

const char *origin_name(unsigned origin)
{
	switch (origin) {
	case ST_ORIGIN_FORK: return "fork";
	case ST_ORIGIN_EXEC: return "exec";
	default: return "root";
	}
}

const char *proc_origin_name(const struct proc *p)
{
	/*
	 * A fork child that held no socket when forked is the root of its
	 * file (nothing was inherited), yet its header names the forks that
	 * made it: to a reader it began as a fork.
	 */
	if (p->origin == ST_ORIGIN_ROOT && p->tf->hdr.nancestors)
		return origin_name(ST_ORIGIN_FORK);
	return origin_name(p->origin);
}

const char *proc_name(const struct proc *p)
{
	const struct st_file_header *h = &p->tf->hdr;

	/* argv[0] only when it ends inside argv_len: the file is not trusted. */
	if (h->argv_len && h->argv[0] && memchr(h->argv, 0, h->argv_len))
		return h->argv;
	return h->exe[0] ? h->exe : "?";
}

char *proc_end_str(const struct model *m, const struct proc *p, char *out, size_t n)
{
	const struct st_file_header *h = &p->tf->hdr;
	char at[TF_MAX];

	if (p->exited) {
		tf_at_s(m, p->end == END_EXIT ? p->end_ns : h->end_mono_ns, at);
		if (h->has_exit_status)
			snprintf(out, n, "exited with status %d at %s", h->exit_status, at);
		else
			snprintf(out, n, "exited at %s", at);
	} else if (h->state == ST_STATE_EXECED) {
		snprintf(out, n, "exec'd %s at %s", p->exec_next ? proc_name(p->exec_next) :
			 "a program that left no trace", tf_at_s(m, h->end_mono_ns, at));
	} else if (p->end == END_REAPED) {
		snprintf(out, n, "%s (%s) at %s", p->reap_end ? p->reap_end : "reaped",
			 p->reaped_by_run ? "reaped by socktrace run" : "its parent reaped it",
			 tf_at_s(m, p->end_ns, at));
	} else {
		snprintf(out, n, "still running when the trace ends (no exit seen)");
	}
	return out;
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

int ev_names(const struct trace_rec *r, char *host, size_t hcap, char *serv, size_t scap)
{
	size_t off = 0;

	host[0] = serv[0] = 0;
	while (off + sizeof(struct st_addr_hdr) <= r->addrs_len) {
		const struct st_addr_hdr *h = (const void *)&r->addrs[off];
		const char *p = (const char *)(h + 1);
		size_t hl, sl;

		off += sizeof(*h) + h->len;
		if (!(h->kinds & ST_ADDR_NAME) || h->len < 1)
			continue;
		hl = strnlen(p + 1, h->len - 1u);
		sl = hl + 2 <= h->len ? strnlen(p + 2 + hl, h->len - 2u - hl) : 0;
		snprintf(host, hcap, "%.*s", (int)hl, p + 1);
		snprintf(serv, scap, "%.*s", (int)sl, hl + 2 <= h->len ? p + 2 + hl : "");
		return (unsigned char)p[0];
	}
	return -1;
}

/* "\"name\"" or NULL as the app passed it. */
static void quoted(char *out, size_t n, const char *s, int given)
{
	if (given)
		snprintf(out, n, "\"%s\"", s);
	else
		snprintf(out, n, "NULL");
}

/* "sendfile(out, in, count)" / "splice(in, out, len)" with the socket on its side. */
static void moved_str(const struct trace_rec *r, const char *name, char *out, size_t n)
{
	int from_sock = !!(r->arg[1] & ST_DATA_RECEIVED);
	int in = from_sock ? r->fd : r->fd2, o = from_sock ? r->fd2 : r->fd;

	if (r->op == ST_OP_SENDFILE)
		snprintf(out, n, "%s(%d, %d, %lld)", name, o, in, (long long)r->arg[0]);
	else
		snprintf(out, n, "%s(%d, %d, %lld)", name, in, o, (long long)r->arg[0]);
}

/* "MSG_PEEK|MSG_DONTWAIT" for the flags that change what a data call means. */
static void msg_flags(int flags, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s%s", flags & MSG_PEEK ? ", MSG_PEEK" : "",
		 flags & MSG_DONTWAIT ? ", MSG_DONTWAIT" : "", flags & MSG_TRUNC ? ", MSG_TRUNC" : "",
		 flags & MSG_NOSIGNAL ? ", MSG_NOSIGNAL" : "");
}

/* The names of the socket options the shim records. */
static const char *opt_name(int64_t level, int64_t opt)
{
	if (level == SOL_SOCKET) {
		switch (opt) {
		case SO_LINGER: return "SO_LINGER";
		case SO_REUSEADDR: return "SO_REUSEADDR";
		case SO_REUSEPORT: return "SO_REUSEPORT";
		case SO_KEEPALIVE: return "SO_KEEPALIVE";
		case SO_SNDBUF: return "SO_SNDBUF";
		case SO_RCVBUF: return "SO_RCVBUF";
		case SO_ERROR: return "SO_ERROR";
		default: return NULL;
		}
	}
	return level == IPPROTO_TCP && opt == TCP_NODELAY ? "TCP_NODELAY" : NULL;
}

/* The data path's and lookups' calls; 0 when op is none of them. */
static int data_call_str(const struct trace_rec *r, const char *name, char *out, size_t n)
{
	char a[ADDR_STR_MAX], f[96], h[128], sv[64], hq[136], sq[72];
	int given;

	if (is_data_record(r)) {
		msg_flags((int)r->arg[1], f, sizeof(f));
		if (r->op == ST_OP_SENDFILE || r->op == ST_OP_SPLICE)
			moved_str(r, name, out, n);
		else if (r->op == ST_OP_SENDMMSG || r->op == ST_OP_RECVMMSG)
			snprintf(out, n, "%s(%d, %lld messages%s)", name, r->fd, (long long)r->arg[0], f);
		else
			snprintf(out, n, "%s(%d, %lld%s)", name, r->fd, (long long)r->arg[0], f);
		return 1;
	}
	switch (r->op) {
	case ST_OP_GETADDRINFO:
		given = ev_names(r, h, sizeof(h), sv, sizeof(sv));
		quoted(hq, sizeof(hq), h, given > 0 && (given & ST_NAME_HOST));
		quoted(sq, sizeof(sq), sv, given > 0 && (given & ST_NAME_SERVICE));
		snprintf(out, n, "getaddrinfo(%s, %s)", hq, sq);
		return 1;
	case ST_OP_GETNAMEINFO:
		snprintf(out, n, "getnameinfo(%s)", ev_addr_str(r, ST_ADDR_ARG, a) ? a : "?");
		return 1;
	case ST_OP_GETSOCKOPT: {
		int v = 0;
		const char *en;

		ev_value_get(r, ST_ADDR_OPTVAL, &v, sizeof(v));
		en = errno_name(v);
		snprintf(out, n, "getsockopt(%d, SO_ERROR): %s pending", r->fd, en ? en : "?");
		return 1;
	}
	case ST_OP_PEER_EOF:
		snprintf(out, n, "(peer closed: %s returned 0, EOF)",
			 op_name((unsigned)r->arg[0]) ? op_name((unsigned)r->arg[0]) : "a read");
		return 1;
	case ST_OP_CONNECTED: {
		const char *via = r->arg[0] == ST_OP_GETSOCKOPT ? "getsockopt SO_ERROR" :
				  op_name((unsigned)r->arg[0]) ? op_name((unsigned)r->arg[0]) : "?";
		const char *en = errno_name(r->err);

		if (r->err)
			snprintf(out, n, "(connect failed: %s, learned by %s)", en ? en : "?", via);
		else
			snprintf(out, n, "(connect completed, learned by %s)", via);
		return 1;
	}
	default:
		return 0;
	}
}

char *ev_call_str(const struct ev *e, char *out, size_t n)
{
	const struct trace_rec *r = e->r;
	const char *name = op_name(r->op), *fam = family_name(r->domain);
	char a[ADDR_STR_MAX], t[64], fambuf[16];
	const char *arg = ev_addr_str(r, ST_ADDR_ARG, a);

	if (!fam) {
		snprintf(fambuf, sizeof(fambuf), "%u", r->domain);
		fam = fambuf;
	}
	if (data_call_str(r, name, out, n))
		return out;
	if (op_has(r->op, OPF_EXEC)) {
		snprintf(out, n, "%s(...)%s", name, r->flags & ST_REC_PENDING ? " (about to exec)" : "");
		return out;
	}
	if (op_has(r->op, OPF_WAIT)) {
		char st[64];

		status_str((int)r->arg[1], st, sizeof(st));
		snprintf(out, n, "%s(): child %lld %s", name, (long long)r->arg[0], st);
		return out;
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
		} else if (opt_name(r->arg[0], r->arg[1])) {
			int v = 0;

			if (ev_value_get(r, ST_ADDR_OPTVAL, &v, sizeof(v)))
				snprintf(out, n, "setsockopt(%d, %s, %d)", r->fd, opt_name(r->arg[0], r->arg[1]), v);
			else
				snprintf(out, n, "setsockopt(%d, %s)", r->fd, opt_name(r->arg[0], r->arg[1]));
		} else {
			snprintf(out, n, "setsockopt(%d, %lld, %lld)", r->fd, (long long)r->arg[0],
				 (long long)r->arg[1]);
		}
		break;
	}
	case ST_OP_INHERITED:
		/* Kept across this pid's own exec: made here, not born outside the trace. */
		snprintf(out, n, "(fd %d open at start: %s%s)", r->fd,
			 e->exec_kept ? "kept across exec" : "inherited",
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
	default:
		if (name)
			snprintf(out, n, "%s(%d)", name, r->fd);
		else
			snprintf(out, n, "op#%u(%d)", r->op, r->fd);
	}
	return out;
}

/*
 * report_json.c - report --json.  The schema is a contract (README.md):
 * later versions add members, never rename or remove them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "ends.h"
#include "hints.h"
#include "history.h"
#include "json.h"
#include "names.h"
#include "proctree.h"
#include "report.h"
#include "sites.h"
#include "stack_fmt.h"
#include "op_flags.h"
#include "replay.h"

/* An address member, or null when the event has none of that kind. */
static void addr_member(struct json *j, const char *key, const struct trace_rec *r, unsigned kind)
{
	char a[ADDR_STR_MAX];

	json_str(j, key, ev_addr_str(r, kind, a));
}

/* "stack" (frames, or null) and "stack_note" (why null, else null). */
static void stack_members(struct json *j, const struct callstack *cs, const char *why)
{
	stack_json(j, "stack", cs);
	json_str(j, "stack_note", cs ? NULL : why);
}

/* An int-sized option value, or null. */
static void int_value(struct json *j, const char *key, const struct trace_rec *r)
{
	int v;

	if (ev_value_get(r, ST_ADDR_OPTVAL, &v, sizeof(v)))
		json_int(j, key, v);
	else
		json_null(j, key);
}

static void totals_json(struct json *j, const char *key, const struct vdata *t)
{
	json_obj(j, key);
	json_uint(j, "bytes_sent", t->bytes_sent);
	json_uint(j, "bytes_received", t->bytes_received);
	json_uint(j, "first_t_ns", t->first_ns);
	json_uint(j, "last_t_ns", t->last_ns);
	json_end_obj(j);
}

static void tcp_info_json(struct json *j, const char *key, const struct st_tcp_snapshot *t)
{
	json_obj(j, key);
	json_str(j, "state", tcp_state_name(t->state));
	json_uint(j, "rtt_us", t->rtt_us);
	json_uint(j, "rttvar_us", t->rttvar_us);
	json_uint(j, "retransmits", t->retransmits);
	json_uint(j, "total_retrans", t->total_retrans);
	json_uint(j, "lost", t->lost);
	json_uint(j, "unacked", t->unacked);
	json_uint(j, "bytes_acked", t->bytes_acked);
	json_uint(j, "bytes_received", t->bytes_received);
	json_end_obj(j);
}

/* The members of a data-path record. */
static void data_json(struct json *j, const struct trace_rec *r)
{
	json_str(j, "direction", r->arg[1] & ST_DATA_RECEIVED ? "received" : "sent");
	json_int(j, r->op == ST_OP_SENDMMSG || r->op == ST_OP_RECVMMSG ? "messages" : "bytes_wanted",
		 r->arg[0]);
	json_int(j, "flags", (int32_t)r->arg[1]);
	if (r->op == ST_OP_SENDFILE || r->op == ST_OP_SPLICE)
		json_int(j, "other_fd", r->fd2);
}

/* getaddrinfo / getnameinfo members. */
static void lookup_json(struct json *j, const struct trace_rec *r)
{
	char host[128], serv[64], a[ADDR_STR_MAX];
	int given = ev_names(r, host, sizeof(host), serv, sizeof(serv));
	struct sockaddr_storage ss;
	size_t off = 0, len;

	if (r->op == ST_OP_GETNAMEINFO)
		addr_member(j, "addr", r, ST_ADDR_ARG);
	json_str(j, "host", given > 0 && (given & ST_NAME_HOST) ? host : NULL);
	json_str(j, "service", given > 0 && (given & ST_NAME_SERVICE) ? serv : NULL);
	json_int(j, "duration_ns", r->arg[0]);
	json_str(j, "error", gai_name((int)r->ret));
	if (r->op == ST_OP_GETNAMEINFO) {
		json_int(j, "flags", r->arg[1]);
		return;
	}
	json_obj(j, "hints");
	json_str(j, "family", family_name((int16_t)(r->arg[1] & 0xffff)));
	json_str(j, "socktype", socktype_name((int16_t)((r->arg[1] >> 16) & 0xffff)));
	json_int(j, "flags", (int32_t)((uint64_t)r->arg[1] >> 32));
	json_end_obj(j);
	json_arr(j, "results");
	while ((len = ev_next_addr(r, ST_ADDR_RESULT, &off, &ss)))
		json_str(j, NULL, addr_format((const struct sockaddr *)&ss, len, a));
	json_end_arr(j);
}

/* A wait's child and how it ended. */
static void wait_json(struct json *j, const struct trace_rec *r)
{
	int st = (int)r->arg[1];

	json_int(j, "child_pid", r->arg[0]);
	if (WIFSIGNALED(st)) {
		json_null(j, "exit_status");
		json_int(j, "signal", WTERMSIG(st));
	} else {
		json_int(j, "exit_status", WEXITSTATUS(st));
		json_null(j, "signal");
	}
}

static void event_json(struct json *j, const struct model *m, const char *key,
		       const struct ev *e)
{
	const struct trace_rec *r = e->r;
	const char *name = op_name(r->op);
	char opbuf[16];
	struct vdata tot;
	struct st_tcp_snapshot tcp;

	if (!name) {
		snprintf(opbuf, sizeof(opbuf), "op#%u", r->op);
		name = opbuf;
	}
	json_obj(j, key);
	json_uint(j, "t_ns", r->t_ns);
	json_int(j, "pid", r->pid);
	json_int(j, "tid", r->tid);
	json_str(j, "op", name);
	json_int(j, "fd", r->fd);
	json_int(j, "ret", r->ret);
	json_str(j, "errno", errno_name(r->err));
	if (r->inode && !(r->flags & ST_REC_REFS_UNKNOWN)) {
		json_int(j, "refs", ev_refs(e));
		json_int(j, "refs_total", e->refs_total);
	} else {
		json_null(j, "refs");
		json_null(j, "refs_total");
	}
	if (e->released_unknown)
		json_null(j, "released");	/* the answer is in lost history */
	if (e->released >= 0) {
		json_bool(j, "released", e->released);
		if (!e->released) {
			json_arr(j, "held_by");
			for (size_t i = 0; i < e->nheld; i++) {
				json_obj(j, NULL);
				json_int(j, "pid", e->held_by[i].pid);
				json_int(j, "fd", e->held_by[i].fd);
				json_end_obj(j);
			}
			json_end_arr(j);
		}
		if (e->in_flight > 0)
			json_int(j, "in_flight", e->in_flight);
	}
	if (r->flags & ST_REC_UNREAD)
		json_int(j, "unread_bytes", r->arg[1]);
	if (r->flags & ST_REC_VIA_SYSCALL)
		json_bool(j, "via_syscall", 1);
	if (r->flags & ST_REC_PENDING)
		json_bool(j, "pending", 1);
	if (e->tcp_state)
		json_str(j, "tcp_state", tcp_state_word(e->tcp_state));
	if (failure_hint(r))
		json_str(j, "hint", failure_hint(r));
	if (ev_value_get(r, ST_ADDR_DATA, &tot, sizeof(tot)))
		totals_json(j, "data", &tot);
	if (ev_value_get(r, ST_ADDR_TCPINFO, &tcp, sizeof(tcp)))
		tcp_info_json(j, "tcp_info", &tcp);
	if (is_data_record(r))
		data_json(j, r);
	switch (r->op) {
	case ST_OP_GETADDRINFO:
	case ST_OP_GETNAMEINFO:
		lookup_json(j, r);
		break;
	case ST_OP_GETSOCKOPT: {
		int v = 0;

		json_int(j, "level", r->arg[0]);
		json_int(j, "optname", r->arg[1]);
		ev_value_get(r, ST_ADDR_OPTVAL, &v, sizeof(v));
		json_str(j, "so_error", errno_name(v));
		break;
	}
	case ST_OP_PEER_EOF:
		json_str(j, "seen_by", op_name((unsigned)r->arg[0]));
		break;
	case ST_OP_CONNECTED:
		json_str(j, "learned_by", op_name((unsigned)r->arg[0]));
		json_bool(j, "connected", r->err == 0);
		break;
	case ST_OP_BIND:
	case ST_OP_CONNECT:
		addr_member(j, "addr", r, ST_ADDR_ARG);
		addr_member(j, "local", r, ST_ADDR_LOCAL);
		addr_member(j, "peer", r, ST_ADDR_PEER);
		if (r->op == ST_OP_CONNECT && r->arg[0] > 0)
			json_int(j, "duration_ns", r->arg[0]);
		break;
	case ST_OP_LISTEN:
		json_int(j, "backlog", r->arg[0]);
		addr_member(j, "local", r, ST_ADDR_LOCAL);
		break;
	case ST_OP_ACCEPT:
	case ST_OP_ACCEPT4:
		json_bool(j, "listener_side", e->as_listener);
		addr_member(j, "local", r, ST_ADDR_LOCAL);
		addr_member(j, "peer", r, ST_ADDR_PEER);
		break;
	case ST_OP_SHUTDOWN:
		json_str(j, "how", shut_name((int)r->arg[0]));
		break;
	case ST_OP_SOCKET:
	case ST_OP_SOCKETPAIR:
		json_str(j, "family", family_name(r->domain));
		json_str(j, "type", socktype_name(r->type));
		json_int(j, "protocol", r->arg[1]);
		if (r->op == ST_OP_SOCKETPAIR)
			json_int(j, "other_fd", r->fd2);
		break;
	case ST_OP_DUP:
	case ST_OP_DUP2:
	case ST_OP_DUP3:
	case ST_OP_FCNTL:
	case ST_OP_FCNTL64:
		json_int(j, "newfd", r->fd2 >= 0 ? r->fd2 : r->ret);
		json_bool(j, "implicit_close", !!(r->flags & ST_REC_IMPLICIT_CLOSE));
		break;
	case ST_OP_FORK:
		json_int(j, "child_pid", r->ret);
		break;
	case ST_OP__EXIT:
		json_int(j, "status", r->arg[0]);
		break;
	case ST_OP_FORK_CHILD:
		json_int(j, "parent_pid", r->arg[0]);
		break;
	case ST_OP_CLOSE_RANGE:
		json_uint(j, "first", (uint32_t)r->arg[0]);
		json_uint(j, "last", (uint32_t)((uint64_t)r->arg[0] >> 32));
		json_int(j, "flags", r->fd2);
		break;
	case ST_OP_CLOSEFROM:
		json_int(j, "lowfd", r->arg[0]);
		break;
	case ST_OP_SENDMSG:
	case ST_OP_RECVMSG:
		if (is_data_record(r))
			break;
		json_int(j, "carrier_fd", r->fd2);
		sock_id_json(j, m, "carrier_id", "carrier_inode", r->inode2);
		if (r->op == ST_OP_RECVMSG && r->fd < 0) {
			json_bool(j, "discarded", 1);	/* MSG_CTRUNC: passed fds thrown away */
		} else if (r->op == ST_OP_RECVMSG) {
			addr_member(j, "local", r, ST_ADDR_LOCAL);
			addr_member(j, "peer", r, ST_ADDR_PEER);
		}
		break;
	case ST_OP_SETSOCKOPT: {
		const struct st_addr_hdr *h = (const void *)r->addrs;
		struct linger l;

		json_int(j, "level", r->arg[0]);
		json_int(j, "optname", r->arg[1]);
		if (r->arg[0] == SOL_SOCKET && r->arg[1] == SO_LINGER &&
		    r->addrs_len >= sizeof(*h) + sizeof(l) && h->len >= sizeof(l)) {
			memcpy(&l, h + 1, sizeof(l));
			json_obj(j, "linger");
			json_bool(j, "on", l.l_onoff != 0);
			json_int(j, "seconds", l.l_linger);
			json_end_obj(j);
		} else if (r->ret == 0) {
			int_value(j, "value", r);
		}
		break;
	}
	case ST_OP_INHERITED:
		json_bool(j, "listening", r->arg[0] == 1);
		addr_member(j, "local", r, ST_ADDR_LOCAL);
		addr_member(j, "peer", r, ST_ADDR_PEER);
		break;
	default:
		if (op_has(r->op, OPF_WAIT))
			wait_json(j, r);
		break;
	}
	if (r->flags & ST_REC_FIRST_SEEN)
		json_bool(j, "first_seen", 1);
	if (e->exec_kept)
		json_bool(j, "kept_across_exec", 1);
	if (r->flags & ST_REC_CLOEXEC)
		json_bool(j, "cloexec", 1);
	if (r->flags & ST_REC_ADDR_TRUNC)
		json_bool(j, "addr_truncated", 1);
	if (r->stack_id) {
		char why[256];

		stack_members(j, ev_callstack(m, e, why, sizeof(why)), why);
	}
	json_end_obj(j);
}

void sock_id_json(struct json *j, const struct model *m, const char *id_key, const char *inode_key,
		  uint64_t key)
{
	char name[48];
	uint64_t kinode = key ? model_kinode(m, key) : 0;

	json_str(j, id_key, key ? model_key_name(m, key, name, sizeof(name)) : NULL);
	json_uint_or_null(j, inode_key, kinode != 0, kinode);
}

void history_procs_json(struct json *j, const struct model *m)
{
	json_arr(j, "processes");
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *p = &m->procs[i];

		json_obj(j, NULL);
		json_int(j, "pid", p->pid);
		json_str(j, "file", p->tf->name);
		json_uint(j, "events_lost", p->lost);
		history_json(j, p);
		json_end_obj(j);
	}
	json_end_arr(j);
}

static void finding_json(struct json *j, const struct model *m, const struct finding *f)
{
	json_obj(j, NULL);
	json_str(j, "kind", f->kind);
	json_str(j, "severity", severity_name(f->severity));
	json_int(j, "pid", f->pid);
	json_int(j, "fd", f->fd);
	sock_id_json(j, m, "id", "inode", f->inode);
	json_uint(j, "t_ns", f->t_ns);
	json_str(j, "message", f->message);
	json_end_obj(j);
}

void json_time_base(struct json *j, const struct model *m)
{
	json_str(j, "clock", "CLOCK_MONOTONIC");	/* every t_ns; the text shows seconds since t0_ns */
	json_uint(j, "t0_ns", m->t0);
	json_uint(j, "t0_wall_ns", m->t0_wall_ns);
}

/*
 * The bytes p's own data calls moved, from its file: the totals of the
 * sockets it no longer held, plus its slots' (exact however much history
 * was lost).
 */
static void proc_bytes(const struct proc *p, uint64_t *sent, uint64_t *received)
{
	const struct trace_file *tf = p->tf;

	*sent = tf->hdr.totals.bytes_sent;
	*received = tf->hdr.totals.bytes_received;
	for (size_t i = 0; i < tf->nsocks; i++) {
		*sent += tf->socks[i].s.bytes_sent;
		*received += tf->socks[i].s.bytes_received;
	}
}

static void proc_json(struct json *j, const struct model *m, const struct proc *p,
		      const struct proc *forker, int depth)
{
	uint64_t sent, received;
	const struct st_file_header *h = &p->tf->hdr;

	json_obj(j, NULL);
	json_int(j, "pid", p->pid);
	json_int(j, "ppid", p->ppid);
	json_str(j, "name", proc_name(p));
	json_str(j, "origin", proc_origin_name(p));
	json_str(j, "forked_by", forker ? forker->tf->name : NULL);
	json_int(j, "depth", depth);
	json_str(j, "exec_from", p->exec_prev ? p->exec_prev->tf->name : NULL);
	json_str(j, "exec_into", p->exec_next ? p->exec_next->tf->name : NULL);
	json_str(j, "end", p->exited ? "exit" : h->state == ST_STATE_EXECED ? "exec" :
		 p->end == END_REAPED ? "reaped" : "unknown");
	if (p->end == END_REAPED) {
		json_uint(j, "reaped_t_ns", p->end_ns);
		json_str(j, "reaped_by", p->reaped_by_run ? "socktrace run" : "parent");
		if (WIFSIGNALED(p->end_status))
			json_int(j, "killed_by_signal", WTERMSIG(p->end_status));
		else
			json_int(j, "reaped_exit_status", WEXITSTATUS(p->end_status));
	}
	json_str(j, "exe", h->exe);
	json_arr(j, "argv");
	for (uint32_t o = 0; o < h->argv_len;) {
		size_t len = strnlen(h->argv + o, h->argv_len - o);

		json_strn(j, NULL, h->argv + o, len);
		o += (uint32_t)len + 1;
	}
	json_end_arr(j);
	json_bool(j, "argv_truncated", !!(h->flags & ST_HDR_ARGV_TRUNC));
	json_uint(j, "events_lost", p->lost);
	proc_bytes(p, &sent, &received);
	json_uint(j, "bytes_sent", sent);
	json_uint(j, "bytes_received", received);
	history_json(j, p);
	json_bool(j, "exited", p->exited);
	json_int_or_null(j, "exit_status", h->has_exit_status != 0, h->exit_status);
	json_uint(j, "start_wall_ns", h->wall_anchor_ns);
	json_uint(j, "start_mono_ns", h->mono_anchor_ns);
	json_str(j, "file", p->tf->name);
	json_arr(j, "events");
	for (size_t k = 0; k < p->nevs; k++)
		event_json(j, m, NULL, p->evs[k]);
	json_end_arr(j);
	json_end_obj(j);
}

static void conn_json(struct json *j, const struct model *m, const struct conn *c)
{
	char why[256];
	json_obj(j, NULL);
	json_int(j, "pid", c->pid);
	sock_id_json(j, m, "id", "inode", c->inode);
	json_str(j, "family", family_name(c->domain));
	json_str(j, "type", socktype_name(c->type));
	json_str(j, "role", role_name(c->role));
	json_str(j, "local", c->local[0] ? c->local : NULL);
	json_str(j, "peer", c->peer[0] ? c->peer : NULL);
	if (c->peer_inode)
		sock_id_json(j, m, "peer_id", "peer_inode", c->peer_inode);
	json_bool(j, "open_at_exit", c->open_at_exit);
	json_str(j, "fate", conn_fate_json(conn_fate(c, NULL)));
	json_bool(j, "first_seen", c->first_seen);
	json_uint_or_null(j, "made_t_ns", conn_made_ns(c) != 0, conn_made_ns(c));
	json_bool(j, "timeline_complete", conn_timeline_complete(c));
	stack_members(j, conn_callstack(m, c, why, sizeof(why)), why);
	json_uint_or_null(j, "released_t_ns", c->released_ns != 0, c->released_ns);
	json_arr(j, "holders");
	for (size_t k = 0; k < c->nrefs; k++) {
		const struct ref *x = c->refs[k];

		json_obj(j, NULL);
		json_int(j, "pid", x->p->pid);
		json_int(j, "fd", x->fd);
		json_uint(j, "from_t_ns", x->from_ns);
		json_uint_or_null(j, "to_t_ns", x->to_ns != 0, x->to_ns);
		json_str(j, "how", ref_how_name(x));
		json_str(j, "end", ref_end_name(x));
		json_bool(j, "cloexec", x->cloexec);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_uint(j, "bytes_sent", c->bytes_sent);
	json_uint(j, "bytes_received", c->bytes_received);
	if (c->has_data && c->first_ns) {
		json_uint(j, "first_t_ns", c->first_ns);
		json_uint(j, "last_t_ns", c->last_ns);
	} else {
		json_null(j, "first_t_ns");
		json_null(j, "last_t_ns");
	}
	if (c->connect_latency_ns >= 0)
		json_int(j, "connect_latency_ns", c->connect_latency_ns);
	else
		json_null(j, "connect_latency_ns");
	if (c->eof_ns)
		json_uint(j, "eof_t_ns", c->eof_ns);
	else
		json_null(j, "eof_t_ns");
	if (c->has_tcp_info)
		tcp_info_json(j, "tcp_info", &c->tcp_info);
	else
		json_null(j, "tcp_info");
	if (c->lookup)
		event_json(j, m, "lookup", c->lookup);
	else
		json_null(j, "lookup");
	json_str(j, "tcp_state", tcp_state_word(c->tcp_state));
	json_arr(j, "fds");
	for (size_t k = 0; k < c->nfds; k++)
		json_int(j, NULL, c->fds[k]);
	json_end_arr(j);
	json_arr(j, "events");
	for (size_t k = 0; k < c->nevs; k++)
		event_json(j, m, NULL, &c->evs[k]);
	json_end_arr(j);
	json_end_obj(j);
}

void report_json(FILE *out, const struct model *m)
{
	struct json j;
	uint64_t sent = 0, received = 0;

	struct proc_tree t;
	int tree = proc_tree_build(m, &t) == 0;

	json_init(&j, out, 2);
	json_obj(&j, NULL);
	json_int(&j, "format_version", ST_FORMAT_VERSION);
	json_time_base(&j, m);
	json_arr(&j, "processes");
	/* In tree order (by start, children after their parent); file order without memory. */
	for (size_t i = 0; i < m->nprocs; i++)
		if (tree)
			proc_json(&j, m, t.order[i], t.parent[i], t.depth[i]);
		else
			proc_json(&j, m, &m->procs[i], NULL, 0);
	json_end_arr(&j);
	if (tree)
		proc_tree_free(&t);
	json_arr(&j, "connections");
	for (size_t i = 0; i < m->nconns; i++)
		conn_json(&j, m, m->conns[i]);
	json_end_arr(&j);
	json_arr(&j, "findings");
	for (size_t i = 0; i < m->nfindings; i++)
		finding_json(&j, m, &m->findings[i]);
	json_end_arr(&j);
	for (size_t i = 0; i < m->nprocs; i++) {
		uint64_t s, r;

		proc_bytes(&m->procs[i], &s, &r);
		sent += s;
		received += r;
	}
	json_obj(&j, "summary");
	json_uint(&j, "processes", m->nprocs);
	json_uint(&j, "connections", m->sockets_total);
	json_uint(&j, "connections_with_timeline", m->sockets_with_timeline);
	json_uint(&j, "open_at_exit", m->open_at_exit);
	json_uint(&j, "still_open", m->still_open);
	json_uint(&j, "failed_calls", m->failed_calls);
	json_uint(&j, "would_block", m->would_block);
	json_uint(&j, "events_lost", m->lost);
	json_uint(&j, "bytes_sent", sent);
	json_uint(&j, "bytes_received", received);
	json_obj(&j, "findings");
	json_uint(&j, "error", m->by_severity[SEV_ERROR]);
	json_uint(&j, "warning", m->by_severity[SEV_WARNING]);
	json_uint(&j, "info", m->by_severity[SEV_INFO]);
	json_end_obj(&j);
	json_end_obj(&j);
	json_end_obj(&j);
	json_done(&j);
}

void report_findings_json(FILE *out, const struct model *m)
{
	struct json j;

	json_init(&j, out, 2);
	json_obj(&j, NULL);
	json_int(&j, "format_version", ST_FORMAT_VERSION);
	json_time_base(&j, m);
	history_procs_json(&j, m);
	json_arr(&j, "findings");
	for (size_t i = 0; i < m->nfindings; i++)
		finding_json(&j, m, &m->findings[i]);
	json_end_arr(&j);
	json_obj(&j, "summary");
	json_uint(&j, "error", m->by_severity[SEV_ERROR]);
	json_uint(&j, "warning", m->by_severity[SEV_WARNING]);
	json_uint(&j, "info", m->by_severity[SEV_INFO]);
	json_end_obj(&j);
	json_end_obj(&j);
	json_done(&j);
}

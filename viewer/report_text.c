/*
 * report_text.c - the terminal timeline: the clock it uses, connections,
 * findings and the summary (processes: report_procs.c).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sys/socket.h>

#include "ends.h"
#include "hints.h"
#include "history.h"
#include "names.h"
#include "report.h"
#include "report_text.h"
#include "sites.h"
#include "stack_fmt.h"
#include "timefmt.h"
#include "op_flags.h"
#include "replay.h"

static const struct style plain = { "", "", "", "", "", "", "" };
static const struct style ansi = {
	"\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m", "\033[36m", "\033[0m"
};

const struct style *text_style(int color)
{
	return color ? &ansi : &plain;
}

static int has_result(const struct trace_rec *r)
{
	return r->op < 100 && !op_has(r->op, OPF_EXIT) &&
	       r->op != ST_OP_CLOSEFROM && !(r->flags & ST_REC_PENDING);
}

/* What the event says beyond the call and its result. */
static void notes(const struct ev *e, char *out, size_t n, const struct style *st)
{
	const struct trace_rec *r = e->r;
	char a[ADDR_STR_MAX], b[ADDR_STR_MAX];
	const char *local = ev_addr_str(r, ST_ADDR_LOCAL, a);
	const char *peer = ev_addr_str(r, ST_ADDR_PEER, b);
	size_t o = 0;

	out[0] = 0;
#define ADD(...) (o += (size_t)snprintf(out + o, o < n ? n - o : 0, __VA_ARGS__), o = o < n ? o : n)
	if (e->as_listener && r->ret >= 0) {
		ADD("new connection fd %lld", (long long)r->ret);
		if (peer)
			ADD(" from %s", peer);
	} else if (r->flags & ST_REC_IMPLICIT_CLOSE) {
		ADD("%sclosed fd %d (it was this socket)%s", st->yellow, r->fd2, st->off);
	} else if (local || peer) {
		if (local)
			ADD("local %s", local);
		if (peer)
			ADD("%speer %s", local ? "  " : "", peer);
	}
	if (r->inode && !(r->flags & ST_REC_REFS_UNKNOWN) && r->op != ST_OP_LISTEN &&
	    r->op != ST_OP_BIND && r->op != ST_OP_CONNECT) {
		/*
		 * This process's references as the replay counts them: an exec'd
		 * image's scan record counts only the fds scanned so far, but the
		 * fds kept across the exec are all this process's.
		 */
		int known = e->refs_total >= 0 && e->refs_elsewhere >= 0 &&
			    e->refs_elsewhere <= e->refs_total;
		int32_t others = known ? e->refs_elsewhere : 0;

		ADD("%srefs %d", o ? "  " : "", known ? e->refs_total - others : ev_refs(e));
		if (others > 0 && e->released != 0 && !e->released_unknown)
			ADD(" (+%d in other processes%s)", others, e->in_flight > 0 ? " or in flight" : "");
		if (e->released == 1) {
			ADD(" %s(last reference: the kernel closes the socket)%s", st->green, st->off);
		} else if (e->released == 0) {
			ADD(" %s(socket still open: held by", st->yellow);
			for (size_t i = 0; i < e->nheld; i++)
				ADD("%s pid %d fd %d", i ? "," : "", e->held_by[i].pid, e->held_by[i].fd);
			if (e->in_flight > 0)
				ADD("%s %d in flight", e->nheld ? "," : "", e->in_flight);
			ADD(")%s", st->off);
		} else if (e->released_unknown) {
			ADD(" %s(last reference or not: the receipt of %d passed by SCM_RIGHTS is in the "
			    "history lost)%s", st->yellow, e->in_flight, st->off);
		}
	}
	if ((r->flags & ST_REC_UNREAD) && r->arg[1] > 0)
		ADD("%s%lld bytes unread", o ? "  " : "", (long long)r->arg[1]);
	if (r->op == ST_OP_GETADDRINFO || r->op == ST_OP_GETNAMEINFO) {
		char h[128], sv[64], ad[ADDR_STR_MAX];
		struct sockaddr_storage ss;
		size_t off = 0, k = 0, len;

		ADD("%sin %.3f ms", o ? "  " : "", (double)r->arg[0] / 1e6);
		if (r->op == ST_OP_GETNAMEINFO && r->ret == 0 && ev_names(r, h, sizeof(h), sv, sizeof(sv)) >= 0)
			ADD(" -> \"%s\", \"%s\"", h, sv);
		while ((len = ev_next_addr(r, ST_ADDR_RESULT, &off, &ss)))
			ADD("%s%s", k++ ? ", " : " -> ", addr_format((const struct sockaddr *)&ss, len, ad));
	}
	if (e->tcp_state)
		ADD("%s%s[%s]%s%s%s", o ? "  " : "", st->cyan, tcp_state_word(e->tcp_state), st->off,
		    e->tcp_note ? " " : "", e->tcp_note ? e->tcp_note : "");
	if (failure_hint(r))
		ADD("%s(hint: %s)", o ? "  " : "", failure_hint(r));
	if ((r->flags & ST_REC_FIRST_SEEN) && !e->exec_kept)
		ADD("%s(first seen here: born outside the trace)", o ? "  " : "");
	if (r->flags & ST_REC_ADDR_TRUNC)
		ADD("%s(an address did not fit in the record)", o ? "  " : "");
#undef ADD
}

/* A call that can close or shut its socket down (the shim's missed-close mark is no call). */
static int is_close_or_shutdown(unsigned op)
{
	return op == ST_OP_SHUTDOWN || op_has(op, OPF_DUP_OVER) ||
	       (op_has(op, OPF_CLOSE_FAMILY) && op != ST_OP_MISSED_CLOSE);
}

/*
 * Under an event: its call site, for a close or shutdown recorded with
 * SOCKTRACE_STACKS=all (creation sites go under the connection's header).
 */
static void print_site(FILE *out, const struct model *m, const struct ev *e, const struct style *st)
{
	const struct callstack *cs;
	char why[256];

	if (!e->r->stack_id || e->as_listener || !is_close_or_shutdown(e->r->op))
		return;
	cs = ev_callstack(m, e, why, sizeof(why));
	fprintf(out, "%s", st->dim);
	if (cs)
		stack_text(out, cs, "                ");
	else
		fprintf(out, "                (call site: %s)\n", why);
	fprintf(out, "%s", st->off);
}

/*
 * Under a connection's header: where it was made.  From its first event
 * when the timeline holds its birth; else from the state (how, when, the
 * stack), or a plain word that nothing kept says.
 */
static void print_birth(FILE *out, const struct model *m, const struct conn *c, const struct style *st)
{
	const struct ev *e = conn_birth(c);
	int complete = conn_timeline_complete(c);
	const struct proc *p = complete ? e->p : c->made_proc;
	unsigned op = complete ? e->r->op : c->made_by;
	const struct callstack *cs;
	char why[256];

	if (!complete && !c->made_ns) {
		if (e && conn_birth_lost(m, c))
			fprintf(out, "    %s(its birth is in the history lost: its first events were "
				"overwritten when pid %d's ring wrapped)%s\n", st->yellow, conn_birth_lost(m, c),
				st->off);
		else if (e)
			fprintf(out, "    %s(made where this trace does not show: in a process whose trace "
				"is not here, or before tracing began)%s\n", st->yellow, st->off);
		return;
	}
	if (!complete) {
		char at[TF_MAX];

		fprintf(out, "  made by %s in pid %d at %s", op_name(op) ? op_name(op) : "?",
			p ? p->pid : c->pid, tf_at(m, c->made_ns, at));
		fprintf(out, "  %s(from the state: its birth is in the history lost, %s)%s\n", st->yellow,
			c->nevs ? "its first events overwritten" : "every event of it overwritten", st->off);
	} else if (p->tf->hdr.opts & ST_OPT_STACKS_CREATE) {
		fprintf(out, "  made by %s in pid %d\n", op_name(op) ? op_name(op) : "?", p->pid);
	} else {
		return;
	}
	if (!p || !(p->tf->hdr.opts & ST_OPT_STACKS_CREATE))
		return;
	cs = conn_callstack(m, c, why, sizeof(why));
	if (cs)
		stack_text(out, cs, "    ");
	else
		fprintf(out, "    (creation stack not recorded: %s)\n", why);
}

/*
 * A marker before e where the timeline may miss events: e is the first
 * event from a process whose history was lost while the socket already
 * existed (the first event of a timeline without its birth says so in
 * print_birth).
 */
static void print_gap(FILE *out, const struct model *m, const struct conn *c, const struct ev *e,
		      const struct style *st)
{
	const struct trace_file *tf = e->p->tf;
	char at[TF_MAX];

	if (!tf->lost_last_pos || conn_start_ns(c) >= tf->history_from_ns ||
	    e->r->t_ns < tf->history_from_ns || e == conn_birth(c))
		return;
	for (const struct ev *x = c->evs; x < e; x++)
		if (x->p == e->p && x->r->t_ns >= tf->history_from_ns)
			return;		/* not its first event from this process since the loss */
	fprintf(out, "    %s(pid %d: its events before %s were lost; this timeline may miss some)%s\n",
		st->yellow, e->p->pid, tf_at(m, tf->history_from_ns, at), st->off);
}

/* Drop the spaces that padding left at the end of a line (colour escapes stay). */
static void trim_end(char *line)
{
	size_t n = strlen(line);

	while (n && line[n - 1] == ' ')
		line[--n] = 0;
}

void text_event(FILE *out, const struct model *m, const struct ev *e, const struct style *st)
{
	const struct trace_rec *r = e->r;
	char call[512], res[64], note[1024], who[32], at[TF_MAX], line[2048];
	const char *color = "";

	ev_call_str(e, call, sizeof(call));
	res[0] = 0;
	if (r->op == ST_OP_GETADDRINFO || r->op == ST_OP_GETNAMEINFO) {
		const char *gn = gai_name((int)r->ret);

		snprintf(res, sizeof(res), "= %s", gn ? gn : "0");
		if (gn)
			color = st->red;
	} else if (has_result(r)) {
		if (r->ret < 0) {
			const char *en = errno_name(r->err);

			snprintf(res, sizeof(res), "= %lld %s", (long long)r->ret, en ? en : "?");
			/* "Not now" is no failure: a non-blocking accept or connect. */
			color = record_would_block(r) ? st->yellow : st->red;
		} else {
			snprintf(res, sizeof(res), "= %lld", (long long)r->ret);
		}
	}
	if (r->tid != r->pid)
		snprintf(who, sizeof(who), "%d/%d", r->pid, r->tid);
	else
		snprintf(who, sizeof(who), "%d", r->pid);
	notes(e, note, sizeof(note), st);
	snprintf(line, sizeof(line), "  %s%11s%s %-8s %-38s %s%-17s%s %s", st->dim, tf_at(m, r->t_ns, at),
		 st->off, who, call, color, res, st->off, note);
	trim_end(line);
	fprintf(out, "%s\n", line);
}

/*
 * "    data: sent 12 bytes, received 5 bytes, ..." under a connection's
 * header, when known: moments on the one clock, durations as durations.
 */
static void print_conn_data(FILE *out, const struct model *m, const struct conn *c,
			    enum conn_fate fate, uint64_t trace_end)
{
	uint64_t start = c->nevs ? c->evs[0].r->t_ns : 0;
	uint64_t end = c->released_ns ? c->released_ns : trace_end;
	char a[TF_MAX], b[TF_MAX], d[TF_MAX];

	if (!c->has_data && c->connect_latency_ns < 0 && !c->eof_ns && !c->has_tcp_info)
		return;
	fprintf(out, "    data: sent %" PRIu64 " bytes, received %" PRIu64 " bytes", c->bytes_sent,
		c->bytes_received);
	if (c->has_data && c->first_ns)
		fprintf(out, ", active %s to %s (%s)", tf_at(m, c->first_ns, a), tf_at(m, c->last_ns, b),
			tf_dur(c->last_ns > c->first_ns ? c->last_ns - c->first_ns : 0, d));
	if (start && end > start)
		fprintf(out, ", %s %s%s", c->released_ns ? "lifetime" : "open", tf_dur(end - start, d),
			c->released_ns ? "" : fate == FATE_STILL_RUNNING ?
			" by the trace's end (its process still running)" :
			" by the trace's end (held outside the trace)");
	if (c->connect_latency_ns >= 0)
		fprintf(out, ", connect latency %.3f ms", (double)c->connect_latency_ns / 1e6);
	if (c->eof_ns)
		fprintf(out, ", peer's FIN at %s", tf_at(m, c->eof_ns, a));
	fputc('\n', out);
	if (c->has_tcp_info) {
		const struct st_tcp_snapshot *t = &c->tcp_info;

		/* tcpi_bytes_acked and _received count sequence space, not data (RFC 4898). */
		fprintf(out, "    tcp_info at close: %s, rtt %.3f ms (var %.3f), retransmits %u, "
			"bytes acked %" PRIu64 ", bytes received %" PRIu64 " (the kernel's counts: "
			"bytes acked includes our SYN, when this side connected, and our FIN once acked; "
			"bytes received includes the peer's FIN: one each)\n", tcp_state_name(t->state),
			t->rtt_us / 1e3, t->rttvar_us / 1e3, t->total_retrans, t->bytes_acked,
			t->bytes_received);
	}
}

void text_conn(FILE *out, const struct model *m, const struct conn *c, size_t i,
	       const struct style *st, uint64_t trace_end, long *ev_off)
{
	const char *fam = family_name(c->domain), *type = socktype_name(c->type);
	enum conn_fate fate = conn_fate(c, NULL);
	char name[48];

	fprintf(out, "%sconnection %zu%s  pid %d  %s %s  %s%s%s  ", st->bold, i + 1, st->off, c->pid,
		fam ? fam : "?", type ? type : "?", st->cyan, role_name(c->role), st->off);
	if (c->role == ROLE_LISTENER)
		fprintf(out, "%s", c->local[0] ? c->local : "?");
	else
		fprintf(out, "%s -> %s", c->local[0] ? c->local : "?", c->peer[0] ? c->peer : "?");
	fprintf(out, "  fds ");
	for (size_t k = 0; k < c->nfds; k++)
		fprintf(out, "%s%d", k ? "," : "", c->fds[k]);
	fprintf(out, "  socket %s", model_key_name(m, c->inode, name, sizeof(name)));
	if (c->kinode)
		fprintf(out, "  inode %" PRIu64, c->kinode);
	if (fate == FATE_OPEN_AT_EXIT)
		fprintf(out, "  %sOPEN AT EXIT%s", st->yellow, st->off);
	else if (fate == FATE_STILL_RUNNING)
		fprintf(out, "  %sSTILL OPEN (its process still running)%s", st->yellow, st->off);
	fputc('\n', out);
	print_conn_data(out, m, c, fate, trace_end);
	print_birth(out, m, c, st);
	for (size_t k = 0; k < c->nevs; k++) {
		print_gap(out, m, c, &c->evs[k], st);
		/* The lookup whose answer it connected to, just before that connect. */
		if (c->lookup && c->evs[k].r->op == ST_OP_CONNECT &&
		    (k == 0 || c->evs[k - 1].r->op != ST_OP_CONNECT))
			text_event(out, m, c->lookup, st);
		if (ev_off)
			ev_off[k] = ftell(out);
		text_event(out, m, &c->evs[k], st);
		print_site(out, m, &c->evs[k], st);
	}
	fputc('\n', out);
}

/* "N thing" or "N things". */
static const char *plural(size_t n, const char *s)
{
	return n == 1 ? "" : s;
}

void report_summary(FILE *out, const struct model *m, int color)
{
	const struct style *st = text_style(color);
	size_t bad = m->by_severity[SEV_ERROR] + m->by_severity[SEV_WARNING];
	char timeline[64] = "";

	if (m->sockets_with_timeline != m->sockets_total)
		snprintf(timeline, sizeof(timeline), " (%zu with a timeline)", m->sockets_with_timeline);
	fprintf(out, "%ssummary:%s %zu process%s, %zu connection%s%s, %s%zu left open at exit%s", st->bold,
		st->off, m->nprocs, plural(m->nprocs, "es"), m->sockets_total, plural(m->sockets_total, "s"),
		timeline, m->open_at_exit ? st->yellow : "", m->open_at_exit, st->off);
	if (m->still_open)
		fprintf(out, ", %s%zu still open in running processes%s", st->yellow, m->still_open, st->off);
	fprintf(out, ", %s%zu failed call%s%s", m->failed_calls ? st->red : "", m->failed_calls,
		plural(m->failed_calls, "s"), st->off);
	if (m->would_block)
		fprintf(out, " (%zu would-block result%s, not failures)", m->would_block,
			plural(m->would_block, "s"));
	fprintf(out, ", %s%" PRIu64 " event%s lost%s, %s%zu error%s and %zu warning%s in the audit%s\n",
		m->lost ? st->red : "", m->lost, plural(m->lost, "s"), st->off,
		bad ? st->yellow : "", m->by_severity[SEV_ERROR], plural(m->by_severity[SEV_ERROR], "s"),
		m->by_severity[SEV_WARNING], plural(m->by_severity[SEV_WARNING], "s"), st->off);
}

void report_findings(FILE *out, const struct model *m, int color)
{
	const struct style *st = text_style(color);
	char at[TF_MAX];

	for (size_t i = 0; i < m->nfindings; i++) {
		const struct finding *f = &m->findings[i];
		const char *c = f->severity == SEV_ERROR ? st->red :
				f->severity == SEV_WARNING ? st->yellow : st->cyan;

		fprintf(out, "%s%-7s%s %s%s%s  pid %d fd %d  %s%s%s\n    %s\n", c,
			severity_name(f->severity), st->off, st->bold, f->kind, st->off, f->pid, f->fd,
			st->dim, tf_at(m, f->t_ns, at), st->off, f->message);
	}
	fprintf(out, "%saudit:%s %zu finding%s: %zu error%s, %zu warning%s, %zu info\n", st->bold,
		st->off, m->nfindings, plural(m->nfindings, "s"),
		m->by_severity[SEV_ERROR], plural(m->by_severity[SEV_ERROR], "s"),
		m->by_severity[SEV_WARNING], plural(m->by_severity[SEV_WARNING], "s"),
		m->by_severity[SEV_INFO]);
}

/* What the times mean: the first line of the report. */
static void print_clock(FILE *out, const struct model *m, const struct style *st)
{
	char wall[TF_MAX];

	if (!m->nall) {
		fprintf(out, "%strace:%s no events recorded\n\n", st->bold, st->off);
		return;
	}
	fprintf(out, "%strace:%s first event at %s; %s, durations in seconds\n\n", st->bold, st->off,
		tf_wall(m, m->t0, wall), tf_is_wall() ? "times below are wall-clock, local time" :
		"times below are seconds since then (--wall-clock: wall-clock times)");
}

void report_text(FILE *out, const struct model *m, int color)
{
	const struct style *st = text_style(color);
	uint64_t end = trace_end_ns(m);

	print_clock(out, m, st);
	history_notice(out, m, st->yellow, st->off);
	if (text_processes(out, m, st))
		fprintf(out, "(processes not shown: out of memory)\n\n");
	for (size_t i = 0; i < m->nconns; i++)
		text_conn(out, m, m->conns[i], i, st, end, NULL);
	report_findings(out, m, color);
	report_summary(out, m, color);
}

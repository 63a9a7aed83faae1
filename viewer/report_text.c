/*
 * report_text.c - the terminal timeline.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sys/socket.h>

#include "hints.h"
#include "history.h"
#include "names.h"
#include "report.h"
#include "sites.h"
#include "stack_fmt.h"

struct style {
	const char *bold, *dim, *red, *green, *yellow, *cyan, *off;
};

static const struct style plain = { "", "", "", "", "", "", "" };
static const struct style ansi = {
	"\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m", "\033[36m", "\033[0m"
};

/* "2026-11-21 10:33:01.123456" from ns since the epoch. */
static void wall_str(uint64_t ns, char *out, size_t n)
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;
	char day[32];

	localtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out, n, "%s.%06u", day, (unsigned)(ns % 1000000000u / 1000));
}

static int has_result(const struct trace_rec *r)
{
	return r->op < 100 && r->op != ST_OP_EXIT && r->op != ST_OP__EXIT &&
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
		int32_t refs = ev_refs(e);
		int64_t others = (int64_t)e->refs_total - refs;	/* corrupt input must not overflow */

		ADD("%srefs %d", o ? "  " : "", refs);
		if (e->refs_total >= 0 && others > 0 && e->released != 0)
			ADD(" (+%lld in other processes)", (long long)others);
		if (e->released == 1) {
			ADD(" %s(last reference: the kernel closes the socket)%s", st->green, st->off);
		} else if (e->released == 0) {
			ADD(" %s(socket still open: held by", st->yellow);
			for (size_t i = 0; i < e->nheld; i++)
				ADD("%s pid %d fd %d", i ? "," : "", e->held_by[i].pid, e->held_by[i].fd);
			if (e->in_flight > 0)
				ADD("%s %d in flight", e->nheld ? "," : "", e->in_flight);
			ADD(")%s", st->off);
		}
	}
	if ((r->flags & ST_REC_UNREAD) && r->arg[1] > 0)
		ADD("%s%lld bytes unread", o ? "  " : "", (long long)r->arg[1]);
	if (r->op == ST_OP_GETADDRINFO || r->op == ST_OP_GETNAMEINFO) {
		char h[128], sv[64], ad[ADDR_STR_MAX];
		struct sockaddr_storage ss;
		size_t off = 0, k = 0, len;

		ADD("%sin %.3f ms", o ? "  " : "", (double)r->arg[0] / 1e6);
		if (r->op == ST_OP_GETNAMEINFO && r->ret == 0 && ev_names(r, h, sv, sizeof(h)) >= 0)
			ADD(" -> \"%s\", \"%s\"", h, sv);
		while ((len = ev_next_addr(r, ST_ADDR_RESULT, &off, &ss)))
			ADD("%s%s", k++ ? ", " : " -> ", addr_format((const struct sockaddr *)&ss, len, ad));
	}
	if (e->tcp_state)
		ADD("%s%s[%s]%s%s%s", o ? "  " : "", st->cyan, e->tcp_state, st->off,
		    e->tcp_note ? " " : "", e->tcp_note ? e->tcp_note : "");
	if (failure_hint(r))
		ADD("%s(hint: %s)", o ? "  " : "", failure_hint(r));
	if (r->flags & ST_REC_FIRST_SEEN)
		ADD("%s(first seen here: born outside the trace)", o ? "  " : "");
	if (r->flags & ST_REC_ADDR_TRUNC)
		ADD("%s(an address did not fit in the record)", o ? "  " : "");
#undef ADD
}

static int is_close_or_shutdown(unsigned op)
{
	switch (op) {
	case ST_OP_CLOSE: case ST_OP_SHUTDOWN: case ST_OP_CLOSE_RANGE: case ST_OP_CLOSEFROM:
	case ST_OP_FCLOSE: case ST_OP_FCLOSEALL: case ST_OP_DUP2: case ST_OP_DUP3:
		return 1;
	default:
		return 0;
	}
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
		if (e && conn_birth_lost(c))
			fprintf(out, "    %s(made before the history kept: its first events were overwritten "
				"when pid %d's ring wrapped)%s\n", st->yellow, e->p->pid, st->off);
		else if (e)
			fprintf(out, "    %s(made where this trace does not show: in a process whose trace "
				"is not here, or before tracing began)%s\n", st->yellow, st->off);
		return;
	}
	if (!complete) {
		fprintf(out, "  made by %s in pid %d at %+.6f", op_name(op) ? op_name(op) : "?",
			p ? p->pid : c->pid, (double)(int64_t)(c->made_ns - m->t0) / 1e9);
		fprintf(out, "  %s(from the state: %s)%s\n", st->yellow,
			c->nevs ? "the events of its birth were overwritten" :
			"every event of it was overwritten", st->off);
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

	if (!tf->lost_last_pos || conn_start_ns(c) >= tf->history_from_ns ||
	    e->r->t_ns < tf->history_from_ns || e == conn_birth(c))
		return;
	for (const struct ev *x = c->evs; x < e; x++)
		if (x->p == e->p && x->r->t_ns >= tf->history_from_ns)
			return;		/* not its first event from this process since the loss */
	fprintf(out, "    %s(pid %d: its events before %+.6f were lost; this timeline may miss some)%s\n",
		st->yellow, e->p->pid, (double)(int64_t)(tf->history_from_ns - m->t0) / 1e9, st->off);
}

static void print_event(FILE *out, const struct ev *e, uint64_t t0, const struct style *st)
{
	const struct trace_rec *r = e->r;
	char call[512], res[64], note[1024], who[32];
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
			color = st->red;
		} else {
			snprintf(res, sizeof(res), "= %lld", (long long)r->ret);
		}
	}
	if (r->tid != r->pid)
		snprintf(who, sizeof(who), "%d/%d", r->pid, r->tid);
	else
		snprintf(who, sizeof(who), "%d", r->pid);
	notes(e, note, sizeof(note), st);
	fprintf(out, "  %s%+11.6f%s %-8s %-38s %s%-17s%s %s\n", st->dim,
		(double)(int64_t)(r->t_ns - t0) / 1e9, st->off, who, call, color, res, st->off, note);
}

/* "  data: sent 12 B, received 5 B, ..." under a connection's header, when known. */
static void print_conn_data(FILE *out, const struct conn *c)
{
	uint64_t end = c->released_ns ? c->released_ns : c->last_ns;
	uint64_t start = c->nevs ? c->evs[0].r->t_ns : 0;

	if (!c->has_data && c->connect_latency_ns < 0 && !c->eof_ns && !c->has_tcp_info)
		return;
	fprintf(out, "    data: sent %" PRIu64 " bytes, received %" PRIu64 " bytes", c->bytes_sent,
		c->bytes_received);
	if (c->has_data && c->first_ns)
		fprintf(out, ", active %+.6f to %+.6f", (double)(int64_t)(c->first_ns - start) / 1e9,
			(double)(int64_t)(c->last_ns - start) / 1e9);
	if (start && end > start)
		fprintf(out, ", lifetime %.6f s%s", (double)(end - start) / 1e9,
			c->released_ns ? "" : " (to its last activity: never closed)");
	if (c->connect_latency_ns >= 0)
		fprintf(out, ", connect latency %.3f ms", (double)c->connect_latency_ns / 1e6);
	if (c->eof_ns)
		fprintf(out, ", peer's FIN at %+.6f", (double)(int64_t)(c->eof_ns - start) / 1e9);
	fputc('\n', out);
	if (c->has_tcp_info) {
		const struct st_tcp_snapshot *t = &c->tcp_info;

		fprintf(out, "    tcp_info at close: %s, rtt %.3f ms (var %.3f), retransmits %u, "
			"bytes acked %" PRIu64 ", bytes received %" PRIu64 "\n", tcp_state_name(t->state),
			t->rtt_us / 1e3, t->rttvar_us / 1e3, t->total_retrans, t->bytes_acked,
			t->bytes_received);
	}
}

static void print_conn(FILE *out, const struct model *m, const struct conn *c, size_t i,
		       const struct style *st)
{
	const char *fam = family_name(c->domain), *type = socktype_name(c->type);
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
	fprintf(out, "%s%s%s\n", c->open_at_exit ? "  " : "", c->open_at_exit ? st->yellow : "",
		c->open_at_exit ? "OPEN AT EXIT" : "");
	if (c->open_at_exit)
		fputs(st->off, out);
	print_conn_data(out, c);
	print_birth(out, m, c, st);
	for (size_t k = 0; k < c->nevs; k++) {
		print_gap(out, m, c, &c->evs[k], st);
		/* The lookup whose answer it connected to, just before that connect. */
		if (c->lookup && c->evs[k].r->op == ST_OP_CONNECT &&
		    (k == 0 || c->evs[k - 1].r->op != ST_OP_CONNECT))
			print_event(out, c->lookup, c->evs[0].r->t_ns, st);
		print_event(out, &c->evs[k], c->evs[0].r->t_ns, st);
		print_site(out, m, &c->evs[k], st);
	}
	fputc('\n', out);
}

static void print_proc(FILE *out, const struct proc *p, const struct style *st)
{
	const struct st_file_header *h = &p->tf->hdr;
	char start[64];

	wall_str(h->wall_anchor_ns, start, sizeof(start));
	fprintf(out, "%sprocess %d%s  %s  (%s, parent %d)  started %s  ", st->bold, p->pid, st->off,
		h->exe[0] ? h->exe : "?", origin_name(p->origin), p->ppid, start);
	if (p->exited) {
		fprintf(out, "exited");
		if (h->has_exit_status)
			fprintf(out, " with status %d", h->exit_status);
	} else if (h->state == ST_STATE_EXECED) {
		fprintf(out, "exec'd %s", p->exec_next ? p->exec_next->tf->hdr.exe : "an untraced program");
	} else if (p->end == END_REAPED) {
		fprintf(out, "%s%s (its parent reaped it)%s", st->yellow, p->reap_end, st->off);
	} else {
		fprintf(out, "%sdid not exit (killed, or still running)%s", st->yellow, st->off);
	}
	if (p->lost)
		fprintf(out, "  %s%" PRIu64 " events lost%s", st->red, p->lost, st->off);
	fputs("\n  argv:", out);
	for (uint32_t o = 0; o < h->argv_len;) {
		const char *arg = h->argv + o;
		size_t len = strnlen(arg, h->argv_len - o);

		fprintf(out, " %.*s", (int)len, arg);
		o += (uint32_t)len + 1;
	}
	if (h->flags & ST_HDR_ARGV_TRUNC)
		fputs(" ...", out);
	fputc('\n', out);
	for (size_t k = 0; k < p->nevs; k++)
		print_event(out, p->evs[k], h->mono_anchor_ns, st);
	fputc('\n', out);
}

void report_summary(FILE *out, const struct model *m, int color)
{
	const struct style *st = color ? &ansi : &plain;
	size_t bad = m->by_severity[SEV_ERROR] + m->by_severity[SEV_WARNING];
	char timeline[64] = "";

	if (m->sockets_with_timeline != m->sockets_total)
		snprintf(timeline, sizeof(timeline), " (%zu with a timeline)", m->sockets_with_timeline);

	fprintf(out, "%ssummary:%s %zu process%s, %zu connection%s%s, %s%zu still open at exit%s, "
		"%s%zu failed call%s%s, %s%" PRIu64 " event%s lost%s, "
		"%s%zu error%s and %zu warning%s in the audit%s\n",
		st->bold, st->off, m->nprocs, m->nprocs == 1 ? "" : "es",
		m->sockets_total, m->sockets_total == 1 ? "" : "s", timeline,
		m->open_at_exit ? st->yellow : "", m->open_at_exit, st->off,
		m->failed_calls ? st->red : "", m->failed_calls, m->failed_calls == 1 ? "" : "s", st->off,
		m->lost ? st->red : "", m->lost, m->lost == 1 ? "" : "s", st->off,
		bad ? st->yellow : "", m->by_severity[SEV_ERROR],
		m->by_severity[SEV_ERROR] == 1 ? "" : "s", m->by_severity[SEV_WARNING],
		m->by_severity[SEV_WARNING] == 1 ? "" : "s", st->off);
}

void report_findings(FILE *out, const struct model *m, int color)
{
	const struct style *st = color ? &ansi : &plain;

	for (size_t i = 0; i < m->nfindings; i++) {
		const struct finding *f = &m->findings[i];
		const char *c = f->severity == SEV_ERROR ? st->red :
				f->severity == SEV_WARNING ? st->yellow : st->cyan;

		fprintf(out, "%s%-7s%s %s%s%s  pid %d fd %d  %s%+.6f%s\n    %s\n", c,
			severity_name(f->severity), st->off, st->bold, f->kind, st->off, f->pid, f->fd,
			st->dim, (double)(int64_t)(f->t_ns - m->t0) / 1e9, st->off, f->message);
	}
	fprintf(out, "%saudit:%s %zu finding%s: %zu error%s, %zu warning%s, %zu info\n", st->bold,
		st->off, m->nfindings, m->nfindings == 1 ? "" : "s",
		m->by_severity[SEV_ERROR], m->by_severity[SEV_ERROR] == 1 ? "" : "s",
		m->by_severity[SEV_WARNING], m->by_severity[SEV_WARNING] == 1 ? "" : "s",
		m->by_severity[SEV_INFO]);
}

void report_text(FILE *out, const struct model *m, int color)
{
	const struct style *st = color ? &ansi : &plain;

	history_notice(out, m, st->yellow, st->off);
	for (size_t i = 0; i < m->nprocs; i++)
		print_proc(out, &m->procs[i], st);
	for (size_t i = 0; i < m->nconns; i++)
		print_conn(out, m, m->conns[i], i, st);
	report_findings(out, m, color);
	report_summary(out, m, color);
}

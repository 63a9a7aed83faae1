/*
 * top_text.c - the lines of `socktrace top`, and its text snapshot
 * (--once), coloured by the report's rules (report_text.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr_fmt.h"
#include "report_text.h"
#include "stack_fmt.h"
#include "top_out.h"

char *top_dur(uint64_t ns, char *out, size_t n)
{
	uint64_t s = ns / 1000000000u;

	if (ns < 1000000000u)
		snprintf(out, n, "%llums", (unsigned long long)(ns / 1000000u));
	else if (s < 60)
		snprintf(out, n, "%.1fs", (double)ns / 1e9);
	else if (s < 3600)
		snprintf(out, n, "%llum%02llus", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(out, n, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60));
	else
		snprintf(out, n, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24));
	return out;
}

void top_proc_head(char *buf, size_t n)
{
	snprintf(buf, n, "%7s %s %-16s %6s %6s %6s %6s %6s %5s %5s %5s %6s %6s %6s %6s %6s", "PID", "S",
		 "COMMAND", "OPEN", "LISTEN", "ESTAB", "HALF", "CLWAIT", "TCP", "UDP", "UNIX", "MADE/s",
		 "CLSD/s", "SENT/s", "RECV/s", "LOST");
}

void top_proc_line(const struct top_proc *p, char *buf, size_t n)
{
	char a[5][16];

	snprintf(buf, n, "%7d %c %-16.16s %6llu %6llu %6llu %6llu %6llu %5llu %5llu %5llu %6s %6s %6s %6s %6s",
		 p->pid, p->running ? 'R' : 'E', p->name, (unsigned long long)p->open,
		 (unsigned long long)p->by_state[TS_LISTEN], (unsigned long long)p->by_state[TS_ESTAB],
		 (unsigned long long)p->by_state[TS_HALF], (unsigned long long)p->by_state[TS_CLOSE_WAIT],
		 (unsigned long long)p->by_kind[TK_TCP], (unsigned long long)p->by_kind[TK_UDP],
		 (unsigned long long)p->by_kind[TK_UNIX], top_num(p->made_ps, a[0], sizeof(a[0])),
		 top_num(p->closed_ps, a[1], sizeof(a[1])), top_num(p->sent_ps, a[2], sizeof(a[2])),
		 top_num(p->received_ps, a[3], sizeof(a[3])),
		 top_num((double)(p->overwritten + p->dropped), a[4], sizeof(a[4])));
}

void top_site_head(char *buf, size_t n)
{
	snprintf(buf, n, "%-5s %6s %6s %6s %6s %6s %7s %7s  %s", "TREND", "OPEN", "CLWAIT", "CHG1M", "MADE/s",
		 "CLSD/s", "MADE", "CLOSED", "CALL SITE (function file:line)");
}

void top_site_line(const struct top_site *st, char *buf, size_t n)
{
	char a[4][16], made[24], closed[24];

	if (st->made_known) {
		snprintf(made, sizeof(made), "%llu", (unsigned long long)st->made_total);
		snprintf(closed, sizeof(closed), "%llu", (unsigned long long)st->closed_total);
	} else {
		snprintf(made, sizeof(made), "?");
		snprintf(closed, sizeof(closed), "?");
	}
	snprintf(a[2], sizeof(a[2]), "%+lld", (long long)st->change_1m);
	snprintf(buf, n, "%-5s %6llu %6llu %6s %6s %6s %7s %7s  %s", st->growing ? "grows" : "",
		 (unsigned long long)st->open, (unsigned long long)st->close_wait, a[2],
		 top_num(st->made_ps, a[0], sizeof(a[0])), top_num(st->closed_ps, a[1], sizeof(a[1])), made,
		 closed, st->label);
	(void)a[3];
}

void top_sock_head(char *buf, size_t n)
{
	snprintf(buf, n, "%7s %5s %-11s %-11s %6s %6s %7s %7s  %s", "PID", "FD", "ROLE", "STATE", "AGE", "IDLE",
		 "SENT", "RECV", "LOCAL -> PEER");
}

void top_sock_line(const struct top_model *m, const struct top_row *r, char *buf, size_t n)
{
	const struct st_sock *s = &r->s->s;
	uint64_t act = top_sock_active_ns(r->p, r->s);
	char age[16], idle[16], sent[16], recv[16], fd[24], local[ADDR_STR_MAX], peer[ADDR_STR_MAX];

	snprintf(fd, sizeof(fd), r->s->nfds > 1 ? "%d+" : "%d", r->s->fd);
	if (s->local_len)
		addr_format((const struct sockaddr *)s->local, s->local_len, local);
	else
		snprintf(local, sizeof(local), "?");
	if (s->peer_len)
		addr_format((const struct sockaddr *)s->peer, s->peer_len, peer);
	else
		peer[0] = 0;
	snprintf(buf, n, "%7d %5s %-11s %-11s %6s %6s %7s %7s  %s%s%s", r->p->pid, fd, top_sock_role(s),
		 top_sock_state(s), top_dur(m->now_ns > s->made_ns ? m->now_ns - s->made_ns : 0, age, sizeof(age)),
		 top_dur(m->now_ns > act ? m->now_ns - act : 0, idle, sizeof(idle)),
		 top_num((double)s->bytes_sent, sent, sizeof(sent)),
		 top_num((double)s->bytes_received, recv, sizeof(recv)), local, peer[0] ? " -> " : "", peer);
}

void top_summary(const struct top_model *m, char *buf, size_t n)
{
	uint64_t open = 0, st[TS_NSTATES] = { 0 };
	double made = 0, closed = 0, sent = 0, recv = 0;
	size_t growing = 0;
	char a[4][16];

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct top_proc *p = m->procs[i];

		open += p->open;
		for (int k = 0; k < TS_NSTATES; k++)
			st[k] += p->by_state[k];
		made += p->made_ps;
		closed += p->closed_ps;
		sent += p->sent_ps;
		recv += p->received_ps;
	}
	for (size_t i = 0; i < m->nsites; i++)
		growing += m->order[i]->growing;
	snprintf(buf, n, "sockets open %llu (listening %llu, established %llu, half-closed %llu, CLOSE_WAIT %llu);"
		 " made %s/s, closed %s/s; sent %s B/s, received %s B/s; %zu call site%s, %zu growing",
		 (unsigned long long)open, (unsigned long long)st[TS_LISTEN], (unsigned long long)st[TS_ESTAB],
		 (unsigned long long)st[TS_HALF], (unsigned long long)st[TS_CLOSE_WAIT],
		 top_num(made, a[0], sizeof(a[0])), top_num(closed, a[1], sizeof(a[1])),
		 top_num(sent, a[2], sizeof(a[2])), top_num(recv, a[3], sizeof(a[3])), m->nsites,
		 m->nsites == 1 ? "" : "s", growing);
}

void top_title(const struct top_model *m, const struct top_opts *o, char *buf, size_t n)
{
	time_t t = (time_t)(m->wall_ns / 1000000000u);
	size_t run = top_running(m);
	struct tm tm;
	char when[32] = "";

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	snprintf(buf, n, "socktrace top  %s  %zu process%s running, %zu ended  every %.1f s  sort: %s, %s",
		 when, run, run == 1 ? "" : "es", m->nprocs - run, o->delay_s, top_pkey_name(o->pkey),
		 top_skey_name(o->skey));
}

int top_text(FILE *out, const struct top_model *m, const struct top_opts *o)
{
	const struct style *st = text_style(o->color);
	char line[1024];

	top_title(m, o, line, sizeof(line));
	fprintf(out, "%s%s%s\n", st->bold, line, st->off);
	top_summary(m, line, sizeof(line));
	fprintf(out, "%s\n", line);
	if (m->unreadable)
		fprintf(out, "%u trace file%s could not be read (%s)\n", m->unreadable,
			m->unreadable == 1 ? "" : "s", m->note);
	fputc('\n', out);
	top_proc_head(line, sizeof(line));
	fprintf(out, "%s%s%s\n", st->bold, line, st->off);
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct top_proc *p = m->procs[i];

		top_proc_line(p, line, sizeof(line));
		fprintf(out, "%s%s%s\n", p->running ? "" : st->dim, line, p->running ? "" : st->off);
	}
	fputc('\n', out);
	top_site_head(line, sizeof(line));
	fprintf(out, "%s%s%s\n", st->bold, line, st->off);
	for (size_t i = 0; i < m->nsites; i++) {
		const struct top_site *s = m->order[i];

		top_site_line(s, line, sizeof(line));
		fprintf(out, "%s%s%s\n", s->growing ? st->red : s->close_wait ? st->yellow : "", line,
			s->growing || s->close_wait ? st->off : "");
	}
	/* Each growing site: its frames and its sockets, what the user would open first. */
	for (size_t i = 0; i < m->nsites; i++) {
		const struct top_site *s = m->order[i];
		struct top_row *rows;
		size_t n;

		if (!s->growing)
			continue;
		if (top_socks(m, s, NULL, &rows, &n))
			return -1;
		fprintf(out, "\n%s%s%s: %llu open, %+lld over %s\n", st->bold, s->label, st->off,
			(unsigned long long)s->open, (long long)s->change_1m,
			top_dur(s->window_ns, line, sizeof(line)));
		if (s->cs)
			stack_text(out, s->cs, "    ");
		top_sock_head(line, sizeof(line));
		fprintf(out, "%s\n", line);
		for (size_t k = 0; k < n; k++) {
			top_sock_line(m, &rows[k], line, sizeof(line));
			fprintf(out, "%s\n", line);
		}
		free(rows);
	}
	return 0;
}

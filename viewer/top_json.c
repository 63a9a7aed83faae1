/*
 * top_json.c - socktrace top --json: one snapshot, for scripts and
 * alerts (the schema is in the README, "socktrace top").
 */
#define _GNU_SOURCE
#include "top_out.h"

#include <stdio.h>
#include <stdlib.h>

#include "addr_fmt.h"
#include "json.h"
#include "names.h"
#include "stack_fmt.h"

/* A rate per second, to 0.001. */
static void json_rate(struct json *j, const char *key, double v)
{
	json_fixed(j, key, v, 3);
}

static void addr_json(struct json *j, const char *key, const uint8_t *sa, unsigned len)
{
	char buf[ADDR_STR_MAX];

	json_str(j, key, len ? addr_format((const struct sockaddr *)sa, len, buf) : NULL);
}

static void sock_json(struct json *j, const struct top_model *m, const struct top_row *r)
{
	const struct st_sock *s = &r->s->s;
	uint64_t act = top_sock_active_ns(r->p, r->s);
	char id[48];

	json_obj(j, NULL);
	json_int(j, "pid", r->p->pid);
	json_int(j, "fd", r->s->fd);
	json_int(j, "fds", r->s->nfds);
	snprintf(id, sizeof(id), "%d:%u", r->p->pid, (unsigned)(uint32_t)s->sid);
	json_str(j, "id", id);
	json_uint_or_null(j, "inode", s->inode != 0, s->inode);
	json_str(j, "family", family_name(s->domain));
	json_str(j, "type", socktype_name(s->type));
	json_str(j, "role", top_sock_role(s));
	addr_json(j, "local", s->local, s->local_len);
	addr_json(j, "peer", s->peer, s->peer_len);
	json_str(j, "state", top_sock_state(s));
	json_str(j, "class", top_state_key(top_sock_class(s)));
	json_uint(j, "made_t_ns", s->made_ns);
	json_uint(j, "age_ns", m->now_ns > s->made_ns ? m->now_ns - s->made_ns : 0);
	json_uint(j, "last_activity_t_ns", act);
	json_uint(j, "idle_ns", m->now_ns > act ? m->now_ns - act : 0);
	json_uint(j, "bytes_sent", s->bytes_sent);
	json_uint(j, "bytes_received", s->bytes_received);
	json_uint_or_null(j, "eof_t_ns", (s->flags & ST_SK_EOF) && s->eof_ns, s->eof_ns);
	json_end_obj(j);
}

static void proc_json(struct json *j, const struct top_proc *p)
{
	const struct st_file_header *h = &p->lf->hdr;

	json_obj(j, NULL);
	json_int(j, "pid", p->pid);
	json_int(j, "ppid", p->ppid);
	json_str(j, "name", h->argv_len ? h->argv : h->exe);
	json_str(j, "exe", h->exe);
	json_str(j, "file", p->lf->name);
	json_bool(j, "running", p->running);
	json_uint_or_null(j, "ended_t_ns", !p->running, p->ended_ns);
	json_str(j, "ended_because", p->why_ended[0] ? p->why_ended : NULL);
	json_obj(j, "sockets");
	json_uint(j, "open", p->open);
	for (int s = 0; s < TS_NSTATES; s++)
		json_uint(j, top_state_key(s), p->by_state[s]);
	for (int k = 0; k < TK_NKINDS; k++)
		json_uint(j, top_kind_key(k), p->by_kind[k]);
	json_end_obj(j);
	json_uint(j, "made_total", p->came);
	json_uint(j, "closed_total", p->closed);
	json_rate(j, "made_per_s", p->made_ps);
	json_rate(j, "closed_per_s", p->closed_ps);
	json_uint(j, "bytes_sent_total", p->sent);
	json_uint(j, "bytes_received_total", p->received);
	json_rate(j, "sent_bytes_per_s", p->sent_ps);
	json_rate(j, "received_bytes_per_s", p->received_ps);
	json_uint(j, "events_lost", p->overwritten + p->dropped);
	json_uint(j, "events_overwritten", p->overwritten);
	json_uint(j, "events_dropped", p->dropped);
	json_bool(j, "state_complete", !(h->flags & (ST_HDR_STATE_FULL | ST_HDR_FDS_FULL | ST_HDR_GROW_STALLED)));
	json_end_obj(j);
}

static int site_json(struct json *j, const struct top_model *m, const struct top_site *st)
{
	struct top_row *rows;
	size_t n;

	if (top_socks(m, st, NULL, &rows, &n))
		return -1;
	json_obj(j, NULL);
	json_str(j, "site", st->label);
	stack_json(j, "stack", st->cs);
	json_str(j, "stack_note", st->cs ? NULL : st->why);
	json_uint(j, "open", st->open);
	json_uint(j, "close_wait", st->close_wait);
	json_uint_or_null(j, "made_total", st->made_known, st->made_total);
	json_uint_or_null(j, "closed_total", st->made_known, st->closed_total);
	json_rate(j, "made_per_s", st->made_ps);
	json_rate(j, "closed_per_s", st->closed_ps);
	json_int(j, "open_change", st->change_1m);
	json_uint(j, "open_change_window_ns", st->window_ns);
	json_uint(j, "open_change_since_start", st->open);
	json_bool(j, "growing", st->growing);
	json_arr(j, "processes");
	for (size_t i = 0; i < m->nprocs; i++) {
		int has = 0;

		for (size_t k = 0; k < n && !has; k++)
			has = rows[k].p == m->procs[i];
		if (has)
			json_int(j, NULL, m->procs[i]->pid);
	}
	json_end_arr(j);
	json_arr(j, "sockets");
	for (size_t k = 0; k < n; k++)
		sock_json(j, m, &rows[k]);
	json_end_arr(j);
	json_end_obj(j);
	free(rows);
	return 0;
}

int top_json(FILE *out, const struct top_model *m)
{
	struct json j;
	uint64_t open = 0, cw = 0;
	size_t growing = 0;
	int rc = 0;

	json_init(&j, out, 2);
	json_obj(&j, NULL);
	json_int(&j, "format_version", ST_FORMAT_VERSION);
	json_str(&j, "clock", "CLOCK_MONOTONIC");
	json_uint(&j, "t_ns", m->now_ns);
	json_uint(&j, "wall_ns", m->wall_ns);
	json_uint(&j, "interval_ns", m->prev_ns ? m->now_ns - m->prev_ns : 0);
	json_arr(&j, "dirs");
	for (int i = 0; i < m->ndirs; i++)
		json_str(&j, NULL, m->dirs[i]);
	json_end_arr(&j);
	json_arr(&j, "processes");
	for (size_t i = 0; i < m->nprocs; i++) {
		proc_json(&j, m->procs[i]);
		open += m->procs[i]->open;
		cw += m->procs[i]->by_state[TS_CLOSE_WAIT];
	}
	json_end_arr(&j);
	json_arr(&j, "sites");
	for (size_t i = 0; i < m->nsites && !rc; i++) {
		rc = site_json(&j, m, m->order[i]);
		growing += m->order[i]->growing;
	}
	json_end_arr(&j);
	json_obj(&j, "summary");
	json_uint(&j, "processes_running", top_running(m));
	json_uint(&j, "processes_ended", m->nprocs - top_running(m));
	json_uint(&j, "sockets_open", open);
	json_uint(&j, "close_wait", cw);
	json_uint(&j, "sites", m->nsites);
	json_uint(&j, "sites_growing", growing);
	json_uint(&j, "files_unreadable", m->unreadable);
	json_end_obj(&j);
	json_end_obj(&j);
	json_done(&j);
	return rc;
}

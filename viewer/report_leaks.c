/*
 * report_leaks.c - socktrace leaks: valgrind-like groups in text, or
 * {leaks[] {stack, count, connections[]}, summary} in JSON.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>

#include "history.h"
#include "json.h"
#include "leak_rule.h"
#include "names.h"
#include "report.h"
#include "sites.h"
#include "stack_fmt.h"
#include "timefmt.h"
#include "replay.h"

/* "pid 12 fd 5  client 127.0.0.1:40000 -> 127.0.0.1:80  age ...  last activity ..." */
static void leak_text(FILE *out, const struct model *m, const struct leak_report *lr,
		      const struct leak *l)
{
	const struct conn *c = l->c;
	const char *op = l->last ? op_name(l->last->r->op) : NULL;
	char at[TF_MAX], age[TF_MAX];

	fprintf(out, "  pid %d fd %d  %s ", l->x->p->pid, l->x->fd, leak_role(c));
	if (c->role == ROLE_LISTENER || (!c->peer[0] && c->role != ROLE_PAIR))
		fprintf(out, "%s", c->local[0] ? c->local : "(no address)");
	else
		fprintf(out, "%s -> %s", c->local[0] ? c->local : "?", c->peer[0] ? c->peer : "?");
	fprintf(out, "  age %s", tf_dur(l->end_ns > l->born_ns ? l->end_ns - l->born_ns : 0, age));
	if (lr->at)
		fprintf(out, " (at %s)", tf_at_s(m, l->end_ns, at));
	else if (l->end)
		fprintf(out, " (%s at %s)", l->end, tf_at_s(m, l->end_ns, at));
	else
		fprintf(out, " (still open when the trace ends at %s: its process still running)",
			tf_at_s(m, l->end_ns, at));
	if (c->has_data)
		fprintf(out, "  sent %" PRIu64 " B, received %" PRIu64 " B", c->bytes_sent,
			c->bytes_received);
	if (l->last)
		fprintf(out, "  last activity %s (%s)", tf_at_s(m, l->last->r->t_ns, at), op ? op : "?");
	if (!lr->at)
		fprintf(out, "  %s: %s", leak_verdict_is_leak(c->leak) ? "leak" : "not a leak",
			leak_verdict_text(c->leak));
	fputc('\n', out);
}

void report_leaks(FILE *out, const struct model *m, const struct leak_report *lr)
{
	const char *what = lr->at ? "open" : "leaked";
	char at[TF_MAX];

	history_notice(out, m, "", "");
	for (size_t i = 0; i < lr->n; i++) {
		const struct leak_group *g = &lr->groups[i];

		fprintf(out, "%zu socket%s %s", g->n, g->n == 1 ? "" : "s", what);
		if (lr->at)
			fprintf(out, " at %s", tf_at_s(m, lr->at_ns, at));
		if (g->cs) {
			fprintf(out, " from this call site:\n");
			stack_text(out, g->cs, "    ");
		} else {
			fprintf(out, ": creation stack not recorded (%s)\n", g->why);
		}
		for (size_t k = 0; k < g->n; k++)
			leak_text(out, m, lr, &g->leaks[k]);
		fputc('\n', out);
	}
	if (lr->at)
		fprintf(out, "leaks: %zu socket%s open at %s%s, from %zu call site%s\n", lr->total,
			lr->total == 1 ? "" : "s", tf_at_s(m, lr->at_ns, at),
			lr->at == LEAKS_AT_NOW ? " (now, in processes still running)" : "", lr->n,
			lr->n == 1 ? "" : "s");
	else if (lr->total) {
		size_t running = 0, left;

		for (size_t i = 0; i < lr->n; i++)
			for (size_t k = 0; k < lr->groups[i].n; k++)
				running += !lr->groups[i].leaks[k].end;
		left = lr->total - running;
		fprintf(out, "leaks: %zu socket%s left open by %s process", left, left == 1 ? "" : "s",
			left == 1 ? "its" : "their");
		if (running)
			fprintf(out, ", %zu still open in %s process%s still running", running,
				running == 1 ? "a" : "their", running == 1 ? "" : "es");
		fprintf(out, ", from %zu call site%s\n", lr->n, lr->n == 1 ? "" : "s");
	} else
		fprintf(out, "leaks: none: every socket was closed before its process ended%s\n",
			lr->every ? "" : ", or still served to the end (--all lists those too)");
}

/*
 * Every fd of the leaking process that still held the socket when it ended
 * (a socket and its dup are two, as valgrind --track-fds counts them), each
 * with the stack of the call that made that fd.
 */
static void leak_refs_json(struct json *j, const struct model *m, const struct leak *l)
{
	char why[256];

	json_arr(j, "references");
	for (size_t i = 0; i < l->c->nrefs; i++) {
		const struct ref *x = l->c->refs[i];

		if (x->p != l->x->p || x->to_ns != l->x->to_ns || ref_end_kind(x) == REF_END_CALL)
			continue;
		json_obj(j, NULL);
		json_int(j, "fd", x->fd);
		json_str(j, "how", ref_how_name(x));
		stack_json(j, "stack", ref_callstack(m, l->c, x, why, sizeof(why)));
		json_end_obj(j);
	}
	json_end_arr(j);
}

static void leak_json(struct json *j, const struct model *m, const struct leak *l)
{
	const struct conn *c = l->c;

	json_obj(j, NULL);
	json_int(j, "pid", l->x->p->pid);
	json_int(j, "fd", l->x->fd);
	sock_id_json(j, m, "id", "inode", c->inode);
	json_str(j, "family", family_name(c->domain));
	json_str(j, "type", socktype_name(c->type));
	json_str(j, "role", leak_role(c));
	json_str(j, "local", c->local[0] ? c->local : NULL);
	json_str(j, "peer", c->peer[0] ? c->peer : NULL);
	json_uint(j, "created_t_ns", l->born_ns);
	json_uint(j, "end_t_ns", l->end_ns);
	json_str(j, "end", l->end);
	json_uint(j, "age_ns", l->end_ns - l->born_ns);
	json_uint(j, "bytes_sent", c->bytes_sent);
	json_uint(j, "bytes_received", c->bytes_received);
	json_uint_or_null(j, "last_activity_t_ns", l->last != NULL, l->last ? l->last->r->t_ns : 0);
	json_str(j, "last_activity", l->last ? op_name(l->last->r->op) : NULL);
	json_str(j, "verdict", leak_verdict_json(c->leak));
	json_bool(j, "leak", leak_verdict_is_leak(c->leak));
	leak_refs_json(j, m, l);
	json_end_obj(j);
}

void report_leaks_json(FILE *out, const struct model *m, const struct leak_report *lr)
{
	struct json j;

	json_init(&j, out, 2);
	json_obj(&j, NULL);
	json_int(&j, "format_version", ST_FORMAT_VERSION);
	json_time_base(&j, m);
	history_procs_json(&j, m);
	json_uint_or_null(&j, "at_t_ns", lr->at, lr->at_ns);
	json_arr(&j, "leaks");
	for (size_t i = 0; i < lr->n; i++) {
		const struct leak_group *g = &lr->groups[i];

		json_obj(&j, NULL);
		stack_json(&j, "stack", g->cs);
		json_str(&j, "stack_note", g->cs ? NULL : g->why);
		json_uint(&j, "count", g->n);
		json_arr(&j, "connections");
		for (size_t k = 0; k < g->n; k++)
			leak_json(&j, m, &g->leaks[k]);
		json_end_arr(&j);
		json_end_obj(&j);
	}
	json_end_arr(&j);
	json_obj(&j, "summary");
	json_uint(&j, "sockets", lr->total);
	json_uint(&j, "call_sites", lr->n);
	json_end_obj(&j);
	json_end_obj(&j);
	json_done(&j);
}

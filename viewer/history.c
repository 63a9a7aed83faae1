/*
 * history.c - what the ring lost, said once per process, and the counts
 * that do not depend on it.
 *
 * A busy process's ring wraps: its oldest events are overwritten (or, on
 * a full disk or when a writer was killed, some are missing).  Timelines
 * come from the events, so a timeline may start late or miss a stretch;
 * open sockets, leaks, references and byte counts come from the state the
 * file keeps, and are exact anyway.  Every command says so, plainly.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "history.h"
#include "json.h"
#include "names.h"
#include "timefmt.h"

int proc_history_lost(const struct proc *p)
{
	return p->tf->lost_last_pos != 0;
}

void history_notice(FILE *out, const struct model *m, const char *dim, const char *off)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *p = &m->procs[i];
		const struct trace_file *tf = p->tf;
		const char *exe = strrchr(tf->hdr.exe, '/');
		char at[TF_MAX];

		if (!proc_history_lost(p))
			continue;
		fprintf(out, "%shistory: pid %d (%s): %" PRIu64 " event%s lost (%" PRIu64 " overwritten as its "
			"ring wrapped, %" PRIu64 " missing); its timelines are complete from %s. Open "
			"sockets, leaks, references and byte counts come from the state the trace keeps, and "
			"are complete anyway.%s\n",
			dim, p->pid, exe ? exe + 1 : tf->hdr.exe, p->lost, p->lost == 1 ? "" : "s",
			tf->overwritten, tf->torn + tf->corrupt, tf_at_s(m, tf->history_from_ns, at), off);
	}
	state_notice(out, m, dim, off);
}

int proc_state_complete(const struct proc *p)
{
	return !(p->tf->hdr.flags & (ST_HDR_STATE_FULL | ST_HDR_FDS_FULL | ST_HDR_GROW_STALLED)) &&
	       !p->tf->hdr.totals.sockets_missed;
}

/* Why p's file stopped growing ("ENOSPC"), NULL when it did not. */
static const char *grow_failure(const struct proc *p, char *buf, size_t n)
{
	const char *en;

	if (!(p->tf->hdr.flags & ST_HDR_GROW_FAILED))
		return NULL;
	en = errno_name((int)p->tf->hdr.grow_errno);
	if (en)
		return en;
	snprintf(buf, n, "errno %u", p->tf->hdr.grow_errno);
	return buf;
}

void state_notice(FILE *out, const struct model *m, const char *dim, const char *off)
{
	char buf[32];

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *p = &m->procs[i];
		const struct st_file_header *h = &p->tf->hdr;
		const char *why = grow_failure(p, buf, sizeof(buf));

		if (h->flags & ST_HDR_STATE_FULL)
			fprintf(out, "%sstate: pid %d held more sockets at once than its state has room for: "
				"those beyond it were traced without state, so its leaks, references and byte "
				"counts may miss some.%s\n", dim, p->pid, off);
		if (h->flags & ST_HDR_FDS_FULL)
			fprintf(out, "%sstate: pid %d used fd numbers beyond its fd table: sockets on them were "
				"not tracked.%s\n", dim, p->pid, off);
		if (h->totals.sockets_missed)
			fprintf(out, "%sstate: pid %d made %llu socket%s in a signal handler while its trace "
				"file was being made: not traced.%s\n", dim, p->pid,
				(unsigned long long)h->totals.sockets_missed,
				h->totals.sockets_missed == 1 ? "" : "s", off);
		if (h->flags & ST_HDR_GROW_STALLED)
			fprintf(out, "%sstate: in pid %d, a thread growing the trace file's tables was stopped "
				"half-way (in a signal handler) long enough that another gave up waiting: a "
				"socket made meanwhile was not tracked.%s\n", dim, p->pid, off);
		if (why)
			fprintf(out, "%sstate: pid %d's trace file could not grow (%s): its history wraps at "
				"the size it had%s.%s\n", dim, p->pid, why,
				h->flags & ST_HDR_STATE_FULL ? "" : "; its state is complete", off);
	}
}

void history_json(struct json *j, const struct proc *p)
{
	char buf[32];
	const char *why = grow_failure(p, buf, sizeof(buf));

	json_uint_or_null(j, "history_lost_before_t_ns", proc_history_lost(p), p->tf->history_from_ns);
	json_bool(j, "state_complete", proc_state_complete(p));
	json_uint(j, "sockets_not_traced", p->tf->hdr.totals.sockets_missed);
	if (why)
		json_str(j, "file_grow_error", why);
	else
		json_null(j, "file_grow_error");
}

int history_counts(const struct model *m, size_t *total, size_t *with_timeline)
{
	size_t unseen = 0;

	/*
	 * Each image counted the sockets it made or received; those whose sid
	 * no record or slot names are gone with the history.  A socket passed
	 * to an image whose receipt was lost is its sender's too: such receipts
	 * (replay.c finds them) are taken off.
	 */
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct st_totals *t = &m->procs[i].tf->hdr.totals;
		uint64_t had = t->sockets_made + t->sockets_arrived;

		if (had > m->procs[i].sids_seen)
			unseen += had - m->procs[i].sids_seen;
		/* Had, though never traced: no timeline, no state. */
		unseen += t->sockets_missed;
	}
	/* A receipt lost with its history is a socket the sender's file already counts. */
	unseen -= m->lost_receipts < unseen ? m->lost_receipts : unseen;
	*with_timeline = 0;
	for (size_t i = 0; i < m->nconns; i++)
		*with_timeline += m->conns[i]->nevs > 0;
	*total = m->nconns + unseen;
	return 0;
}

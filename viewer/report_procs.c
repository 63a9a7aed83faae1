/*
 * report_procs.c - the text report's processes: a tree of one line each
 * (by start, children under the image that forked them, an exec'd image
 * after the one it replaced), then one block per process in that order.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proctree.h"
#include "report.h"
#include "report_text.h"
#include "timefmt.h"

/* Its end in words, in yellow when the end was not its own (a kill, or none seen). */
static void print_end(FILE *out, const struct model *m, const struct proc *p, const struct style *st)
{
	char end[256];
	int odd = !p->exited && p->tf->hdr.state != ST_STATE_EXECED;

	fprintf(out, "%s%s%s", odd ? st->yellow : "", proc_end_str(m, p, end, sizeof(end)),
		odd ? st->off : "");
}

static void print_tree_line(FILE *out, const struct model *m, const struct proc *p, int depth,
			    const struct style *st)
{
	char at[TF_MAX];

	fprintf(out, "  %*s%spid %d%s  %s  %s  started %s  ", 2 * depth, "", st->bold, p->pid, st->off,
		proc_name(p), proc_origin_name(p), tf_at(m, p->tf->hdr.mono_anchor_ns, at));
	print_end(out, m, p, st);
	fputc('\n', out);
}

/*
 * How many of p's fork ancestors (the header's lineage, nearest last)
 * lead to it with no trace of their own: forked by a process that held
 * no socket, p made its file at its own first socket.
 */
static unsigned untraced_forks(const struct proc *p)
{
	const struct st_file_header *h = &p->tf->hdr;
	unsigned n = h->nancestors < ST_ANCESTORS_MAX ? h->nancestors : ST_ANCESTORS_MAX;

	if (p->origin != ST_ORIGIN_ROOT || !n || h->ancestors[n - 1].pid != p->ppid)
		return 0;
	return n;
}

/* "(forked by pid 12, forked by pid 11: no trace, they held no socket)" */
static void print_untraced_forks(FILE *out, const struct proc *p)
{
	const struct st_file_header *h = &p->tf->hdr;
	unsigned n = untraced_forks(p);

	fputc('(', out);
	for (unsigned i = n; i-- > 0;)
		fprintf(out, "%sforked by pid %d", i + 1 < n ? ", " : "", h->ancestors[i].pid);
	fprintf(out, ": no trace, %s held no socket)", n == 1 ? "it" : "they");
}

/* "(fork of pid 12, parent 12)", "(exec from pid 12's previous image, parent 11)". */
static void print_origin(FILE *out, const struct proc *p, const struct proc *forker)
{
	if (p->exec_prev)
		fprintf(out, "(exec, replacing %s, parent %d)", proc_name(p->exec_prev), p->ppid);
	else if (forker && p->origin == ST_ORIGIN_FORK)
		fprintf(out, "(fork of %s, parent %d)", proc_name(forker), p->ppid);
	else if (forker)
		fprintf(out, "(started by %s, parent %d)", proc_name(forker), p->ppid);
	else if (untraced_forks(p))
		print_untraced_forks(out, p);
	else
		fprintf(out, "(%s, parent %d)", proc_origin_name(p), p->ppid);
}

static void print_block(FILE *out, const struct model *m, const struct proc *p,
			const struct proc *forker, const struct style *st)
{
	const struct st_file_header *h = &p->tf->hdr;
	const char *name = proc_name(p);
	char at[TF_MAX];

	fprintf(out, "%sprocess %d%s  %s", st->bold, p->pid, st->off, name);
	/* The name typed and the file it led to (a symlink: redis-server -> redis-check-rdb). */
	if (h->exe[0] && strcmp(h->exe, name))
		fprintf(out, "  (executable %s)", h->exe);
	fputs("  ", out);
	print_origin(out, p, forker);
	fprintf(out, "  started %s  ", tf_at(m, h->mono_anchor_ns, at));
	print_end(out, m, p, st);
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
		text_event(out, m, p->evs[k], st);
	fputc('\n', out);
}

int text_processes(FILE *out, const struct model *m, const struct style *st)
{
	struct proc_tree t;

	if (proc_tree_build(m, &t))
		return -1;
	fprintf(out, "%sprocesses%s (by start; a child under the process that forked it, an exec'd "
		"image after the one it replaced):\n", st->bold, st->off);
	for (size_t i = 0; i < t.n; i++)
		print_tree_line(out, m, t.order[i], t.depth[i], st);
	fputc('\n', out);
	for (size_t i = 0; i < t.n; i++)
		print_block(out, m, t.order[i], t.parent[i], st);
	proc_tree_free(&t);
	return 0;
}

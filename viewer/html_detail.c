/*
 * html_detail.c - the HTML report's words: the text report's own blocks
 * for the connections there is room for (each event line's offset and
 * time, for the hover), the creation stacks of the sites, the
 * lost-history notice and the summary.  Text is what makes a page big,
 * so it is spent where it helps: connections with findings first, then in
 * report order, up to HTML_DETAIL_BUDGET; the others get their header's
 * words only (role and addresses).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ends.h"
#include "history.h"
#include "html_data.h"
#include "html_sites.h"
#include "json.h"
#include "report.h"
#include "report_text.h"
#include "stack_fmt.h"
#include "strtab.h"

/* Sites whose creation stack the page embeds (by rank); the rest name their first frame only. */
#define HTML_STACKS_MAX	2000

/* A memory stream's text as one JSON string member; -1 when the stream could not be made. */
static int captured(struct json *j, const char *key, void (*fill)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -1;
	fill(f, arg);
	if (fclose(f)) {
		free(buf);
		return -1;
	}
	json_strn(j, key, buf, len);
	free(buf);
	return 0;
}

static void fill_notice(FILE *f, const void *m)
{
	history_notice(f, m, "", "");
}

static void fill_summary(FILE *f, const void *m)
{
	report_summary(f, m, 0);
}

uint64_t html_history_from(const struct model *m)
{
	uint64_t from = m->t0;

	for (size_t i = 0; i < m->nprocs; i++) {
		const struct trace_file *tf = m->procs[i].tf;

		if (proc_history_lost(&m->procs[i]) && tf->history_from_ns > from)
			from = tf->history_from_ns;
	}
	return from;
}

int html_text_json(struct json *j, const struct model *m)
{
	if (captured(j, "notice", fill_notice, m) || captured(j, "summary", fill_summary, m))
		return -1;
	return 0;
}

struct site_arg {
	const struct callstack *cs;
};

static void fill_stack(FILE *f, const void *arg)
{
	stack_text(f, ((const struct site_arg *)arg)->cs, "  ");
}

int html_site_stack_json(struct json *j, const struct model *m, const struct html_site *st, size_t rank)
{
	struct site_arg a = { st->cs };

	(void)m;
	if (!st->cs || rank >= HTML_STACKS_MAX) {
		json_null(j, "stack");
		return 0;
	}
	return captured(j, "stack", fill_stack, &a);
}

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The connection keys the findings name, sorted (for bsearch); NULL when out of memory. */
static uint64_t *finding_keys(const struct model *m)
{
	uint64_t *k = malloc((m->nfindings ? m->nfindings : 1) * sizeof(*k));

	if (!k)
		return NULL;
	for (size_t i = 0; i < m->nfindings; i++)
		k[i] = m->findings[i].inode;
	qsort(k, m->nfindings, sizeof(*k), by_u64);
	return k;
}

/*
 * Connection i's block into the detail array: [i, text, [t...], [off...]]
 * (each event line's time and offset in text).  A block past
 * HTML_BLOCK_MAX (a listener's thousands of accepts) is cut at an event
 * line.  Returns the bytes of text kept, or -1 when out of memory.
 */
static long block_json(struct json *j, const struct model *m, size_t i, uint64_t trace_end)
{
	const struct conn *c = m->conns[i];
	long *off = malloc((c->nevs ? c->nevs : 1) * sizeof(*off));
	char *buf = NULL;
	size_t len = 0, keep, nk = c->nevs;
	FILE *f;

	if (!off || !(f = open_memstream(&buf, &len))) {
		free(off);
		return -1;
	}
	text_conn(f, m, c, i, text_style(0), trace_end, off);
	if (fclose(f)) {
		free(off);
		free(buf);
		return -1;
	}
	keep = len;
	if (len > HTML_BLOCK_MAX) {
		for (nk = 0; nk < c->nevs && (size_t)off[nk] < HTML_BLOCK_MAX; nk++)
			;
		keep = nk < c->nevs ? (size_t)off[nk] : len;
	}
	json_arr(j, NULL);
	json_int(j, NULL, (int64_t)i);
	if (keep < len) {
		char *cut = NULL;

		if (asprintf(&cut, "%.*s  ... %zu more events: socktrace report shows them all\n", (int)keep, buf,
			     c->nevs - nk) < 0) {
			free(off);
			free(buf);
			return -1;
		}
		json_str(j, NULL, cut);
		free(cut);
	} else {
		json_strn(j, NULL, buf, len);
	}
	json_arr(j, NULL);
	for (size_t k = 0; k < nk; k++)
		json_int(j, NULL, (int64_t)(c->evs[k].r->t_ns - m->t0) / 1000);	/* us, as html_data.c */
	json_end_arr(j);
	json_arr(j, NULL);
	for (size_t k = 0; k < nk; k++)
		json_int(j, NULL, off[k]);
	json_end_arr(j);
	json_end_arr(j);
	free(off);
	free(buf);
	return (long)keep;
}

/* The header's words for a connection without its block: "client 1.2.3.4:5 -> 6.7.8.9:10" into d. */
static void desc_of(const struct conn *c, char *d, size_t n)
{
	if (c->role == ROLE_LISTENER)
		snprintf(d, n, "%s %s", role_name(c->role), c->local[0] ? c->local : "?");
	else
		snprintf(d, n, "%s %s -> %s", role_name(c->role), c->local[0] ? c->local : "?",
			 c->peer[0] ? c->peer : "?");
}

/*
 * "descs" (each distinct header's words once: 100,000 unix pairs share
 * "pair * -> *") and "desc" (per connection, its index there; -1 when
 * its block is embedded).  -1 when out of memory.
 */
static int descs_json(struct json *j, const struct model *m, const unsigned char *done)
{
	struct strtab descs = { 0 };
	long *which = malloc((m->nconns ? m->nconns : 1) * sizeof(*which));
	int rc = -1;

	if (!which)
		return -1;
	for (size_t i = 0; i < m->nconns; i++) {
		char words[2 * ADDR_STR_MAX + 32];

		which[i] = -1;
		if (done[i])
			continue;
		desc_of(m->conns[i], words, sizeof(words));
		if ((which[i] = strtab_index(&descs, words)) < 0)
			goto out;
	}
	json_arr(j, "desc");
	for (size_t i = 0; i < m->nconns; i++)
		json_int(j, NULL, which[i]);
	json_end_arr(j);
	strtab_json(j, "descs", &descs);
	rc = 0;
out:
	strtab_free(&descs);
	free(which);
	return rc;
}

int html_detail_json(struct json *j, const struct model *m)
{
	uint64_t *fk = finding_keys(m), end = trace_end_ns(m);
	unsigned char *done = calloc(m->nconns ? m->nconns : 1, 1);
	size_t spent = 0;
	int rc = -1;

	if (!fk || !done)
		goto out;
	json_arr(j, "detail");
	/* Pass 0: the connections a finding names; pass 1: the others, in report order. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < m->nconns && spent < HTML_DETAIL_BUDGET; i++) {
			int named = bsearch(&m->conns[i]->inode, fk, m->nfindings, sizeof(*fk), by_u64) != NULL;
			long n;

			if (done[i] || (pass == 0 && !named))
				continue;
			if ((n = block_json(j, m, i, end)) < 0)
				goto out;
			spent += (size_t)n;
			done[i] = 1;
		}
	json_end_arr(j);
	if (descs_json(j, m, done))
		goto out;
	rc = 0;
out:
	free(fk);
	free(done);
	return rc;
}

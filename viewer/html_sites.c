/*
 * html_sites.c - connections grouped by the call site that made them,
 * for the picture of open sockets over time: the same grouping as
 * socktrace leaks (the symbolised creation stack's key, one group across
 * processes), ranked by the most sockets each had open at once; the top
 * ones are named, the rest are one group.
 */
#define _GNU_SOURCE
#include "html_sites.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "sites.h"
#include "stack_fmt.h"

struct site_ix {
	char *key;		/* owned */
	UT_hash_handle hh;
	size_t i;
};

/* One +1 or -1 of a site's open count, for the sweep. */
struct step {
	uint64_t t;
	int delta;
	size_t site;
};

static int by_time(const void *a, const void *b)
{
	const struct step *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->delta - y->delta;	/* a release before a birth at the same moment */
}

/* Each site's peak open count, from the lives [born[i], end[i]) (end 0: open to the end). */
static int peaks(struct html_sites *hs, size_t n, const uint64_t *born, const uint64_t *end)
{
	struct step *s = malloc(2 * (n ? n : 1) * sizeof(*s));
	int64_t *open = calloc(hs->n ? hs->n : 1, sizeof(*open));
	size_t k = 0;

	if (!s || !open) {
		free(s);
		free(open);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		s[k++] = (struct step){ born[i], 1, hs->conn_site[i] };
		if (end[i])
			s[k++] = (struct step){ end[i], -1, hs->conn_site[i] };
	}
	qsort(s, k, sizeof(*s), by_time);
	for (size_t i = 0; i < k; i++) {
		struct html_site *st = &hs->sites[s[i].site];

		open[s[i].site] += s[i].delta;
		if (open[s[i].site] > (int64_t)st->peak)
			st->peak = (size_t)open[s[i].site];
	}
	free(s);
	free(open);
	return 0;
}

static const struct html_site *rank_base;

static int by_rank(const void *a, const void *b)
{
	const struct html_site *x = &rank_base[*(const size_t *)a], *y = &rank_base[*(const size_t *)b];

	if (x->peak != y->peak)
		return x->peak > y->peak ? -1 : 1;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* The site of key (taken over) for cs, made when new; its index, or -1 when out of memory. */
static long site_get(struct html_sites *hs, struct site_ix **ix, char *key, const struct callstack *cs,
		     size_t conn, size_t *cap)
{
	struct site_ix *si;

	HASH_FIND_STR(*ix, key, si);
	if (si) {
		free(key);
		return (long)si->i;
	}
	if (model_grow((void **)&hs->sites, hs->n, cap, sizeof(*hs->sites)) || !(si = calloc(1, sizeof(*si)))) {
		free(key);
		return -1;
	}
	memset(&hs->sites[hs->n], 0, sizeof(hs->sites[hs->n]));
	hs->sites[hs->n].cs = cs;
	hs->sites[hs->n].first = conn;
	si->key = key;
	si->i = hs->n++;
	HASH_ADD_KEYPTR(hh, *ix, si->key, strlen(si->key), si);
	return (long)si->i;
}

/* Give each named site a label no other named site has (deeper frames where two agree). */
static void label_sites(struct html_sites *hs)
{
	for (size_t r = 0; r < hs->named; r++) {
		struct html_site *st = &hs->sites[hs->rank[r]];

		for (unsigned depth = 1; depth <= 8; depth++) {
			int clash = 0;

			callstack_label(st->cs, depth, st->label, sizeof(st->label));
			for (size_t q = 0; q < r; q++)
				clash |= !strcmp(hs->sites[hs->rank[q]].label, st->label);
			if (!clash)
				break;
		}
	}
}

int html_sites_build(struct html_sites *hs, const struct model *m, const uint64_t *born,
		     const uint64_t *end)
{
	struct site_ix *ix = NULL, *si, *tmp;
	size_t cap = 0;
	int rc = -1;

	memset(hs, 0, sizeof(*hs));
	if (!(hs->conn_site = calloc(m->nconns ? m->nconns : 1, sizeof(*hs->conn_site))))
		return -1;
	for (size_t i = 0; i < m->nconns; i++) {
		char why[256];
		const struct callstack *cs = conn_callstack(m, m->conns[i], why, sizeof(why));
		char *key = callstack_key(cs);
		long s;

		if (!key || (s = site_get(hs, &ix, key, cs, i, &cap)) < 0)
			goto cleanup;
		hs->conn_site[i] = (size_t)s;
		hs->sites[s].n++;
	}
	if (peaks(hs, m->nconns, born, end) || !(hs->rank = malloc((hs->n ? hs->n : 1) * sizeof(*hs->rank))))
		goto cleanup;
	for (size_t i = 0; i < hs->n; i++)
		hs->rank[i] = i;
	rank_base = hs->sites;
	qsort(hs->rank, hs->n, sizeof(*hs->rank), by_rank);
	/* One group for the rest, unless it would hold a single site: name that one too. */
	hs->named = hs->n <= HTML_SITES_NAMED + 1 ? hs->n : HTML_SITES_NAMED;
	for (size_t r = 0; r < hs->n; r++)
		hs->sites[hs->rank[r]].slot = r < hs->named ? r : hs->named;
	label_sites(hs);
	rc = 0;
cleanup:
	HASH_ITER(hh, ix, si, tmp) {
		HASH_DEL(ix, si);
		free(si->key);
		free(si);
	}
	if (rc)
		html_sites_free(hs);
	return rc;
}

void html_sites_free(struct html_sites *hs)
{
	free(hs->sites);
	free(hs->rank);
	free(hs->conn_site);
	memset(hs, 0, sizeof(*hs));
}

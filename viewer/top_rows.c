/*
 * top_rows.c - the rows `socktrace top` shows: its lists sorted, a
 * site's or a process's sockets gathered, numbers made short.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top_model.h"

const char *top_pkey_name(enum top_pkey k)
{
	static const char *const n[PK_N] = { "open", "close_wait", "made", "closed", "sent", "received",
					     "lost", "pid", "name" };

	return k < PK_N ? n[k] : NULL;
}

const char *top_skey_name(enum top_skey k)
{
	static const char *const n[SK_N] = { "change", "open", "close_wait", "made", "closed", "total",
					     "name" };

	return k < SK_N ? n[k] : NULL;
}

static enum top_pkey pkey;
static enum top_skey skey;
static int prev_order, srev_order;

static int cmp_d(double a, double b)
{
	return a < b ? -1 : a > b;
}

/* Largest first for numbers; pid and name ascending. */
static int by_proc(const void *a, const void *b)
{
	const struct top_proc *x = *(const struct top_proc *const *)a, *y = *(const struct top_proc *const *)b;
	int c = 0;

	if (x->running != y->running)
		return x->running ? -1 : 1;
	switch (pkey) {
	case PK_OPEN: c = -cmp_d((double)x->open, (double)y->open); break;
	case PK_CLOSE_WAIT: c = -cmp_d((double)x->by_state[TS_CLOSE_WAIT], (double)y->by_state[TS_CLOSE_WAIT]); break;
	case PK_MADE: c = -cmp_d(x->made_ps, y->made_ps); break;
	case PK_CLOSED: c = -cmp_d(x->closed_ps, y->closed_ps); break;
	case PK_SENT: c = -cmp_d(x->sent_ps, y->sent_ps); break;
	case PK_RECV: c = -cmp_d(x->received_ps, y->received_ps); break;
	case PK_LOST: c = -cmp_d((double)(x->overwritten + x->dropped), (double)(y->overwritten + y->dropped)); break;
	case PK_NAME: c = strcmp(x->name, y->name); break;
	default: break;
	}
	if (prev_order)
		c = -c;
	if (!c)
		c = x->pid < y->pid ? -1 : x->pid > y->pid;
	if (!c)
		c = strcmp(x->lf->name, y->lf->name);
	return c;
}

static int by_site(const void *a, const void *b)
{
	const struct top_site *x = *(const struct top_site *const *)a, *y = *(const struct top_site *const *)b;
	int c = 0;

	switch (skey) {
	case SK_CHANGE: c = -cmp_d((double)x->change_1m, (double)y->change_1m); break;
	case SK_CLOSE_WAIT: c = -cmp_d((double)x->close_wait, (double)y->close_wait); break;
	case SK_MADE: c = -cmp_d(x->made_ps, y->made_ps); break;
	case SK_CLOSED: c = -cmp_d(x->closed_ps, y->closed_ps); break;
	case SK_TOTAL: c = -cmp_d((double)x->made_total, (double)y->made_total); break;
	case SK_NAME: c = strcmp(x->label, y->label); break;
	default: break;
	}
	if (srev_order)
		c = -c;
	if (!c)
		c = -cmp_d((double)x->open, (double)y->open);
	if (!c)
		c = strcmp(x->label, y->label);
	if (!c)
		c = strcmp(x->key, y->key);
	return c;
}

void top_sort(struct top_model *m, enum top_pkey pk, int prev, enum top_skey sk, int srev)
{
	pkey = pk;
	skey = sk;
	prev_order = prev;
	srev_order = srev;
	if (m->nprocs)
		qsort(m->procs, m->nprocs, sizeof(*m->procs), by_proc);
	if (m->nsites)
		qsort(m->order, m->nsites, sizeof(*m->order), by_site);
}

static int by_age(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->s->s.made_ns != y->s->s.made_ns)
		return x->s->s.made_ns < y->s->s.made_ns ? -1 : 1;
	if (x->p->pid != y->p->pid)
		return x->p->pid < y->p->pid ? -1 : 1;
	return x->s->fd < y->s->fd ? -1 : x->s->fd > y->s->fd;
}

int top_socks(const struct top_model *m, const struct top_site *st, const struct top_proc *p,
	      struct top_row **out, size_t *n)
{
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct top_proc *q = m->procs[i];

		if (p && q != p)
			continue;
		for (size_t k = 0; k < q->lf->nsocks; k++) {
			if (st && q->sock_site[k] != st)
				continue;
			if (*n == cap) {
				size_t c = cap ? cap * 2 : 64;
				struct top_row *r = realloc(*out, c * sizeof(*r));

				if (!r) {
					free(*out);
					*out = NULL;
					return -1;
				}
				*out = r;
				cap = c;
			}
			(*out)[(*n)++] = (struct top_row){ q, &q->lf->socks[k] };
		}
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), by_age);
	return 0;
}

char *top_num(double v, char *out, size_t n)
{
	static const char units[] = " kMGTP";
	int u = 0;

	if (v < 0)
		v = 0;
	if (v < 10 && v != (double)(long long)v) {
		snprintf(out, n, "%.1f", v);
		return out;
	}
	while (v >= 99999.5 && u < 5) {
		v /= 1000;
		u++;
	}
	if (u && v < 10)
		snprintf(out, n, "%.1f%c", v, units[u]);
	else if (u)
		snprintf(out, n, "%.0f%c", v, units[u]);
	else
		snprintf(out, n, "%.0f", v);
	return out;
}

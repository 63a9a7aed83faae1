/*
 * top_model.c - the processes and call sites `socktrace top` watches.
 *
 * A refresh: drop the files that were replaced, scan the directories for
 * new files (only when a directory changed), read every running image's
 * state again (and look at the images in its fork slots: its children
 * since the last refresh, in its file), attribute each socket it made to its creation site
 * (symbolised once per stack id and process, the symboliser kept across
 * refreshes), then derive the rates from the previous refresh.
 *
 * Per site, a socket counts while the image that made (or received) it
 * holds it: the format's rule, so made - open is what that image closed
 * (trace_format.h, struct st_totals).  A fork child's inherited copies
 * count in its process line, not under a site.
 */
#define _GNU_SOURCE
#include "top_model.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "model.h"
#include "stack_fmt.h"
#include "op_flags.h"

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------ sockets */

enum top_kind top_sock_kind(const struct st_sock *s)
{
	if (s->domain == AF_UNIX)
		return TK_UNIX;
	if (s->domain == AF_INET || s->domain == AF_INET6)
		return s->type == SOCK_STREAM ? TK_TCP : s->type == SOCK_DGRAM ? TK_UDP : TK_OTHER;
	return TK_OTHER;
}

enum top_sstate top_sock_class(const struct st_sock *s)
{
	int stream = s->type == SOCK_STREAM || s->type == SOCK_SEQPACKET;

	if (s->flags & ST_SK_LISTENING)
		return TS_LISTEN;
	if (s->tcp_state == ST_TCP_CLOSE_WAIT ||
	    (stream && (s->flags & ST_SK_EOF) && !(s->flags & ST_SK_SHUT_WR)))
		return TS_CLOSE_WAIT;
	if (s->flags & (ST_SK_SHUT_WR | ST_SK_SHUT_RD) || s->tcp_state == ST_TCP_FIN_WAIT ||
	    s->tcp_state == ST_TCP_LAST_ACK)
		return TS_HALF;
	if (s->tcp_state == ST_TCP_ESTABLISHED ||
	    (stream && ((s->flags & ST_SK_CONNECTED) || s->made_by == ST_OP_ACCEPT ||
			s->made_by == ST_OP_ACCEPT4 || s->made_by == ST_OP_SOCKETPAIR)))
		return TS_ESTAB;
	return TS_OTHER;
}

const char *top_state_key(enum top_sstate s)
{
	static const char *const k[TS_NSTATES] = { "listening", "established", "half_closed", "close_wait",
						   "other" };

	return s < TS_NSTATES ? k[s] : "?";
}

const char *top_kind_key(enum top_kind k)
{
	static const char *const n[TK_NKINDS] = { "tcp", "udp", "unix", "other_family" };

	return k < TK_NKINDS ? n[k] : "?";
}

const char *top_sock_role(const struct st_sock *s)
{
	int udp = s->type == SOCK_DGRAM && (s->domain == AF_INET || s->domain == AF_INET6);

	if (s->flags & ST_SK_LISTENING)
		return "listener";
	if (op_has(s->made_by, OPF_ACCEPT))
		return "accepted";
	if (s->made_by == ST_OP_SOCKETPAIR)
		return "pair";
	if (udp)
		return "udp";
	if (s->flags & ST_SK_CONNECTED)
		return "client";
	return "unconnected";
}

const char *top_sock_state(const struct st_sock *s)
{
	static const char *const tcp[] = { NULL, "LISTEN", "SYN_SENT", "ESTABLISHED", "FIN_WAIT",
					   "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSED" };

	if (s->tcp_state && s->tcp_state < sizeof(tcp) / sizeof(tcp[0]))
		return tcp[s->tcp_state];
	switch (top_sock_class(s)) {
	case TS_LISTEN: return "LISTEN";
	case TS_CLOSE_WAIT: return "CLOSE_WAIT";
	case TS_HALF: return (s->flags & ST_SK_SHUT_WR) ? "SHUT_WR" : "SHUT_RD";
	case TS_ESTAB: return "CONNECTED";
	default: return (s->flags & ST_SK_CONNECTING) ? "CONNECTING" : "-";
	}
}

uint64_t top_sock_active_ns(const struct top_proc *p, const struct live_sock *ls)
{
	const struct st_sock *s = &ls->s;
	uint64_t t = s->made_ns, d;

	if (s->listen_ns > t)
		t = s->listen_ns;
	if (s->eof_ns > t)
		t = s->eof_ns;
	if (s->shut_ns > t)
		t = s->shut_ns;
	if (s->first_tick) {
		d = live_tick_ns(p->lf, s->last_tick > s->first_tick ? s->last_tick : s->first_tick);
		if (d > t)
			t = d;
	}
	return t;
}

/* ------------------------------------------------------------------ sites */

/* The site's name: callstack_label's, "(creation stack not recorded)" without a stack. */
static void site_label(struct top_site *st, unsigned depth)
{
	callstack_label(st->cs, depth, st->label, sizeof(st->label));
}

/* Give st a name no other site has: deeper labels for it and any site it would share one with. */
static void site_name(struct top_model *m, struct top_site *st)
{
	for (unsigned depth = 1; depth <= 8; depth++) {
		int clash = 0;

		site_label(st, depth);
		for (size_t i = 0; i < m->nsites; i++) {
			struct top_site *o = m->order[i];

			if (o == st || strcmp(o->label, st->label))
				continue;
			clash = 1;
			site_label(o, depth + 1);
		}
		if (!clash)
			return;
	}
}

/* The site of key (taken over), made with a copy of cs when new; NULL when out of memory. */
static struct top_site *site_get(struct top_model *m, char *key, const struct callstack *cs,
				 const char *why)
{
	struct top_site *st;

	HASH_FIND_STR(m->sites, key, st);
	if (st) {
		free(key);
		if (!cs && why && !strstr(st->why, why)) {
			size_t o = strlen(st->why);

			snprintf(st->why + o, sizeof(st->why) - o, "%s%s", o ? "; " : "", why);
		}
		return st;
	}
	if (model_grow((void **)&m->order, m->nsites, &m->caporder, sizeof(*m->order)) ||
	    !(st = calloc(1, sizeof(*st)))) {
		free(key);
		return NULL;
	}
	st->key = key;
	if (cs && !(st->cs = callstack_copy(cs))) {
		free(key);
		free(st);
		return NULL;
	}
	if (!cs)
		snprintf(st->why, sizeof(st->why), "%s", why ? why : "");
	st->made_known = cs != NULL;
	HASH_ADD_KEYPTR(hh, m->sites, st->key, strlen(st->key), st);
	m->order[m->nsites++] = st;
	site_name(m, st);
	return st;
}

/* The stack table copy of p holds id, complete?  Else copy it again. */
static const struct trace_file *stacks_for(struct top_model *m, struct top_proc *p, uint32_t id)
{
	const struct st_stack *e = NULL;

	if (p->stk && id <= p->stk->nstacks && p->stk->stacks)
		e = (const struct st_stack *)(p->stk->stacks + (uint64_t)(id - 1) * p->stk->stack_entry_size);
	if (e && e->state == ST_STACK_READY)
		return p->stk;
	if (p->stk) {
		stacks_forget(m->stacks, p->stk);
		trace_free(p->stk);
	}
	p->stk = live_stacks(p->lf);
	return p->stk;
}

/* p's stackref for id, attributed to its site when new; NULL when out of memory. */
static struct top_stackref *stackref(struct top_model *m, struct top_proc *p, uint32_t id,
				     unsigned made_by)
{
	struct top_stackref *r;
	const struct callstack *cs = NULL;
	const struct trace_file *tf;
	char why[256] = "", *key;

	HASH_FIND(hh, p->refs, &id, sizeof(id), r);
	if (r)
		return r;
	if (made_by == ST_OP_NONE || made_by == ST_OP_INHERITED) {
		snprintf(why, sizeof(why), "made before tracing began (inherited, or before the shim started)");
		id = 0;
		HASH_FIND(hh, p->refs, &id, sizeof(id), r);
		if (r)
			return r;
	} else if ((tf = stacks_for(m, p, id ? id : 1)) && m->stacks) {
		cs = stacks_get(m->stacks, tf, id, made_by, why, sizeof(why));
	} else if (!tf) {
		snprintf(why, sizeof(why), "the stack table could not be read");
	}
	if (!(r = calloc(1, sizeof(*r))))
		return NULL;
	r->id = id;
	if (!(key = callstack_key(cs)) || !(r->site = site_get(m, key, cs, why))) {
		free(r);
		return NULL;
	}
	r->site->nrefs++;
	HASH_ADD(hh, p->refs, id, sizeof(r->id), r);
	return r;
}

/* ------------------------------------------------------------------ processes */

static void known_add(struct top_model *m, const char *path, ino_t ino)
{
	struct top_known *k;

	HASH_FIND_STR(m->known, path, k);
	if (!k) {
		if (!(k = calloc(1, sizeof(*k))) || !(k->path = strdup(path))) {
			free(k);
			return;
		}
		HASH_ADD_KEYPTR(hh, m->known, k->path, strlen(k->path), k);
	}
	k->ino = ino;
}

static void proc_free(struct top_model *m, struct top_proc *p)
{
	struct top_stackref *r, *rt;

	HASH_ITER(hh, p->refs, r, rt) {
		HASH_DEL(p->refs, r);
		r->site->nrefs--;
		free(r);
	}
	if (p->stk) {
		stacks_forget(m->stacks, p->stk);
		trace_free(p->stk);
	}
	live_close(p->lf);
	free(p->sock_site);
	free(p);
}

/* Is the image named name (live_file's name) already watched? */
static int watched(const struct top_model *m, const char *name)
{
	for (size_t i = 0; i < m->nprocs; i++)
		if (!strcmp(m->procs[i]->lf->name, name) && !m->procs[i]->why_ended[0])
			return 1;
	return 0;
}

/* argv[0]'s last component, else the exe's. */
static void proc_name(struct top_proc *p)
{
	const struct st_file_header *h = &p->lf->hdr;
	const char *a = h->argv_len && h->argv[0] ? h->argv : h->exe, *b = strrchr(a, '/');

	a = b && b[1] ? b + 1 : a;
	memcpy(p->name, a, strnlen(a, sizeof(p->name) - 1));
	p->name[strnlen(a, sizeof(p->name) - 1)] = 0;
}

/* Open the image at off of path; watched when it runs (and is the pid asked for), else known not to. */
static int consider_image(struct top_model *m, const char *path, ino_t ino, uint64_t off,
			  struct live_file **kept)
{
	struct top_known *k;
	struct live_file *lf;
	struct top_proc *p;
	char err[256], *name = trace_image_name(path, off);

	*kept = NULL;
	if (!name)
		return -1;
	HASH_FIND_STR(m->known, name, k);
	if ((k && k->ino == ino) || watched(m, name)) {
		free(name);
		return 0;
	}
	if (live_open_image(path, off, &lf, err, sizeof(err))) {
		m->unreadable++;
		if (off)
			snprintf(m->note, sizeof(m->note), "%s: image at offset %llu: %s", path,
				 (unsigned long long)off, err);
		else
			snprintf(m->note, sizeof(m->note), "%s: %s", path, err);
		known_add(m, name, ino);
		free(name);
		return 0;
	}
	free(name);
	if (lf->slot_err[0]) {
		m->unreadable++;
		snprintf(m->note, sizeof(m->note), "%s: %s", lf->name, lf->slot_err);
	}
	if (!lf->running || (m->pid && lf->hdr.pid != m->pid)) {
		known_add(m, lf->name, lf->ino);
		*kept = lf;	/* its slots may hold images still running: the caller looks */
		return 0;
	}
	if (model_grow((void **)&m->procs, m->nprocs, &m->capprocs, sizeof(*m->procs)) ||
	    !(p = calloc(1, sizeof(*p)))) {
		live_close(lf);
		return -1;
	}
	p->lf = lf;
	p->pid = lf->hdr.pid;
	p->ppid = lf->hdr.ppid;
	p->running = 1;
	proc_name(p);
	m->procs[m->nprocs++] = p;
	return 0;
}

/*
 * Consider the image at off of path and, when it is not watched (ended,
 * or another pid), the images in its fork slots, theirs in turn: a child
 * may run on after its parent ended.  Bounded: TOP_SLOT_IMAGES per call.
 * The slots of a watched image are looked at each refresh (top_refresh).
 */
static int consider(struct top_model *m, const char *path, ino_t ino, uint64_t off)
{
	uint64_t *todo = NULL;
	size_t ntodo = 0, cap = 0, seen = 0;
	int rc = 0;

	if (model_grow((void **)&todo, ntodo, &cap, sizeof(*todo)))
		return -1;
	todo[ntodo++] = off;
	while (ntodo && !rc && seen++ < TOP_SLOT_IMAGES) {
		struct live_file *lf;

		rc = consider_image(m, path, ino, todo[--ntodo], &lf);
		for (size_t i = 0; lf && !rc && i < lf->nslot_images; i++) {
			if (model_grow((void **)&todo, ntodo, &cap, sizeof(*todo)))
				rc = -1;
			else
				todo[ntodo++] = lf->slot_images[i];
		}
		live_close(lf);
	}
	free(todo);
	return rc;
}

/* New images in the fork slots of watched image p (its fork children since the last look). */
static int consider_slots(struct top_model *m, struct top_proc *p)
{
	for (size_t i = 0; i < p->lf->nslot_images && i < TOP_SLOT_IMAGES; i++)
		if (consider(m, p->lf->path, p->lf->ino, p->lf->slot_images[i]))
			return -1;
	return 0;
}

static int is_trace_name(const char *name)
{
	size_t n = strlen(name), s = strlen(ST_FILE_SUFFIX);

	return n > s && !strcmp(name + n - s, ST_FILE_SUFFIX);
}

/* Look for new files in dir i, when it changed since its last scan. */
static int scan_dir(struct top_model *m, int i)
{
	const char *dir = m->dirs[i];
	struct stat st;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (stat(dir, &st) != 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return consider(m, dir, st.st_ino, 0);
	if (m->refreshes && st.st_mtim.tv_sec == m->dir_mtime[i].tv_sec &&
	    st.st_mtim.tv_nsec == m->dir_mtime[i].tv_nsec && m->refreshes % 10)
		return 0;
	m->dir_mtime[i] = st.st_mtim;
	if (!(d = opendir(dir)))
		return 0;
	while (!rc && (e = readdir(d))) {
		char *full;

		if (!is_trace_name(e->d_name) || asprintf(&full, "%s/%s", dir, e->d_name) < 0)
			continue;
		rc = consider(m, full, e->d_ino, 0);
		free(full);
	}
	closedir(d);
	return rc;
}

/* Mark p ended now (its counts: nothing held). */
static void proc_end(struct top_model *m, struct top_proc *p, const char *why)
{
	struct top_stackref *r, *rt;

	if (!p->running)
		return;
	p->running = 0;
	p->ended_ns = m->now_ns;
	p->ended_for = 0;
	snprintf(p->why_ended, sizeof(p->why_ended), "%s", why ? why : "");
	p->open = 0;
	memset(p->by_state, 0, sizeof(p->by_state));
	memset(p->by_kind, 0, sizeof(p->by_kind));
	p->lf->nsocks = 0;
	p->closed = p->came;	/* what it held went with it */
	HASH_ITER(hh, p->refs, r, rt)
		r->open = 0;
}

/* Count p's sockets and attribute them to sites; -1 when out of memory. */
static int proc_count(struct top_model *m, struct top_proc *p)
{
	struct live_file *lf = p->lf;
	const struct st_totals *t = &lf->hdr.totals;
	struct top_stackref *r, *rt;

	HASH_ITER(hh, p->refs, r, rt)
		r->open = 0;
	if (lf->nsocks > p->capsite) {
		struct top_site **s = realloc(p->sock_site, lf->nsocks * sizeof(*s));

		if (!s)
			return -1;
		p->sock_site = s;
		p->capsite = lf->nsocks;
	}
	p->open = lf->nsocks;
	memset(p->by_state, 0, sizeof(p->by_state));
	memset(p->by_kind, 0, sizeof(p->by_kind));
	p->sent = t->bytes_sent;
	p->received = t->bytes_received;
	for (size_t i = 0; i < lf->nsocks; i++) {
		const struct st_sock *s = &lf->socks[i].s;

		p->by_state[top_sock_class(s)]++;
		p->by_kind[top_sock_kind(s)]++;
		p->sent += s->bytes_sent;
		p->received += s->bytes_received;
		p->sock_site[i] = NULL;
		if (s->forks)
			continue;	/* made up the fork line: that image's site */
		if (!(r = stackref(m, p, s->stack_id, s->made_by)))
			return -1;
		r->open++;
		p->sock_site[i] = r->site;
	}
	/* Sites that made sockets, open or not: their made and closed counts are the point. */
	for (size_t i = 0; i < lf->nmade; i++)
		if (lf->made[i] && !stackref(m, p, (uint32_t)(i + 1), ST_OP_SOCKET))
			return -1;
	p->came = t->sockets_made + t->sockets_arrived + t->sockets_forked_in;
	p->closed = p->came > p->open ? p->came - p->open : 0;
	p->overwritten = lf->hdr.head > lf->hdr.ring_cap ? lf->hdr.head - lf->hdr.ring_cap : 0;
	p->dropped = t->ring_dropped;
	HASH_ITER(hh, p->refs, r, rt)
		r->made = r->id && r->id <= lf->nmade ? lf->made[r->id - 1] : r->open;
	return 0;
}

/* Rates of p against its previous refresh (dt in s); then now becomes previous. */
static void proc_rates(struct top_proc *p, double dt)
{
#define RATE(now, prev) (p->has_prev && dt > 0 && (now) > (prev) ? (double)((now) - (prev)) / dt : 0.0)
	p->made_ps = RATE(p->came, p->came_prev);
	p->closed_ps = RATE(p->closed, p->closed_prev);
	p->sent_ps = RATE(p->sent, p->sent_prev);
	p->received_ps = RATE(p->received, p->received_prev);
#undef RATE
	p->came_prev = p->came;
	p->closed_prev = p->closed;
	p->sent_prev = p->sent;
	p->received_prev = p->received;
	p->has_prev = 1;
}

/* ------------------------------------------------------------------ site totals */

static void site_sample(struct top_model *m, struct top_site *st)
{
	unsigned n, first = 0, fell = 0;
	const struct top_sample *old = NULL;

	st->samp[st->next] = (struct top_sample){ m->now_ns, st->open };
	st->next = (st->next + 1) % TOP_SAMPLES;
	if (st->nsamp < TOP_SAMPLES)
		st->nsamp++;
	n = st->nsamp;
	/* Oldest first: the samples within the last minute. */
	for (unsigned k = 0; k < n; k++) {
		const struct top_sample *s = &st->samp[(st->next + TOP_SAMPLES - n + k) % TOP_SAMPLES];

		if (m->now_ns - s->t_ns > TOP_WINDOW_NS)
			continue;
		if (!old) {
			old = s;
			first = k;
		} else if (s->open < st->samp[(st->next + TOP_SAMPLES - n + k - 1) % TOP_SAMPLES].open &&
			   k > first) {
			fell = 1;
		}
	}
	st->change_1m = old ? (int64_t)st->open - (int64_t)old->open : 0;
	st->window_ns = old ? m->now_ns - old->t_ns : 0;
	st->growing = old && !fell && st->open > old->open;
}

/* Each site's totals from every shown process's stackrefs, and the rates. */
static void sites_total(struct top_model *m, double dt)
{
	for (size_t i = 0; i < m->nsites; i++) {
		struct top_site *st = m->order[i];

		st->open = st->close_wait = st->made_total = st->closed_total = 0;
		st->made_ps = st->closed_ps = 0;
	}
	for (size_t i = 0; i < m->nprocs; i++) {
		struct top_proc *p = m->procs[i];
		struct top_stackref *r, *rt;

		for (size_t k = 0; k < p->lf->nsocks; k++)
			if (p->sock_site[k] && top_sock_class(&p->lf->socks[k].s) == TS_CLOSE_WAIT)
				p->sock_site[k]->close_wait++;
		HASH_ITER(hh, p->refs, r, rt) {
			struct top_site *st = r->site;
			uint64_t closed = r->made > r->open ? r->made - r->open : 0;
			uint64_t closed_prev = r->made_prev > r->open_prev ? r->made_prev - r->open_prev : 0;

			st->open += r->open;
			st->made_total += r->made;
			st->closed_total += closed;
			if (r->has_prev && dt > 0) {
				if (r->made > r->made_prev)
					st->made_ps += (double)(r->made - r->made_prev) / dt;
				if (closed > closed_prev)
					st->closed_ps += (double)(closed - closed_prev) / dt;
			}
			r->made_prev = r->made;
			r->open_prev = r->open;
			r->has_prev = 1;
		}
	}
	for (size_t i = 0; i < m->nsites; i++)
		site_sample(m, m->order[i]);
}

/* Sites no process names any more leave. */
static void sites_prune(struct top_model *m)
{
	size_t k = 0;

	for (size_t i = 0; i < m->nsites; i++) {
		struct top_site *st = m->order[i];

		if (st->nrefs) {
			m->order[k++] = st;
			continue;
		}
		HASH_DEL(m->sites, st);
		callstack_free(st->cs);
		free(st->key);
		free(st);
	}
	m->nsites = k;
}

/* ------------------------------------------------------------------ refresh */

int top_init(struct top_model *m, char **dirs, int ndirs, int pid)
{
	memset(m, 0, sizeof(*m));
	m->dirs = dirs;
	m->ndirs = ndirs;
	m->pid = pid;
	m->stacks = stacks_new();
	m->dir_mtime = calloc(ndirs ? (size_t)ndirs : 1, sizeof(*m->dir_mtime));
	return m->stacks && m->dir_mtime ? 0 : -1;
}

size_t top_running(const struct top_model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nprocs; i++)
		n += m->procs[i]->running;
	return n;
}

int top_refresh(struct top_model *m)
{
	uint64_t cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	double dt;
	size_t k = 0;

	m->prev_ns = m->now_ns;
	m->now_ns = clock_ns(CLOCK_MONOTONIC);
	m->wall_ns = clock_ns(CLOCK_REALTIME);
	dt = m->prev_ns ? (double)(m->now_ns - m->prev_ns) / 1e9 : 0;
	/* A file replaced or removed under us: that image is no longer readable. */
	for (size_t i = 0; i < m->nprocs; i++)
		if (m->procs[i]->running && live_replaced(m->procs[i]->lf))
			proc_end(m, m->procs[i], "its trace file was replaced or removed");
	for (int i = 0; i < m->ndirs; i++)
		if (scan_dir(m, i))
			return -1;
	for (size_t i = 0; i < m->nprocs; i++) {
		struct top_proc *p = m->procs[i];

		if (p->running && live_read(p->lf))
			proc_end(m, p, p->lf->err);
		else if (p->running && consider_slots(m, p))
			return -1;	/* its children forked since, ended or not, each looked at once */
		else if (p->running && !p->lf->running)
			proc_end(m, p, NULL);
		if (p->running && proc_count(m, p))
			return -1;
		proc_rates(p, dt);
	}
	sites_total(m, dt);
	/* Ended processes linger a while, then leave (and are not read again). */
	for (size_t i = 0; i < m->nprocs; i++) {
		struct top_proc *p = m->procs[i];

		if (!p->running && p->ended_for++ >= TOP_LINGER) {
			known_add(m, p->lf->name, p->why_ended[0] ? 0 : p->lf->ino);
			proc_free(m, p);
			continue;
		}
		m->procs[k++] = p;
	}
	m->nprocs = k;
	sites_prune(m);
	m->refreshes++;
	m->refresh_cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	return 0;
}

void top_free(struct top_model *m)
{
	struct top_known *k, *kt;

	for (size_t i = 0; i < m->nprocs; i++)
		proc_free(m, m->procs[i]);
	m->nprocs = 0;
	sites_prune(m);
	HASH_ITER(hh, m->known, k, kt) {
		HASH_DEL(m->known, k);
		free(k->path);
		free(k);
	}
	stacks_free(m->stacks);
	free(m->procs);
	free(m->order);
	free(m->dir_mtime);
	memset(m, 0, sizeof(*m));
}

/*
 * top_screen.c - socktrace top's live screen, with ncurses.
 *
 * Two lists, as top and htop show them: the processes above, the call
 * sites below; Tab moves between them, the arrows choose a row, Enter
 * opens it (its sockets; a site's frames too), Esc goes back, q quits.
 * The model is refreshed every delay, or at once with space; a key is
 * answered at once.  The layout follows the window's size (KEY_RESIZE);
 * colour only when wanted (--color, NO_COLOR) and the terminal has it,
 * else attributes alone (bold, reverse).
 */
#define _GNU_SOURCE
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stack_fmt.h"
#include "top_out.h"

enum view { V_MAIN, V_SITE, V_PROC, V_HELP };
enum pair { P_GROW = 1, P_WAIT, P_HEAD, P_ENDED };

struct screen {
	struct top_model *m;
	struct top_opts *o;
	enum view view, back;	/* back: what the help screen returns to */
	int focus;		/* 0: processes, 1: sites */
	size_t sel[2], top[2];	/* selected row and first row shown, per list */
	size_t dsel, dtop;	/* ... in an opened list */
	char *sel_site;		/* the selected or opened site's key (kept across refreshes) */
	char sel_path[4096];	/* the selected or opened process's file */
	int colors;
	char status[256];	/* a one-refresh message at the bottom */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* attr for pair p when there is colour, else alt. */
static attr_t color_or(const struct screen *s, enum pair p, attr_t alt)
{
	return s->colors ? COLOR_PAIR(p) : alt;
}

/* Line y: text cut to the window's width, padded with attr when fill. */
static void put_line(int y, const char *text, attr_t attr, int fill)
{
	if (y < 0 || y >= LINES)
		return;
	move(y, 0);
	clrtoeol();
	attron(attr);
	addnstr(text, COLS);
	if (fill)
		for (int x = (int)strlen(text); x < COLS; x++)
			addch(' ');
	attroff(attr);
}

/* Keep sel within n rows and top such that sel shows in h rows. */
static void clamp(size_t *sel, size_t *top, size_t n, int h)
{
	if (!n)
		*sel = *top = 0;
	else if (*sel >= n)
		*sel = n - 1;
	if (h < 1)
		h = 1;
	if (*sel < *top)
		*top = *sel;
	if (*sel >= *top + (size_t)h)
		*top = *sel - (size_t)h + 1;
}

/* The remembered selection, found again after a refresh re-sorted the lists. */
static void reselect(struct screen *s)
{
	const struct top_model *m = s->m;

	for (size_t i = 0; s->sel_path[0] && i < m->nprocs; i++)
		if (!strcmp(m->procs[i]->lf->name, s->sel_path))
			s->sel[0] = i;
	for (size_t i = 0; s->sel_site && i < m->nsites; i++)
		if (!strcmp(m->order[i]->key, s->sel_site))
			s->sel[1] = i;
}

/* Remember what is selected now. */
static void remember(struct screen *s)
{
	const struct top_model *m = s->m;

	if (s->sel[0] < m->nprocs)
		snprintf(s->sel_path, sizeof(s->sel_path), "%s", m->procs[s->sel[0]]->lf->name);
	if (s->sel[1] < m->nsites) {
		free(s->sel_site);
		s->sel_site = strdup(m->order[s->sel[1]]->key);
	}
}

static const char *help_line = "q quit  Tab switch  Enter open  Esc back  o w m c g t n p l sort  < > column  "
			       "r reverse  space refresh  h help";

static void draw_main(struct screen *s)
{
	const struct top_model *m = s->m;
	char line[1024];
	int avail = LINES - 3, ph, sh, y = 2;

	top_proc_head(line, sizeof(line));
	/* The lists share the rows between the summary and the key line; the focused one first when few. */
	if (avail < 6) {
		ph = s->focus ? 0 : avail;
		sh = s->focus ? avail : 0;
	} else {
		ph = (int)(m->nprocs ? m->nprocs : 1) + 1;
		if (ph > avail / 3 + 1)
			ph = avail / 3 + 1;
		if (ph < 2)
			ph = 2;
		sh = avail - ph - 1;
	}
	if (ph > 0) {
		put_line(y++, line, (s->focus ? 0 : A_BOLD) | A_REVERSE, 1);
		clamp(&s->sel[0], &s->top[0], m->nprocs, ph - 1);
		for (int r = 0; r < ph - 1; r++, y++) {
			size_t i = s->top[0] + (size_t)r;
			attr_t a = 0;

			if (i >= m->nprocs) {
				put_line(y, "", 0, 0);
				continue;
			}
			top_proc_line(m->procs[i], line, sizeof(line));
			if (!m->procs[i]->running)
				a = color_or(s, P_ENDED, A_DIM);
			if (!s->focus && i == s->sel[0])
				a = A_REVERSE;
			put_line(y, line, a, !s->focus && i == s->sel[0]);
		}
		if (sh > 0)
			put_line(y++, "", 0, 0);
	}
	if (sh > 0) {
		top_site_head(line, sizeof(line));
		put_line(y++, line, (s->focus ? A_BOLD : 0) | A_REVERSE, 1);
		clamp(&s->sel[1], &s->top[1], m->nsites, sh - 1);
		for (int r = 0; r < sh - 1; r++, y++) {
			size_t i = s->top[1] + (size_t)r;
			const struct top_site *st;
			attr_t a = 0;

			if (i >= m->nsites) {
				put_line(y, "", 0, 0);
				continue;
			}
			st = m->order[i];
			top_site_line(st, line, sizeof(line));
			if (st->growing)
				a = color_or(s, P_GROW, A_BOLD) | A_BOLD;
			else if (st->close_wait)
				a = color_or(s, P_WAIT, 0);
			if (s->focus && i == s->sel[1])
				a = A_REVERSE | (st->growing ? A_BOLD : 0);
			put_line(y, line, a, s->focus && i == s->sel[1]);
		}
	}
	while (y < LINES - 1)
		put_line(y++, "", 0, 0);
}

/* A site's frames, as leaks prints them, at most max lines from y; returns the next line. */
static int draw_frames(const struct top_site *st, int y, int max)
{
	char *buf = NULL, *p, *nl;
	size_t len = 0;
	FILE *f;
	int n = 0;

	if (!st->cs) {
		char line[512];

		snprintf(line, sizeof(line), "    creation stack not recorded (%s)", st->why);
		put_line(y++, line, 0, 0);
		return y;
	}
	if (!(f = open_memstream(&buf, &len)))
		return y;
	stack_text(f, st->cs, "    ");
	fclose(f);
	for (p = buf; p && *p && n < max; p = nl ? nl + 1 : NULL, n++) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		put_line(y++, p, 0, 0);
	}
	free(buf);
	return y;
}

/* An opened site or process: its sockets.  Back to the lists when it is gone. */
static void draw_detail(struct screen *s)
{
	const struct top_model *m = s->m;
	const struct top_site *st = NULL;
	const struct top_proc *p = NULL;
	struct top_row *rows;
	size_t n;
	char line[1024], d[16];
	int y = 2, h;

	if (s->view == V_SITE && s->sel_site)
		HASH_FIND_STR(m->sites, s->sel_site, st);
	for (size_t i = 0; s->view == V_PROC && i < m->nprocs; i++)
		if (!strcmp(m->procs[i]->lf->name, s->sel_path))
			p = m->procs[i];
	if (!st && !p) {
		snprintf(s->status, sizeof(s->status), "%s is gone", s->view == V_SITE ? "that call site" : "that process");
		s->view = V_MAIN;
		draw_main(s);
		return;
	}
	if (st) {
		snprintf(line, sizeof(line), "%s%s: %llu open, %llu CLOSE_WAIT, change %+lld over %s",
			 st->growing ? "GROWS  " : "", st->label, (unsigned long long)st->open,
			 (unsigned long long)st->close_wait, (long long)st->change_1m,
			 top_dur(st->window_ns, d, sizeof(d)));
		put_line(y++, line, A_BOLD | (st->growing ? color_or(s, P_GROW, 0) : 0), 0);
		y = draw_frames(st, y, LINES / 3 > 2 ? LINES / 3 : 2);
	} else {
		snprintf(line, sizeof(line), "pid %d %s  %s%s  %llu open  (%s)", p->pid, p->lf->hdr.exe,
			 p->running ? "running" : "ended", p->why_ended[0] ? ": " : "", (unsigned long long)p->open,
			 p->lf->name);
		if (p->why_ended[0])
			snprintf(line, sizeof(line), "pid %d %s  ended: %s", p->pid, p->lf->hdr.exe, p->why_ended);
		put_line(y++, line, A_BOLD, 0);
	}
	if (top_socks(m, st, p, &rows, &n)) {
		snprintf(s->status, sizeof(s->status), "out of memory");
		return;
	}
	top_sock_head(line, sizeof(line));
	put_line(y++, line, A_REVERSE | A_BOLD, 1);
	h = LINES - 1 - y;
	clamp(&s->dsel, &s->dtop, n, h);
	for (int r = 0; r < h; r++, y++) {
		size_t i = s->dtop + (size_t)r;

		if (i >= n) {
			put_line(y, "", 0, 0);
			continue;
		}
		top_sock_line(m, &rows[i], line, sizeof(line));
		put_line(y, line, i == s->dsel ? A_REVERSE : 0, i == s->dsel);
	}
	free(rows);
	while (y < LINES - 1)
		put_line(y++, "", 0, 0);
}

static void draw_help(void)
{
	static const char *const lines[] = {
		"socktrace top: keys",
		"",
		"  q            quit",
		"  Tab          switch between the process list and the call-site list",
		"  Up/Down j/k  choose a row;  PgUp/PgDn, Home/End",
		"  Enter        open the process or call site: its sockets (pid, fd, role, state,",
		"               age, idle time, bytes, addresses); a site shows its frames too",
		"  Esc, Left    back to the lists",
		"  o  w  m  c   sort by open, CLOSE_WAIT, made/s, closed/s",
		"  g  t  n      sites by their change over the last minute, made in total, name",
		"  p  l  n      processes by pid, events lost, name",
		"  <  >         sort by the previous or next column;  r reverses",
		"  space        refresh now",
		"",
		"TREND 'grows': the site's open count rose over the last minute and never fell.",
		"S: R running, E ended (shown a few refreshes, then gone).",
		"",
		"Any key returns.",
	};
	int y = 2;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]) && y < LINES - 1; i++)
		put_line(y++, lines[i], i == 0 ? A_BOLD : 0, 0);
	while (y < LINES - 1)
		put_line(y++, "", 0, 0);
}

static void draw(struct screen *s)
{
	char line[1024];

	top_title(s->m, s->o, line, sizeof(line));
	put_line(0, line, A_BOLD, 0);
	top_summary(s->m, line, sizeof(line));
	put_line(1, line, 0, 0);
	if (s->view == V_MAIN)
		draw_main(s);
	else if (s->view == V_HELP)
		draw_help();
	else
		draw_detail(s);
	put_line(LINES - 1, s->status[0] ? s->status : help_line, s->status[0] ? A_BOLD : A_DIM, 0);
	refresh();
}

/* A sort key for the focused list: 0 when it took it. */
static int sort_key(struct screen *s, int ch)
{
	static const struct { int ch; int list; int key; } keys[] = {
		{ 'o', 0, PK_OPEN }, { 'w', 0, PK_CLOSE_WAIT }, { 'm', 0, PK_MADE }, { 'c', 0, PK_CLOSED },
		{ 'p', 0, PK_PID }, { 'l', 0, PK_LOST }, { 'n', 0, PK_NAME },
		{ 'o', 1, SK_OPEN }, { 'w', 1, SK_CLOSE_WAIT }, { 'm', 1, SK_MADE }, { 'c', 1, SK_CLOSED },
		{ 'g', 1, SK_CHANGE }, { 't', 1, SK_TOTAL }, { 'n', 1, SK_NAME },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (keys[i].ch != ch || keys[i].list != s->focus)
			continue;
		if (s->focus)
			s->o->skey = (enum top_skey)keys[i].key;
		else
			s->o->pkey = (enum top_pkey)keys[i].key;
		return 0;
	}
	snprintf(s->status, sizeof(s->status), "'%c' does not sort the %s", ch, s->focus ? "call sites" : "processes");
	return -1;
}

/* Move the selection of the list shown by d rows (PgUp/PgDn: a page). */
static void move_sel(struct screen *s, long d)
{
	size_t *sel = s->view == V_MAIN ? &s->sel[s->focus] : &s->dsel;

	if (d < 0)
		*sel = (size_t)-d > *sel ? 0 : *sel - (size_t)-d;
	else
		*sel += (size_t)d;	/* clamped when drawn */
	if (s->view == V_MAIN)
		remember(s);
}

/* Answer key ch; 1 to quit, 2 to refresh now. */
static int key(struct screen *s, int ch)
{
	int page = LINES > 8 ? LINES / 2 : 1;

	s->status[0] = 0;
	if (s->view == V_HELP) {
		s->view = s->back;
		return ch == 'q' ? 1 : 0;
	}
	switch (ch) {
	case 'q': case 'Q': return 1;
	case ' ': return 2;
	case 'h': case '?': s->back = s->view; s->view = V_HELP; return 0;
	case '\t': case KEY_BTAB:
		if (s->view == V_MAIN)
			s->focus = !s->focus;
		return 0;
	case KEY_UP: case 'k': move_sel(s, -1); return 0;
	case KEY_DOWN: case 'j': move_sel(s, 1); return 0;
	case KEY_PPAGE: move_sel(s, -page); return 0;
	case KEY_NPAGE: move_sel(s, page); return 0;
	case KEY_HOME: move_sel(s, -(long)1e9); return 0;
	case KEY_END: move_sel(s, (long)1e9); return 0;
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT:
		if (s->view != V_MAIN)
			return 0;
		remember(s);
		if (s->focus ? s->sel[1] >= s->m->nsites : s->sel[0] >= s->m->nprocs)
			return 0;
		s->view = s->focus ? V_SITE : V_PROC;
		s->dsel = s->dtop = 0;
		return 0;
	case 27: case KEY_LEFT: case KEY_BACKSPACE: case 127:
		s->view = V_MAIN;
		return 0;
	case '<': case '>': {
		int n = s->focus ? SK_N : PK_N, k = s->focus ? (int)s->o->skey : (int)s->o->pkey;

		k = (k + (ch == '>' ? 1 : n - 1)) % n;
		if (s->focus)
			s->o->skey = (enum top_skey)k;
		else
			s->o->pkey = (enum top_pkey)k;
		break;
	}
	case 'r': case 'R':
		if (s->focus)
			s->o->srev = !s->o->srev;
		else
			s->o->prev = !s->o->prev;
		break;
	case KEY_RESIZE:
		return 0;
	default:
		if (ch > 0 && ch < 128 && sort_key(s, ch))
			return 0;
		if (!(ch > 0 && ch < 128))
			return 0;
		break;
	}
	/* A new order: sort now, keeping the selection. */
	top_sort(s->m, s->o->pkey, s->o->prev, s->o->skey, s->o->srev);
	reselect(s);
	return 0;
}

int top_screen(struct top_model *m, struct top_opts *o, long iters)
{
	struct screen s = { .m = m, .o = o };
	struct sigaction sa = { 0 };
	uint64_t next;
	int rc = 0, done = 0;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (!initscr()) {
		fprintf(stderr, "socktrace top: cannot set up the terminal\n");
		return 1;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (o->color && has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(P_GROW, COLOR_RED, -1);
		init_pair(P_WAIT, COLOR_YELLOW, -1);
		init_pair(P_HEAD, COLOR_BLACK, COLOR_CYAN);
		init_pair(P_ENDED, COLOR_BLUE, -1);
		s.colors = 1;
	}
	top_sort(m, o->pkey, o->prev, o->skey, o->srev);
	remember(&s);
	next = mono_ns() + (uint64_t)(o->delay_s * 1e9);
	draw(&s);
	while (!done && !stop) {
		uint64_t now = mono_ns();
		int ch, what = 0;

		timeout(now >= next ? 0 : (int)((next - now) / 1000000u) + 1);
		ch = getch();
		if (ch != ERR)
			what = key(&s, ch);
		if (what == 1)
			break;
		if (what == 2 || mono_ns() >= next) {
			if (top_refresh(m)) {
				rc = 1;
				break;
			}
			top_sort(m, o->pkey, o->prev, o->skey, o->srev);
			reselect(&s);
			next = mono_ns() + (uint64_t)(o->delay_s * 1e9);
			if (iters && m->refreshes > (unsigned long)iters)
				done = 1;
		}
		draw(&s);
	}
	endwin();
	free(s.sel_site);
	if (rc)
		fprintf(stderr, "socktrace top: out of memory\n");
	return rc;
}

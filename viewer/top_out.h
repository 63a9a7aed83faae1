/*
 * top_out.h - what `socktrace top` prints: the lines both its text
 * snapshot (--once) and its screen show, the JSON snapshot, the screen.
 */
#ifndef SOCKTRACE_TOP_OUT_H
#define SOCKTRACE_TOP_OUT_H

#include <stdio.h>

#include "top_model.h"

/* The screen's settings and what the command line chose. */
struct top_opts {
	double delay_s;		/* -d: seconds between refreshes */
	int color;		/* colour wanted (--color, NO_COLOR) */
	enum top_pkey pkey;
	enum top_skey skey;
	int prev, srev;		/* reversed orders */
};

/*
 * One line each, into buf (n bytes), without a newline: the column
 * headers and the rows of the process list, the site list and a socket
 * list; the summary line.  Widths are fixed but for the last column
 * (the command, the site, the addresses), which takes what is left.
 */
void top_proc_head(char *buf, size_t n);
void top_proc_line(const struct top_proc *p, char *buf, size_t n);
void top_site_head(char *buf, size_t n);
void top_site_line(const struct top_site *st, char *buf, size_t n);
void top_sock_head(char *buf, size_t n);
void top_sock_line(const struct top_model *m, const struct top_row *r, char *buf, size_t n);
void top_summary(const struct top_model *m, char *buf, size_t n);

/* The title line: "socktrace top  HH:MM:SS  N running, M ended  every D s" (wall clock, local). */
void top_title(const struct top_model *m, const struct top_opts *o, char *buf, size_t n);

/* A duration in at most 6 characters: "950ms", "12.3s", "5m03s", "2h05m", "3d04h". */
char *top_dur(uint64_t ns, char *out, size_t n);

/* --once: the title, summary, both lists, and each growing site's sockets, as text. */
int top_text(FILE *out, const struct top_model *m, const struct top_opts *o);

/* --json: one snapshot (README: "socktrace top", JSON).  -1 when out of memory. */
int top_json(FILE *out, const struct top_model *m);

/*
 * The live screen (ncurses) until q (or after iters refreshes, 0: no
 * limit): refreshes m every o->delay_s.  Returns the exit status (0; 1
 * when the terminal could not be set up or memory ran out).
 */
int top_screen(struct top_model *m, struct top_opts *o, long iters);

#endif

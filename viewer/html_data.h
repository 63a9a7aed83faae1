/*
 * html_data.h - what the HTML report draws, taken from the model: the
 * processes as lanes, each connection's life (birth to the last
 * reference's release), how it ended, its creation call site, the marks
 * along it, the links between processes, the findings, the notices; the
 * text report's own words for the connections there is room for.
 */
#ifndef SOCKTRACE_HTML_DATA_H
#define SOCKTRACE_HTML_DATA_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

/* How a connection ended, as the picture colours it (the JSON's "k" codes). */
enum html_ending {
	HE_WE_FIN = 0,		/* this side sent FIN first (shutdown or final close before the peer's EOF) */
	HE_PEER_FIN,		/* the peer's FIN came first (a read returned 0) */
	HE_RESET,		/* RST: unread data or SO_LINGER {1, 0} at the final close, or a reset seen */
	HE_OPEN,		/* never released: still open in a running process, or held outside the trace */
	HE_LEAKED,		/* open at exit: its last reference went with its process */
	HE_OTHER,		/* listeners, datagrams, never connected, not known */
};

/* Marks along a bar (the JSON's mark kinds). */
enum html_mark {
	HM_SHUTDOWN = 0,	/* shutdown() */
	HM_PEER_EOF,		/* the peer's FIN seen: a read returned 0 */
	HM_CLOSE_NOT_LAST,	/* a close that left other references */
	HM_FINDING,		/* a finding of the audit names it here */
};

/* The bytes of text (the report's own blocks) the file embeds at most, past the picture's data. */
#define HTML_DETAIL_BUDGET	(1u << 20)
/* Findings whose message the page embeds (the first, in time order); the rest keep kind, place and id. */
#define HTML_MESSAGES_MAX	1000
/* One connection's block at most (a listener's thousands of accepts are cut there). */
#define HTML_BLOCK_MAX		(48u << 10)
/* Creation sites named in the picture; the rest are one group. */
#define HTML_SITES_NAMED	8

/* How c ended, from its fate, its TCP states and its marks. */
enum html_ending html_ending(const struct conn *c);

struct json;
struct html_site;

/* html_detail.c: when every process's timelines are complete (m->t0 when none lost history). */
uint64_t html_history_from(const struct model *m);

/* html_detail.c: "notice" (the lost-history lines) and "summary" members; -1 when out of memory. */
int html_text_json(struct json *j, const struct model *m);

/* html_detail.c: site st's "stack" member (its text, or null past the first ranks); -1: no memory. */
int html_site_stack_json(struct json *j, const struct model *m, const struct html_site *st, size_t rank);

/*
 * html_detail.c: "detail" (the report's block of each connection there
 * is room for: [index, text, [event times], [event line offsets]]),
 * "desc" (per connection: -1 when its block is there, else an index in
 * "descs", the distinct role-and-addresses words).  -1 when out of memory.
 */
int html_detail_json(struct json *j, const struct model *m);

/*
 * html_page.c: the whole page (the template, its style and script, the
 * data) on out.  Returns 0, or -1 when out of memory.
 */
int html_page_write(FILE *out, const struct model *m);

/*
 * The picture's data as one JSON document (safe inside an HTML
 * <script>) on out.  Returns 0, or -1 when out of memory.
 */
int html_data_write(FILE *out, const struct model *m);

#endif

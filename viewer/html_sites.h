/*
 * html_sites.h - the creation call sites of the HTML report's picture of
 * open sockets: one group per symbolised creation stack (as socktrace
 * leaks groups), ranked by the most sockets open at once.
 */
#ifndef SOCKTRACE_HTML_SITES_H
#define SOCKTRACE_HTML_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "callstack.h"
#include "html_data.h"
#include "model.h"

struct html_site {
	const struct callstack *cs;	/* NULL: creation stack not recorded */
	char label[256];		/* for a named site: "function file:line < caller ..." */
	size_t n;			/* connections made there */
	size_t peak;			/* the most open at once */
	size_t first;			/* its first connection (index in m->conns) */
	size_t slot;			/* its place in the picture: rank, or named for the rest's group */
};

struct html_sites {
	struct html_site *sites;	/* in order of first connection */
	size_t n;
	size_t *rank;			/* site indices, largest peak first */
	size_t named;			/* the first named of rank are drawn apart; the others as one */
	size_t *conn_site;		/* per connection (m->conns order): its site */
};

/*
 * Group m's connections by creation site and rank them, with each
 * connection's life: born[i] to end[i] (0: not released), in ns.
 * Returns 0, or -1 when out of memory.
 */
int html_sites_build(struct html_sites *hs, const struct model *m, const uint64_t *born,
		     const uint64_t *end);

void html_sites_free(struct html_sites *hs);

#endif

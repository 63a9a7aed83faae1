/*
 * html_page.c - the HTML report as one self-contained file: the page
 * (viewer/html/report.html) with its style, its data and its script put
 * where its markers say.  Nothing is fetched: the page's
 * Content-Security-Policy forbids any load, so it opens from disk alike
 * anywhere.
 */
#define _GNU_SOURCE
#include <string.h>

#include "html_data.h"

/* html_assets.S: each file's bytes, NUL-terminated. */
extern const char st_html_page[], st_html_css[], st_html_js[];

/*
 * The page from *at up to marker (or its end) on out; *at moves past the
 * marker.  Returns 1 when the marker was there, 0 at the page's end.
 */
static int up_to(FILE *out, const char **at, const char *marker)
{
	const char *m = strstr(*at, marker);

	if (!m) {
		fputs(*at, out);
		*at += strlen(*at);
		return 0;
	}
	fwrite(*at, 1, (size_t)(m - *at), out);
	*at = m + strlen(marker);
	return 1;
}

int html_page_write(FILE *out, const struct model *m)
{
	const char *at = st_html_page;

	/* The markers come in this order in report.html; a missing one is a build mistake, said so. */
	if (!up_to(out, &at, "@@CSS@@"))
		return fprintf(stderr, "socktrace: report.html has no @@CSS@@\n"), -1;
	fputs(st_html_css, out);
	if (!up_to(out, &at, "@@DATA@@"))
		return fprintf(stderr, "socktrace: report.html has no @@DATA@@\n"), -1;
	if (html_data_write(out, m))
		return -1;
	if (!up_to(out, &at, "@@JS@@"))
		return fprintf(stderr, "socktrace: report.html has no @@JS@@\n"), -1;
	fputs(st_html_js, out);
	up_to(out, &at, "\1");	/* the rest */
	return 0;
}

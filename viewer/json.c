/*
 * json.c - the writer behind report --json.
 */
#define _GNU_SOURCE
#include "json.h"

#include <inttypes.h>
#include <string.h>

void json_init(struct json *j, FILE *out, int indent)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->indent = indent;
}

static void newline(struct json *j)
{
	static const char spaces[] = "                                                                ";
	int n;

	if (!j->indent)
		return;
	putc_unlocked('\n', j->out);
	for (n = j->depth * j->indent; n > 0; n -= (int)sizeof(spaces) - 1)
		fwrite_unlocked(spaces, 1, n < (int)sizeof(spaces) - 1 ? (size_t)n : sizeof(spaces) - 1, j->out);
}

/* Does c need an escape in a JSON string (and, html_safe, inside an HTML <script>)? */
static int needs_escape(unsigned char c, int html_safe)
{
	return c == '"' || c == '\\' || c < 0x20 || c == 0x7f || (html_safe && c == '<');
}

/* s as a JSON string: runs of plain bytes written at once (reports are mostly keys and numbers). */
static void put_escaped(struct json *j, const char *s, size_t n)
{
	size_t run = 0;

	putc_unlocked('"', j->out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!needs_escape(c, j->html_safe))
			continue;
		fwrite_unlocked(s + run, 1, i - run, j->out);
		run = i + 1;
		switch (c) {
		case '"': fputs_unlocked("\\\"", j->out); break;
		case '\\': fputs_unlocked("\\\\", j->out); break;
		case '\n': fputs_unlocked("\\n", j->out); break;
		case '\t': fputs_unlocked("\\t", j->out); break;
		case '\r': fputs_unlocked("\\r", j->out); break;
		default:
			/* Control bytes escaped; bytes >= 0x80 pass as-is (paths are bytes). */
			fprintf(j->out, "\\u%04x", c);
		}
	}
	fwrite_unlocked(s + run, 1, n - run, j->out);
	putc_unlocked('"', j->out);
}

/* Comma, indentation and key before any member. */
static void member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->count[j->depth]++)
			fputc(',', j->out);
		newline(j);
	}
	if (key) {
		put_escaped(j, key, strlen(key));
		fputs(j->indent ? ": " : ":", j->out);
	}
}

static void open_c(struct json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_c(struct json *j, char c)
{
	int had = j->count[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had)
		newline(j);
	fputc(c, j->out);
}

void json_obj(struct json *j, const char *key) { open_c(j, key, '{'); }
void json_arr(struct json *j, const char *key) { open_c(j, key, '['); }
void json_end_obj(struct json *j) { close_c(j, '}'); }
void json_end_arr(struct json *j) { close_c(j, ']'); }

void json_strn(struct json *j, const char *key, const char *s, size_t n)
{
	member(j, key);
	put_escaped(j, s, n);
}

void json_str(struct json *j, const char *key, const char *s)
{
	if (!s) {
		json_null(j, key);
		return;
	}
	json_strn(j, key, s, strlen(s));
}

void json_int(struct json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->out, "%" PRId64, v);
}

void json_uint(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->out, "%" PRIu64, v);
}

void json_fixed(struct json *j, const char *key, double v, int decimals)
{
	member(j, key);
	if (v != v || v > 1e18 || v < -1e18)	/* NaN or absurd: JSON has no such number */
		fputs("null", j->out);
	else
		fprintf(j->out, "%.*f", decimals, v);
}

void json_bool(struct json *j, const char *key, int v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->out);
}

void json_uint_or_null(struct json *j, const char *key, int has, uint64_t v)
{
	if (has)
		json_uint(j, key, v);
	else
		json_null(j, key);
}

void json_int_or_null(struct json *j, const char *key, int has, int64_t v)
{
	if (has)
		json_int(j, key, v);
	else
		json_null(j, key);
}

void json_done(struct json *j)
{
	fputc('\n', j->out);
}

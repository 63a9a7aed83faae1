/*
 * json.c - the writer behind report --json.
 */
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
	if (!j->indent)
		return;
	fputc('\n', j->out);
	for (int i = 0; i < j->depth * j->indent; i++)
		fputc(' ', j->out);
}

static void put_escaped(struct json *j, const char *s, size_t n)
{
	fputc('"', j->out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': fputs("\\\"", j->out); break;
		case '\\': fputs("\\\\", j->out); break;
		case '\n': fputs("\\n", j->out); break;
		case '\t': fputs("\\t", j->out); break;
		case '\r': fputs("\\r", j->out); break;
		default:
			/* Control bytes escaped; bytes >= 0x80 pass as-is (paths are bytes). */
			if (c < 0x20 || c == 0x7f)
				fprintf(j->out, "\\u%04x", c);
			else
				fputc(c, j->out);
		}
	}
	fputc('"', j->out);
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

/*
 * json.h - a streaming JSON writer: constant memory however large the
 * trace, strings escaped per RFC 8259, commas placed for the caller.
 */
#ifndef SOCKTRACE_JSON_H
#define SOCKTRACE_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH 32

struct json {
	FILE *out;
	int depth;
	int count[JSON_DEPTH];	/* members written at each level */
	int indent;		/* pretty-print with this many spaces; 0 = compact */
	int html_safe;		/* escape '<' too (\u003c): the text can sit inside an HTML <script> */
};

void json_init(struct json *j, FILE *out, int indent);

/* Containers; key is NULL inside arrays and at the top. */
void json_obj(struct json *j, const char *key);
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);

/* Members.  json_str with s == NULL writes null. */
void json_str(struct json *j, const char *key, const char *s);
void json_strn(struct json *j, const char *key, const char *s, size_t n);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, int v);
/* A number with a fraction, decimals digits after the point (null when not finite). */
void json_fixed(struct json *j, const char *key, double v, int decimals);
void json_null(struct json *j, const char *key);

/* v when has, else null: members that are absent for some records. */
void json_uint_or_null(struct json *j, const char *key, int has, uint64_t v);
void json_int_or_null(struct json *j, const char *key, int has, int64_t v);

/* Finish the document with a newline. */
void json_done(struct json *j);

#endif

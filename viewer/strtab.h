/*
 * strtab.h - distinct strings, each kept once and numbered in the order
 * first seen: what lets the HTML report's data say a string repeated
 * 100,000 times once (an id's "PID:" prefix, a header's words).
 */
#ifndef SOCKTRACE_STRTAB_H
#define SOCKTRACE_STRTAB_H

#include <stddef.h>

struct strtab_ent;
struct json;

struct strtab {
	struct strtab_ent *set;		/* uthash head, by string */
	struct strtab_ent **order;	/* by number */
	size_t n, cap;
};

/* s's number, adding a copy of it when new; -1 when out of memory.  t starts zeroed. */
long strtab_index(struct strtab *t, const char *s);

/* The strings as a JSON array member key, in number order. */
void strtab_json(struct json *j, const char *key, const struct strtab *t);

void strtab_free(struct strtab *t);

#endif

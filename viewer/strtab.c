/*
 * strtab.c - distinct strings, numbered (strtab.h).
 */
#define _GNU_SOURCE
#include "strtab.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "json.h"
#include "model.h"

struct strtab_ent {
	char *s;		/* owned */
	size_t i;
	UT_hash_handle hh;
};

long strtab_index(struct strtab *t, const char *s)
{
	struct strtab_ent *e;

	HASH_FIND_STR(t->set, s, e);
	if (e)
		return (long)e->i;
	if (model_grow((void **)&t->order, t->n, &t->cap, sizeof(*t->order)) || !(e = calloc(1, sizeof(*e))))
		return -1;
	if (!(e->s = strdup(s))) {
		free(e);
		return -1;
	}
	e->i = t->n;
	t->order[t->n++] = e;
	HASH_ADD_KEYPTR(hh, t->set, e->s, strlen(e->s), e);
	return (long)e->i;
}

void strtab_json(struct json *j, const char *key, const struct strtab *t)
{
	json_arr(j, key);
	for (size_t i = 0; i < t->n; i++)
		json_str(j, NULL, t->order[i]->s);
	json_end_arr(j);
}

void strtab_free(struct strtab *t)
{
	struct strtab_ent *e, *tmp;

	HASH_ITER(hh, t->set, e, tmp) {
		HASH_DEL(t->set, e);
		free(e->s);
		free(e);
	}
	free(t->order);
	memset(t, 0, sizeof(*t));
}

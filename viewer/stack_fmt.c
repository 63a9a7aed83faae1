/*
 * stack_fmt.c - writing symbolised stacks.
 */
#define _GNU_SOURCE
#include "stack_fmt.h"

#include <string.h>

/* The last component of a source path: what a reader looks for in a frame. */
static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Has a frame before i already named this module's reason? */
static int said_before(const struct callstack *cs, size_t i)
{
	const struct frame *fr = &cs->frames[i];

	for (size_t k = 0; k < i; k++) {
		const struct frame *o = &cs->frames[k];

		if (!o->nsrc && o->why == fr->why &&
		    (o->module == fr->module || (o->module && fr->module && !strcmp(o->module, fr->module))))
			return 1;
	}
	return 0;
}

void stack_text(FILE *out, const struct callstack *cs, const char *indent)
{
	const char *word = "at";

	for (size_t i = 0; i < cs->n; i++) {
		const struct frame *fr = &cs->frames[i];

		if (!fr->nsrc) {
			fprintf(out, "%s%s 0x%llx: ??? (in %s+0x%llx)\n", indent, word,
				(unsigned long long)fr->ip, fr->module ? fr->module : "?",
				(unsigned long long)(fr->module ? fr->offset : fr->ip));
			word = "by";
			continue;
		}
		for (size_t k = 0; k < fr->nsrc; k++) {
			const struct sym_src *s = &fr->src[k];

			fprintf(out, "%s%s 0x%llx: %s", indent, word, (unsigned long long)fr->ip,
				s->function ? s->function : "???");
			if (s->file && s->line)
				fprintf(out, " (%s:%d)", base(s->file), s->line);
			else if (s->file)
				fprintf(out, " (%s)", base(s->file));
			else if (fr->module)
				fprintf(out, " (in %s)", fr->module);
			fputs(s->inlined ? " (inlined)\n" : "\n", out);
			word = "by";
		}
	}
	if (cs->truncated)
		fprintf(out, "%s... (deeper frames not recorded: SOCKTRACE_STACK_DEPTH)\n", indent);
	for (size_t i = 0; i < cs->n; i++) {
		const struct frame *fr = &cs->frames[i];

		if (!fr->nsrc && fr->why && !said_before(cs, i))
			fprintf(out, "%s(%s: %s)\n", indent, fr->module ? fr->module : "address", fr->why);
	}
}

static void frame_json(struct json *j, const struct frame *fr, const struct sym_src *s)
{
	json_obj(j, NULL);
	json_str(j, "function", s ? s->function : NULL);
	json_str(j, "file", s ? s->file : NULL);
	json_int_or_null(j, "line", s && s->line, s ? s->line : 0);
	json_str(j, "module", fr->module);
	json_uint_or_null(j, "offset", fr->module != NULL, fr->offset);
	json_uint(j, "ip", fr->ip);
	json_bool(j, "inlined", s && s->inlined);
	json_str(j, "note", s ? NULL : fr->why);
	json_end_obj(j);
}

void stack_json(struct json *j, const char *key, const struct callstack *cs)
{
	if (!cs) {
		json_null(j, key);
		return;
	}
	json_arr(j, key);
	for (size_t i = 0; i < cs->n; i++) {
		const struct frame *fr = &cs->frames[i];

		if (!fr->nsrc)
			frame_json(j, fr, NULL);
		for (size_t k = 0; k < fr->nsrc; k++)
			frame_json(j, fr, &fr->src[k]);
	}
	json_end_arr(j);
}

/* "function file:line" of source frame s into out (n bytes); 0, or -1 when s names no function. */
static int frame_label(const struct sym_src *s, char *out, size_t n)
{
	const char *file = s->file ? strrchr(s->file, '/') : NULL;

	if (!s->function)
		return -1;
	file = file ? file + 1 : s->file;
	if (file && s->line)
		snprintf(out, n, "%s %s:%d", s->function, file, s->line);
	else if (file)
		snprintf(out, n, "%s %s", s->function, file);
	else
		snprintf(out, n, "%s", s->function);
	return 0;
}

char *callstack_label(const struct callstack *cs, unsigned depth, char *out, size_t n)
{
	size_t o = 0;
	unsigned got = 0;

	if (!cs || !cs->n) {
		snprintf(out, n, "(creation stack not recorded)");
		return out;
	}
	out[0] = 0;
	for (size_t i = 0; i < cs->n && got < depth; i++) {
		const struct frame *fr = &cs->frames[i];

		for (size_t k = 0; k < fr->nsrc && got < depth; k++) {
			char one[200];

			if (frame_label(&fr->src[k], one, sizeof(one)))
				continue;
			o += (size_t)snprintf(out + o, n - o, "%s%s", got ? " < " : "", one);
			if (o >= n)
				return out;
			got++;
		}
	}
	if (!got)
		snprintf(out, n, "??? (in %s+0x%llx)", cs->frames[0].module ? cs->frames[0].module : "?",
			 (unsigned long long)(cs->frames[0].module ? cs->frames[0].offset : cs->frames[0].ip));
	return out;
}

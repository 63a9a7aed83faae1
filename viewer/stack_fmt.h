/*
 * stack_fmt.h - a symbolised stack written out: valgrind-like text lines,
 * or a JSON array of frames.
 */
#ifndef SOCKTRACE_STACK_FMT_H
#define SOCKTRACE_STACK_FMT_H

#include <stdio.h>

#include "callstack.h"
#include "json.h"

/*
 * "<indent>at 0x...: function (file.c:123)", then "by" for each caller,
 * "(inlined)" after inlined frames, "??? (in MODULE+0xOFF)" for frames
 * not symbolised, and after the frames one line per reason a module could
 * not be symbolised.
 */
void stack_text(FILE *out, const struct callstack *cs, const char *indent);

/*
 * key: [{function, file, line, module, offset, ip, inlined, note}...], one
 * element per source frame; null when cs is NULL.
 */
void stack_json(struct json *j, const char *key, const struct callstack *cs);

/*
 * A one-line name for cs into out (n bytes): "function file:line" of the
 * first frame that names a function (the app's call, as leaks shows it
 * first), then, with depth > 1, its callers' ("< caller file:line");
 * "??? (in MODULE+0xOFF)" when no frame names one; "(creation stack not
 * recorded)" for NULL.  Returns out.
 */
char *callstack_label(const struct callstack *cs, unsigned depth, char *out, size_t n);

#endif

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

#endif

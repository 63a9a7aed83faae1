/*
 * hints.h - plain-words hints for failed calls.
 */
#ifndef SOCKTRACE_HINTS_H
#define SOCKTRACE_HINTS_H

#include "trace_read.h"

/* What a failed call (or a failed connect completion) means; NULL when no hint. */
const char *failure_hint(const struct trace_rec *r);

#endif

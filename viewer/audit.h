/*
 * audit.h - the findings, the last stage: it reads the replayed and
 * derived model and writes only m->findings.
 */
#ifndef SOCKTRACE_AUDIT_H
#define SOCKTRACE_AUDIT_H

#include "model.h"

/* audit.c: the findings, from the replayed model (m->findings).  -1 when out of memory. */
int audit_run(struct model *m);

/*
 * audit_data.c: close-wait and write-after-peer-close (called by
 * audit_run).  add_finding is audit.c's, for it.
 */
int audit_data(struct model *m);
int add_finding(struct model *m, const char *kind, enum severity sev, int pid, int fd,
		uint64_t inode, uint64_t t, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
/* c in words for a finding: its family, role and addresses. */
void conn_desc(const struct conn *c, char *out, size_t n);

#endif

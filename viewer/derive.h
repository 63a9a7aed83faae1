/*
 * derive.h - what follows from the replayed model, after the replay and
 * before the audit: each connection's fate (ends.h), its data path
 * (conn_data), the leak rule (leak_rule.h), the socket counts (history.h).
 */
#ifndef SOCKTRACE_DERIVE_H
#define SOCKTRACE_DERIVE_H

#include "model.h"

/*
 * conn_data.c: bytes, activity, EOF, connect latency, TCP_INFO and the
 * lookup of each connection, from the records and the files' counter
 * sections.  After the replay (the TCP states are the replay's).
 */
void conn_data(struct model *m);

#endif

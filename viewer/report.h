/*
 * report.h - the two renderings of a model: a terminal timeline and JSON.
 */
#ifndef SOCKTRACE_REPORT_H
#define SOCKTRACE_REPORT_H

#include <stdio.h>

#include "leaks.h"
#include "model.h"

/* Timeline per connection, then a summary.  color: use ANSI colours. */
void report_text(FILE *out, const struct model *m, int color);

/* The JSON document described in README.md ("JSON schema"). */
void report_json(FILE *out, const struct model *m);

/* The audit's findings, one paragraph each, and their count by severity. */
void report_findings(FILE *out, const struct model *m, int color);

/* {format_version, findings[], summary}: socktrace audit --json. */
void report_findings_json(FILE *out, const struct model *m);

/* socktrace leaks: each group's stack, then its sockets; a closing count. */
void report_leaks(FILE *out, const struct model *m, const struct leak_report *lr);

/* {format_version, at_t_ns, t0_ns, leaks[] {stack, stack_note, count, connections[]}, summary}. */
void report_leaks_json(FILE *out, const struct model *m, const struct leak_report *lr);

/* The summary line alone (for `socktrace run`). */
void report_summary(FILE *out, const struct model *m, int color);

struct json;

/* id_key: the socket's id ("PID:SERIAL", keys.c), inode_key: its kernel inode or null. */
void sock_id_json(struct json *j, const struct model *m, const char *id_key, const char *inode_key,
		  uint64_t key);

/* "processes": [{pid, file, events_lost, history_lost_before_t_ns}] (audit's and leaks' JSON). */
void history_procs_json(struct json *j, const struct model *m);

/* "root", "fork", "exec". */
const char *origin_name(unsigned origin);
/* How p began, as the reader means it: "fork" also for a fork child that held no socket then. */
const char *proc_origin_name(const struct proc *p);

/*
 * The name the user gave p: its argv[0] ("redis-server"), not the file a
 * symlink led to (exe, "/usr/bin/redis-check-rdb"); exe when argv is
 * empty, "?" when both are.
 */
const char *proc_name(const struct proc *p);

/*
 * How p ended, in words, into out (n bytes): "exited with status 0 at
 * +0.1 s", "exec'd NAME at ...", "killed by SIGKILL (reaped by socktrace
 * run) at ...", "still running when the trace ends (no exit seen)".
 * Returns out.
 */
char *proc_end_str(const struct model *m, const struct proc *p, char *out, size_t n);

/* The JSON members that say what t_ns values are: clock, t0_ns, t0_wall_ns. */
struct json;
void json_time_base(struct json *j, const struct model *m);

/*
 * The call as the app made it, strace-like: "connect(3, 127.0.0.1:80)".
 * Returns out (size n).
 */
char *ev_call_str(const struct ev *e, char *out, size_t n);

/*
 * The host and service of a lookup record (its ST_ADDR_NAME entry) into
 * host (hcap bytes) and serv (scap bytes), cut to fit; returns the
 * ST_NAME_* flags, -1 if none.
 */
int ev_names(const struct trace_rec *r, char *host, size_t hcap, char *serv, size_t scap);

#endif

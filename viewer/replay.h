/*
 * replay.h - the one pass over the records, in time order (replay.c):
 * every process image's open references, kept true across fork, exec,
 * SCM_RIGHTS and lost history; what each record did to its socket's
 * count; when each connection was released, and by which reference.
 */
#ifndef SOCKTRACE_REPLAY_H
#define SOCKTRACE_REPLAY_H

#include "model.h"

/*
 * replay_records.c: the replay stage.  Fills m's processes from the
 * loaded files (m takes them over), puts every record (and the viewer's
 * own VIEW_OP_STATE_OPEN ones) in time order in m->all, gives each its
 * connection key (keys.c), and replays them one by one: each connection's
 * events, role and addresses, every reference (this file's refs_*), the
 * reaps socktrace run saw at their time (nreaps may be 0); then the TCP
 * states.  Returns 0, or -1 when out of memory.
 */
int replay_run(struct model *m, struct trace_file **files, size_t nfiles,
	       const struct run_reap *reaps, size_t nreaps);

/*
 * replay_tcp.c: the TCP state after each event of every TCP connection,
 * inferred from the calls and the replay's releases (ev.tcp_state when it
 * changed, conn.tcp_state the last).
 */
void replay_tcp_states(struct model *m);

/* Does r drop a reference to its socket (a close-family call, dup2 over it)? */
int record_drops_ref(const struct trace_rec *r);

/*
 * Link exec'd images to the image before them (by pid and start
 * time), then, per record in time order, keep every process's open
 * references true and fill the event's refs_total, released and held_by.
 * Returns -1 when out of memory.
 */
void refs_link_images(struct model *m);
int refs_apply(struct model *m, struct ev *e, struct conn *c);
/* socktrace run reaped rr->pid: its references end at rr->t_ns, as a traced parent's wait. */
void refs_reaped_by_run(struct model *m, const struct run_reap *rr);
/* After the last record: references of exec'd images move on. */
int refs_finish(struct model *m);
/*
 * Of c's references open now, those outside pid, plus those in flight.
 * here: the shim's count in pid; when every open reference is that many,
 * none is elsewhere and c's references are not walked.
 */
int32_t refs_elsewhere(const struct conn *c, int pid, int32_t here);

/*
 * A file's VIEW_OP_STATE record (e): the fds its state says the image
 * held there override what the replay of the records kept concluded
 * (history may have been lost); connections only the state knows are
 * made.  -1 when out of memory.
 */
int refs_state(struct model *m, struct ev *e);

/*
 * A VIEW_OP_STATE_OPEN record (e): the reference its file's state holds
 * on that fd, open from now (unless the replay has it already).  -1 when
 * out of memory.
 */
int refs_state_open(struct model *m, struct ev *e);

/*
 * The reference whose end released c (its last anywhere), or NULL when it
 * never went or went in flight: the replay decides "last reference" once
 * (replay.c's conn_unheld), every consumer reads it here.
 */
const struct ref *conn_last_ref(const struct conn *c);

/* Was c finally released by a close-family call (not exit, kill or exec)? */
int released_by_call(const struct conn *c);

/* ref_words.c: the words for the replay's typed state, as the outputs print them. */
const char *ref_how_name(const struct ref *x);
/* NULL while x is open. */
const char *ref_end_name(const struct ref *x);
/* NULL when c was never released. */
const char *conn_released_how(const struct conn *c);
/* NULL for TCPS_NONE. */
const char *tcp_state_word(enum tcp_state st);
/* The verdicts' grouping of x's end. */
enum ref_end_kind ref_end_kind(const struct ref *x);
/* Did x end in the history lost (its time a bound)? */
int ref_end_lost(const struct ref *x);

/*
 * The refs invariant (SOCKTRACE_CHECK_REFS=1): status, or 70 when a
 * record's count of references in its process differed from the replay's
 * (the first such record was said on stderr).  Every command's exit goes
 * through it (main.c).
 */
int replay_refs_status(int status);

#endif

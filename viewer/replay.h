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

/* The reference whose end released c (its last anywhere), or NULL when it never went. */
const struct ref *conn_last_ref(const struct conn *c);

/*
 * The refs invariant (SOCKTRACE_CHECK_REFS=1): status, or 70 when a
 * record's count of references in its process differed from the replay's
 * (the first such record was said on stderr).  Every command's exit goes
 * through it (main.c).
 */
int replay_refs_status(int status);

#endif

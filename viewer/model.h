/*
 * model.h - the store: what the trace files say, merged: processes, and
 * connections (one per socket inode, across every traced process that held
 * it), with lookup and allocation.  The stages that fill it, in order:
 * load (load.h), replay (replay.h), derive (derive.h), audit (audit.h);
 * pipeline.h runs them.
 */
#ifndef SOCKTRACE_MODEL_H
#define SOCKTRACE_MODEL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uthash.h>

#include "addr_fmt.h"
#include "trace_read.h"

enum role {
	ROLE_UNCONNECTED = 0,
	ROLE_CLIENT,
	ROLE_SERVER,
	ROLE_LISTENER,
	ROLE_PAIR,
	ROLE_UNKNOWN,		/* nothing kept says: its birth is in lost history or a trace not here */
};

struct conn;
struct proc;
struct stacks;

/* Where a reference came from: the replay's word, so no verdict reads ref.how. */
enum ref_origin {
	REF_FROM_CALL = 0,	/* a call of this image: socket, accept, dup, recvmsg... (made_op) */
	REF_FROM_FORK,		/* copied from the parent at fork */
	REF_FROM_EXEC,		/* this pid's own, kept across its exec */
	REF_FROM_INHERITED,	/* open when the image started, made outside the trace */
	REF_FROM_LOST,		/* begun in the history lost (the state, or a later call, says so) */
};

/* How a reference was made: the replay's word for it, named by ref_how_name. */
enum ref_how {
	REF_HOW_CALL = 0,	/* a call of this image (how_op): socket, accept, dup, dup2, fcntl... */
	REF_HOW_RECEIVED,	/* recvmsg with SCM_RIGHTS: a passed reference landed */
	REF_HOW_FORK,		/* copied from the parent at fork */
	REF_HOW_EXEC,		/* this pid's own, kept across its exec */
	REF_HOW_INHERITED,	/* the image's start-up scan found it: made outside the trace */
	REF_HOW_LOST,		/* begun in the history lost */
	REF_HOW_STATE,		/* only the state has it: its fd entry's op (how_op) */
};

/*
 * How a reference ended: the replay's word for it, named by ref_end_name
 * (the words the outputs print); ref_end_kind groups them.
 */
enum ref_end {
	REF_OPEN = 0,		/* still held, in the trace */
	REF_ENDED_CLOSE,	/* a close-family call (end_op: close, fclose, closefrom...) */
	REF_ENDED_DUP_OVER,	/* dup2 or dup3 (end_op) onto its fd */
	REF_ENDED_MISSED_CLOSE,	/* the shim saw its fd reused: its close was never seen */
	REF_ENDED_REPLACED,	/* another socket arrived on its fd: its close was not seen */
	REF_ENDED_CLOEXEC,	/* exec, with close-on-exec */
	REF_ENDED_LOST_CLOSE,	/* closed in the history lost: when is a bound */
	REF_ENDED_LOST_REPLACED,	/* the state has another socket on its fd: its close was lost */
	REF_ENDED_EXIT,		/* its process exited (exit, _exit, a marked exit) */
	REF_ENDED_REAPED,	/* its process was reaped: killed, or ended unmarked */
	REF_ENDED_EXEC_KEPT,	/* carried into the image that replaced it (a new reference there) */
};

/* The verdicts' grouping of enum ref_end (ref_end_kind). */
enum ref_end_kind {
	REF_END_OPEN = 0,	/* it did not, in the trace */
	REF_END_CALL,		/* a close-family call, dup2 over it, close-on-exec, a close not seen */
	REF_END_EXIT,		/* its process exited */
	REF_END_REAPED,		/* its process was reaped */
	REF_END_EXEC,		/* carried into the image that replaced it */
};

/* How a connection's last reference went (c->released_by; conn_released_how names it). */
enum conn_release {
	RELEASE_NONE = 0,	/* it did not, in the trace */
	RELEASE_BY_REF,		/* its last reference ended (c->last_ref) */
	RELEASE_DISCARDED,	/* the last was in flight and the kernel discarded it (MSG_CTRUNC) */
	RELEASE_RECEIVED_LOST,	/* the last was in flight, received in the history lost */
};

/*
 * The TCP state inferred from the calls after an event (replay_tcp.c),
 * named by tcp_state_word: the words the outputs print.
 */
enum tcp_state {
	TCPS_NONE = 0,		/* not known yet, or not TCP */
	TCPS_CLOSED,
	TCPS_SYN_SENT,
	TCPS_ESTABLISHED,
	TCPS_FIN_WAIT,
	TCPS_CLOSE_WAIT,
	TCPS_LAST_ACK,
	TCPS_TIME_WAIT,
};

/*
 * One reference to a socket: an fd of one process image, from the call
 * that made it to the one that dropped it.  The viewer replays these from
 * every file, so counts hold across processes (fork, exec, SCM_RIGHTS).
 */
struct ref {
	int fd;			/* key in the owner's open set */
	UT_hash_handle hh;
	struct proc *p;
	struct conn *c;
	int cloexec;
	uint64_t from_ns, to_ns;	/* to_ns: 0 while open */
	enum ref_how how;	/* how it was made (ref_how_name) */
	unsigned how_op;	/* REF_HOW_CALL, REF_HOW_STATE: the op that made it */
	enum ref_end end;	/* how it ended (ref_end_name); REF_OPEN while open */
	unsigned end_op;	/* REF_ENDED_CLOSE, REF_ENDED_DUP_OVER: the op */
	enum ref_origin origin;	/* what the verdicts read, not how */
	unsigned made_op;	/* REF_FROM_CALL: the st_op that made it (0: not known) */
	int used;		/* an event on it after it was inherited */
	int shut;		/* this process shut the connection down */
	int from_state;		/* its birth was not in the history kept: the state had it */
	int confirmed;		/* refs_state's mark */
	int moved;		/* its process moved bytes on the socket (conn_data.c) */
	uint32_t stack_id;	/* the call that made it (its fd entry), 0 = none */
	const struct proc *stack_proc;	/* whose stack table stack_id is in */
};

enum proc_end {
	END_UNKNOWN = 0,	/* still running when the trace was read, or killed unseen */
	END_EXIT,		/* marked its file at exit */
	END_EXEC,		/* replaced by exec */
	END_REAPED,		/* reaped by a traced parent (killed, or exited unmarked) */
};

struct proc {
	struct trace_file *tf;
	int pid, ppid;
	unsigned origin;	/* enum st_origin; exec when linked to a previous image */
	int exited;		/* the process marked its file at exit */
	uint64_t lost;		/* overwritten + torn + corrupt */
	struct ev **evs;	/* events about no socket: fork, exit, failed socket() */
	size_t nevs, capevs;
	struct ref *fds;	/* open references, by fd, replayed in time order */
	struct proc *exec_prev, *exec_next;	/* the images before and after exec */
	struct proc *fork_parent;	/* the traced image it was forked from (keys.c) */
	uint64_t sids_seen;	/* distinct sids of its making the files name (keys.c) */
	uint64_t exec_ok_pos;	/* pos + 1 of the exec that replaced it; 0 = none */
	int inherited;		/* a fork child that got its parent's references */
	int started;		/* its first record was replayed */
	enum proc_end end;
	uint64_t end_ns;
	int end_status;		/* wait status when reaped */
	char *reap_end;		/* "killed by KILL" or "exit (reaped, status 0)"; owned */
	int reaped_by_run;	/* END_REAPED by socktrace run (its sidecar), not a traced parent */
};

struct holder {
	int pid, fd;
};

/* One record as seen from one connection. */
struct ev {
	const struct trace_rec *r;
	struct proc *p;
	int as_listener;	/* an accept shown on the listener's timeline */
	int32_t refs_total;	/* references in all traced processes after it; -1 unknown */
	int released;		/* a drop of a reference: 1 when it was the last, 0 not, -1 n/a */
	int released_unknown;	/* a drop whose answer is in lost history (released -1 then) */
	int32_t in_flight;	/* references passed by SCM_RIGHTS, not yet received */
	struct holder *held_by;	/* when released == 0: who still holds it */
	size_t nheld;
	int32_t refs_elsewhere;	/* of refs_total, those in other processes (and in flight) */
	int exec_kept;		/* an inherited record of a socket this pid held before its exec */
	enum tcp_state tcp_state;	/* the TCP state inferred after it, when it changed */
	const char *tcp_note;	/* why, or what to expect next ("TIME_WAIT expected") */
};

/* A reference passed with SCM_RIGHTS, held by the kernel until received. */
struct flight {
	struct conn *c;		/* the socket passed */
	uint64_t carrier;	/* the sender's end of the carrier */
	int done;		/* received, or discarded by the kernel */
	uint64_t sent_ns;
	const struct proc *from;	/* the sender */
};

/*
 * The leak rule's verdict on a socket held to its process's end
 * (leak_rule.h); LEAK_NONE for every other socket.
 */
enum leak_verdict {
	LEAK_NONE = 0,		/* not held to its process's end: closed, or handed on */
	LEAK_NOT_LISTENER,	/* not a leak: a listener, still accepting to the end */
	LEAK_NOT_INHERITED,	/* not a leak: a copy got by fork or exec, never used here */
	LEAK_NOT_SERVED,	/* not a leak: still served to the end */
	LEAK_PEER_GONE,		/* leak: its peer had gone, and the process went on */
	LEAK_SHUT_DOWN,		/* leak: shut down here, and the process went on */
	LEAK_IDLE,		/* leak: idle a long stretch before the end */
	LEAK_SITE_GROWS,	/* leak: its call site's open sockets only grew */
};

/* A finding of the audit. */
enum severity { SEV_INFO = 0, SEV_WARNING, SEV_ERROR };

struct finding {
	const char *kind;
	enum severity severity;
	int pid, fd;
	uint64_t inode;
	uint64_t t_ns;
	char *message;
};

struct conn {
	uint64_t inode;		/* key: the connection key (keys.c), not the kernel's inode */
	UT_hash_handle hh;
	int pid;		/* the process it was first seen in */
	uint64_t kinode;	/* the kernel's inode, when a record or slot said; 0 = not known */
	int domain, type;
	enum role role;
	char local[ADDR_STR_MAX];	/* "" when never learned */
	char peer[ADDR_STR_MAX];
	uint64_t peer_inode;	/* socketpair's other end */
	int first_seen;		/* not born under our eyes */
	int open_at_exit;
	int32_t live;		/* open references while the model replays */
	int32_t in_flight;	/* passed by SCM_RIGHTS, not yet received */
	int linger0;		/* SO_LINGER {1, 0}: its final close sends RST */
	uint64_t released_ns;	/* when the last reference went; 0 = never (in the trace) */
	enum conn_release released_by;	/* how: its last reference's end, or in flight */
	const struct ref *last_ref;	/* RELEASE_BY_REF: that reference */
	int released_unknown;	/* that end is in the history lost: released_ns is a bound, not a time */
	int released_pid, released_fd;
	struct ref **refs;	/* every reference over time */
	size_t nrefs, caprefs;
	struct ev *evs;
	size_t nevs, capevs;
	int fds[32];
	size_t nfds;
	/* The data path, over every traced process (conn_data.c). */
	int has_data;			/* a data call was counted */
	uint64_t bytes_sent, bytes_received;
	uint64_t first_ns, last_ns;	/* first and last data activity */
	uint64_t eof_ns;		/* the peer's FIN first seen; 0 = never */
	int eof_pid;
	int64_t connect_latency_ns;	/* -1 = unknown or failed */
	int has_tcp_info;
	struct st_tcp_snapshot tcp_info;	/* the last final close's snapshot */
	const struct ev *lookup;	/* the getaddrinfo whose answer it connected to */
	enum tcp_state tcp_state;	/* the last inferred TCP state; TCPS_NONE = not TCP */
	/* What the state says (refs_state), when a process still held it at its end. */
	int in_state;			/* some image's state holds it */
	uint64_t made_ns;		/* its birth (the state's word), 0 = not known */
	uint32_t made_stack;		/* its creation stack in made_proc's table (0: none) */
	const struct proc *made_proc;
	unsigned made_by;		/* enum st_op of its birth, when only the state says */
	/* The leak rule (leak_rule.c), for a socket held to its process's end. */
	enum leak_verdict leak;
	const struct ref *leak_ref;	/* the reference held to the end */
	uint64_t leak_end_ns;		/* that end: its process's, or the trace's */
	uint64_t leak_since_ns;		/* peer gone, shut down, idle: since when */
};

struct model {
	struct proc *procs;
	size_t nprocs;
	struct conn *by_inode;	/* uthash head */
	struct conn **conns;	/* in order of first appearance */
	size_t nconns, capconns;
	struct ev *all;		/* every record, in time order */
	size_t nall;
	size_t lost_receipts;	/* passed sockets received where the history was lost (replay.c) */
	struct trace_rec *syn;	/* the viewer's own records (VIEW_OP_STATE_OPEN) */
	size_t *syn_proc;	/* each one's process (index in procs) */
	size_t nsyn;
	size_t failed_calls;	/* calls that failed, would-block results not counted */
	size_t would_block;	/* EAGAIN, EINPROGRESS, EALREADY, EINTR: not failures */
	size_t open_at_exit;	/* connections whose fate is FATE_OPEN_AT_EXIT (ends.h) */
	size_t still_open;	/* ... FATE_STILL_RUNNING */
	uint64_t lost;
	uint64_t t0;		/* earliest event */
	uint64_t t0_wall_ns;	/* its CLOCK_REALTIME (timefmt.h) */
	uint64_t run_end_ns;	/* the latest reap socktrace run saw (its command's end); 0 = none */
	struct flight *flights;	/* every SCM_RIGHTS reference sent, in time order */
	size_t nflights, capflights;
	struct finding *findings;	/* in time order */
	size_t nfindings, capfindings;
	size_t by_severity[3];
	struct stacks *stacks;	/* symbolised call sites, resolved when asked for */
	struct kinode_ent *kinodes;	/* connection key -> kernel inode (keys.c) */
	size_t sockets_total;		/* sockets the processes had, known or not (history.c) */
	size_t sockets_with_timeline;	/* known ones with events */
};

/* A process socktrace run reaped itself (its sidecar file, run_status.h). */
struct run_reap {
	int pid;		/* its direct child */
	int ppid;		/* socktrace run's own pid: the child's parent */
	int status;		/* the wait status */
	uint64_t t_ns;		/* CLOCK_MONOTONIC when waitpid returned */
};

/* Free everything the model holds, the loaded files too. */
void model_free(struct model *m);

/* The addresses of r of a given ST_ADDR_* kind, formatted; NULL if none. */
const char *ev_addr_str(const struct trace_rec *r, unsigned kind, char *out);

/*
 * Did r fail only to say "not now" (EAGAIN/EWOULDBLOCK, EINPROGRESS,
 * EALREADY, EINTR)?  Those are not failures: a non-blocking server's
 * accept, a non-blocking connect.
 */
static inline int record_would_block(const struct trace_rec *r)
{
	return r->op < 100 && r->ret < 0 &&
	       (r->err == EAGAIN || r->err == EWOULDBLOCK || r->err == EINPROGRESS ||
		r->err == EALREADY || r->err == EINTR);
}

/* Does r make its socket here (socket, accept, socketpair), not first see one made elsewhere? */
static inline int record_is_birth(const struct trace_rec *r)
{
	return st_op_class(r->op) == ST_CLASS_CREATE && !(r->flags & ST_REC_FIRST_SEEN);
}

/* Is r a data-path call (bytes moved or failed), not an SCM_RIGHTS passing? */
static inline int is_data_record(const struct trace_rec *r)
{
	if (r->op == ST_OP_SENDMSG || r->op == ST_OP_RECVMSG)
		return r->fd2 < 0 && r->fd >= 0;
	return (r->op >= ST_OP_SEND && r->op <= ST_OP_SPLICE);
}

/* References to the socket after this event, as this timeline sees them. */
int32_t ev_refs(const struct ev *e);

const char *role_name(enum role role);

const char *severity_name(enum severity s);

/* The index in m->all (in time order) of the first record at or after t (nall: none). */
size_t model_first_at(const struct model *m, uint64_t t);

/* Grow *arr (of elem bytes) to hold one more; -1 when out of memory. */
int model_grow(void **arr, size_t n, size_t *cap, size_t elem);

/*
 * Does c's timeline hold its whole life: its birth (or first sight) is in
 * the history kept?  Not when only the state knows it, when its events
 * start after the state says it was made, or when it first shows mid-life
 * (a close, a send: its birth was lost, or is in a trace not here).
 */
int conn_timeline_complete(const struct conn *c);

/*
 * For a timeline that is not complete: is its start in the history its
 * first event's process, or the image that made it, lost (1), or
 * elsewhere: a process whose trace is not here, or before tracing began
 * (0)?  Returns that process's pid, or 0.
 */
int conn_birth_lost(const struct model *m, const struct conn *c);

/* When c began: its first event or its birth as the state says, the earlier; 0 when neither. */
uint64_t conn_start_ns(const struct conn *c);

/*
 * When c was made: its creating record (socket, accept, socketpair...)
 * when the history has it and it is the earlier, else the state's birth
 * (for a socket received or inherited, where the holder got it); 0 when
 * neither is known.
 */
uint64_t conn_made_ns(const struct conn *c);

/* Add fd to the fds c was seen on (bounded: the first few). */
void conn_note_fd(struct conn *c, int fd);

/* The connection of inode, or NULL. */
struct conn *model_conn(const struct model *m, uint64_t inode);

/* The connection of inode, made (first seen in pid) when new; NULL when out of memory. */
struct conn *model_conn_get(struct model *m, uint64_t inode, int pid, int domain, int type);

/*
 * keys.c: give every record (inode, inode2) and state slot (key, key2) the
 * key of its connection, joining the sids of one socket across images by
 * fork lineage and by kernel inode.  -1 when out of memory.
 */
int model_keys(struct model *m);

/* The image that made the socket of key (NULL: none here). */
const struct proc *model_key_proc(const struct model *m, uint64_t key);

/* A connection key in words: "PID:SERIAL" of the image that made it ("PID/N:SERIAL", N exec'd images on). */
const char *model_key_name(const struct model *m, uint64_t key, char *out, size_t n);

/* The kernel inode of the connection of key (0: not known); the add is keys.c's. */
uint64_t model_kinode(const struct model *m, uint64_t key);
int model_kinode_add(struct model *m, uint64_t key, uint64_t kinode);

/*
 * The addresses of kind in r one by one, from *off (start at 0): copies
 * the next into *ss and returns its length; 0 when there are no more.
 */
size_t ev_next_addr(const struct trace_rec *r, unsigned kind, size_t *off, struct sockaddr_storage *ss);

/* The ST_ADDR_* value entry of r of kind, copied into out (len bytes); 0 when absent. */
int ev_value_get(const struct trace_rec *r, unsigned kind, void *out, size_t len);

#endif

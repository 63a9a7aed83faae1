/*
 * trace_format.h - the on-disk trace format: the one contract between the
 * shim (writer) and the viewer (reader), with the reader's rules as code
 * both sides use (st_* inline functions at the end).
 *
 * One file per traced process image, made when the image first holds a
 * socket (made, accepted, received, or inherited at exec), and the images
 * of its fork children that hold sockets in the same file, each in a fork
 * slot (struct st_slot_batch): making a file costs a fork child more than
 * all else it does (bench/README.md).  A process that never holds a
 * socket leaves nothing.
 *
 *   [ struct st_file_header, ST_HEADER_SIZE bytes ]   the file's first image
 *   [ chunks, appended as the file grows ]            any image's, and
 *   [ batches of fork slots, appended the same way ]  each slot an image:
 *                                                     a header, then chunks
 *
 * Every image in a file appends at the one end (the first header's
 * file_size); chunk offsets are offsets in the file, whichever image's.
 *
 * The file grows by chunks appended at its end, each reserved on disk
 * (fallocate) before it is used, so a full disk never faults inside the
 * app.  A chunk belongs to one region (enum st_region): the fd table, the
 * socket table (the state), the ring of events (history), the call-site
 * stacks, the module map.  A region's entries are numbered across its
 * chunks in directory order: entry i of a region lives in the chunk whose
 * [first, first + count) holds i.  The writer maps each region's chunks
 * contiguously in its own memory, so its hot paths index one array.
 *
 * What is exact and what is history.  The fd table and the socket table
 * are the state: updated in place as each call completes, bounded by the
 * sockets open at once, they say exactly which sockets the process holds,
 * with which fds, made where, with what bytes moved, however long it ran.
 * The ring is the history: a bounded log of events that wraps (the oldest
 * overwritten and counted) and gives the timelines.
 *
 * Crash safety: every store a reader relies on is either one aligned word
 * (counters, flags, fd entries) or a field written before a word that
 * publishes it with release order (a socket slot's sid, a ring record's
 * seq, a chunk's offset).  A SIGKILL leaves every completed call visible;
 * a call cut off half-way shows as not made (its ring record torn).
 *
 * Compatibility: a reader accepts version ST_FORMAT_VERSION and refuses
 * others, naming both versions.  Any layout change bumps the version
 * (fork slots came within version 4, before it was released: their
 * header fields sit in what was padding, zeros in a file made before
 * them, a first image with no slots).  New
 * ops may be added without a bump (a reader shows unknown ops by number);
 * their numbers are never reused.
 */
#ifndef SOCKTRACE_TRACE_FORMAT_H
#define SOCKTRACE_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ST_MAGIC		"SOCKTRC"	/* 7 chars + NUL = 8 bytes */
#define ST_FORMAT_VERSION	4u
#define ST_HEADER_SIZE		4096u
#define ST_FILE_SUFFIX		".socktrace"

/*
 * Where trace files and the shim's notes go when SOCKTRACE_DIR and
 * SOCKTRACE_LOG are not set: ST_DEFAULT_NAME and the uid, under
 * st_default_tmp's directory; the log adds ST_DEFAULT_LOG_SUFFIX.
 */
#define ST_DEFAULT_NAME		"socktrace-"
#define ST_DEFAULT_LOG_SUFFIX	".log"

#define ST_EXE_MAX		512
#define ST_ARGV_MAX		1536
#define ST_ANCESTORS_MAX	8

/* ------------------------------------------------------------------ ops */

/*
 * Op classes: what a call does to the references of the socket it names.
 */
enum st_op_class {
	ST_CLASS_OTHER = 0,	/* no socket reference made or dropped */
	ST_CLASS_CREATE,	/* makes a socket (and its first reference) */
	ST_CLASS_COPY,		/* a new reference to a socket it already names */
	ST_CLASS_DROP,		/* drops references */
	ST_CLASS_CALL,		/* acts on a socket: addresses, options, shutdown */
	ST_CLASS_MSG,		/* data, or sockets passed (SCM_RIGHTS) */
	ST_CLASS_DATA,		/* moves bytes */
	ST_CLASS_LOOKUP,	/* name lookups */
	ST_CLASS_PROC,		/* process life: fork, exec, exit, wait */
	ST_CLASS_SYNTH,		/* written by the shim, not a call of the app */
};

/*
 * Every op: number (stable forever), C name, the name the viewer prints,
 * and class.  The shim, the viewer's names and its dispatch all come from
 * this one list.  Per-op record fields are described in the README.
 *
 *  close: ST_REC_UNREAD: arg[1] = bytes unread (FIONREAD) before it.
 *  connect: arg[0] = the call's own duration, in ticks of the tick clock.
 *  fcntl: arg[0] = cmd; F_SETFD: arg[1] = the new flags.
 *  fork: parent side, ret = child pid.  _exit: arg[0] = status.
 *  exec family: written before the call with ST_REC_PENDING, then one
 *   exec-fd per socket fd; if exec returns, a second record of the same op
 *   gives its ret and err.  A file whose state is EXECED was replaced by
 *   its last pending exec.
 *  close_range: per socket fd, arg[0] = first | last << 32, fd2 = flags;
 *   ST_REC_CLOEXEC: CLOSE_RANGE_CLOEXEC set it, nothing closed.
 *  closefrom: per socket fd, arg[0] = lowfd.
 *  sendmsg/recvmsg with SCM_RIGHTS: one record per socket fd passed:
 *   sid/fd = the socket passed (the sender's fd, or the receiver's new
 *   fd), sid2/fd2 = the carrier socket, ret = the call's return; the
 *   passed socket's inode is an ST_ADDR_INODE entry.  A recvmsg record
 *   with fd -1 and arg[0] = MSG_CTRUNC: the kernel discarded the passed
 *   fds that did not fit.  Without SCM_RIGHTS they are data records
 *   (fd2 = -1, sid2 = 0).
 *  wait family: a child reaped: arg[0] = its pid, arg[1] = its status.
 *  setsockopt: arg[0] = level, arg[1] = optname, the value as ST_ADDR_OPTVAL.
 *  data calls (recorded when they fail other than would-block, and every
 *   call with ST_OPT_DATA_EVENTS): fd2 = the other fd (sendfile, splice),
 *   arg[0] = the length asked for (messages for sendmmsg/recvmmsg),
 *   arg[1] = the call's flags | ST_DATA_RECEIVED when bytes came in.
 *  getsockopt(SO_ERROR) reporting an error with no connect pending:
 *   arg[0] = level, arg[1] = optname, the value as ST_ADDR_OPTVAL.
 *  lookups (fd -1): ret = the EAI_* code, err = errno for EAI_SYSTEM,
 *   arg[0] = duration in ns; getaddrinfo: arg[1] = hints (ST_HINTS), an
 *   ST_ADDR_NAME entry, one ST_ADDR_RESULT per address found;
 *   getnameinfo: arg[1] = flags, ST_ADDR_ARG, ST_ADDR_NAME.
 *  forked: first event of a fork child, arg[0] = parent pid.
 *  missed-close: an fd reused while the table still held a socket there.
 *  trace-start: the file began, arg[0] = origin.
 *  inherited: a socket open when this image started (exec, or an
 *   untraced parent), with its inode; arg[0] = 1 when it listens.
 *  exec-fd: at exec, a socket fd this image held, with its inode;
 *   ST_REC_CLOEXEC = the kernel closes it at exec, else it survives.
 *  peer-eof: a read returned 0 on a stream: the peer's FIN (first per
 *   socket and process), arg[0] = the op that saw it.
 *  connected: a non-blocking connect ended as the app learned it: err 0
 *   when connected, else why (ret -1); arg[0] = the op that told,
 *   arg[1] = the SO_ERROR value when it was getsockopt.
 *  cont: not an event: the continuation of a record (struct st_cont).
 */
#define ST_OPS(X)							\
	X(0, NONE, "none", ST_CLASS_OTHER)				\
	X(1, SOCKET, "socket", ST_CLASS_CREATE)				\
	X(2, SOCKETPAIR, "socketpair", ST_CLASS_CREATE)			\
	X(3, BIND, "bind", ST_CLASS_CALL)				\
	X(4, LISTEN, "listen", ST_CLASS_CALL)				\
	X(5, ACCEPT, "accept", ST_CLASS_CREATE)				\
	X(6, ACCEPT4, "accept4", ST_CLASS_CREATE)			\
	X(7, CONNECT, "connect", ST_CLASS_CALL)				\
	X(8, CLOSE, "close", ST_CLASS_DROP)				\
	X(9, SHUTDOWN, "shutdown", ST_CLASS_CALL)			\
	X(10, DUP, "dup", ST_CLASS_COPY)				\
	X(11, DUP2, "dup2", ST_CLASS_COPY)				\
	X(12, DUP3, "dup3", ST_CLASS_COPY)				\
	X(13, FCNTL, "fcntl", ST_CLASS_COPY)				\
	X(14, FCNTL64, "fcntl64", ST_CLASS_COPY)			\
	X(15, FORK, "fork", ST_CLASS_PROC)				\
	X(16, _EXIT, "_exit", ST_CLASS_PROC)				\
	X(17, EXIT, "exit", ST_CLASS_PROC)				\
	X(18, EXECVE, "execve", ST_CLASS_PROC)				\
	X(19, CLOSE_RANGE, "close_range", ST_CLASS_DROP)		\
	X(20, CLOSEFROM, "closefrom", ST_CLASS_DROP)			\
	X(21, FCLOSE, "fclose", ST_CLASS_DROP)				\
	X(22, FCLOSEALL, "fcloseall", ST_CLASS_DROP)			\
	X(23, SENDMSG, "sendmsg", ST_CLASS_MSG)				\
	X(24, RECVMSG, "recvmsg", ST_CLASS_MSG)				\
	X(25, WAIT, "wait", ST_CLASS_PROC)				\
	X(26, WAITPID, "waitpid", ST_CLASS_PROC)			\
	X(27, WAIT3, "wait3", ST_CLASS_PROC)				\
	X(28, WAIT4, "wait4", ST_CLASS_PROC)				\
	X(29, WAITID, "waitid", ST_CLASS_PROC)				\
	X(30, SETSOCKOPT, "setsockopt", ST_CLASS_CALL)			\
	X(31, EXECV, "execv", ST_CLASS_PROC)				\
	X(32, EXECVP, "execvp", ST_CLASS_PROC)				\
	X(33, EXECVPE, "execvpe", ST_CLASS_PROC)			\
	X(34, EXECL, "execl", ST_CLASS_PROC)				\
	X(35, EXECLP, "execlp", ST_CLASS_PROC)				\
	X(36, EXECLE, "execle", ST_CLASS_PROC)				\
	X(37, FEXECVE, "fexecve", ST_CLASS_PROC)			\
	X(38, EXECVEAT, "execveat", ST_CLASS_PROC)			\
	X(39, SEND, "send", ST_CLASS_DATA)				\
	X(40, SENDTO, "sendto", ST_CLASS_DATA)				\
	X(41, SENDMMSG, "sendmmsg", ST_CLASS_DATA)			\
	X(42, RECV, "recv", ST_CLASS_DATA)				\
	X(43, RECVFROM, "recvfrom", ST_CLASS_DATA)			\
	X(44, RECVMMSG, "recvmmsg", ST_CLASS_DATA)			\
	X(45, READ, "read", ST_CLASS_DATA)				\
	X(46, WRITE, "write", ST_CLASS_DATA)				\
	X(47, READV, "readv", ST_CLASS_DATA)				\
	X(48, WRITEV, "writev", ST_CLASS_DATA)				\
	X(49, SENDFILE, "sendfile", ST_CLASS_DATA)			\
	X(50, SPLICE, "splice", ST_CLASS_DATA)				\
	X(51, GETSOCKOPT, "getsockopt", ST_CLASS_CALL)			\
	X(52, GETADDRINFO, "getaddrinfo", ST_CLASS_LOOKUP)		\
	X(53, GETNAMEINFO, "getnameinfo", ST_CLASS_LOOKUP)		\
	X(100, FORK_CHILD, "forked", ST_CLASS_SYNTH)			\
	X(101, MISSED_CLOSE, "missed-close", ST_CLASS_SYNTH)		\
	X(102, TRACE_START, "trace-start", ST_CLASS_SYNTH)		\
	X(103, INHERITED, "inherited", ST_CLASS_SYNTH)			\
	X(104, EXEC_FD, "exec-fd", ST_CLASS_SYNTH)			\
	X(110, PEER_EOF, "peer-eof", ST_CLASS_SYNTH)			\
	X(111, CONNECTED, "connected", ST_CLASS_SYNTH)			\
	X(120, CONT, "cont", ST_CLASS_SYNTH)

enum st_op {
#define ST_OP_ENUM(num, id, name, cls) ST_OP_##id = num,
	ST_OPS(ST_OP_ENUM)
#undef ST_OP_ENUM
	ST_OP_MAX_KNOWN
};

/* The name the viewer prints for op, or NULL for an unknown number. */
static inline const char *st_op_name(unsigned op)
{
	switch (op) {
#define ST_OP_NAME(num, id, name, cls) case num: return name;
	ST_OPS(ST_OP_NAME)
#undef ST_OP_NAME
	default: return NULL;
	}
}

/* The class of op (ST_CLASS_OTHER for an unknown number). */
static inline enum st_op_class st_op_class(unsigned op)
{
	switch (op) {
#define ST_OP_CLASS(num, id, name, cls) case num: return cls;
	ST_OPS(ST_OP_CLASS)
#undef ST_OP_CLASS
	default: return ST_CLASS_OTHER;
	}
}

/* Is op one of the exec family (the pending record before an exec)? */
static inline int st_op_is_exec(unsigned op)
{
	return op == ST_OP_EXECVE || (op >= ST_OP_EXECV && op <= ST_OP_EXECVEAT);
}

/* ------------------------------------------------------------------ header */

/* How the traced image began. */
enum st_origin {
	ST_ORIGIN_ROOT = 0,	/* first traced image of its line (its parent kept no file) */
	ST_ORIGIN_FORK = 1,	/* forked from a traced parent (ppid) holding sockets */
	ST_ORIGIN_EXEC = 2,	/* reserved: the viewer links exec'd images by pid and start_ticks */
};

/* How the traced image ended; stored with release order by the writer. */
enum st_state {
	ST_STATE_RUNNING = 0,	/* never marked: still running, or killed */
	ST_STATE_EXITED = 1,	/* exit(), return from main, _exit() */
	ST_STATE_EXECED = 2,	/* replaced by exec; the new image has its own file */
};

/* The regions a file's chunks belong to. */
enum st_region {
	ST_REG_FDS = 0,		/* struct st_fd per fd number */
	ST_REG_SOCKS = 1,	/* struct st_sock per socket slot: the state */
	ST_REG_RING = 2,	/* ST_SLOT_SIZE-byte ring slots: the history */
	ST_REG_STACKS = 3,	/* call-site stacks (struct st_stack), one hash table per chunk */
	ST_REG_MODULES = 4,	/* struct st_module per loaded object */
	ST_REG_MAX
};

#define ST_CHUNKS_MAX	16	/* chunks per region: growth doubles, so 2^16 times the first */

/*
 * One chunk: entries [first, first + count) of its region at file offset
 * `offset`.  The writer fills first and count, reserves and maps the
 * chunk, then stores offset (non-zero) with release order: a reader takes
 * a chunk only once its offset is set and within the file.
 */
struct st_chunk {
	uint64_t offset;
	uint32_t first;
	uint32_t count;
};

struct st_region_dir {
	uint32_t entry_size;	/* bytes per entry */
	uint32_t nchunks;	/* chunks published (atomic; each offset is the real test) */
	uint64_t capacity;	/* most entries the region may grow to */
	struct st_chunk chunk[ST_CHUNKS_MAX];
};

/* A traced ancestor of this image within its exec image's fork lineage. */
struct st_ancestor {
	int32_t pid;
	uint32_t reserved;
	uint64_t fork_ns;	/* CLOCK_MONOTONIC of the fork that made the next one down
				   (a tick with ST_HDR_START_TICKS: st_header_stamp_ns) */
};

/* What this image was configured to record (header opts). */
#define ST_OPT_STACKS_CREATE	0x1u	/* stacks at calls that create a socket reference */
#define ST_OPT_STACKS_ALL	0x2u	/* ... and at close and shutdown */
#define ST_OPT_DATA_EVENTS	0x4u	/* one event per data call (SOCKTRACE_DATA=events) */
#define ST_OPT_TCP_INFO		0x8u	/* TCP_INFO snapshot at a TCP socket's final close */
#define ST_OPT_INODES		0x10u	/* every socket's inode fetched at birth (SOCKTRACE_INODES=1) */

/* Header flags (atomic or). */
#define ST_HDR_ARGV_TRUNC	0x1u	/* argv did not fit in argv[] */
#define ST_HDR_EXE_TRUNC	0x2u	/* exe path did not fit in exe[] */
#define ST_HDR_GROW_FAILED	0x4u	/* a chunk could not be reserved (grow_errno): the file stopped growing */
#define ST_HDR_STATE_FULL	0x8u	/* sockets beyond the socket table: traced without state */
#define ST_HDR_FDS_FULL		0x10u	/* fds beyond the fd table: not tracked */
#define ST_HDR_GROW_STALLED	0x20u	/* a thread gave up waiting for another's growth of a table: a socket not tracked */
#define ST_HDR_START_TICKS	0x40u	/* image_start_ns and ancestors[].fork_ns are ticks of the tick clock (st_header_stamp_ns) */

/* The clock of the activity ticks in socket slots. */
enum st_tick_clock {
	ST_TICK_MONO = 0,	/* ticks are CLOCK_MONOTONIC ns */
	ST_TICK_TSC = 1,	/* ticks are the x86 time-stamp counter: convert with the anchors */
};

struct st_totals {
	uint64_t sockets_made;		/* sockets this image made: socket, socketpair (2), accept (atomic) */
	uint64_t sockets_arrived;	/* ... received (SCM_RIGHTS), inherited at start, or first seen */
	uint64_t sockets_forked_in;	/* ... held when it was forked (its parent's, copied) */
	/*
	 * Sockets closed here (their last reference here dropped by a call)
	 * are not counted apart: made + arrived + forked_in - the live slots.
	 * Per call site, made is in the stack entry and open is the live
	 * slots naming that stack; sockets without a stack are the rest.
	 */
	uint64_t bytes_sent;		/* bytes moved by sockets no longer held here (the held */
	uint64_t bytes_received;	/*   ones' are in their slots) (atomic) */
	uint64_t ring_dropped;		/* events that found no free slot: lost (atomic) */
	uint64_t stacks_used;		/* distinct stacks stored (atomic) */
	uint64_t stacks_dropped;	/* stacks not stored: table full, or probe too long (atomic) */
	uint64_t stacks_skipped;	/* captures skipped: re-entered from a signal handler, or
					   libunwind failed (atomic) */
	uint64_t modules_dropped;	/* objects not recorded: module map full */
	uint64_t loader_adds;		/* the loader's load/unload counters at the last module scan */
	uint64_t loader_subs;
	uint64_t sockets_missed;	/* sockets made while this image's file was being made, by a
					   signal handler interrupting its maker: not traced (atomic) */
	uint64_t reserved[3];
};

/* A reading of the tick clock and CLOCK_MONOTONIC taken together. */
struct st_anchor {
	uint64_t tick;
	uint64_t ns;
};

/*
 * The header's fields, padded to ST_HEADER_SIZE.  Written once when the
 * file is made (version last), then only the atomic fields change.
 */
struct st_file_header {
	union {
		struct {
			char magic[8];		/* ST_MAGIC */
			uint32_t version;	/* ST_FORMAT_VERSION, stored last with release order */
			uint32_t header_size;	/* ST_HEADER_SIZE */
			uint32_t flags;		/* ST_HDR_* (atomic) */
			uint32_t opts;		/* ST_OPT_* */
			int32_t pid;
			int32_t ppid;		/* the parent when the file was made */
			uint32_t tag;		/* this image's id: the high half of the sids it makes */
			uint32_t origin;	/* enum st_origin */
			uint32_t state;		/* enum st_state (atomic) */
			int32_t exit_status;	/* valid when has_exit_status */
			uint32_t has_exit_status;
			uint32_t stack_depth;	/* frames kept per stack at most */
			uint64_t wall_anchor_ns;	/* CLOCK_REALTIME taken with ... */
			uint64_t mono_anchor_ns;	/* ... this CLOCK_MONOTONIC reading, at the making */
			uint64_t end_mono_ns;		/* when state was set */
			/*
			 * The process's start time (clock ticks since boot,
			 * /proc/self/stat field 22), the same across exec and
			 * different for a reused pid: the viewer links an
			 * exec'd image to the file of the image before it by
			 * pid and start_ticks.  0 = not known.
			 */
			uint64_t start_ticks;
			uint64_t image_start_ns;	/* CLOCK_MONOTONIC when this image began: its fork,
							   or its constructor (a tick with
							   ST_HDR_START_TICKS: st_header_stamp_ns) */
			/*
			 * Activity ticks (socket slots, data totals) become
			 * CLOCK_MONOTONIC with st_ticks_to_ns between two
			 * anchors: the first, and the latest (refreshed about
			 * once a second by a recorded event, and at exit).
			 */
			uint32_t tick_clock;		/* enum st_tick_clock */
			uint32_t grow_errno;		/* why the file stopped growing */
			struct st_anchor anchor;	/* when the file was made */
			struct st_anchor anchor_last;	/* the latest reading (tick 0: none yet) */
			/* The ring: positions claimed, and the slot count it wraps at. */
			uint64_t head;			/* positions claimed (atomic) */
			uint64_t ring_cap;		/* a power of two (atomic: lowered once to the
							   slots reserved when growing failed) */
			uint64_t file_size;		/* bytes in use: chunks end here (atomic); the
							   file's first header counts for every image in it,
							   an image in a fork slot has 0 */
			struct st_totals totals;
			/* Fork ancestors within this exec image, outermost first (ppid last). */
			uint32_t nancestors;
			uint32_t argc;
			uint32_t argv_len;		/* bytes used in argv[] */
			uint32_t reserved0;
			struct st_ancestor ancestors[ST_ANCESTORS_MAX];
			struct st_region_dir region[ST_REG_MAX];
			char exe[ST_EXE_MAX];		/* /proc/self/exe, NUL-terminated */
			char argv[ST_ARGV_MAX];		/* NUL-separated arguments */
			/*
			 * Where this header is in its file: 0 for the
			 * file's first image, or its fork slot's offset
			 * (a reader checks the two agree).  Last, in what
			 * was padding: a file made before fork slots has
			 * zeros here, a first image with no slots.
			 */
			uint64_t image_offset;
			/* This image's latest batch of fork slots (atomic, release), 0: none. */
			uint64_t slot_batches;
		};
		uint8_t raw_[ST_HEADER_SIZE];
	};
};

/* ------------------------------------------------------------------ fork slots */

/*
 * A batch of fork slots: a page saying what follows, then nslots slots
 * of slot_size bytes, in the file of the image that made it.  When that
 * image forks while it holds sockets, the child takes the next slot
 * (taken counts them) and its image lives there: its header at the slot's
 * start, with image_offset the slot's offset, then its first chunks; it
 * grows by chunks at the file's end like any image.  A slot whose header
 * has no version yet holds no image (its child never got that far, or
 * was killed first); slots past taken may be holes (the image that made
 * the batch gave their disk back when it ended).  An image's batches form
 * a list from its header's slot_batches, newest first, each next at a
 * lower offset.
 */
#define ST_BATCH_MAGIC		"STSLOTS"	/* 7 chars + NUL = 8 bytes */
#define ST_BATCH_SIZE		4096u		/* the batch page, before the slots */
#define ST_BATCH_SLOTS_MAX	4096u		/* a sound batch's most (the shim makes up to 64) */

struct st_slot_batch {
	char magic[8];		/* ST_BATCH_MAGIC */
	uint64_t next;		/* the image's previous batch (a lower offset), 0: none */
	uint64_t slot_size;	/* bytes per slot, a multiple of ST_HEADER_SIZE */
	uint32_t nslots;	/* slots in the batch */
	uint32_t taken;		/* slots handed to fork children (atomic) */
};

/*
 * The offset of the image in slot i of the batch at offset batch in a
 * file of size bytes, when batch b (a copy of it) is sound there and slot
 * i was handed out; 0 otherwise.  A reader walks an image's list with
 * this: next below each batch's own offset, so the walk ends.
 */
static inline uint64_t st_slot_image(const struct st_slot_batch *b, uint64_t batch, uint64_t size,
				     uint32_t i)
{
	if (memcmp(b->magic, ST_BATCH_MAGIC, sizeof(b->magic)) || !b->slot_size ||
	    b->slot_size % ST_HEADER_SIZE || b->nslots > ST_BATCH_SLOTS_MAX || batch % ST_HEADER_SIZE ||
	    i >= b->nslots || i >= __atomic_load_n(&b->taken, __ATOMIC_ACQUIRE) || batch > size ||
	    size - batch < ST_BATCH_SIZE + (uint64_t)(i + 1) * b->slot_size)
		return 0;
	return batch + ST_BATCH_SIZE + (uint64_t)i * b->slot_size;
}

/* ------------------------------------------------------------------ fd table */

/*
 * ST_REG_FDS: entry fd says what the fd number holds.  word: bits 0-31 the
 * socket slot index + 1 (0 = no socket), then ST_FDE_* flags.  A word with
 * an index names a socket this process holds (ST_FDE_CLOSING: a close of
 * it is in progress and has not completed: still held).  stack_id and op:
 * the call that made this reference (written before word).
 */
#define ST_FDE_IDX_MASK		0xffffffffull
#define ST_FDE_CLOSING		(1ull << 32)	/* a close of this fd is in flight */
#define ST_FDE_CLOEXEC		(1ull << 33)
#define ST_FDE_TOMB		(1ull << 34)	/* no socket: the last thing closed here was one */

struct st_fd {
	uint64_t word;
	uint32_t stack_id;	/* the stack of the call that made this reference (0 = none) */
	uint16_t op;		/* that call (enum st_op) */
	uint8_t forks;		/* the reference came through this many forks (0: made here);
				   stack_id is in the table of the image that many forks up */
	uint8_t reserved;
};

/* The socket slot a live fd entry names, or -1. */
static inline int64_t st_fde_slot(uint64_t word)
{
	return (word & ST_FDE_IDX_MASK) ? (int64_t)(word & ST_FDE_IDX_MASK) - 1 : -1;
}

/* ------------------------------------------------------------------ sockets */

/*
 * ST_REG_SOCKS: one slot per socket this process holds.  A slot is live
 * when its sid is non-zero AND an fd entry names it (a slot whose fds are
 * all gone is a close that was cut off: not held).  The identity (line 0)
 * is written when the socket is born, sid last with release order; the
 * rest is updated in place by the calls on it, each field on its own.
 *
 * sid: the socket's identity, (tag of the image that made it) << 32 |
 * serial.  A fork child keeps its parent's sids; a socket reaching another
 * image by exec or SCM_RIGHTS gets a new sid there, joined to the old one
 * by the inode both records carry.
 */
#define ST_SK_FRESH		0x1u	/* no data call yet (first_ns not set) */
#define ST_SK_EVENTS		0x2u	/* record every data call (ST_OPT_DATA_EVENTS) */
#define ST_SK_CONNECTING	0x4u	/* a non-blocking connect is in progress */
#define ST_SK_EOF		0x8u	/* a read saw the peer's FIN (eof_ns) */
#define ST_SK_PEERED		0x10u	/* connected (or may be): its close may find unread bytes */
#define ST_SK_LISTENING		0x20u	/* listen() succeeded */
#define ST_SK_SHUT_RD		0x40u	/* this process shut down reading */
#define ST_SK_SHUT_WR		0x80u	/* ... writing: our FIN went out */
#define ST_SK_LINGER0		0x100u	/* SO_LINGER {1, 0}: its final close sends RST */
#define ST_SK_FIRST_SEEN	0x200u	/* not born under our eyes (made before tracing, by libc) */
#define ST_SK_CONNECTED		0x400u	/* a connect succeeded (now or when its end was learned) */
#define ST_SK_ADDR_TRUNC	0x800u	/* an address did not fit in local[] or peer[] */
#define ST_SK_LISTEN_SPECIFIC	0x1000u	/* a listener bound to one inet address: accepts share it */

/* The TCP state the calls imply so far (not the kernel's word). */
enum st_tcp_state {
	ST_TCP_NONE = 0,	/* not TCP, or nothing implied yet */
	ST_TCP_LISTEN,
	ST_TCP_SYN_SENT,	/* a non-blocking connect is pending */
	ST_TCP_ESTABLISHED,
	ST_TCP_FIN_WAIT,	/* we sent FIN (shutdown SHUT_WR), the peer not yet */
	ST_TCP_CLOSE_WAIT,	/* the peer's FIN arrived, ours not sent */
	ST_TCP_LAST_ACK,	/* both FINs: ours after the peer's */
	ST_TCP_TIME_WAIT,	/* both FINs: ours first */
	ST_TCP_CLOSED,		/* reset, or failed connect */
};

#define ST_SOCK_ADDR_MAX	62u	/* bytes of a sockaddr kept in a slot */

struct st_sock {
	/* line 0: identity, written at birth */
	uint64_t sid;		/* 0 = free slot; stored last with release order */
	uint64_t inode;		/* the kernel's inode when fetched (exec, SCM_RIGHTS...); 0 = not */
	uint64_t sid2;		/* socketpair: the other end; accepted: its listener */
	uint64_t made_ns;	/* CLOCK_MONOTONIC of its birth (or of its first sight) */
	uint32_t stack_id;	/* creation stack (0 = none) */
	uint8_t forks;		/* came to this image through this many forks (0: born or
				   arrived here); stack_id is that many forks up */
	uint8_t domain;
	uint8_t type;		/* without SOCK_NONBLOCK / SOCK_CLOEXEC */
	uint8_t made_by;	/* the op that made it here: socket, accept, recvmsg, inherited,
				   ST_OP_NONE = first seen on a call */
	int32_t refs;		/* fds of this process naming it: the shim's count (a reader
				   counts the fd table, which is exact across a kill) */
	uint32_t next_free;	/* the shim's free list: index + 1 */
	uint8_t local_len;	/* bytes in local[], 0 = not known */
	uint8_t peer_len;
	uint8_t tcp_state;	/* enum st_tcp_state (one store) */
	uint8_t reserved0;
	uint32_t reserved1;
	uint64_t listen_ns;	/* when listen() succeeded, 0 = never */
	/* line 1: the data path's counters */
	uint32_t flags;		/* ST_SK_* (atomic) */
	uint32_t reserved2;
	uint64_t bytes_sent;	/* by this process's data calls */
	uint64_t bytes_received; /* taken off its receive queue (MSG_PEEK not counted) */
	uint64_t first_tick;	/* the tick clock at its first data call; 0 = none */
	uint64_t last_tick;	/* ... and at its latest (the halves are stored apart: a
				   reader takes the later of the two) */
	uint64_t reserved3;
	uint64_t eof_ns;	/* the peer's FIN first seen here (ST_SK_EOF) */
	uint64_t shut_ns;	/* the first shutdown here */
	/* lines 2-3: addresses, raw sockaddrs as the kernel gave them */
	uint8_t local[64];
	uint8_t peer[64];
};

/* ------------------------------------------------------------------ ring */

/*
 * ST_REG_RING: ring_cap slots of ST_SLOT_SIZE bytes.  Position p lives in
 * slot p & (ring_cap - 1).  A slot is complete for position p when its seq
 * equals p + 1 (stored last, release order); while a writer owns it seq is
 * ST_SEQ_OWNED.  A claim that finds its slot owned (a writer a lap behind)
 * or not yet reserved drops its event (counted in totals.ring_dropped), so
 * that position reads as lost.  head counts every position ever claimed.
 *
 * A record is one head slot (struct st_record) and, when its address and
 * value entries do not fit in addrs[], continuation slots (struct st_cont,
 * op ST_OP_CONT) claimed after it, each naming the head's position; a
 * reader joins them (st_record_join).
 */
#define ST_SLOT_SIZE		128u
#define ST_SEQ_OWNED		UINT64_MAX
#define ST_REC_ADDRS		40u	/* entry bytes in a head slot */
#define ST_CONT_DATA		104u	/* ... in a continuation slot */
#define ST_CONT_MAX		3u	/* continuations a record may have */
#define ST_ADDRS_MAX		(ST_REC_ADDRS + ST_CONT_MAX * ST_CONT_DATA)

/* Record flags. */
#define ST_REC_ADDR_TRUNC	0x01u	/* an entry did not fit, or a continuation was lost */
#define ST_REC_IMPLICIT_CLOSE	0x02u	/* dup2/dup3 closed the socket that held fd2 */
#define ST_REC_CLOEXEC		0x04u	/* the new fd has FD_CLOEXEC */
#define ST_REC_FIRST_SEEN	0x08u	/* socket not created under our eyes (inherited, pre-shim) */
#define ST_REC_REFS_UNKNOWN	0x10u	/* refs not tracked (tables full) */
#define ST_REC_UNREAD		0x20u	/* arg[1] = bytes unread in the receive queue before a close */
#define ST_REC_PENDING		0x40u	/* written before the call (exec): no result yet */
#define ST_REC_VIA_SYSCALL	0x80u	/* the app called syscall(SYS_...), not the libc function */
#define ST_REC_LAST_REF		0x100u	/* a drop that released this process's last reference */

struct st_record {
	uint64_t seq;		/* pos + 1 when committed (stored last, release) */
	uint16_t op;		/* enum st_op */
	uint16_t flags;		/* ST_REC_* */
	int16_t err;		/* errno when the call failed, else 0 */
	uint8_t domain;		/* the socket's family, when known */
	uint8_t type;		/* its type without SOCK_NONBLOCK/CLOEXEC */
	uint64_t t_ns;		/* CLOCK_MONOTONIC */
	uint64_t sid;		/* the socket the event is about; 0 = none */
	uint64_t sid2;		/* a second socket: accept's listener, socketpair's other end,
				   SCM_RIGHTS' carrier */
	int64_t ret;		/* the call's return value */
	int64_t arg[2];		/* op-specific: see the op list */
	int32_t tid;
	int32_t fd;		/* the fd the call acted on; -1 = none */
	int32_t fd2;		/* dup2/dup3 newfd, socketpair's other fd, the carrier */
	int32_t refs;		/* references to sid in this process after the call */
	uint32_t stack_id;	/* call-site stack; 0 = none */
	uint16_t addrs_len;	/* bytes of entries, here and in the continuations */
	uint8_t ncont;		/* continuation slots that follow */
	uint8_t reserved;
	uint8_t addrs[ST_REC_ADDRS];
};

struct st_cont {
	uint64_t seq;		/* as a head's */
	uint16_t op;		/* ST_OP_CONT */
	uint16_t index;		/* 1 for the first continuation of its head */
	int32_t tid;
	uint64_t head_pos;	/* the position of its head record */
	uint8_t data[ST_CONT_DATA];
};

/*
 * Entries in a record's addrs (and its continuations', joined): a 2-byte
 * st_addr_hdr, then len bytes: a raw sockaddr exactly as the kernel gave
 * it, or a value of the kind named.  One address entry may serve several
 * kinds (the connect argument is usually also the peer).
 */
#define ST_ADDR_ARG	0x1u	/* the address the app passed (bind, connect) */
#define ST_ADDR_LOCAL	0x2u	/* getsockname after the call */
#define ST_ADDR_PEER	0x4u	/* getpeername after the call, or accept's */
#define ST_ADDR_OPTVAL	0x8u	/* not an address: a socket option's value */
#define ST_ADDR_RESULT	0x10u	/* an address getaddrinfo found */
#define ST_ADDR_DATA	0x20u	/* not an address: struct st_data_totals (final close) */
#define ST_ADDR_TCPINFO	0x40u	/* not an address: struct st_tcp_snapshot (final close) */
#define ST_ADDR_NAME	0x80u	/* not an address: a lookup's names (ST_NAME_*, then the strings) */
#define ST_ADDR_INODE	0x100u	/* not an address: the socket's inode (uint64_t) */

struct st_addr_hdr {
	uint8_t kinds;		/* ST_ADDR_* mask, low 8 bits */
	uint8_t len;		/* bytes that follow; kinds 0 with len 8 = ST_ADDR_INODE */
};

/* arg[1] of a data-path record: bytes came from the socket. */
#define ST_DATA_RECEIVED	(1ll << 32)

/* getaddrinfo's hints in arg[1]: family | socktype << 16 | ai_flags << 32. */
#define ST_HINTS(family, socktype, flags) \
	((int64_t)((uint64_t)(uint16_t)(family) | (uint64_t)(uint16_t)(socktype) << 16 | \
		   (uint64_t)(uint32_t)(flags) << 32))

/* ST_ADDR_DATA: what this process's data calls moved on a socket (its final close here). */
struct st_data_totals {
	uint64_t bytes_sent;
	uint64_t bytes_received;
	uint64_t first_tick;	/* the tick clock (st_ticks_to_ns); 0 = no data call */
	uint64_t last_tick;
};

/* ST_ADDR_TCPINFO: getsockopt(TCP_INFO) just before the final close. */
struct st_tcp_snapshot {
	uint8_t state;		/* the kernel's TCP_* state (1 = ESTABLISHED ... 8 = CLOSE_WAIT) */
	uint8_t ca_state;
	uint8_t retransmits;	/* unrecovered retransmits now */
	uint8_t reserved;
	uint32_t rtt_us;
	uint32_t rttvar_us;
	uint32_t total_retrans;
	uint32_t lost;
	uint32_t unacked;
	uint64_t bytes_acked;	/* includes the SYN (and the FIN once acked) */
	uint64_t bytes_received; /* includes the peer's SYN (and its FIN) */
};

/* ST_ADDR_NAME: one ST_NAME_* byte, then host and service, each NUL-terminated. */
#define ST_NAME_HOST	0x1u	/* a host was given (getaddrinfo) or found (getnameinfo) */
#define ST_NAME_SERVICE	0x2u	/* the same for the service */

/* ------------------------------------------------------------------ stacks, modules */

/*
 * ST_REG_STACKS: call-site stacks, each stored once.  Each chunk is an
 * open-addressing hash table of `count` entries (a power of two) of the
 * region's entry_size; a newer chunk is added when the newest is half
 * full, and lookups try the newest first.  A stack's id is its entry's
 * index in the region + 1 (0 = no stack).  A writer claims an entry by
 * compare-and-swap of hash from 0, fills it, then stores state =
 * ST_STACK_READY with release order.  ips are innermost first, each a
 * return address (symbolise ip - 1): ips[0] returns into the app's
 * function that called the wrapped one; the ip below a signal frame is
 * the interrupted instruction itself.
 *
 * made counts the sockets this image made from that stack: with the
 * live slots that name it, the per-call-site totals.
 */
#define ST_STACK_READY		1u

struct st_stack {
	uint64_t hash;		/* 0 = free entry */
	uint32_t state;		/* ST_STACK_READY once ips are complete */
	uint16_t depth;		/* ips used */
	uint16_t truncated;	/* 1: the stack was deeper than the limit */
	uint64_t t_ns;		/* when it was first stored (picks the modules loaded then) */
	uint64_t made;		/* sockets made from this stack here (atomic); those still
				   held are the live slots naming it */
	uint64_t reserved;
	uint64_t ips[];		/* stack_depth of them */
};


/*
 * ST_REG_MODULES: loaded objects, so addresses can be symbolised after
 * the process is gone.  Entries are appended (state ST_MODULE_READY last,
 * release order) when a scan finds a new object: at the first stack, and
 * when a new stack is stored after the loader's load/unload counters
 * moved.  An object that is gone gets its unload time.
 */
#define ST_MODULE_READY		1u
#define ST_MODULE_PATH_MAX	400u
#define ST_BUILD_ID_MAX		32u

struct st_module {
	uint32_t state;		/* ST_MODULE_READY once complete */
	uint8_t build_id_len;
	uint8_t is_exe;		/* the main executable (path from /proc/self/exe) */
	uint16_t reserved;
	uint64_t bias;		/* load bias (dlpi_addr): runtime = file vaddr + bias */
	uint64_t lo, hi;	/* runtime range of its PT_LOAD segments */
	uint64_t t_load_ns;	/* first seen (CLOCK_MONOTONIC) */
	uint64_t t_unload_ns;	/* 0 = still loaded at the last scan (atomic) */
	uint8_t build_id[ST_BUILD_ID_MAX];
	char path[ST_MODULE_PATH_MAX];	/* NUL-terminated; truncated names end in "..." */
	uint8_t pad[512 - 4 - 4 - 5 * 8 - ST_BUILD_ID_MAX - ST_MODULE_PATH_MAX];
};

_Static_assert(sizeof(struct st_file_header) == ST_HEADER_SIZE, "header size");
_Static_assert(sizeof(struct st_record) == ST_SLOT_SIZE, "record size");
_Static_assert(sizeof(struct st_cont) == ST_SLOT_SIZE, "continuation size");
_Static_assert(offsetof(struct st_cont, op) == offsetof(struct st_record, op), "op offset");
_Static_assert(sizeof(struct st_sock) == 256, "socket slot size");
_Static_assert(sizeof(struct st_fd) == 16, "fd entry size");
_Static_assert(sizeof(struct st_module) == 512, "module entry size");

/* ------------------------------------------------------------------ reader's rules */

/* The ring slot of position pos in a ring of cap slots (a power of two). */
static inline uint64_t st_ring_slot(uint64_t pos, uint64_t cap)
{
	return pos & (cap - 1);
}

/*
 * Is the slot whose seq was read (with acquire order) complete for
 * position pos?  A reader copies the slot, then reads seq again (after an
 * acquire fence): a different value means a writer took it meanwhile.
 */
static inline int st_slot_complete(uint64_t seq, uint64_t pos)
{
	return seq == pos + 1;
}

/*
 * The positions a reader can still find: [*first, head).  Those before
 * *first were overwritten by the ring's wrapping.
 */
static inline void st_ring_window(uint64_t head, uint64_t cap, uint64_t *first)
{
	*first = head > cap ? head - cap : 0;
}

/*
 * Walk entries of a contiguous area (a record's addrs joined with its
 * continuations): *off starts at 0.  Returns the next entry's header and
 * points *val at its bytes, or NULL at the end or at an entry that runs
 * past len (corrupt: stop).
 */
static inline const struct st_addr_hdr *st_entry_next(const uint8_t *area, size_t len, size_t *off,
						      const uint8_t **val)
{
	const struct st_addr_hdr *h;

	if (*off + sizeof(*h) > len)
		return NULL;
	h = (const struct st_addr_hdr *)(area + *off);
	if (*off + sizeof(*h) + h->len > len)
		return NULL;
	*val = area + *off + sizeof(*h);
	*off += sizeof(*h) + h->len;
	return h;
}

/* Do an entry's kinds include kind (ST_ADDR_INODE is kinds 0, len 8)? */
static inline int st_entry_is(const struct st_addr_hdr *h, unsigned kind)
{
	if (kind == ST_ADDR_INODE)
		return h->kinds == 0 && h->len == 8;
	return (h->kinds & kind) != 0;
}

/*
 * Copy the continuation cont's bytes into the joined area of its head
 * (which holds ST_ADDRS_MAX bytes; the head's own addrs are the first
 * ST_REC_ADDRS).  Returns 0, or -1 when cont is not one of head's.
 */
static inline int st_record_join(uint8_t *area, uint64_t head_pos, const struct st_cont *cont)
{
	if (cont->op != ST_OP_CONT || cont->head_pos != head_pos || cont->index < 1 ||
	    cont->index > ST_CONT_MAX)
		return -1;
	memcpy(area + ST_REC_ADDRS + (cont->index - 1) * ST_CONT_DATA, cont->data, ST_CONT_DATA);
	return 0;
}

/*
 * Entry i of region d (a directory from the header: the file's own, read
 * live, or a copy) in a file of size bytes at base; NULL when no chunk
 * published within the file holds it.  A chunk counts once its offset is
 * non-zero (loaded with acquire order: the writer stores it last); a
 * chunk that would run past size (a file truncated, or a lie) holds
 * nothing.
 */
static inline const void *st_region_entry(const void *base, uint64_t size,
					  const struct st_region_dir *d, uint64_t i)
{
	uint32_t n = __atomic_load_n(&d->nchunks, __ATOMIC_ACQUIRE);

	for (unsigned k = 0; k < n && k < ST_CHUNKS_MAX; k++) {
		const struct st_chunk *c = &d->chunk[k];
		uint64_t off = __atomic_load_n(&c->offset, __ATOMIC_ACQUIRE);

		if (!off || i < c->first || i >= (uint64_t)c->first + c->count)
			continue;
		/* Entries are read in place: a chunk in the header, past the
		 * end or not 8-aligned does not hold together. */
		if (off < ST_HEADER_SIZE || off > size || off % 8 || !d->entry_size ||
		    d->entry_size % 8 || (i - c->first + 1) > (size - off) / d->entry_size)
			return NULL;
		return (const char *)base + off + (i - c->first) * d->entry_size;
	}
	return NULL;
}

/* Entries region d has published: the end of its furthest published chunk. */
static inline uint64_t st_region_mapped(const struct st_region_dir *d)
{
	uint32_t n = __atomic_load_n(&d->nchunks, __ATOMIC_ACQUIRE);
	uint64_t end = 0;

	for (unsigned k = 0; k < n && k < ST_CHUNKS_MAX; k++)
		if (__atomic_load_n(&d->chunk[k].offset, __ATOMIC_ACQUIRE) &&
		    (uint64_t)d->chunk[k].first + d->chunk[k].count > end)
			end = (uint64_t)d->chunk[k].first + d->chunk[k].count;
	return end;
}

/*
 * Reading a live file's socket slot.  The writer has no seqlock: it fills
 * a slot, then stores sid (release); it frees a slot by storing sid 0, and
 * a reused slot gets a new sid.  Counters, flags and the TCP state change
 * in place, each one aligned word (a copy holds each as it was at some
 * moment); an address's length is stored after its bytes (release).  So:
 * load sid (acquire) and the address lengths, copy, load sid again: the
 * same non-zero sid means the copy is that socket's, with addresses only
 * up to the lengths loaded before the copy.  A slot that changes under
 * every one of ST_SOCK_READ_TRIES tries is skipped (it is being freed or
 * reused: the next read sees what it became).  A file of a process that
 * ended reads right the first time.
 */
#define ST_SOCK_READ_TRIES	4

/* A consistent copy of slot s into *out: 1, or 0 when it is free or would not hold still. */
static inline int st_sock_read(const struct st_sock *s, struct st_sock *out)
{
	for (int t = 0; t < ST_SOCK_READ_TRIES; t++) {
		uint64_t sid = __atomic_load_n(&s->sid, __ATOMIC_ACQUIRE);
		uint8_t llen, plen;

		if (!sid)
			return 0;
		llen = __atomic_load_n(&s->local_len, __ATOMIC_ACQUIRE);
		plen = __atomic_load_n(&s->peer_len, __ATOMIC_ACQUIRE);
		memcpy(out, (const void *)s, sizeof(*out));
		/* The copy's loads complete before sid is read again. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->sid, __ATOMIC_RELAXED) != sid)
			continue;
		out->sid = sid;
		out->local_len = llen <= ST_SOCK_ADDR_MAX ? llen : 0;
		out->peer_len = plen <= ST_SOCK_ADDR_MAX ? plen : 0;
		return 1;
	}
	return 0;
}

/*
 * An fd entry read live: its word (acquire), the fields written before
 * it, and the word again; 1 with *out when both words agree, 0 when the
 * entry changed meanwhile (read it as what the second word says next time).
 */
static inline int st_fd_read(const struct st_fd *e, struct st_fd *out)
{
	uint64_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);

	out->stack_id = e->stack_id;
	out->op = e->op;
	out->forks = e->forks;
	out->reserved = 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	out->word = w;
	return __atomic_load_n(&e->word, __ATOMIC_RELAXED) == w;
}

/*
 * Is an image still running?  Its header's state says only how it ended
 * when it could say so: a process killed by a signal (SIGKILL) leaves
 * ST_STATE_RUNNING for ever, and its pid may be reused.  So a reader on
 * the same machine asks /proc: the image runs when its header is still
 * RUNNING, /proc/PID/stat exists and is not a zombie's, and the process's
 * start time there (field 22, clock ticks since boot) equals the header's
 * start_ticks (0 in the header: not known, the pid's existence decides).
 * st_proc_stat_parse reads the two fields from that file's text (n bytes);
 * st_image_running applies the rule (found: the stat file was read and
 * parsed).
 */
static inline int st_proc_stat_parse(const char *buf, size_t n, char *state, uint64_t *start_ticks)
{
	size_t i, close = n;
	int field = 2;
	uint64_t v = 0;

	/* Field 2, the command, is in parentheses and may hold both: it ends at the last ')'. */
	for (i = 0; i < n; i++)
		if (buf[i] == ')')
			close = i;
	if (close == n || close + 2 >= n)
		return -1;
	*state = buf[close + 2];
	for (i = close + 1; i < n; i++) {
		if (buf[i] == ' ') {
			field++;
			continue;
		}
		if (field == 22) {
			if (buf[i] < '0' || buf[i] > '9')
				return -1;
			v = v * 10 + (uint64_t)(buf[i] - '0');
			if (i + 1 == n || buf[i + 1] == ' ') {
				*start_ticks = v;
				return 0;
			}
		}
	}
	return -1;
}

static inline int st_image_running(uint32_t hdr_state, uint64_t hdr_start_ticks, int found,
				   char state, uint64_t start_ticks)
{
	if (hdr_state != ST_STATE_RUNNING || !found)
		return 0;
	if (state == 'Z' || state == 'X' || state == 'x')
		return 0;
	return !hdr_start_ticks || hdr_start_ticks == start_ticks;
}

/*
 * A tick of the activity clock as CLOCK_MONOTONIC ns, by the rate between
 * two anchors a and b read together (a file's anchor and anchor_last).
 * MONO ticks are ns already.  A tick outside the anchors is extrapolated;
 * 0 stays 0; without a second anchor the tick is taken at a's time.  In
 * double: exact to well under a ns at these magnitudes.
 */
static inline uint64_t st_ticks_to_ns(uint32_t clock, uint64_t tick, struct st_anchor a,
				      struct st_anchor b)
{
	double rate;

	if (clock != ST_TICK_TSC || !tick)
		return tick;
	if (b.tick <= a.tick || b.ns <= a.ns)
		return a.ns;
	rate = (double)(b.ns - a.ns) / (double)(b.tick - a.tick);
	if (tick >= a.tick)
		return a.ns + (uint64_t)((double)(tick - a.tick) * rate);
	return a.ns - (uint64_t)((double)(a.tick - tick) * rate);
}

/*
 * A header's stamp of a time before its file was made (image_start_ns,
 * ancestors[].fork_ns) as CLOCK_MONOTONIC ns.  With ST_HDR_START_TICKS
 * the shim stored a tick of the tick clock: the clock's first call in a
 * process costs a socket-free exec three page faults (libc's
 * clock_gettime, the vDSO's data pages), about a tenth of what the shim
 * added to one, and a tick costs none.  The tick is carried back from
 * the file's first anchor at the rate between its anchors: to well
 * under a microsecond for a fork child's file (made at the fork); for an
 * image whose first socket came long after its start, as close as that
 * rate is (anchor_last is refreshed about once a second while events are
 * recorded, and at exit).
 */
static inline uint64_t st_header_stamp_ns(const struct st_file_header *h, uint64_t stamp)
{
	if (!(h->flags & ST_HDR_START_TICKS))
		return stamp;
	return st_ticks_to_ns(h->tick_clock, stamp, h->anchor, h->anchor_last);
}

/*
 * The directory the default paths go under, given getenv("TMPDIR") (NULL
 * when unset): TMPDIR when it is an absolute path, else /tmp.  A relative
 * TMPDIR would name another place in every process that changed its
 * directory (a daemon's chdir("/")), so the shim ignores it and the
 * viewer, looking where the shim wrote, must too.
 */
#define ST_DEFAULT_TMP	"/tmp"

/* The same, dflt standing for ST_DEFAULT_TMP (the shim passes a copy of its own). */
static inline const char *st_default_tmp_or(const char *tmpdir, const char *dflt)
{
	return tmpdir && tmpdir[0] == '/' ? tmpdir : dflt;
}

static inline const char *st_default_tmp(const char *tmpdir)
{
	return st_default_tmp_or(tmpdir, ST_DEFAULT_TMP);
}

#endif

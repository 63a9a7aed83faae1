/*
 * trace_format.h - the on-disk trace format: the one contract between the
 * shim (writer) and the viewer (reader).
 *
 * One file per traced process image:
 *
 *   [ struct st_file_header, ST_HEADER_SIZE bytes ]
 *   [ capacity x struct st_record, ST_RECORD_SIZE bytes each ]
 *
 * The file is MAP_SHARED by the writer, its space reserved up front, so every
 * committed record survives SIGKILL.  Records form a ring: position p lives in
 * slot p & (capacity - 1).  A record is complete when its seq equals p + 1 and
 * its pos equals p; seq is stored last, with release order.  While a writer
 * owns a slot its seq is UINT64_MAX; a claim that finds its slot still owned
 * (by a writer a whole lap behind) drops its event, so that position reads
 * as lost.  head counts every position ever claimed, so a reader knows how
 * many were overwritten or lost.
 *
 * Compatibility: a reader accepts ST_FORMAT_VERSION_MIN..ST_FORMAT_VERSION.
 * Any change to the layout below bumps the version; version 2 took
 * start_ticks from the reserved area (0 in version 1 files) and added ops;
 * version 3 added opts, stack_depth and the extension directory (zero in
 * older files, which read as "no extensions").  New ops may be added without
 * a bump (a reader shows unknown ops by number); their numbers are never
 * reused.
 */
#ifndef SOCKTRACE_TRACE_FORMAT_H
#define SOCKTRACE_TRACE_FORMAT_H

#include <stdint.h>

#define ST_MAGIC		"SOCKTRC"	/* 7 chars + NUL = 8 bytes */
#define ST_FORMAT_VERSION	3u
#define ST_FORMAT_VERSION_MIN	1u	/* oldest version a reader still accepts */
#define ST_HEADER_SIZE		4096u
#define ST_RECORD_SIZE		256u
#define ST_FILE_SUFFIX		".socktrace"

#define ST_EXE_MAX		512
#define ST_ARGV_MAX		2048

/* How the traced image began. */
enum st_origin {
	ST_ORIGIN_ROOT = 0,	/* first traced process of its line */
	ST_ORIGIN_FORK = 1,	/* forked from a traced parent (ppid) */
	ST_ORIGIN_EXEC = 2,	/* exec'd from a traced image (same pid) */
};

/* How the traced image ended; stored with release order by the writer. */
enum st_state {
	ST_STATE_RUNNING = 0,	/* never marked: still running, or killed */
	ST_STATE_EXITED = 1,	/* exit(), return from main, _exit() */
	ST_STATE_EXECED = 2,	/* replaced by exec; the new image has its own file */
};

/*
 * Extension sections, after the ring: each is described by one st_ext entry
 * in the header's directory (kind 0 = unused entry).  Their layouts are
 * below, next to the kinds.  A reader skips kinds it does not know.
 */
#define ST_EXT_MAX		8
enum st_ext_kind {
	ST_EXT_NONE = 0,
	ST_EXT_STACKS = 1,	/* call-site stack table (struct st_stack_table) */
	ST_EXT_MODULES = 2,	/* loaded objects (struct st_module_table) */
	ST_EXT_SOCKSTATS = 3,	/* per-socket data counters (struct st_sockstats_head + st_sockstat[]) */
};

struct st_ext {
	uint32_t kind;		/* enum st_ext_kind */
	uint32_t entry_size;	/* bytes per entry, for a reader's bounds checks */
	uint64_t offset;	/* from the start of the file */
	uint64_t size;		/* bytes */
	uint64_t count;		/* entries the section has room for */
};

/*
 * ST_EXT_STACKS: call-site stacks, each stored once.  The section starts with
 * a struct st_stack_table, followed by `count` entries of entry_size bytes
 * (a power of two count).  An entry is an open-addressing hash slot:
 * a writer claims it by compare-and-swap of hash from 0, fills depth and
 * ips, then stores state = ST_STACK_READY with release order.  A record's
 * stack_id is the slot index + 1 (0 = no stack).  ips are innermost first,
 * and each is a return address (symbolise ip - 1 for its line): ips[0]
 * returns into the app's function that called the wrapped one.  The ip
 * below a signal frame is the interrupted instruction itself.
 */
#define ST_STACK_READY		1u

struct st_stack_table {
	uint32_t depth;		/* ips per entry */
	uint32_t reserved;
	uint64_t used;		/* entries claimed (atomic) */
	uint64_t dropped;	/* stacks not stored: table full or probe too long (atomic) */
	uint64_t skipped;	/* captures skipped: re-entered from a signal handler, or
				   libunwind failed (atomic) */
};

struct st_stack {
	uint64_t hash;		/* 0 = free slot */
	uint32_t state;		/* ST_STACK_READY once ips are complete */
	uint16_t depth;		/* ips used */
	uint16_t truncated;	/* 1: the stack was deeper than the limit */
	uint64_t t_ns;		/* when it was first stored (picks modules loaded then) */
	uint64_t ips[];		/* depth of the table's entries */
};

/*
 * ST_EXT_MODULES: loaded objects, so addresses can be symbolised after the
 * process is gone.  A struct st_module_table, then `count` entries of
 * struct st_module.  Entries are appended (state ST_MODULE_READY last, with
 * release order) when a scan finds a new object: at start, and when a new
 * stack is stored after the loader's load/unload counters moved (dlopen is
 * not wrapped; this catches libc's own dlopens too).  So load and unload
 * times are when the scan saw them; a stack's t_ns is taken after its scan.  An object that is
 * gone gets its unload time.
 */
#define ST_MODULE_READY		1u
#define ST_MODULE_PATH_MAX	400u
#define ST_BUILD_ID_MAX		32u

struct st_module_table {
	uint64_t used;		/* entries claimed (atomic) */
	uint64_t dropped;	/* objects not recorded: table full */
	uint64_t adds;		/* the loader's load/unload counters at the last scan */
	uint64_t subs;
};

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

/*
 * ST_EXT_SOCKSTATS: the data path's counters, one slot per socket the
 * process holds (the shim's socket-pool index), kept up to date on every
 * data call, so a killed process's counts survive in the file.  A slot with
 * inode 0 is free: a socket's final close in this process writes its totals
 * into the close record (an ST_ADDR_DATA entry) and frees the slot.  A fork
 * child's file starts its inherited sockets' slots at zero (each process
 * counts its own calls; a reader adds them up per inode), keeping their
 * flags.  Sockets beyond the section's count are counted in memory only
 * (their close records still carry the totals).
 *
 * Section layout: one st_sockstats_head, then count st_sockstat entries
 * (the directory's entry_size is sizeof(struct st_sockstat)).
 */
enum st_sockstats_clock {
	ST_SS_CLOCK_MONO = 0,	/* ticks are CLOCK_MONOTONIC ns */
	ST_SS_CLOCK_TSC = 1,	/* ticks are the x86 time-stamp counter: convert with the anchors */
};

struct st_sockstats_head {
	uint32_t clock;		/* enum st_sockstats_clock */
	uint32_t head_size;	/* sizeof(struct st_sockstats_head): the slots start here */
	uint64_t anchor_tick;	/* ticks taken with ... */
	uint64_t anchor_ns;	/* ... this CLOCK_MONOTONIC reading, at set-up */
	uint64_t end_tick;	/* the same pair at exit (0 = not exited): with the */
	uint64_t end_ns;	/* set-up pair, the tick rate */
	uint64_t reserved[3];
};

/* Slot flags. */
#define ST_SS_FRESH		0x1u	/* no data call yet (first_ns not set) */
#define ST_SS_EVENTS		0x2u	/* record every data call (SOCKTRACE_DATA=events) */
#define ST_SS_CONNECTING	0x4u	/* a non-blocking connect is in progress */
#define ST_SS_EOF		0x8u	/* a read saw the peer's FIN (the event is recorded) */

struct st_sockstat {
	uint64_t inode;		/* the socket counted here; 0 = free */
	uint64_t bytes_sent;	/* bytes the data calls of this process sent */
	uint64_t bytes_received; /* bytes taken off its receive queue (MSG_PEEK not counted) */
	uint64_t first_ns;	/* CLOCK_MONOTONIC of its first data call; 0 = none */
	uint64_t first_tick;	/* the clock's ticks at that call */
	uint64_t last_tick;	/* ... and at its latest data call */
	uint32_t flags;		/* ST_SS_* (atomic) */
	uint32_t reserved;
	uint64_t reserved2;
};

_Static_assert(sizeof(struct st_sockstats_head) == 64, "sockstats head size");
_Static_assert(sizeof(struct st_sockstat) == 64, "sockstat size");

/* What this image was configured to record (header opts). */
#define ST_OPT_STACKS_CREATE	0x1u	/* stacks at calls that create a socket reference */
#define ST_OPT_STACKS_ALL	0x2u	/* ... and at close and shutdown */
#define ST_OPT_DATA_EVENTS	0x4u	/* one event per data call (SOCKTRACE_DATA=events) */
#define ST_OPT_TCP_INFO		0x8u	/* TCP_INFO snapshot at a TCP socket's final close */

/* Header flags. */
#define ST_HDR_ARGV_TRUNC	0x1u	/* argv did not fit in argv[] */
#define ST_HDR_EXE_TRUNC	0x2u	/* exe path did not fit in exe[] */

struct st_file_header {
	char magic[8];			/* ST_MAGIC */
	uint32_t version;		/* ST_FORMAT_VERSION */
	uint32_t header_size;		/* ST_HEADER_SIZE */
	uint32_t record_size;		/* ST_RECORD_SIZE */
	uint32_t flags;			/* ST_HDR_* */
	uint64_t capacity;		/* records in the ring, a power of two */
	uint64_t head;			/* positions claimed (atomic) */
	int32_t pid;
	int32_t ppid;
	uint32_t origin;		/* enum st_origin */
	uint32_t state;			/* enum st_state (atomic) */
	int32_t exit_status;		/* valid when has_exit_status */
	uint32_t has_exit_status;
	uint64_t wall_anchor_ns;	/* CLOCK_REALTIME taken with ... */
	uint64_t mono_anchor_ns;	/* ... this CLOCK_MONOTONIC reading */
	uint64_t end_mono_ns;		/* when state was set */
	uint32_t argc;
	uint32_t argv_len;		/* bytes used in argv[] */
	char exe[ST_EXE_MAX];		/* /proc/self/exe, NUL-terminated */
	char argv[ST_ARGV_MAX];		/* NUL-separated arguments */
	/* Extension areas after the ring (stack table, module map): 0 = none. */
	uint64_t ext_offset;
	uint64_t ext_size;
	/*
	 * The process's start time (clock ticks since boot, /proc/self/stat
	 * field 22), the same across exec and different for a reused pid:
	 * the viewer links an exec'd image to the file of the image before it
	 * by pid and start_ticks.  Set at start by a root image and just
	 * before exec by the image that execs; 0 = not known.
	 */
	uint64_t start_ticks;
	uint32_t opts;			/* ST_OPT_* (version 3) */
	uint32_t stack_depth;		/* frames kept per stack at most (version 3) */
	struct st_ext ext[ST_EXT_MAX];	/* extension directory (version 3) */
	uint8_t reserved[ST_HEADER_SIZE - 8 - 4 * 4 - 2 * 8 - 6 * 4 - 3 * 8
			 - 2 * 4 - ST_EXE_MAX - ST_ARGV_MAX - 3 * 8 - 2 * 4
			 - ST_EXT_MAX * sizeof(struct st_ext)];
};

/*
 * Ops: the libc function the app called, or a synthetic event (>= 100).
 * The viewer prints these names; numbers are stable forever.
 *
 * Fields common to every op: fd is the socket the event is about (-1 =
 * none), inode its identity, refs its count in this process after the
 * event.  A call that drops several socket references (close_range,
 * closefrom, fcloseall) writes one record per socket fd it dropped.
 */
enum st_op {
	ST_OP_NONE = 0,
	ST_OP_SOCKET = 1,
	ST_OP_SOCKETPAIR = 2,
	ST_OP_BIND = 3,
	ST_OP_LISTEN = 4,
	ST_OP_ACCEPT = 5,
	ST_OP_ACCEPT4 = 6,
	ST_OP_CONNECT = 7,
	ST_OP_CLOSE = 8,	/* ST_REC_UNREAD: arg[0] = bytes unread (FIONREAD) before it */
	ST_OP_SHUTDOWN = 9,
	ST_OP_DUP = 10,
	ST_OP_DUP2 = 11,
	ST_OP_DUP3 = 12,
	ST_OP_FCNTL = 13,	/* arg[0] = cmd; F_SETFD: arg[1] = the new flags */
	ST_OP_FCNTL64 = 14,
	ST_OP_FORK = 15,	/* parent side: ret = child pid */
	ST_OP__EXIT = 16,	/* _exit / _Exit: arg[0] = status */
	ST_OP_EXIT = 17,	/* exit() or return from main (destructor) */
	/*
	 * exec family (execve, execv, execvp, ... one op each, below): written
	 * before the call with ST_REC_PENDING (ret 0), followed by one
	 * ST_OP_EXEC_FD per socket fd; if exec returns, a second record of the
	 * same op gives its ret and err.  A file whose state is EXECED was
	 * replaced by its last pending exec.
	 */
	ST_OP_EXECVE = 18,
	ST_OP_CLOSE_RANGE = 19,	/* per socket fd: arg[0] = first, arg[1] = last, fd2 = flags;
				   ST_REC_CLOEXEC: CLOSE_RANGE_CLOEXEC set it, nothing closed */
	ST_OP_CLOSEFROM = 20,	/* per socket fd: arg[0] = lowfd */
	ST_OP_FCLOSE = 21,	/* fclose of a FILE on a socket fd */
	ST_OP_FCLOSEALL = 22,	/* per socket fd found closed after fcloseall() */
	/*
	 * SCM_RIGHTS: one record per socket fd passed.  fd/inode = the socket
	 * passed (the sender's fd, or the receiver's new fd), fd2/inode2 = the
	 * carrier socket, ret = the call's return.  A passed reference is in
	 * flight, held by the kernel, until a process receives it.  A recvmsg
	 * record with fd -1 and arg[0] = MSG_CTRUNC: the kernel discarded the
	 * passed fds that did not fit in the control buffer (or had none).
	 */
	ST_OP_SENDMSG = 23,
	ST_OP_RECVMSG = 24,
	/* A child reaped: arg[0] = its pid, arg[1] = its wait status. */
	ST_OP_WAIT = 25,
	ST_OP_WAITPID = 26,
	ST_OP_WAIT3 = 27,
	ST_OP_WAIT4 = 28,
	ST_OP_WAITID = 29,
	/* setsockopt of an option that changes how the socket ends (SO_LINGER):
	   arg[0] = level, arg[1] = optname, the value as an ST_ADDR_OPTVAL entry. */
	ST_OP_SETSOCKOPT = 30,
	ST_OP_EXECV = 31,
	ST_OP_EXECVP = 32,
	ST_OP_EXECVPE = 33,
	ST_OP_EXECL = 34,
	ST_OP_EXECLP = 35,
	ST_OP_EXECLE = 36,
	ST_OP_FEXECVE = 37,
	ST_OP_EXECVEAT = 38,
	/*
	 * 39..69: the data path and name lookups.  A data call is recorded
	 * when it fails (other than EAGAIN/EWOULDBLOCK/EINTR), and every call
	 * when SOCKTRACE_DATA=events (ST_OPT_DATA_EVENTS); the bytes are
	 * counted in the ST_EXT_SOCKSTATS section either way.  Their records:
	 * fd = the socket, fd2 = the other fd (sendfile, splice), arg[0] = the
	 * length asked for (the message count for sendmmsg/recvmmsg), arg[1] =
	 * the call's flags | ST_DATA_RECEIVED when bytes came from the socket.
	 * sendmsg (23) and recvmsg (24) records of this kind have fd2 = -1 and
	 * inode2 = 0 (the SCM_RIGHTS records name a carrier there).
	 */
	ST_OP_SEND = 39,
	ST_OP_SENDTO = 40,
	ST_OP_SENDMMSG = 41,
	ST_OP_RECV = 42,
	ST_OP_RECVFROM = 43,
	ST_OP_RECVMMSG = 44,
	ST_OP_READ = 45,
	ST_OP_WRITE = 46,
	ST_OP_READV = 47,
	ST_OP_WRITEV = 48,
	ST_OP_SENDFILE = 49,
	ST_OP_SPLICE = 50,
	/*
	 * getsockopt(SO_ERROR) that reported an error with no connect pending:
	 * arg[0] = level, arg[1] = optname, the value as an ST_ADDR_OPTVAL
	 * entry.  (With a connect pending it completes it: ST_OP_CONNECTED.)
	 */
	ST_OP_GETSOCKOPT = 51,
	/*
	 * Name lookups, fd -1: ret = the EAI_* code (0 = found), err = errno
	 * for EAI_SYSTEM, arg[0] = the call's duration in ns.  getaddrinfo:
	 * arg[1] = the hints (ST_HINTS_*), an ST_ADDR_NAME entry (host,
	 * service), one ST_ADDR_RESULT entry per distinct address found.
	 * getnameinfo: arg[1] = flags, the address as ST_ADDR_ARG, the
	 * names found as ST_ADDR_NAME.
	 */
	ST_OP_GETADDRINFO = 52,
	ST_OP_GETNAMEINFO = 53,
	/* 54..69: free for the data path. */
	/* 70..79: reserved (dynamic loading); dlopen/dlclose update the
	   module map (ST_EXT_MODULES) and write no record. */

	ST_OP_FORK_CHILD = 100,	/* first event of a forked child: arg[0] = parent pid */
	ST_OP_MISSED_CLOSE = 101, /* fd reused while the table still held a socket there */
	ST_OP_TRACE_START = 102, /* tracing began: arg[0] = origin */
	/* A socket open when this image started (inherited across exec or from
	   an untraced parent): fd, inode, CLOEXEC flag, addresses; arg[0] = 1
	   when it listens. */
	ST_OP_INHERITED = 103,
	/* At exec, after the pending exec record: a socket fd this image held;
	   ST_REC_CLOEXEC = the kernel closes it at exec, else it survives. */
	ST_OP_EXEC_FD = 104,
	/* 105..109: call sites and modules; 110..129: connection states and data. */
	/* A read or recv returned 0 on a stream socket: the peer's FIN (first
	   one per socket and process).  arg[0] = the op that saw it. */
	ST_OP_PEER_EOF = 110,
	/*
	 * A non-blocking connect ended, as the app learned it: err = 0 when
	 * connected, else why it failed (ret -1); arg[0] = the op that told
	 * (getsockopt SO_ERROR, a data call, a second connect); arg[1] = the
	 * SO_ERROR value when it was getsockopt.
	 */
	ST_OP_CONNECTED = 111,
	ST_OP_MAX_KNOWN
};

/* Record flags. */
#define ST_REC_ADDR_TRUNC	0x01u	/* an address did not fit in addrs[] */
#define ST_REC_IMPLICIT_CLOSE	0x02u	/* dup2/dup3 closed the socket that held fd2 */
#define ST_REC_CLOEXEC		0x04u	/* the new fd has FD_CLOEXEC */
#define ST_REC_FIRST_SEEN	0x08u	/* socket not created under our eyes (inherited, pre-shim) */
#define ST_REC_REFS_UNKNOWN	0x10u	/* refs not tracked (table full) */
#define ST_REC_UNREAD		0x20u	/* arg[0] = bytes unread in the receive queue before a close */
#define ST_REC_PENDING		0x40u	/* written before the call (exec): no result yet */
#define ST_REC_VIA_SYSCALL	0x80u	/* the app called syscall(SYS_...), not the libc function */

/*
 * Packed address entries in st_record.addrs: a 2-byte st_addr_hdr followed by
 * len bytes of the raw sockaddr exactly as the kernel returned it.  One entry
 * may serve several kinds (the connect argument is usually also the peer).
 */
#define ST_ADDR_ARG	0x1u	/* the address the app passed (bind, connect) */
#define ST_ADDR_LOCAL	0x2u	/* getsockname after the call */
#define ST_ADDR_PEER	0x4u	/* getpeername after the call, or accept's */
#define ST_ADDR_OPTVAL	0x8u	/* not an address: a socket option's value (setsockopt) */
#define ST_ADDR_RESULT	0x10u	/* an address getaddrinfo found */
#define ST_ADDR_DATA	0x20u	/* not an address: struct st_data_totals (final close) */
#define ST_ADDR_TCPINFO	0x40u	/* not an address: struct st_tcp_snapshot (final close) */
#define ST_ADDR_NAME	0x80u	/* not an address: a lookup's names (ST_NAME_*, then the strings) */

struct st_addr_hdr {
	uint8_t kinds;		/* ST_ADDR_* mask */
	uint8_t len;		/* bytes of sockaddr that follow */
};

#define ST_ADDRS_SIZE		152u

/* arg[1] of a data-path record: bytes came from the socket. */
#define ST_DATA_RECEIVED	(1ll << 32)

/* getaddrinfo's hints in arg[1]: family | socktype << 16 | ai_flags << 32. */
#define ST_HINTS(family, socktype, flags) \
	((int64_t)((uint64_t)(uint16_t)(family) | (uint64_t)(uint16_t)(socktype) << 16 | \
		   (uint64_t)(uint32_t)(flags) << 32))

/*
 * ST_ADDR_DATA: what this process's data calls moved on a socket, written
 * into the record of its final close here (times CLOCK_MONOTONIC; 0 = no
 * data call).
 */
struct st_data_totals {
	uint64_t bytes_sent;
	uint64_t bytes_received;
	uint64_t first_ns;
	uint64_t last_ns;
};

/* ST_ADDR_TCPINFO: getsockopt(TCP_INFO) just before the final close (ST_OPT_TCP_INFO). */
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
	uint64_t bytes_acked;	/* 0 on kernels before 4.1 */
	uint64_t bytes_received;
};

/*
 * ST_ADDR_NAME: one ST_NAME_* byte, then the host and the service, each
 * NUL-terminated ("" when not given); cut to fit (ST_REC_ADDR_TRUNC).
 */
#define ST_NAME_HOST	0x1u	/* a host was given (getaddrinfo) or found (getnameinfo) */
#define ST_NAME_SERVICE	0x2u	/* the same for the service */

struct st_record {
	uint64_t seq;		/* pos + 1 when committed (stored last, release); UINT64_MAX while owned */
	uint64_t pos;		/* the position this record was written for */
	uint64_t t_ns;		/* CLOCK_MONOTONIC */
	uint64_t inode;		/* the socket the event is about; 0 = none */
	uint64_t inode2;	/* a second socket: accept's listener, socketpair's other end */
	int64_t ret;		/* the call's return value */
	int64_t arg[2];		/* op-specific: see the op table in the README */
	int32_t pid;
	int32_t tid;
	int32_t fd;		/* the fd the call acted on; -1 = none */
	int32_t fd2;		/* dup2/dup3 newfd, fcntl minimum, socketpair's other fd */
	int32_t err;		/* errno when the call failed, else 0 */
	int32_t refs;		/* references to inode in this process after the call */
	uint16_t op;		/* enum st_op */
	uint16_t flags;		/* ST_REC_* */
	uint16_t domain;	/* the socket's family, when known */
	uint16_t type;		/* the socket's type without SOCK_NONBLOCK/CLOEXEC */
	uint32_t stack_id;	/* reserved for call-site stacks; 0 = none */
	uint16_t addrs_len;	/* bytes used in addrs */
	uint16_t reserved;
	uint8_t addrs[ST_ADDRS_SIZE];
};

_Static_assert(sizeof(struct st_file_header) == ST_HEADER_SIZE, "header size");
_Static_assert(sizeof(struct st_record) == ST_RECORD_SIZE, "record size");
_Static_assert(sizeof(struct st_module) == 512, "module entry size");

#endif

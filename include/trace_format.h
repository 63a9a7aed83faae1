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
 * Compatibility: a reader accepts only ST_FORMAT_VERSION.  Any change to the
 * layout below bumps the version.  New ops may be added without a bump (a
 * reader shows unknown ops by number); their numbers are never reused.
 */
#ifndef SOCKTRACE_TRACE_FORMAT_H
#define SOCKTRACE_TRACE_FORMAT_H

#include <stdint.h>

#define ST_MAGIC		"SOCKTRC"	/* 7 chars + NUL = 8 bytes */
#define ST_FORMAT_VERSION	1u
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
	uint8_t reserved[ST_HEADER_SIZE - 8 - 4 * 4 - 2 * 8 - 6 * 4 - 3 * 8
			 - 2 * 4 - ST_EXE_MAX - ST_ARGV_MAX - 2 * 8];
};

/*
 * Ops: the libc function the app called, or a synthetic event (>= 100).
 * The viewer prints these names; numbers are stable forever.
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
	ST_OP_CLOSE = 8,
	ST_OP_SHUTDOWN = 9,
	ST_OP_DUP = 10,
	ST_OP_DUP2 = 11,
	ST_OP_DUP3 = 12,
	ST_OP_FCNTL = 13,
	ST_OP_FCNTL64 = 14,
	ST_OP_FORK = 15,	/* parent side: ret = child pid */
	ST_OP__EXIT = 16,	/* _exit / _Exit: arg[0] = status */
	ST_OP_EXIT = 17,	/* exit() or return from main (destructor) */
	ST_OP_EXECVE = 18,	/* about to exec; ret/err set if it failed */

	ST_OP_FORK_CHILD = 100,	/* first event of a forked child: arg[0] = parent pid */
	ST_OP_MISSED_CLOSE = 101, /* fd reused while the table still held a socket there */
	ST_OP_TRACE_START = 102, /* tracing began: arg[0] = origin */
	ST_OP_MAX_KNOWN
};

/* Record flags. */
#define ST_REC_ADDR_TRUNC	0x01u	/* an address did not fit in addrs[] */
#define ST_REC_IMPLICIT_CLOSE	0x02u	/* dup2/dup3 closed the socket that held fd2 */
#define ST_REC_CLOEXEC		0x04u	/* the new fd has FD_CLOEXEC */
#define ST_REC_FIRST_SEEN	0x08u	/* socket not created under our eyes (inherited, pre-shim) */
#define ST_REC_REFS_UNKNOWN	0x10u	/* refs not tracked (table full) */

/*
 * Packed address entries in st_record.addrs: a 2-byte st_addr_hdr followed by
 * len bytes of the raw sockaddr exactly as the kernel returned it.  One entry
 * may serve several kinds (the connect argument is usually also the peer).
 */
#define ST_ADDR_ARG	0x1u	/* the address the app passed (bind, connect) */
#define ST_ADDR_LOCAL	0x2u	/* getsockname after the call */
#define ST_ADDR_PEER	0x4u	/* getpeername after the call, or accept's */

struct st_addr_hdr {
	uint8_t kinds;		/* ST_ADDR_* mask */
	uint8_t len;		/* bytes of sockaddr that follow */
};

#define ST_ADDRS_SIZE		152u

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

#endif

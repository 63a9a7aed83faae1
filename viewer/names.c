/*
 * names.c - op, family, type, errno and shutdown names.
 */
#define _GNU_SOURCE
#include "names.h"

#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "trace_format.h"

static const char *const ops[] = {
	[ST_OP_SOCKET] = "socket",
	[ST_OP_SOCKETPAIR] = "socketpair",
	[ST_OP_BIND] = "bind",
	[ST_OP_LISTEN] = "listen",
	[ST_OP_ACCEPT] = "accept",
	[ST_OP_ACCEPT4] = "accept4",
	[ST_OP_CONNECT] = "connect",
	[ST_OP_CLOSE] = "close",
	[ST_OP_SHUTDOWN] = "shutdown",
	[ST_OP_DUP] = "dup",
	[ST_OP_DUP2] = "dup2",
	[ST_OP_DUP3] = "dup3",
	[ST_OP_FCNTL] = "fcntl",
	[ST_OP_FCNTL64] = "fcntl64",
	[ST_OP_FORK] = "fork",
	[ST_OP__EXIT] = "_exit",
	[ST_OP_EXIT] = "exit",
	[ST_OP_EXECVE] = "execve",
	[ST_OP_CLOSE_RANGE] = "close_range",
	[ST_OP_CLOSEFROM] = "closefrom",
	[ST_OP_FCLOSE] = "fclose",
	[ST_OP_FCLOSEALL] = "fcloseall",
	[ST_OP_SENDMSG] = "sendmsg",
	[ST_OP_RECVMSG] = "recvmsg",
	[ST_OP_WAIT] = "wait",
	[ST_OP_WAITPID] = "waitpid",
	[ST_OP_WAIT3] = "wait3",
	[ST_OP_WAIT4] = "wait4",
	[ST_OP_WAITID] = "waitid",
	[ST_OP_SETSOCKOPT] = "setsockopt",
	[ST_OP_EXECV] = "execv",
	[ST_OP_EXECVP] = "execvp",
	[ST_OP_EXECVPE] = "execvpe",
	[ST_OP_EXECL] = "execl",
	[ST_OP_EXECLP] = "execlp",
	[ST_OP_EXECLE] = "execle",
	[ST_OP_FEXECVE] = "fexecve",
	[ST_OP_EXECVEAT] = "execveat",
	[ST_OP_SEND] = "send",
	[ST_OP_SENDTO] = "sendto",
	[ST_OP_SENDMMSG] = "sendmmsg",
	[ST_OP_RECV] = "recv",
	[ST_OP_RECVFROM] = "recvfrom",
	[ST_OP_RECVMMSG] = "recvmmsg",
	[ST_OP_READ] = "read",
	[ST_OP_WRITE] = "write",
	[ST_OP_READV] = "readv",
	[ST_OP_WRITEV] = "writev",
	[ST_OP_SENDFILE] = "sendfile",
	[ST_OP_SPLICE] = "splice",
	[ST_OP_GETSOCKOPT] = "getsockopt",
	[ST_OP_GETADDRINFO] = "getaddrinfo",
	[ST_OP_GETNAMEINFO] = "getnameinfo",
	[ST_OP_FORK_CHILD] = "forked",
	[ST_OP_MISSED_CLOSE] = "missed-close",
	[ST_OP_TRACE_START] = "trace-start",
	[ST_OP_INHERITED] = "inherited",
	[ST_OP_EXEC_FD] = "exec-fd",
	[ST_OP_PEER_EOF] = "peer-eof",
	[ST_OP_CONNECTED] = "connected",
};

const char *op_name(unsigned op)
{
	return op < sizeof(ops) / sizeof(ops[0]) ? ops[op] : NULL;
}

const char *family_name(int family)
{
	switch (family) {
	case AF_UNIX: return "AF_UNIX";
	case AF_INET: return "AF_INET";
	case AF_INET6: return "AF_INET6";
	case AF_NETLINK: return "AF_NETLINK";
	case AF_PACKET: return "AF_PACKET";
	case AF_UNSPEC: return "AF_UNSPEC";
	default: return NULL;
	}
}

const char *socktype_name(int type)
{
	switch (type) {
	case SOCK_STREAM: return "SOCK_STREAM";
	case SOCK_DGRAM: return "SOCK_DGRAM";
	case SOCK_SEQPACKET: return "SOCK_SEQPACKET";
	case SOCK_RAW: return "SOCK_RAW";
	case SOCK_RDM: return "SOCK_RDM";
	default: return NULL;
	}
}

const char *errno_name(int err)
{
	return err > 0 ? strerrorname_np(err) : NULL;
}

const char *shut_name(int how)
{
	switch (how) {
	case SHUT_RD: return "SHUT_RD";
	case SHUT_WR: return "SHUT_WR";
	case SHUT_RDWR: return "SHUT_RDWR";
	default: return NULL;
	}
}

const char *gai_name(int code)
{
	switch (code) {
	case 0: return NULL;
	case EAI_BADFLAGS: return "EAI_BADFLAGS";
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_AGAIN: return "EAI_AGAIN";
	case EAI_FAIL: return "EAI_FAIL";
	case EAI_FAMILY: return "EAI_FAMILY";
	case EAI_SOCKTYPE: return "EAI_SOCKTYPE";
	case EAI_SERVICE: return "EAI_SERVICE";
	case EAI_MEMORY: return "EAI_MEMORY";
	case EAI_SYSTEM: return "EAI_SYSTEM";
	case EAI_OVERFLOW: return "EAI_OVERFLOW";
	case EAI_NODATA: return "EAI_NODATA";
	case EAI_ADDRFAMILY: return "EAI_ADDRFAMILY";
	default: return "EAI_?";
	}
}

const char *tcp_state_name(unsigned state)
{
	static const char *const names[] = {
		"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
		"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

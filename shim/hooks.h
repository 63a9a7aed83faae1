/*
 * hooks.h - every function the shim exports, in one list.  struct
 * real_fns, its raw-syscall fallbacks, real_resolve() and the version
 * script ($(B)/exports.map, from exports.map.in) are all made from it;
 * hooks_check.c ties it to the trace format's ST_OPS.
 *
 * Includes nothing and declares nothing: the version script is made by
 * running the preprocessor over this file, and an includer (real.h)
 * brings the types the parameter lists name.
 *
 *   X(name, return type, parameter types, op, kind, fallback)
 *
 * op: the ST_OP_ suffix of the record the wrapper writes as itself, NONE
 * for a wrapper that writes none of its own (syscall routes to the fd
 * calls' bodies, which record as those calls; pipe2 and the set*uid
 * prepare the shim).
 *
 * kind, which says what the wrapper's real_fns member is:
 *   CALL    resolved at the constructor, or lazily by REAL() when a call
 *           comes first; refused when dlsym answers our own wrapper.
 *   DATA    the data path (REAL_DATA()): the member starts as the
 *           fallback, so no call tests it for NULL.
 *   NOADDR  as CALL, but dlsym's answer is taken without comparing it
 *           with our own wrapper's address (_exit, _Exit, syscall, as
 *           since the first version: libc defines them, and no other
 *           preload is expected to).
 *   NOREAL  no member: the wrapper calls another one's real function
 *           (the execl family builds an argv for execve/execvp) or the
 *           kernel itself (vfork, in assembly).
 * fallback: the raw-syscall stand-in for the member, used while resolving
 * or when dlsym finds nothing; none for NOREAL.
 *
 * The order is struct real_fns' order: the calls of a connection's life
 * first, so that their members share two cache lines (hooks_check.c
 * holds the list to that).
 */
#ifndef SOCKTRACE_HOOKS_H
#define SOCKTRACE_HOOKS_H

#define SHIM_HOOKS(X)									\
	X(socket,	int,	(int, int, int),				SOCKET,		CALL,	fb_socket)	\
	X(connect,	int,	(int, const struct sockaddr *, socklen_t),	CONNECT,	CALL,	fb_connect)	\
	X(accept,	int,	(int, struct sockaddr *, socklen_t *),		ACCEPT,		CALL,	fb_accept)	\
	X(accept4,	int,	(int, struct sockaddr *, socklen_t *, int),	ACCEPT4,	CALL,	fb_accept4)	\
	X(close,	int,	(int),						CLOSE,		CALL,	fb_close)	\
	X(shutdown,	int,	(int, int),					SHUTDOWN,	CALL,	fb_shutdown)	\
	X(send,		ssize_t, (int, const void *, size_t, int),		SEND,		DATA,	fb_send)	\
	X(recv,		ssize_t, (int, void *, size_t, int),			RECV,		DATA,	fb_recv)	\
	X(recvfrom,	ssize_t, (int, void *, size_t, int, struct sockaddr *, socklen_t *), RECVFROM, DATA, fb_recvfrom) \
	X(sendto,	ssize_t, (int, const void *, size_t, int, const struct sockaddr *, socklen_t), SENDTO, DATA, fb_sendto) \
	X(read,		ssize_t, (int, void *, size_t),				READ,		DATA,	fb_read)	\
	X(write,	ssize_t, (int, const void *, size_t),			WRITE,		DATA,	fb_write)	\
	X(readv,	ssize_t, (int, const struct iovec *, int),		READV,		DATA,	fb_readv)	\
	X(writev,	ssize_t, (int, const struct iovec *, int),		WRITEV,		DATA,	fb_writev)	\
	X(sendmsg,	ssize_t, (int, const struct msghdr *, int),		SENDMSG,	CALL,	fb_sendmsg)	\
	X(recvmsg,	ssize_t, (int, struct msghdr *, int),			RECVMSG,	CALL,	fb_recvmsg)	\
	/* The rest: set-up, the fd and process calls, the rarer data calls. */	\
	X(socketpair,	int,	(int, int, int, int[2]),			SOCKETPAIR,	CALL,	fb_socketpair)	\
	X(bind,		int,	(int, const struct sockaddr *, socklen_t),	BIND,		CALL,	fb_bind)	\
	X(listen,	int,	(int, int),					LISTEN,		CALL,	fb_listen)	\
	X(dup,		int,	(int),						DUP,		CALL,	fb_dup)		\
	X(dup2,		int,	(int, int),					DUP2,		CALL,	fb_dup2)	\
	X(dup3,		int,	(int, int, int),				DUP3,		CALL,	fb_dup3)	\
	X(fcntl,	int,	(int, int, ...),				FCNTL,		CALL,	fb_fcntl)	\
	X(fcntl64,	int,	(int, int, ...),				FCNTL64,	CALL,	fb_fcntl)	\
	X(fork,		pid_t,	(void),						FORK,		CALL,	fb_fork)	\
	SHIM_HOOK_VFORK(X)								\
	X(_exit,	__attribute__((noreturn)) void, (int),			_EXIT,		NOADDR,	fb_exit)	\
	X(_Exit,	__attribute__((noreturn)) void, (int),			_EXIT,		NOADDR,	fb_exit)	\
	X(close_range,	int,	(unsigned, unsigned, int),			CLOSE_RANGE,	CALL,	fb_close_range)	\
	X(closefrom,	void,	(int),						CLOSEFROM,	CALL,	fb_closefrom)	\
	X(fclose,	int,	(FILE *),					FCLOSE,		CALL,	fb_fclose)	\
	X(fcloseall,	int,	(void),						FCLOSEALL,	CALL,	fb_fcloseall)	\
	X(syscall,	long,	(long, ...),					NONE,		NOADDR,	sys_any)	\
	X(pipe2,	int,	(int[2], int),					NONE,		CALL,	fb_pipe2)	\
	X(setsockopt,	int,	(int, int, int, const void *, socklen_t),	SETSOCKOPT,	CALL,	fb_setsockopt)	\
	X(execve,	int,	(const char *, char *const[], char *const[]),	EXECVE,		CALL,	fb_execve)	\
	X(execv,	int,	(const char *, char *const[]),			EXECV,		CALL,	fb_execv)	\
	X(execvp,	int,	(const char *, char *const[]),			EXECVP,		CALL,	fb_execv)	\
	X(execvpe,	int,	(const char *, char *const[], char *const[]),	EXECVPE,	CALL,	fb_execvpe)	\
	X(fexecve,	int,	(int, char *const[], char *const[]),		FEXECVE,	CALL,	fb_fexecve)	\
	X(execveat,	int,	(int, const char *, char *const[], char *const[], int), EXECVEAT, CALL,	fb_execveat)	\
	X(execl,	int,	(const char *, const char *, ...),		EXECL,		NOREAL,	none)		\
	X(execlp,	int,	(const char *, const char *, ...),		EXECLP,		NOREAL,	none)		\
	X(execle,	int,	(const char *, const char *, ...),		EXECLE,		NOREAL,	none)		\
	X(wait,		pid_t,	(int *),					WAIT,		CALL,	fb_wait)	\
	X(waitpid,	pid_t,	(pid_t, int *, int),				WAITPID,	CALL,	fb_waitpid)	\
	X(wait3,	pid_t,	(int *, int, struct rusage *),			WAIT3,		CALL,	fb_wait3)	\
	X(wait4,	pid_t,	(pid_t, int *, int, struct rusage *),		WAIT4,		CALL,	fb_wait4)	\
	X(waitid,	int,	(idtype_t, id_t, siginfo_t *, int),		WAITID,		CALL,	fb_waitid)	\
	X(sendmmsg,	int,	(int, struct mmsghdr *, unsigned, int),		SENDMMSG,	DATA,	fb_sendmmsg)	\
	X(recvmmsg,	int,	(int, struct mmsghdr *, unsigned, int, struct timespec *), RECVMMSG, DATA, fb_recvmmsg) \
	X(sendfile,	ssize_t, (int, int, off_t *, size_t),			SENDFILE,	DATA,	fb_sendfile)	\
	X(sendfile64,	ssize_t, (int, int, off_t *, size_t),			SENDFILE,	DATA,	fb_sendfile)	\
	X(splice,	ssize_t, (int, off_t *, int, off_t *, size_t, unsigned),	SPLICE,		DATA,	fb_splice)	\
	/* _FORTIFY_SOURCE builds call these instead of read, recv, recvfrom. */	\
	X(__read_chk,	ssize_t, (int, void *, size_t, size_t),			READ,		DATA,	fb_read_chk)	\
	X(__recv_chk,	ssize_t, (int, void *, size_t, size_t, int),		RECV,		DATA,	fb_recv_chk)	\
	X(__recvfrom_chk, ssize_t, (int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *), RECVFROM, DATA, fb_recvfrom_chk) \
	X(getsockopt,	int,	(int, int, int, void *, socklen_t *),		GETSOCKOPT,	CALL,	fb_getsockopt)	\
	X(getaddrinfo,	int,	(const char *, const char *, const struct addrinfo *, struct addrinfo **), GETADDRINFO, CALL, fb_getaddrinfo) \
	X(getnameinfo,	int,	(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int), GETNAMEINFO, CALL, fb_getnameinfo) \
	X(setuid,	int,	(uid_t),					NONE,		CALL,	fb_setuid)	\
	X(seteuid,	int,	(uid_t),					NONE,		CALL,	fb_seteuid)	\
	X(setreuid,	int,	(uid_t, uid_t),					NONE,		CALL,	fb_setreuid)	\
	X(setresuid,	int,	(uid_t, uid_t, uid_t),				NONE,		CALL,	fb_setresuid)	\
	X(chroot,	int,	(const char *),					NONE,		CALL,	fb_chroot)

/* vfork is written in assembly, for x86_64 only (vfork_x86_64.S). */
#if defined(__x86_64__)
#define SHIM_HOOK_VFORK(X)	X(vfork, pid_t, (void), NONE, NOREAL, none)
#else
#define SHIM_HOOK_VFORK(X)
#endif

/*
 * Per kind, for the list's expansions (the rest of the arguments may hold
 * commas: an initialiser and its comma, a statement).
 * HOOK_IF_REAL(kind, ...): the rest for a hook with a real_fns member.
 * HOOK_IF_DATA(kind, ...): the rest for a data path hook.
 * HOOK_REFUSE_OURS(kind): 1 when real_resolve() refuses an answer of
 * dlsym's inside our own object (our wrapper of that name).
 */
#define HOOK_IF_REAL(kind, ...)		HOOK_IF_REAL_##kind(__VA_ARGS__)
#define HOOK_IF_REAL_CALL(...)		__VA_ARGS__
#define HOOK_IF_REAL_DATA(...)		__VA_ARGS__
#define HOOK_IF_REAL_NOADDR(...)	__VA_ARGS__
#define HOOK_IF_REAL_NOREAL(...)

#define HOOK_IF_DATA(kind, ...)		HOOK_IF_DATA_##kind(__VA_ARGS__)
#define HOOK_IF_DATA_CALL(...)
#define HOOK_IF_DATA_DATA(...)		__VA_ARGS__
#define HOOK_IF_DATA_NOADDR(...)
#define HOOK_IF_DATA_NOREAL(...)

#define HOOK_REFUSE_OURS(kind)		HOOK_REFUSE_OURS_##kind
#define HOOK_REFUSE_OURS_CALL		1
#define HOOK_REFUSE_OURS_DATA		1
#define HOOK_REFUSE_OURS_NOADDR		0

/*
 * Ops the app's calls make that no wrapper records as itself: exit() and
 * return from main are recorded by the shim's destructor (wrap_proc.c).
 */
#define SHIM_OPS_WITHOUT_HOOK(X)	\
	X(EXIT)

#endif

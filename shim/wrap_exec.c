/*
 * wrap_exec.c - the exec family: execve, execv, execvp, execvpe, execl,
 * execlp, execle, fexecve, execveat.  glibc's variants call execve
 * internally, not through the PLT, so each is wrapped.
 *
 * Before the call: a pending exec record, one ST_OP_EXEC_FD per socket fd
 * saying whether the kernel will close it (FD_CLOEXEC, asked of the kernel,
 * not of our table), and the file marked EXECED with the process's start
 * time, by which the viewer finds the new image's file.  If exec returns,
 * it failed: the mark is taken back and the failure recorded.
 *
 * A vfork child's exec (the common fork+exec of posix_spawn-like code) is
 * left alone: it shares our memory, and the file is the parent's.
 *
 * An image that passes no socket on (it holds none, or only close-on-exec
 * ones) tells the next one so in its environment (exec_hint.h), which then
 * skips the inherited-socket scan.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "event.h"
#include "exec_hint.h"
#include "fdtab.h"
#include "real.h"
#include "sys.h"
#include "tracefile.h"
#include "socks.h"

/*
 * One ST_OP_EXEC_FD for socket fd, if the table holds one there, with its
 * inode: the new image knows its sockets only by inode.  Returns 1 when
 * that socket stays open across the exec (no FD_CLOEXEC).
 */
static int exec_fd(int fd)
{
	uint64_t word = fdtab_lookup(fd);
	struct st_record *r;
	int64_t unread;
	long fdflags;
	struct ev e;

	if (!word)
		return 0;
	fdflags = sys_raw(SYS_fcntl, fd, F_GETFD, 0);
	if (fdflags < 0)
		return 0;	/* closed where we could not see it: the fd reuse will tell */
	r = ev_begin(&e, ST_OP_EXEC_FD, fd);
	rec_sock(r, word);
	ev_inode(&e, socks_inode(word, fd));
	if (fdflags & FD_CLOEXEC) {
		r->flags |= ST_REC_CLOEXEC;
		unread = socks_unread(fd, word);
		if (unread >= 0) {
			r->flags |= ST_REC_UNREAD;
			r->arg[1] = unread;
		}
	}
	ev_end(&e);
	return !(fdflags & FD_CLOEXEC);
}

/*
 * Before an exec: returns 1 when it was recorded (exec_failed must follow a
 * return).  *none_kept: 1 when the table knows every socket and none stays
 * open across the exec (the next image may be told so: exec_hint.h).
 */
static PROC_PATH int exec_begin(enum st_op op, int *none_kept)
{
	struct st_file_header *hdr;
	struct st_record *r;
	unsigned hwm, kept = 0;
	struct ev e;

	*none_kept = 0;
	if (!trace_enter())	/* also refuses in a vfork child */
		return 0;
	hdr = shim_hdr();
	tracefile_start_ticks(hdr);
	r = ev_begin(&e, op, -1);
	r->flags |= ST_REC_PENDING;
	ev_end(&e);
	hwm = __atomic_load_n(&fdtab_hwm, __ATOMIC_ACQUIRE);
	for (unsigned fd = 0; fd < hwm; fd++)
		kept += (unsigned)exec_fd((int)fd);
	*none_kept = !kept && exec_hint_tables_complete(hdr);
	tracefile_mark_end(hdr, ST_STATE_EXECED, 0, 0);
	return 1;
}

/* exec returned: it failed with err, and this image runs on. */
static PROC_PATH void exec_failed(enum st_op op, int err)
{
	struct st_file_header *hdr = shim_hdr();
	struct st_record *r;
	struct ev e;

	if (!hdr)
		return;
	tracefile_mark_running(hdr);
	r = ev_begin(&e, op, -1);
	ev_result(r, -1, err);
	ev_end(&e);
}

/*
 * envp_in: the environment the caller's exec passes (environ for those
 * without one); call execs with env_.envp, exec_hint.h's choice.  Without
 * the hint's copy, call must be the caller's own function (env_.envp is
 * envp_in then), so that what runs is what would run untraced.
 */
#define EXEC_WRAP(op, envp_in, call) do {			\
		struct exec_env env_;				\
		int traced_, none_kept_, ret_, err_;		\
		size_t room_ = exec_env_room();			\
		char *room_v_[room_ ? room_ : 1];		\
								\
		traced_ = exec_begin(op, &none_kept_);		\
		exec_env_prepare(&env_, (envp_in), none_kept_, room_v_, room_); \
		do {						\
			ret_ = (call);				\
			err_ = errno;				\
		} while (exec_env_retry(&env_, ret_, err_));	\
		exec_env_release(&env_);			\
		if (traced_)					\
			exec_failed(op, err_);			\
		errno = err_;					\
		return ret_;					\
	} while (0)

/* Our copy of the environment, or NULL when the caller's stands (see EXEC_WRAP). */
#define ENV_COPY (env_.envp != env_.orig ? env_.envp : NULL)

EXPORT PROC_PATH int execve(const char *path, char *const argv[], char *const envp[])
{
	EXEC_WRAP(ST_OP_EXECVE, envp, REAL(execve)(path, argv, env_.envp));
}

EXPORT PROC_PATH int execv(const char *path, char *const argv[])
{
	EXEC_WRAP(ST_OP_EXECV, environ,
		  ENV_COPY ? REAL(execve)(path, argv, ENV_COPY) : REAL(execv)(path, argv));
}

EXPORT PROC_PATH int execvp(const char *file, char *const argv[])
{
	EXEC_WRAP(ST_OP_EXECVP, environ,
		  ENV_COPY ? REAL(execvpe)(file, argv, ENV_COPY) : REAL(execvp)(file, argv));
}

EXPORT PROC_PATH int execvpe(const char *file, char *const argv[], char *const envp[])
{
	EXEC_WRAP(ST_OP_EXECVPE, envp, REAL(execvpe)(file, argv, env_.envp));
}

EXPORT PROC_PATH int fexecve(int fd, char *const argv[], char *const envp[])
{
	EXEC_WRAP(ST_OP_FEXECVE, envp, REAL(fexecve)(fd, argv, env_.envp));
}

EXPORT PROC_PATH int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	EXEC_WRAP(ST_OP_EXECVEAT, envp, REAL(execveat)(dirfd, path, argv, env_.envp, flags));
}

/*
 * The execl family: the argument list, NULL-terminated, becomes an argv on
 * our stack (as glibc does); envp follows the NULL for execle.
 */
#define LIST_TO_ARGV(arg, argv, envp_out) 					\
	size_t argc_ = 0;							\
	va_list ap_;								\
	const char *first_ = arg;	/* declared nonnull, yet NULL is an empty list */ \
										\
	__asm__("" : "+r"(first_));						\
	if (first_) {								\
		argc_ = 1;							\
		va_start(ap_, arg);						\
		while (va_arg(ap_, const char *) && argc_ < INT_MAX)		\
			argc_++;						\
		va_end(ap_);							\
	}									\
	if (argc_ >= INT_MAX) {							\
		errno = E2BIG;							\
		return -1;							\
	}									\
	char *argv[argc_ + 1];							\
	va_start(ap_, arg);							\
	argv[0] = (char *)arg;							\
	for (size_t i_ = 1; i_ <= argc_; i_++)					\
		argv[i_] = va_arg(ap_, char *);					\
	argv[argc_] = NULL;							\
	envp_out;								\
	va_end(ap_)

EXPORT PROC_PATH int execl(const char *path, const char *arg, ...)
{
	LIST_TO_ARGV(arg, argv, (void)0);
	EXEC_WRAP(ST_OP_EXECL, environ, REAL(execve)(path, argv, env_.envp));
}

EXPORT PROC_PATH int execlp(const char *file, const char *arg, ...)
{
	LIST_TO_ARGV(arg, argv, (void)0);
	EXEC_WRAP(ST_OP_EXECLP, environ,
		  ENV_COPY ? REAL(execvpe)(file, argv, ENV_COPY) : REAL(execvp)(file, argv));
}

EXPORT PROC_PATH int execle(const char *path, const char *arg, ...)
{
	char **envp;

	LIST_TO_ARGV(arg, argv, envp = va_arg(ap_, char **));	/* envp follows the NULL */
	EXEC_WRAP(ST_OP_EXECLE, envp, REAL(execve)(path, argv, env_.envp));
}

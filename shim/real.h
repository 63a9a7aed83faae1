/*
 * real.h - the libc functions the shim wraps, resolved with
 * dlsym(RTLD_NEXT) so other preloads (ASan, socket_wrapper) still chain.
 */
#ifndef SOCKTRACE_REAL_H
#define SOCKTRACE_REAL_H

#include <netdb.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct real_fns {
	/* The calls of a connection's life first: they share two cache lines. */
	int (*socket)(int, int, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*close)(int);
	int (*shutdown)(int, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*socketpair)(int, int, int, int[2]);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*fcntl64)(int, int, ...);
	pid_t (*fork)(void);
	void (*_exit)(int) __attribute__((noreturn));
	void (*_Exit)(int) __attribute__((noreturn));
	int (*close_range)(unsigned, unsigned, int);
	void (*closefrom)(int);
	int (*fclose)(FILE *);
	int (*fcloseall)(void);
	long (*syscall)(long, ...);
	int (*pipe2)(int[2], int);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execv)(const char *, char *const[]);
	int (*execvp)(const char *, char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int);
	pid_t (*wait)(int *);
	pid_t (*waitpid)(pid_t, int *, int);
	pid_t (*wait3)(int *, int, struct rusage *);
	pid_t (*wait4)(pid_t, int *, int, struct rusage *);
	int (*waitid)(idtype_t, id_t, siginfo_t *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned, int, struct timespec *);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*sendfile64)(int, int, off_t *, size_t);
	ssize_t (*splice)(int, off_t *, int, off_t *, size_t, unsigned);
	/* _FORTIFY_SOURCE builds call these instead of read, recv, recvfrom. */
	ssize_t (*__read_chk)(int, void *, size_t, size_t);
	ssize_t (*__recv_chk)(int, void *, size_t, size_t, int);
	ssize_t (*__recvfrom_chk)(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	int (*getnameinfo)(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int);
	int (*setuid)(uid_t);
	int (*seteuid)(uid_t);
	int (*setreuid)(uid_t, uid_t);
	int (*setresuid)(uid_t, uid_t, uid_t);
} __attribute__((aligned(64)));

/* Wrapped functions libc's headers declare only under _FORTIFY_SOURCE. */
ssize_t __read_chk(int, void *, size_t, size_t);
ssize_t __recv_chk(int, void *, size_t, size_t, int);
ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);

/* Filled by real_resolve(); a NULL member means "not resolved yet". */
extern struct real_fns real;

/* Raw-syscall stand-ins, used while resolving or when dlsym finds nothing. */
extern const struct real_fns real_fallback;

/*
 * Resolve every member.  Safe to call from any thread and more than once.
 * A member dlsym cannot give (or that would point back at our own wrapper)
 * is set to its raw-syscall fallback.  A call made while this thread is
 * already resolving (dlsym -> calloc -> socket) returns at once.
 */
void real_resolve(void);

/*
 * REAL(fn): the real function.  Calls that arrive before our constructor
 * (other libraries' constructors do call socket()) resolve lazily.
 */
#define REAL(fn) (__builtin_expect(real.fn != NULL, 1) ? real.fn :		\
		  (real_resolve(), real.fn ? real.fn : real_fallback.fn))

/*
 * REAL_DATA(fn): the same for the data path (send ... splice), whose
 * members are never NULL: the raw-syscall fallback serves until resolved.
 * Saves the test on every data call.
 */
#define REAL_DATA(fn) (real.fn)

#endif

/*
 * real.h - the libc functions the shim wraps (listed in hooks.h), resolved
 * with dlsym(RTLD_NEXT) so other preloads (ASan, socket_wrapper) still chain.
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

#include "hooks.h"

/* One member per hook with a real function, in the list's order. */
struct real_fns {
#define REAL_MEMBER(name, ret, params, op, kind, fb) HOOK_IF_REAL(kind, ret (*name) params;)
	SHIM_HOOKS(REAL_MEMBER)
#undef REAL_MEMBER
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
 * Saves the test on every data call.  Compiles only for a hook of kind
 * DATA (REAL_DATA_<fn> is declared for those alone): another member may
 * still be NULL.
 */
enum {
#define REAL_DATA_OK(name, ret, params, op, kind, fb) HOOK_IF_DATA(kind, REAL_DATA_##name = 1,)
	SHIM_HOOKS(REAL_DATA_OK)
#undef REAL_DATA_OK
};
#define REAL_DATA(fn) ((void)sizeof(char[REAL_DATA_##fn]), real.fn)

#endif

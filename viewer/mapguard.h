/*
 * mapguard.h - reading a shared mapping of a file another process may
 * truncate: a read past the file's new end raises SIGBUS, which is turned
 * into an error return instead of killing the viewer.
 */
#ifndef SOCKTRACE_MAPGUARD_H
#define SOCKTRACE_MAPGUARD_H

/*
 * Run fn(arg), which reads a MAP_SHARED mapping.  Returns what fn
 * returned, or MAPGUARD_FAULT when the mapping faulted (SIGBUS: the file
 * shrank under it); fn was then cut off where it read, so anything it
 * allocated must be reachable from arg for the caller to free.  Not
 * reentrant, one thread.  A SIGBUS outside a guarded call is fatal, as
 * without the guard.
 */
#define MAPGUARD_FAULT	(-1000)

int mapguard_run(int (*fn)(void *arg), void *arg);

#endif

/*
 * procfs.h - what the shim reads from /proc/self, with raw calls only (it
 * may run before our constructor, and from the exec path).
 */
#ifndef SOCKTRACE_PROCFS_H
#define SOCKTRACE_PROCFS_H

#include <stdint.h>

/* The process's start time in clock ticks since boot (stat field 22); 0 if unknown. */
uint64_t procfs_start_ticks(void);

/*
 * Call fn(fd, arg) for every fd open in this process, from /proc/self/fd
 * (not for the directory's own fd).  Returns 0, or a negative errno when
 * /proc is not readable.  Bounded: getdents64 ends.
 */
int procfs_each_fd(void (*fn)(int fd, void *arg), void *arg);

#endif

/*
 * inherited.h - recording the sockets an image starts with.
 */
#ifndef SOCKTRACE_INHERITED_H
#define SOCKTRACE_INHERITED_H

/*
 * Scan /proc/self/fd once at start (root images only: a fork child shares
 * its parent's table) and record each socket found.  Returns 0, or a
 * negative errno when /proc could not be read (the caller logs it).
 */
int inherited_scan(void);

#endif

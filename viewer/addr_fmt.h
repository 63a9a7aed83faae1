/*
 * addr_fmt.h - socket addresses written the way ss writes them.
 */
#ifndef SOCKTRACE_ADDR_FMT_H
#define SOCKTRACE_ADDR_FMT_H

#include <stddef.h>
#include <sys/socket.h>

#define ADDR_STR_MAX 256

/*
 * Format len bytes of sockaddr sa into out (ADDR_STR_MAX bytes):
 *   AF_INET   127.0.0.1:8080
 *   AF_INET6  [::1]:8080, [fe80::1%eth0]:22 (scope by name, else number)
 *   AF_UNIX   /a/path, @abstract (NULs inside shown as @), * when unnamed
 *   other     family:<n> (what we cannot decode is said, not guessed)
 * A len too short for the family's fixed part gives "?(truncated)".
 * Returns out.
 */
char *addr_format(const struct sockaddr *sa, size_t len, char *out);

#endif

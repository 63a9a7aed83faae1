/*
 * names.h - symbolic names for what the trace stores as numbers.
 */
#ifndef SOCKTRACE_NAMES_H
#define SOCKTRACE_NAMES_H

#include <stdint.h>

/* The libc function name of an op ("accept4"), or NULL when unknown. */
const char *op_name(unsigned op);

/* "AF_INET", "AF_UNIX"...; NULL when unknown. */
const char *family_name(int family);

/* "SOCK_STREAM"...; NULL when unknown (type without NONBLOCK/CLOEXEC). */
const char *socktype_name(int type);

/* "ECONNREFUSED"; NULL for 0 or unknown numbers. */
const char *errno_name(int err);

/* "SHUT_RD", "SHUT_WR", "SHUT_RDWR"; NULL otherwise. */
const char *shut_name(int how);

/* "EAI_NONAME" for a getaddrinfo/getnameinfo code; NULL for 0. */
const char *gai_name(int code);

/* The kernel's TCP state number (tcp_info.tcpi_state) by name: "CLOSE_WAIT". */
const char *tcp_state_name(unsigned state);

#endif

/*
 * wrap.h - wrapper bodies shared between files: the fd calls that
 * syscall() can also make (wrap_syscall.c routes them here).
 *
 * via is 0 for the libc function, or ST_REC_VIA_SYSCALL: the real call is
 * then made through the real syscall() and the record says so.
 */
#ifndef SOCKTRACE_WRAP_H
#define SOCKTRACE_WRAP_H

#include "../include/trace_format.h"

int fd_close(int fd);
int fd_dup(int fd, unsigned via);
int fd_dup_onto(enum st_op op, int oldfd, int newfd, int flags, unsigned via);
int fd_close_range(unsigned first, unsigned last, int flags, unsigned via);

#endif

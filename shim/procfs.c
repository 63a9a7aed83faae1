/*
 * procfs.c - /proc/self/stat and /proc/self/fd, read with raw system calls
 * into stack buffers (no malloc, no stdio, no opendir).
 */
#define _GNU_SOURCE
#include "procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>

#include "sys.h"

uint64_t procfs_start_ticks(void)
{
	char buf[1024];
	long fd = sys_raw(SYS_openat, AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC);
	long n;
	char *p;
	uint64_t v = 0;
	int field;

	if (fd < 0)
		return 0;
	n = sys_raw(SYS_read, fd, buf, sizeof(buf) - 1);
	sys_raw(SYS_close, fd, 0, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm (field 2) may hold spaces and parentheses: count from the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	return v;
}

/* struct linux_dirent64, as getdents64 fills it. */
struct dent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

int procfs_each_fd(void (*fn)(int fd, void *arg), void *arg)
{
	char buf[4096] __attribute__((aligned(8)));
	long dfd = sys_raw(SYS_openat, AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (dfd < 0)
		return (int)dfd;
	while ((n = sys_raw(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dent64 *d = (struct dent64 *)(buf + off);
			const char *s = d->name;
			long fd = 0;

			if (!d->reclen)
				break;
			off += d->reclen;
			if (!*s)
				continue;
			while (*s >= '0' && *s <= '9' && fd <= 0x7fffffff)
				fd = fd * 10 + (*s++ - '0');
			if (*s || fd == dfd || fd > 0x7fffffff)
				continue;	/* "." and "..", and our own fd */
			fn((int)fd, arg);
		}
	}
	sys_raw(SYS_close, dfd, 0, 0);
	return n < 0 ? (int)n : 0;
}

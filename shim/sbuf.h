/*
 * sbuf.h - building strings without stdio or malloc (async-signal-safe).
 * Output is always NUL-terminated; overflow truncates and sets overflow.
 */
#ifndef SOCKTRACE_SBUF_H
#define SOCKTRACE_SBUF_H

#include <stddef.h>
#include <stdint.h>

struct sbuf {
	char *buf;
	size_t cap;
	size_t len;
	int overflow;
};

static inline void sb_init(struct sbuf *sb, char *buf, size_t cap)
{
	sb->buf = buf;
	sb->cap = cap;
	sb->len = 0;
	sb->overflow = 0;
	buf[0] = 0;
}

static inline void sb_char(struct sbuf *sb, char c)
{
	if (sb->len + 1 < sb->cap) {
		sb->buf[sb->len++] = c;
		sb->buf[sb->len] = 0;
	} else {
		sb->overflow = 1;
	}
}

static inline void sb_str(struct sbuf *sb, const char *s)
{
	while (s && *s)
		sb_char(sb, *s++);
}

static inline void sb_u64(struct sbuf *sb, uint64_t v)
{
	char tmp[21];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 20);
	while (n)
		sb_char(sb, tmp[--n]);
}

#endif

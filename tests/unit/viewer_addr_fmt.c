/*
 * viewer_addr_fmt.c - addr_format(): sockaddrs as ss writes them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "addr_fmt.h"
#include "tap.h"

/* The output buffer, with a canary after it to catch overruns. */
static struct {
	char out[ADDR_STR_MAX];
	char canary[64];
} buf;

static const char *fmt(const void *sa, size_t len)
{
	const char *r;

	memset(buf.out, 'Z', sizeof(buf.out));
	memset(buf.canary, 0xa5, sizeof(buf.canary));
	r = addr_format(sa, len, buf.out);
	if (r != buf.out)
		return "<addr_format did not return out>";
	for (size_t i = 0; i < sizeof(buf.canary); i++)
		if ((unsigned char)buf.canary[i] != 0xa5)
			return "<overran the ADDR_STR_MAX buffer>";
	if (!memchr(buf.out, 0, sizeof(buf.out)))
		return "<not NUL-terminated>";
	return buf.out;
}

static size_t in4(struct sockaddr_storage *ss, const char *ip, unsigned port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &in->sin_addr);
	return sizeof(*in);
}

static size_t in6(struct sockaddr_storage *ss, const char *ip, unsigned port, uint32_t scope)
{
	struct sockaddr_in6 *in = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin6_family = AF_INET6;
	in->sin6_port = htons((uint16_t)port);
	in->sin6_scope_id = scope;
	inet_pton(AF_INET6, ip, &in->sin6_addr);
	return sizeof(*in);
}

/* An AF_UNIX address with n bytes of path p; returns the length through the path. */
static size_t un(struct sockaddr_storage *ss, const char *p, size_t n)
{
	struct sockaddr_un *u = (struct sockaddr_un *)ss;

	memset(ss, 0, sizeof(*ss));
	u->sun_family = AF_UNIX;
	memcpy(u->sun_path, p, n);
	return offsetof(struct sockaddr_un, sun_path) + n;
}

int main(void)
{
	struct sockaddr_storage ss;
	char want[512], name[IF_NAMESIZE];
	size_t len;

	plan(37);

	/* AF_INET */
	len = in4(&ss, "127.0.0.1", 8080);
	is_str(fmt(&ss, len), "127.0.0.1:8080", "inet: 127.0.0.1:8080");
	len = in4(&ss, "0.0.0.0", 0);
	is_str(fmt(&ss, len), "0.0.0.0:0", "inet: 0.0.0.0:0");
	len = in4(&ss, "255.255.255.255", 65535);
	is_str(fmt(&ss, len), "255.255.255.255:65535", "inet: the longest address and port");
	len = in4(&ss, "10.1.2.3", 443);
	is_str(fmt(&ss, offsetof(struct sockaddr_in, sin_zero)), "10.1.2.3:443",
	       "inet: a length without sin_zero is enough");
	is_str(fmt(&ss, offsetof(struct sockaddr_in, sin_zero) - 1), "?(truncated)",
	       "inet: one byte short is ?(truncated)");
	is_str(fmt(&ss, sizeof(sa_family_t)), "?(truncated)", "inet: family alone is ?(truncated)");

	/* AF_INET6 */
	len = in6(&ss, "::1", 8080, 0);
	is_str(fmt(&ss, len), "[::1]:8080", "inet6: [::1]:8080");
	len = in6(&ss, "::ffff:127.0.0.1", 80, 0);
	is_str(fmt(&ss, len), "[::ffff:127.0.0.1]:80", "inet6: v4-mapped [::ffff:127.0.0.1]:80");
	len = in6(&ss, "::", 0, 0);
	is_str(fmt(&ss, len), "[::]:0", "inet6: [::]:0");
	len = in6(&ss, "2001:db8::1", 22, 0);
	is_str(fmt(&ss, len), "[2001:db8::1]:22", "inet6: [2001:db8::1]:22");
	len = in6(&ss, "fe80::1", 22, 9999);
	if (if_indextoname(9999, name))
		skip(1, "interface index 9999 exists here");
	else
		is_str(fmt(&ss, len), "[fe80::1%9999]:22", "inet6: scope with no interface is numeric");
	len = in6(&ss, "fe80::1", 22, 4000000000u);
	if (if_indextoname(4000000000u, name))
		skip(1, "interface index 4000000000 exists here");
	else
		is_str(fmt(&ss, len), "[fe80::1%4000000000]:22", "inet6: a huge scope id is printed unsigned");
	len = in6(&ss, "fe80::1", 22, 1);
	if (!if_indextoname(1, name)) {
		skip(2, "no interface with index 1");
	} else {
		snprintf(want, sizeof(want), "[fe80::1%%%s]:22", name);
		is_str(fmt(&ss, len), want, "inet6: scope 1 is shown by interface name");
		if (strcmp(name, "lo"))
			skip(1, "interface 1 is not lo here");
		else
			is_str(fmt(&ss, len), "[fe80::1%lo]:22", "inet6: scope 1 is %lo");
	}
	len = in6(&ss, "::1", 8080, 0);
	is_str(fmt(&ss, len - 1), "?(truncated)", "inet6: one byte short is ?(truncated)");
	is_str(fmt(&ss, 24), "?(truncated)", "inet6: the 24-byte RFC 2133 form is ?(truncated)");

	/* AF_UNIX */
	len = un(&ss, "/tmp/sock", 9);
	is_str(fmt(&ss, len), "/tmp/sock", "unix: a path without the NUL counted");
	is_str(fmt(&ss, len + 1), "/tmp/sock", "unix: a path with the NUL counted");
	is_str(fmt(&ss, sizeof(struct sockaddr_un)), "/tmp/sock",
	       "unix: a path in a whole sockaddr_un (trailing NULs)");
	len = un(&ss, "\0name", 5);
	is_str(fmt(&ss, len), "@name", "unix: abstract @name");
	len = un(&ss, "\0a\0b", 4);
	is_str(fmt(&ss, len), "@a@b", "unix: abstract with an embedded NUL shows it as @");
	len = un(&ss, "\0name\0\0", 7);
	is_str(fmt(&ss, len), "@name@@", "unix: abstract trailing NULs are part of the name");
	len = un(&ss, "", 0);
	is_int((long long)len, sizeof(sa_family_t), "unix: an unnamed address is just the family");
	is_str(fmt(&ss, len), "*", "unix: unnamed is *");
	{
		char p[sizeof(((struct sockaddr_un *)0)->sun_path)];

		memset(p, 'x', sizeof(p));
		p[0] = '/';
		len = un(&ss, p, sizeof(p));
		memcpy(want, p, sizeof(p));
		want[sizeof(p)] = 0;
		is_str(fmt(&ss, len), want, "unix: a 108-byte path with no NUL");
		is_str(fmt(&ss, sizeof(ss)), want, "unix: a length past sun_path is capped at 108 bytes");
	}
	len = un(&ss, "/tmp/a\nb\x7f", 9);
	is_str(fmt(&ss, len), "/tmp/a\\x0ab\\x7f", "unix: control bytes in a path are escaped \\xNN");
	{
		char p[sizeof(((struct sockaddr_un *)0)->sun_path)];
		const char *got;

		memset(p, 1, sizeof(p));
		p[0] = 0;
		len = un(&ss, p, sizeof(p));
		got = fmt(&ss, len);
		ok(got[0] == '@' && !strncmp(got + 1, "\\x01\\x01", 8) && strlen(got) < ADDR_STR_MAX,
		   "unix: 107 escaped control bytes fit the buffer, cut short (len %zu)", strlen(got));
	}
	{
		struct sockaddr_un u;

		memset(&u, 0, sizeof(u));
		u.sun_family = AF_UNIX;
		strcpy(u.sun_path, "/tmp/x");
		is_str(fmt(&u, 1), "?", "unix: a length below the family is ?");
	}

	/* Other families, and garbage. */
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = 4242;
	is_str(fmt(&ss, sizeof(ss)), "family:4242", "unknown family: family:N");
	ss.ss_family = AF_PACKET;
	snprintf(want, sizeof(want), "family:%u", AF_PACKET);
	is_str(fmt(&ss, 20), want, "AF_PACKET is not decoded: family:17");
	ss.ss_family = AF_UNSPEC;
	is_str(fmt(&ss, 16), "family:0", "AF_UNSPEC: family:0");
	ss.ss_family = 0xffff;
	is_str(fmt(&ss, 2), "family:65535", "family 0xffff: family:65535");
	is_str(fmt(NULL, 16), "?", "NULL: ?");
	is_str(fmt(NULL, 0), "?", "NULL with length 0: ?");
	len = in4(&ss, "127.0.0.1", 1);
	is_str(fmt(&ss, 0), "?", "length 0: ?");
	is_str(fmt(&ss, 1), "?", "length 1 (half a family): ?");
	return done_testing();
}

/*
 * addr_fmt.c - sockaddr to text.
 */
#define _GNU_SOURCE
#include "addr_fmt.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

/* AF_UNIX: path, abstract (@, NULs as @) or unnamed (*). */
static char *fmt_unix(const struct sockaddr_un *un, size_t len, char *out)
{
	size_t off = offsetof(struct sockaddr_un, sun_path);
	size_t n = len > off ? len - off : 0, o = 0;

	if (n > sizeof(un->sun_path))
		n = sizeof(un->sun_path);
	if (n == 0)
		return strcpy(out, "*");
	if (un->sun_path[0] != 0) {
		/* A pathname: the kernel may or may not count the NUL. */
		n = strnlen(un->sun_path, n);
	}
	for (size_t i = 0; i < n && o + 5 < ADDR_STR_MAX; i++) {
		unsigned char c = (unsigned char)un->sun_path[i];

		if (c == 0)
			out[o++] = '@';
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, ADDR_STR_MAX - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = 0;
	return out;
}

char *addr_format(const struct sockaddr *sa, size_t len, char *out)
{
	char ip[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];

	if (!sa || len < sizeof(sa->sa_family))
		return strcpy(out, "?");
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)sa;

		if (len < offsetof(struct sockaddr_in, sin_zero))
			break;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(out, ADDR_STR_MAX, "%s:%u", ip, ntohs(in->sin_port));
		return out;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		char scope[IF_NAMESIZE + 12] = "";

		if (len < sizeof(struct sockaddr_in6))
			break;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		if (in6->sin6_scope_id) {
			if (if_indextoname(in6->sin6_scope_id, ifname))
				snprintf(scope, sizeof(scope), "%%%s", ifname);
			else
				snprintf(scope, sizeof(scope), "%%%u", in6->sin6_scope_id);
		}
		snprintf(out, ADDR_STR_MAX, "[%s%s]:%u", ip, scope, ntohs(in6->sin6_port));
		return out;
	}
	case AF_UNIX:
		return fmt_unix((const struct sockaddr_un *)sa, len, out);
	default:
		snprintf(out, ADDR_STR_MAX, "family:%u", sa->sa_family);
		return out;
	}
	return strcpy(out, "?(truncated)");
}

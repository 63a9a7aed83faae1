/*
 * wrap_lookup.c - name lookups: getaddrinfo (host, service, hints, the
 * addresses found, how long it took, the EAI_* code) and getnameinfo.
 * The viewer joins a lookup to the connect that used one of its addresses.
 *
 * These are not async-signal-safe in libc either; the wrappers add no
 * allocation and no lock, only a clock reading on each side of the call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "event.h"
#include "real.h"

/* Longest host and service kept (a record has ST_ADDRS_MAX bytes for everything). */
#define HOST_KEEP	80u
#define SERV_KEEP	32u

/* Append s (NULL: "") cut to keep bytes, NUL-terminated; returns 1 when cut. */
static int put_str(char *buf, size_t *n, const char *s, size_t keep)
{
	size_t len = s ? strnlen(s, keep + 1) : 0;
	int cut = len > keep;

	if (cut)
		len = keep;
	memcpy(buf + *n, s ? s : "", len);
	buf[*n + len] = 0;
	*n += len + 1;
	return cut;
}

/* The ST_ADDR_NAME entry: which names were given, then host and service. */
static void add_names(struct ev *e, const char *host, const char *serv)
{
	char buf[1 + HOST_KEEP + 1 + SERV_KEEP + 1];
	size_t n = 1;
	int cut;

	buf[0] = (char)((host ? ST_NAME_HOST : 0) | (serv ? ST_NAME_SERVICE : 0));
	cut = put_str(buf, &n, host, HOST_KEEP);
	cut |= put_str(buf, &n, serv, SERV_KEEP);
	if (cut)
		e->r->flags |= ST_REC_ADDR_TRUNC;
	ev_value(e, ST_ADDR_NAME, buf, n);
}

/* Each distinct address found, once (getaddrinfo repeats one per socket type). */
static void add_results(struct ev *e, const struct addrinfo *res)
{
	for (const struct addrinfo *a = res; a; a = a->ai_next) {
		int dup = 0;

		if (!a->ai_addr || a->ai_addrlen == 0 || a->ai_addrlen > 128)
			continue;
		for (const struct addrinfo *b = res; b != a && !dup; b = b->ai_next)
			dup = b->ai_addr && b->ai_addrlen == a->ai_addrlen &&
			      !memcmp(b->ai_addr, a->ai_addr, a->ai_addrlen);
		if (!dup)
			ev_value(e, ST_ADDR_RESULT, a->ai_addr, a->ai_addrlen);
	}
}

EXPORT int getaddrinfo(const char *host, const char *serv, const struct addrinfo *hints,
		       struct addrinfo **res)
{
	struct st_record *r;
	uint64_t t0;
	int ret, err;
	struct ev e;

	if (!trace_enter())
		return REAL(getaddrinfo)(host, serv, hints, res);
	t0 = shim_now();
	ret = REAL(getaddrinfo)(host, serv, hints, res);
	err = errno;
	r = ev_begin(&e, ST_OP_GETADDRINFO, -1);
	r->arg[0] = (int64_t)(r->t_ns - t0);
	r->t_ns = t0;		/* when it began: it sorts before what used its answer */
	if (hints)
		r->arg[1] = ST_HINTS(hints->ai_family, hints->ai_socktype, hints->ai_flags);
	r->ret = ret;
	r->err = (int16_t)(ret == EAI_SYSTEM ? err : 0);
	add_names(&e, host, serv);
	if (ret == 0)
		add_results(&e, *res);
	ev_end(&e);
	errno = err;
	return ret;
}

EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
		       char *serv, socklen_t servlen, int flags)
{
	struct st_record *r;
	uint64_t t0;
	int ret, err;
	struct ev e;

	if (!trace_enter())
		return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	t0 = shim_now();
	ret = REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	err = errno;
	r = ev_begin(&e, ST_OP_GETNAMEINFO, -1);
	r->arg[0] = (int64_t)(r->t_ns - t0);
	r->t_ns = t0;
	r->arg[1] = flags;
	r->ret = ret;
	r->err = (int16_t)(ret == EAI_SYSTEM ? err : 0);
	/* The address only when libc accepted it (then it read it too). */
	if (ret != EAI_FAMILY && sa && salen > 0 && salen <= sizeof(struct sockaddr_storage))
		ev_addr(&e, ST_ADDR_ARG, sa, salen);
	add_names(&e, ret == 0 && host && hostlen ? host : NULL, ret == 0 && serv && servlen ? serv : NULL);
	ev_end(&e);
	errno = err;
	return ret;
}

/*
 * mktrace - write trace files (format 4) from a small text spec, for the
 * viewer's fixture tests (tests/t0860-fixtures.t, tests/fixtures/): the
 * offline half tested as heaptrack tests its interpreter, a known input
 * in, the model and findings out.  The layout is trace_format.h's alone:
 * its structs, its ring rule (slot = pos & (cap - 1), seq = pos + 1), its
 * entry headers and continuation slots.
 *
 * usage: mktrace SPEC OUTDIR     (SPEC "-": stdin)
 *
 * The spec: one directive per line, "WORD key=value key=value ...";
 * '#' starts a comment; values hold no spaces.  A file is a section:
 *
 *   file NAME        start a new trace file OUTDIR/NAME.socktrace
 *   proc pid=N [ppid=N] [tag=N] [exe=PATH] [argv=a,b,c] [start=MS]
 *        [ticks=N] [origin=root|fork] [cap=N] [opts=N]
 *                    the header.  tag (default pid) is the high half of
 *                    the sids this image makes; ticks (default pid) the
 *                    process start time that links an exec'd image to the
 *                    one before it (same pid, same ticks); start (ms) is
 *                    when the image began (a fork child: its fork); cap
 *                    the ring's slots (power of two, default 64); a fork
 *                    child gets its parent as its one ancestor
 *   rec t=MS op=NAME [fd=N] [fd2=N] [ret=N] [err=N|ENAME] [sid=S] [sid2=S]
 *       [refs=N] [arg0=N] [arg1=N] [flags=F,F] [domain=D] [type=T]
 *       [tid=N] [unread=N] [ENTRY...]
 *                    one ring record at the next position.  op: the name
 *                    the viewer prints (socket, close, exec-fd, peer-eof).
 *                    Defaults: fd, fd2 -1, everything else 0.  sid: "N"
 *                    (this image's tag, serial N) or "TAG:N" (a fork
 *                    parent's socket).  flags: addr_trunc, implicit_close,
 *                    cloexec, first_seen, refs_unknown, unread, pending,
 *                    via_syscall, last_ref.  unread=N: flag unread,
 *                    arg1 = N.  Numbers may be names: EBADF..., SHUT_WR,
 *                    SOL_SOCKET, SO_LINGER, F_SETFD, F_DUPFD.  Times are
 *                    ms (CLOCK_MONOTONIC ns = MS * 10^6), never 0.
 *   addr ENTRY...    more entries for the record before (same syntax)
 *   torn [n=N]       N positions claimed and never committed (a kill)
 *   state fd=N sid=S [cloexec] [op=NAME] [forks=N] [SLOT...]
 *                    the fd table says fd N holds socket S; the socket
 *                    slot of S is made at its first mention, with SLOT
 *                    keys: inode=N domain=D type=T made_by=OP made=MS
 *                    sid2=S flags=F,F (fresh, connecting, eof, peered,
 *                    listening, shut_rd, shut_wr, linger0, first_seen,
 *                    connected) tcp=STATE (listen, established,
 *                    close_wait...) local=A peer=A eof=MS shut=MS
 *                    sent=N received=N; refs is the fds naming it
 *   totals [made=N] [arrived=N] [forked_in=N]
 *                    the header's socket counts (sockets this image made,
 *                    received or inherited, got by fork): what tells the
 *                    viewer of sockets whose every record was overwritten
 *   end [state=exited|execed|running] [t=MS] [exit=N]
 *                    how the image ended (default running: a kill); exit
 *                    sets the exit status
 *   damage [truncate=BYTES] [version=N] [magic=STR] [image_offset=N]
 *                    the file written, then spoiled that way: truncate
 *                    the whole file, the others this image's header
 *                    (version=0: a fork slot never published)
 *   slot [in=PID] [cut]
 *                    start a new image of the same file in the next fork
 *                    slot of image PID of this file (default: the image
 *                    before), as the shim writes a fork child's: its
 *                    header in the slot (image_offset its offset), its
 *                    chunks at the file's end.  An image's first slot
 *                    line, or one that finds its batch full, makes it a
 *                    batch of 4 slots of one page, at the file's end.
 *                    cut: the file ends half-way through this slot
 *   batch [slots=N] [magic=STR] [next=N|self] [taken=N]
 *                    make the current image a new batch of N slots
 *                    (default 4) now, the one its next slot lines fill;
 *                    the others spoil what is written: magic, next
 *                    (default the image's batch before, 0 none; self:
 *                    its own offset), taken (default the slots handed
 *                    out: more names slots never published)
 *
 * Layout: the first image's header at 0, then each image's chunks in
 * spec order as its section ends (fd table, socket table, ring), each
 * batch where its line (or first slot line) comes, page-aligned.
 *
 * ENTRY: KINDS=VALUE, KINDS one or more of local, peer, arg joined by
 * '+', VALUE an address: A.B.C.D:PORT, [V6]:PORT, /unix/path, @abstract,
 * or '*' (unnamed unix); or inode=N (an ST_ADDR_INODE entry);
 * linger=ON,SECONDS (ST_ADDR_OPTVAL); data=SENT,RECEIVED (ST_ADDR_DATA,
 * first and last tick at the record's time).  Entries past the head
 * slot's ST_REC_ADDRS bytes go to continuation slots, as the shim writes.
 *
 * D: inet, inet6, unix; T: stream, dgram, seqpacket.  Exit 0, or 2 (with
 * the spec line) on a bad spec or a file that cannot be written.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "trace_format.h"

#define MAX_RECS	4096	/* positions per file */
#define MAX_SLOTS	64	/* socket slots per file */
#define MAX_FDS		256	/* fd table entries per file */
#define MAX_WORDS	48	/* key=value words per line */
#define MAX_IMAGES	16	/* images per file */
#define MAX_BATCHES	16	/* batches of fork slots per file */
#define BATCH_SLOTS	4	/* slots per batch unless told */
#define NS_PER_MS	1000000ull
#define WALL_BASE_NS	1700000000000000000ull	/* CLOCK_REALTIME at monotonic 0: any fixed value */

/* One position of the ring: a record with its joined entries, or torn. */
struct pos {
	struct st_record r;
	uint8_t area[ST_ADDRS_MAX];
	size_t len;
	int torn;
};

/* One image being built: a file's first, or one in a fork slot. */
struct out {
	uint64_t off;		/* its header's offset in the file */
	int batch;		/* its latest batch (index in the file's), -1 = none */
	struct st_file_header h;
	struct pos *pos;
	uint64_t npos;
	struct st_sock slots[MAX_SLOTS];
	unsigned nslots;
	struct st_fd fds[MAX_FDS];
	unsigned nfds;		/* entries the fd table has: the highest fd named + 1, at least 64 */
	uint64_t last_ns;
	int bad_version;	/* damage: version written, -1 = none */
	char bad_magic[sizeof(((struct st_file_header *)0)->magic) + 1];	/* damage: magic written, "" = none */
	int bad_image_off;	/* damage: image_offset written instead */
	uint64_t image_off;
	int has_proc;
	int laid_out;		/* its chunks have their offsets */
};

/* One batch of fork slots: where, whose, and what is written (damage included). */
struct batch {
	uint64_t off;
	int owner;		/* the image (index) whose batch it is */
	int prev;		/* that image's batch before (index), -1 = none */
	uint32_t room;		/* slots laid out */
	uint32_t used;		/* slots handed to images */
	char magic[sizeof(((struct st_slot_batch *)0)->magic) + 1];	/* "" = ST_BATCH_MAGIC */
	int next_set, next_self, taken_set;
	uint64_t next;
	uint32_t taken;
};

/* One trace file being built: its images, its batches, its end. */
struct tfile {
	char name[256];
	struct out *img[MAX_IMAGES];
	unsigned nimg;
	struct batch b[MAX_BATCHES];
	unsigned nb;
	uint64_t end;		/* the file's end so far: what is laid out */
	uint64_t truncate;	/* damage: file length, 0 = whole */
	uint64_t cut;		/* a slot cut half-way: the file ends there, 0 = none */
};

/* A word of a spec line: key=value, or a bare key (v NULL). */
struct word {
	const char *k;
	char *v;
};

static const char *spec_name;	/* for messages: the spec and the line being read */
static unsigned lineno;

/* Say what is wrong, naming the spec line, and exit 2. */
static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mktrace: %s:%u: ", spec_name, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* The named constants numbers may be given as. */
static const struct { const char *name; long long v; } consts[] = {
	{ "EBADF", EBADF }, { "EINTR", EINTR }, { "EPIPE", EPIPE }, { "ECONNRESET", ECONNRESET },
	{ "ECONNREFUSED", ECONNREFUSED }, { "EAGAIN", EAGAIN }, { "EINPROGRESS", EINPROGRESS },
	{ "ENOTCONN", ENOTCONN }, { "EMFILE", EMFILE }, { "SHUT_RD", SHUT_RD }, { "SHUT_WR", SHUT_WR },
	{ "SHUT_RDWR", SHUT_RDWR }, { "SOL_SOCKET", SOL_SOCKET }, { "SO_LINGER", SO_LINGER },
	{ "F_SETFD", F_SETFD }, { "F_DUPFD", F_DUPFD }, { "F_DUPFD_CLOEXEC", F_DUPFD_CLOEXEC },
};

/* A number: decimal, 0x hex, negative, or one of consts; dies otherwise. */
static long long num(const char *key, const char *s)
{
	char *end;
	long long v;

	for (size_t i = 0; i < sizeof(consts) / sizeof(consts[0]); i++)
		if (!strcmp(s, consts[i].name))
			return consts[i].v;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end)
		die("%s=%s: not a number", key, s);
	return v;
}

/* A time in ms as CLOCK_MONOTONIC ns; 0 is refused (the format's "not known"). */
static uint64_t ms(const char *key, const char *s)
{
	long long v = num(key, s);

	if (v <= 0)
		die("%s=%s: times are ms above 0", key, s);
	return (uint64_t)v * NS_PER_MS;
}

/* Look name up in a NULL-ended list of names whose values are vals; dies when absent. */
static unsigned pick(const char *key, const char *s, const char *const *names, const unsigned *vals)
{
	for (unsigned i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return vals[i];
	die("%s=%s: unknown", key, s);
}

/* An op by the name the viewer prints. */
static unsigned op_by_name(const char *s)
{
	for (unsigned op = 0; op < 256; op++)
		if (st_op_name(op) && !strcmp(st_op_name(op), s))
			return op;
	die("op=%s: unknown op", s);
}

/* A family by name (inet, inet6, unix); dies on another. */
static unsigned domain_of(const char *s)
{
	static const char *const n[] = { "inet", "inet6", "unix", NULL };
	static const unsigned v[] = { AF_INET, AF_INET6, AF_UNIX };

	return pick("domain", s, n, v);
}

/* A socket type by name (stream, dgram, seqpacket); dies on another. */
static unsigned type_of(const char *s)
{
	static const char *const n[] = { "stream", "dgram", "seqpacket", NULL };
	static const unsigned v[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };

	return pick("type", s, n, v);
}

/* An enum st_tcp_state by its name in lower case; dies on another. */
static unsigned tcp_of(const char *s)
{
	static const char *const n[] = { "none", "listen", "syn_sent", "established", "fin_wait",
					 "close_wait", "last_ack", "time_wait", "closed", NULL };
	static const unsigned v[] = { ST_TCP_NONE, ST_TCP_LISTEN, ST_TCP_SYN_SENT, ST_TCP_ESTABLISHED,
				      ST_TCP_FIN_WAIT, ST_TCP_CLOSE_WAIT, ST_TCP_LAST_ACK,
				      ST_TCP_TIME_WAIT, ST_TCP_CLOSED };

	return pick("tcp", s, n, v);
}

/* A comma-separated list of flag names, or-ed. */
static unsigned flag_list(const char *key, const char *s, const char *const *names, const unsigned *vals)
{
	char buf[256], *save, *w;
	unsigned f = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		f |= pick(key, w, names, vals);
	return f;
}

/* ST_REC_* flags by name (the ST_REC_ suffix in lower case); dies on an unknown one. */
static unsigned rec_flags(const char *s)
{
	static const char *const n[] = { "addr_trunc", "implicit_close", "cloexec", "first_seen",
					 "refs_unknown", "unread", "pending", "via_syscall", "last_ref",
					 NULL };
	static const unsigned v[] = { ST_REC_ADDR_TRUNC, ST_REC_IMPLICIT_CLOSE, ST_REC_CLOEXEC,
				      ST_REC_FIRST_SEEN, ST_REC_REFS_UNKNOWN, ST_REC_UNREAD,
				      ST_REC_PENDING, ST_REC_VIA_SYSCALL, ST_REC_LAST_REF };

	return flag_list("flags", s, n, v);
}

/* ST_SK_* flags by name (the ST_SK_ suffix in lower case); dies on an unknown one. */
static unsigned sock_flags(const char *s)
{
	static const char *const n[] = { "fresh", "events", "connecting", "eof", "peered", "listening",
					 "shut_rd", "shut_wr", "linger0", "first_seen", "connected",
					 NULL };
	static const unsigned v[] = { ST_SK_FRESH, ST_SK_EVENTS, ST_SK_CONNECTING, ST_SK_EOF,
				      ST_SK_PEERED, ST_SK_LISTENING, ST_SK_SHUT_RD, ST_SK_SHUT_WR,
				      ST_SK_LINGER0, ST_SK_FIRST_SEEN, ST_SK_CONNECTED };

	return flag_list("flags", s, n, v);
}

/* A sid: "N" in o's own tag, or "TAG:N". */
static uint64_t sid_of(const struct out *o, const char *s)
{
	const char *colon = strchr(s, ':');
	char tag[32];

	if (!colon)
		return (uint64_t)o->h.tag << 32 | (uint32_t)num("sid", s);
	if ((size_t)(colon - s) >= sizeof(tag))
		die("sid=%s: bad", s);
	memcpy(tag, s, (size_t)(colon - s));
	tag[colon - s] = 0;
	return (uint64_t)(uint32_t)num("sid", tag) << 32 | (uint32_t)num("sid", colon + 1);
}

/* Address s as a raw sockaddr into ss; its length. */
static socklen_t sockaddr_of(const char *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '/' || s[0] == '@' || !strcmp(s, "*")) {
		struct sockaddr_un *u = (struct sockaddr_un *)ss;
		size_t n = s[0] == '*' ? 0 : strlen(s);

		if (n >= sizeof(u->sun_path))
			die("%s: unix path too long", s);
		u->sun_family = AF_UNIX;
		memcpy(u->sun_path, s, n);
		if (s[0] == '@')
			u->sun_path[0] = 0;	/* abstract: a leading NUL, no terminator */
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (s[0] == '/'));
	}
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		const char *close = strchr(s, ']');
		char host[64];

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host))
			die("%s: not [V6]:PORT", s);
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = 0;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)num("port", close + 2));
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			die("%s: bad IPv6 address", s);
		return sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		const char *colon = strrchr(s, ':');
		char host[32];

		if (!colon || (size_t)(colon - s) >= sizeof(host))
			die("%s: not A.B.C.D:PORT", s);
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)num("port", colon + 1));
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			die("%s: bad IPv4 address", s);
		return sizeof(*a);
	}
}

/* Append one entry (kinds, len bytes of val) to p's area. */
static void entry_add(struct pos *p, unsigned kinds, const void *val, size_t len)
{
	struct st_addr_hdr h = { (uint8_t)kinds, (uint8_t)len };

	if (len > 255 || p->len + sizeof(h) + len > ST_ADDRS_MAX)
		die("entries do not fit in a record and its %u continuations", ST_CONT_MAX);
	memcpy(p->area + p->len, &h, sizeof(h));
	memcpy(p->area + p->len + sizeof(h), val, len);
	p->len += sizeof(h) + len;
}

/* The address kinds named "local+peer+arg", or 0 when key is not one. */
static unsigned addr_kinds(const char *key)
{
	char buf[64], *save, *w;
	unsigned k = 0;

	snprintf(buf, sizeof(buf), "%s", key);
	for (w = strtok_r(buf, "+", &save); w; w = strtok_r(NULL, "+", &save)) {
		if (!strcmp(w, "local"))
			k |= ST_ADDR_LOCAL;
		else if (!strcmp(w, "peer"))
			k |= ST_ADDR_PEER;
		else if (!strcmp(w, "arg"))
			k |= ST_ADDR_ARG;
		else
			return 0;
	}
	return k;
}

/* Is key=val an entry of p (added); 0 when key names no entry. */
static int entry_word(struct pos *p, const char *key, const char *val)
{
	unsigned kinds = addr_kinds(key);

	if (kinds) {
		struct sockaddr_storage ss;
		socklen_t n = sockaddr_of(val, &ss);

		entry_add(p, kinds, &ss, n);
	} else if (!strcmp(key, "inode")) {
		uint64_t ino = (uint64_t)num(key, val);

		entry_add(p, 0, &ino, sizeof(ino));
	} else if (!strcmp(key, "linger") || !strcmp(key, "data")) {
		long long a, b;
		char *comma = strchr(val, ',');

		if (!comma)
			die("%s=%s: two numbers, comma-separated", key, val);
		*comma = 0;
		a = num(key, val);
		b = num(key, comma + 1);
		if (key[0] == 'l') {
			struct linger l = { (int)a, (int)b };

			entry_add(p, ST_ADDR_OPTVAL, &l, sizeof(l));
		} else {
			struct st_data_totals t = { (uint64_t)a, (uint64_t)b, p->r.t_ns, p->r.t_ns };

			entry_add(p, ST_ADDR_DATA, &t, sizeof(t));
		}
	} else {
		return 0;
	}
	return 1;
}

/*
 * Split line into words, each a key and its value (NULL for a bare word);
 * returns how many.  The words point into line.
 */
static int words(char *line, struct word *w)
{
	int n = 0;
	char *save, *t, *eq;

	if ((t = strchr(line, '#')))
		*t = 0;
	for (t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_WORDS)
			die("more than %d words", MAX_WORDS);
		w[n].k = t;
		w[n].v = NULL;
		if ((eq = strchr(t, '='))) {
			*eq = 0;
			w[n].v = eq + 1;
		}
		n++;
	}
	return n;
}

/* The value of word w, which must be key=value (dies on a bare word). */
static char *value(const struct word *w)
{
	if (!w->v)
		die("%s: want key=value", w->k);
	return w->v;
}

/* The next position of o's ring, zeroed and committed (seq = pos + 1); dies past MAX_RECS. */
static struct pos *pos_new(struct out *o)
{
	struct pos *p;

	if (o->npos == MAX_RECS)
		die("more than %d positions", MAX_RECS);
	p = &o->pos[o->npos];
	memset(p, 0, sizeof(*p));
	p->r.seq = o->npos + 1;
	o->npos++;
	return p;
}

/* Dies unless o has had its proc line (what: the directive that needs it). */
static void need_proc(const struct out *o, const char *what)
{
	if (!o || !o->has_proc)
		die("%s before proc", what);
}

/* The proc directive: o's header identity and clocks; dies on a bad key or value. */
static void do_proc(struct out *o, int n, struct word *w)
{
	static const char *const origins[] = { "root", "fork", NULL };
	static const unsigned origin_vals[] = { ST_ORIGIN_ROOT, ST_ORIGIN_FORK };
	struct st_file_header *h = &o->h;
	const char *exe = NULL, *argv = NULL;
	uint64_t start = NS_PER_MS;
	int64_t ticks = -1, tag = -1;

	for (int i = 1; i < n; i++) {
		const char *k = w[i].k;
		char *v = value(&w[i]);

		if (!strcmp(k, "pid"))
			h->pid = (int32_t)num(k, v);
		else if (!strcmp(k, "ppid"))
			h->ppid = (int32_t)num(k, v);
		else if (!strcmp(k, "tag"))
			tag = num(k, v);
		else if (!strcmp(k, "exe"))
			exe = v;
		else if (!strcmp(k, "argv"))
			argv = v;
		else if (!strcmp(k, "start"))
			start = ms(k, v);
		else if (!strcmp(k, "ticks"))
			ticks = num(k, v);
		else if (!strcmp(k, "origin"))
			h->origin = pick(k, v, origins, origin_vals);
		else if (!strcmp(k, "cap"))
			h->ring_cap = (uint64_t)num(k, v);
		else if (!strcmp(k, "opts"))
			h->opts = (uint32_t)num(k, v);
		else
			die("proc: unknown key %s", k);
	}
	if (h->pid <= 0)
		die("proc: pid above 0 wanted");
	if (!h->ring_cap)
		h->ring_cap = 64;
	if (h->ring_cap & (h->ring_cap - 1) || h->ring_cap > MAX_RECS)
		die("proc: cap %llu is not a power of two up to %d", (unsigned long long)h->ring_cap, MAX_RECS);
	h->tag = (uint32_t)(tag >= 0 ? tag : h->pid);
	h->start_ticks = (uint64_t)(ticks >= 0 ? ticks : h->pid);
	h->mono_anchor_ns = h->image_start_ns = start;
	h->wall_anchor_ns = WALL_BASE_NS + start;
	h->anchor.tick = h->anchor.ns = start;
	h->tick_clock = ST_TICK_MONO;
	h->stack_depth = 16;
	snprintf(h->exe, sizeof(h->exe), "%s", exe ? exe : "/usr/bin/prog");
	/* argv: NUL-separated in argv[], commas in the spec. */
	snprintf(h->argv, sizeof(h->argv), "%s", argv ? argv : h->exe);
	h->argv_len = (uint32_t)strlen(h->argv) + 1;
	h->argc = 1;
	for (char *c = h->argv; *c; c++)
		if (*c == ',') {
			*c = 0;
			h->argc++;
		}
	if (h->origin == ST_ORIGIN_FORK) {
		h->nancestors = 1;
		h->ancestors[0].pid = h->ppid;
		h->ancestors[0].fork_ns = start;
	}
	o->last_ns = start;
	o->has_proc = 1;
}

/* The rec directive: one record at o's next position, with its entries; dies on a bad word. */
static void do_rec(struct out *o, int n, struct word *w)
{
	struct pos *p = pos_new(o);
	struct st_record *r = &p->r;
	int have_op = 0;

	r->fd = r->fd2 = -1;
	r->tid = o->h.pid;
	/* t first: data entries take their ticks from it. */
	for (int i = 1; i < n; i++)
		if (!strcmp(w[i].k, "t") && w[i].v)
			r->t_ns = ms("t", w[i].v);
	if (!r->t_ns)
		die("rec: t=MS wanted");
	for (int i = 1; i < n; i++) {
		const char *k = w[i].k;
		char *v = value(&w[i]);

		if (!strcmp(k, "t"))
			continue;
		else if (!strcmp(k, "op"))
			r->op = (uint16_t)op_by_name(v), have_op = 1;
		else if (!strcmp(k, "fd"))
			r->fd = (int32_t)num(k, v);
		else if (!strcmp(k, "fd2"))
			r->fd2 = (int32_t)num(k, v);
		else if (!strcmp(k, "ret"))
			r->ret = num(k, v);
		else if (!strcmp(k, "err"))
			r->err = (int16_t)num(k, v);
		else if (!strcmp(k, "sid"))
			r->sid = sid_of(o, v);
		else if (!strcmp(k, "sid2"))
			r->sid2 = sid_of(o, v);
		else if (!strcmp(k, "refs"))
			r->refs = (int32_t)num(k, v);
		else if (!strcmp(k, "arg0"))
			r->arg[0] = num(k, v);
		else if (!strcmp(k, "arg1"))
			r->arg[1] = num(k, v);
		else if (!strcmp(k, "flags"))
			r->flags |= (uint16_t)rec_flags(v);
		else if (!strcmp(k, "domain"))
			r->domain = (uint8_t)domain_of(v);
		else if (!strcmp(k, "type"))
			r->type = (uint8_t)type_of(v);
		else if (!strcmp(k, "tid"))
			r->tid = (int32_t)num(k, v);
		else if (!strcmp(k, "unread"))
			r->flags |= ST_REC_UNREAD, r->arg[1] = num(k, v);
		else if (!entry_word(p, k, v))
			die("rec: unknown key %s", k);
	}
	if (!have_op)
		die("rec: op=NAME wanted");
	if (r->t_ns > o->last_ns)
		o->last_ns = r->t_ns;
}

/* The addr directive: entries for o's last record; dies when there is none or a word is no entry. */
static void do_addr(struct out *o, int n, struct word *w)
{
	struct pos *p = o->npos ? &o->pos[o->npos - 1] : NULL;

	if (!p || p->torn)
		die("addr: no record before it");
	for (int i = 1; i < n; i++) {
		const char *k = w[i].k;
		char *v = w[i].v;

		if (!v || !entry_word(p, k, v))
			die("addr: %s is not an entry", k);
	}
}

/* The torn directive: positions claimed and never committed (seq 0); dies on a bad word. */
static void do_torn(struct out *o, int n, struct word *w)
{
	long long k = 1;

	for (int i = 1; i < n; i++) {
		const char *key = w[i].k;
		char *v = w[i].v;

		if (!v || strcmp(key, "n"))
			die("torn: n=N only");
		k = num(key, v);
	}
	while (k-- > 0) {
		struct pos *p = pos_new(o);

		p->r.seq = 0;	/* claimed, never committed */
		p->torn = 1;
	}
}

/* The slot of sid in o, made (with its identity) when new. */
static struct st_sock *slot_of(struct out *o, uint64_t sid, int *made)
{
	for (unsigned i = 0; i < o->nslots; i++)
		if (o->slots[i].sid == sid) {
			*made = 0;
			return &o->slots[i];
		}
	if (o->nslots == MAX_SLOTS)
		die("more than %d socket slots", MAX_SLOTS);
	*made = 1;
	memset(&o->slots[o->nslots], 0, sizeof(o->slots[0]));
	o->slots[o->nslots].sid = sid;
	return &o->slots[o->nslots++];
}

/* A slot's address key: the sockaddr into buf (of max bytes), its length in *len. */
static void slot_addr(const char *v, uint8_t *buf, uint8_t *len, uint32_t *flags)
{
	struct sockaddr_storage ss;
	socklen_t n = sockaddr_of(v, &ss);

	if (n > ST_SOCK_ADDR_MAX) {
		n = ST_SOCK_ADDR_MAX;
		*flags |= ST_SK_ADDR_TRUNC;
	}
	memcpy(buf, &ss, n);
	*len = (uint8_t)n;
}

/*
 * The state directive: fd entry fd names the slot of sid (made, with the
 * slot keys, at the sid's first mention); dies on an fd named twice, slot
 * keys for a slot made before, or a bad word.
 */
static void do_state(struct out *o, int n, struct word *w)
{
	struct st_sock *s = NULL;
	struct st_fd *e = NULL;
	int made = 0;
	long long fd = -1;

	for (int i = 1; i < n; i++) {
		const char *k = w[i].k;
		char *v = w[i].v;

		if (!strcmp(k, "fd") && v)
			fd = num(k, v);
		else if (!strcmp(k, "sid") && v)
			s = slot_of(o, sid_of(o, v), &made);
	}
	if (fd < 0 || fd >= MAX_FDS || !s)
		die("state: fd=N (below %d) and sid=S wanted", MAX_FDS);
	e = &o->fds[fd];
	if (e->word & ST_FDE_IDX_MASK)
		die("state: fd %lld named twice", fd);
	e->word = (uint64_t)(s - o->slots) + 1;
	if ((unsigned)fd + 1 > o->nfds)
		o->nfds = (unsigned)fd + 1;
	s->refs++;
	for (int i = 1; i < n; i++) {
		const char *k = w[i].k;
		char *v = w[i].v;

		if (!strcmp(k, "fd") || !strcmp(k, "sid"))
			continue;
		if (!strcmp(k, "cloexec") && !v) {
			e->word |= ST_FDE_CLOEXEC;
			continue;
		}
		if (!v)
			die("state: %s: want key=value", k);
		if (!strcmp(k, "op"))
			e->op = (uint16_t)op_by_name(v);
		else if (!strcmp(k, "forks"))
			e->forks = s->forks = (uint8_t)num(k, v);
		else if (!made)
			die("state: %s: the slot of this sid was made by an earlier state line", k);
		else if (!strcmp(k, "inode"))
			s->inode = (uint64_t)num(k, v);
		else if (!strcmp(k, "domain"))
			s->domain = (uint8_t)domain_of(v);
		else if (!strcmp(k, "type"))
			s->type = (uint8_t)type_of(v);
		else if (!strcmp(k, "made_by"))
			s->made_by = (uint8_t)op_by_name(v);
		else if (!strcmp(k, "made"))
			s->made_ns = ms(k, v);
		else if (!strcmp(k, "sid2"))
			s->sid2 = sid_of(o, v);
		else if (!strcmp(k, "flags"))
			s->flags |= sock_flags(v);
		else if (!strcmp(k, "tcp"))
			s->tcp_state = (uint8_t)tcp_of(v);
		else if (!strcmp(k, "local"))
			slot_addr(v, s->local, &s->local_len, &s->flags);
		else if (!strcmp(k, "peer"))
			slot_addr(v, s->peer, &s->peer_len, &s->flags);
		else if (!strcmp(k, "eof"))
			s->eof_ns = ms(k, v), s->flags |= ST_SK_EOF;
		else if (!strcmp(k, "shut"))
			s->shut_ns = ms(k, v);
		else if (!strcmp(k, "sent"))
			s->bytes_sent = (uint64_t)num(k, v);
		else if (!strcmp(k, "received"))
			s->bytes_received = (uint64_t)num(k, v);
		else
			die("state: unknown key %s", k);
	}
}

/* The totals directive: the header's socket counts; dies on a bad word. */
static void do_totals(struct out *o, int n, struct word *w)
{
	struct st_totals *t = &o->h.totals;

	for (int i = 1; i < n; i++) {
		const char *k = w[i].k;
		char *v = value(&w[i]);

		if (!strcmp(k, "made"))
			t->sockets_made = (uint64_t)num(k, v);
		else if (!strcmp(k, "arrived"))
			t->sockets_arrived = (uint64_t)num(k, v);
		else if (!strcmp(k, "forked_in"))
			t->sockets_forked_in = (uint64_t)num(k, v);
		else
			die("totals: unknown key %s", k);
	}
}

/* The end directive: how the image ended (state, end time, exit status); dies on a bad word. */
static void do_end(struct out *o, int n, struct word *w)
{
	static const char *const states[] = { "running", "exited", "execed", NULL };
	static const unsigned state_vals[] = { ST_STATE_RUNNING, ST_STATE_EXITED, ST_STATE_EXECED };
	struct st_file_header *h = &o->h;
	uint64_t t = 0;

	for (int i = 1; i < n; i++) {
		const char *k = w[i].k;
		char *v = value(&w[i]);

		if (!strcmp(k, "state"))
			h->state = pick(k, v, states, state_vals);
		else if (!strcmp(k, "t"))
			t = ms(k, v);
		else if (!strcmp(k, "exit"))
			h->exit_status = (int32_t)num(k, v), h->has_exit_status = 1;
		else
			die("end: unknown key %s", k);
	}
	if (h->state != ST_STATE_RUNNING)
		h->end_mono_ns = t ? t : o->last_ns;
}

/* The damage directive: what file_write spoils after writing; dies on a bad word. */
static void do_damage(struct tfile *f, struct out *o, int n, struct word *w)
{
	for (int i = 1; i < n; i++) {
		const char *k = w[i].k;
		char *v = value(&w[i]);

		if (!strcmp(k, "truncate"))
			f->truncate = (uint64_t)num(k, v);
		else if (!strcmp(k, "version"))
			o->bad_version = (int)num(k, v);
		else if (!strcmp(k, "magic"))
			snprintf(o->bad_magic, sizeof(o->bad_magic), "%s", v);
		else if (!strcmp(k, "image_offset"))
			o->bad_image_off = 1, o->image_off = (uint64_t)num(k, v);
		else
			die("damage: unknown key %s", k);
	}
}

/* off rounded up to a page. */
static uint64_t page_up(uint64_t off)
{
	return (off + ST_HEADER_SIZE - 1) / ST_HEADER_SIZE * ST_HEADER_SIZE;
}

/* A new batch of room slots for image owner of f, at f's end; its index. */
static int batch_new(struct tfile *f, int owner, uint32_t room)
{
	struct batch *b;

	if (f->nb == MAX_BATCHES)
		die("more than %d batches in a file", MAX_BATCHES);
	if (!room || room > ST_BATCH_SLOTS_MAX)
		die("batch: 1 to %u slots", ST_BATCH_SLOTS_MAX);
	b = &f->b[f->nb];
	memset(b, 0, sizeof(*b));
	b->off = page_up(f->end);
	b->owner = owner;
	b->prev = f->img[owner]->batch;
	b->room = room;
	f->end = b->off + ST_BATCH_SIZE + (uint64_t)room * ST_HEADER_SIZE;
	f->img[owner]->batch = (int)f->nb;
	return (int)f->nb++;
}

/* The batch directive: a new batch of the current image, maybe spoilt; dies on a bad word. */
static void do_batch(struct tfile *f, int n, struct word *w)
{
	uint32_t room = BATCH_SLOTS;
	struct batch *b;

	for (int i = 1; i < n; i++)
		if (!strcmp(w[i].k, "slots"))
			room = (uint32_t)num("slots", value(&w[i]));
	b = &f->b[batch_new(f, (int)f->nimg - 1, room)];
	for (int i = 1; i < n; i++) {
		const char *k = w[i].k;

		if (!strcmp(k, "slots"))
			continue;
		if (!strcmp(k, "magic"))
			snprintf(b->magic, sizeof(b->magic), "%s", value(&w[i]));
		else if (!strcmp(k, "next") && !strcmp(value(&w[i]), "self"))
			b->next_set = b->next_self = 1;
		else if (!strcmp(k, "next"))
			b->next_set = 1, b->next = (uint64_t)num(k, w[i].v);
		else if (!strcmp(k, "taken"))
			b->taken_set = 1, b->taken = (uint32_t)num(k, value(&w[i]));
		else
			die("batch: unknown key %s", k);
	}
}

/* Publish region r as one chunk of count entries of es bytes at *off; moves *off past it. */
static void region_set(struct st_file_header *h, unsigned r, uint32_t es, uint32_t count, uint64_t *off)
{
	struct st_region_dir *d = &h->region[r];

	d->entry_size = es;
	d->capacity = count;
	d->nchunks = 1;
	d->chunk[0] = (struct st_chunk){ *off, 0, count };
	*off += (uint64_t)es * count;
}

/* Write all of buf at off; dies on failure. */
static void put(int fd, const void *buf, size_t n, uint64_t off, const char *path)
{
	if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
		die("%s: %s", path, strerror(errno));
}

/* Lay out o's chunks at f's end, once: fd table, socket table, then the ring. */
static void out_layout(struct tfile *f, struct out *o)
{
	struct st_file_header *h = &o->h;
	unsigned nslots = o->nslots > 4 ? o->nslots : 4, nfds = o->nfds > 64 ? o->nfds : 64;
	uint64_t off = f->end;

	if (o->laid_out)
		return;
	region_set(h, ST_REG_FDS, sizeof(struct st_fd), nfds, &off);
	region_set(h, ST_REG_SOCKS, sizeof(struct st_sock), nslots, &off);
	region_set(h, ST_REG_RING, ST_SLOT_SIZE, (uint32_t)h->ring_cap, &off);
	f->end = off;
	o->laid_out = 1;
}

/*
 * Write image o of f into fd as the shim would leave it: its header at
 * its offset, its fd table, socket table and ring, each one chunk.
 */
static void out_write(const struct tfile *f, struct out *o, int fd, const char *path)
{
	struct st_file_header *h = &o->h;
	uint64_t ring_off = h->region[ST_REG_RING].chunk[0].offset, cap = h->ring_cap;

	memcpy(h->magic, ST_MAGIC, sizeof(h->magic));
	h->version = ST_FORMAT_VERSION;
	h->header_size = ST_HEADER_SIZE;
	h->head = o->npos;
	h->anchor_last.tick = h->anchor_last.ns = h->end_mono_ns ? h->end_mono_ns : o->last_ns;
	h->file_size = f->end;	/* every image appends at the file's one end */
	h->image_offset = o->bad_image_off ? o->image_off : o->off;
	h->slot_batches = o->batch >= 0 ? f->b[o->batch].off : 0;
	if (o->bad_version >= 0)
		h->version = (uint32_t)o->bad_version;
	if (o->bad_magic[0])
		memcpy(h->magic, o->bad_magic, sizeof(h->magic));	/* unterminated when 8 long: as a stranger file would be */
	put(fd, h, sizeof(*h), o->off, path);
	put(fd, o->fds, sizeof(o->fds[0]) * (o->nfds < MAX_FDS ? o->nfds : MAX_FDS),
	    h->region[ST_REG_FDS].chunk[0].offset, path);
	put(fd, o->slots, sizeof(o->slots[0]) * o->nslots, h->region[ST_REG_SOCKS].chunk[0].offset, path);
	/* Positions in order: a wrapped ring keeps the latest in each slot. */
	for (uint64_t i = 0; i < o->npos; i++) {
		struct pos *p = &o->pos[i];
		uint64_t slot = ring_off + st_ring_slot(i, cap) * ST_SLOT_SIZE;
		unsigned ncont;

		if (p->torn) {
			uint8_t zero[ST_SLOT_SIZE] = { 0 };

			put(fd, zero, sizeof(zero), slot, path);
			continue;
		}
		if (p->r.op == ST_OP_CONT)
			continue;	/* a continuation written with its head */
		ncont = p->len > ST_REC_ADDRS ?
			(unsigned)((p->len - ST_REC_ADDRS + ST_CONT_DATA - 1) / ST_CONT_DATA) : 0;
		p->r.addrs_len = (uint16_t)p->len;
		p->r.ncont = (uint8_t)ncont;
		memcpy(p->r.addrs, p->area, ST_REC_ADDRS);
		put(fd, &p->r, sizeof(p->r), slot, path);
		for (unsigned k = 1; k <= ncont; k++) {
			struct pos *q = &o->pos[i + k];
			struct st_cont c = { .seq = i + k + 1, .op = ST_OP_CONT, .index = (uint16_t)k,
					     .tid = p->r.tid, .head_pos = i };

			if (q->r.op != ST_OP_CONT)
				die("internal: continuation position %llu not reserved", (unsigned long long)(i + k));
			memcpy(c.data, p->area + ST_REC_ADDRS + (k - 1) * ST_CONT_DATA, ST_CONT_DATA);
			put(fd, &c, sizeof(c), ring_off + st_ring_slot(i + k, cap) * ST_SLOT_SIZE, path);
		}
	}
}

/* Write f into dir: every image, every batch, then the damage asked for. */
static void file_write(struct tfile *f, const char *dir)
{
	uint64_t cut = f->truncate;
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s%s", dir, f->name,
		 strstr(f->name, ST_FILE_SUFFIX) ? "" : ST_FILE_SUFFIX);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)f->end))
		die("%s: %s", path, strerror(errno));
	for (unsigned i = 0; i < f->nimg; i++)
		out_write(f, f->img[i], fd, path);
	for (unsigned i = 0; i < f->nb; i++) {
		const struct batch *b = &f->b[i];
		struct st_slot_batch w = { .slot_size = ST_HEADER_SIZE, .nslots = b->room };

		memcpy(w.magic, b->magic[0] ? b->magic : ST_BATCH_MAGIC, sizeof(w.magic));
		w.next = b->next_self ? b->off : b->next_set ? b->next : b->prev >= 0 ? f->b[b->prev].off : 0;
		w.taken = b->taken_set ? b->taken : b->used;
		put(fd, &w, sizeof(w), b->off, path);
	}
	if (f->cut && (!cut || f->cut < cut))
		cut = f->cut;
	if (cut && ftruncate(fd, (off_t)cut))
		die("%s: %s", path, strerror(errno));
	if (close(fd))
		die("%s: %s", path, strerror(errno));
}

/*
 * The record just finished may need continuation slots: claim them right
 * after it, as the shim claims them (the next record's position moves on).
 */
static void claim_conts(struct out *o)
{
	struct pos *p = o->npos ? &o->pos[o->npos - 1] : NULL;
	size_t conts;

	if (!p || p->torn || p->r.op == ST_OP_CONT || p->len <= ST_REC_ADDRS)
		return;
	conts = (p->len - ST_REC_ADDRS + ST_CONT_DATA - 1) / ST_CONT_DATA;
	while (conts--)
		pos_new(o)->r.op = ST_OP_CONT;
}

/* A new image, empty, at offset off of f; dies when out of memory or f is full. */
static struct out *out_new(struct tfile *f, uint64_t off)
{
	struct out *o;

	if (f->nimg == MAX_IMAGES)
		die("more than %d images in a file", MAX_IMAGES);
	o = calloc(1, sizeof(*o));
	if (!o || !(o->pos = calloc(MAX_RECS, sizeof(*o->pos))))
		die("out of memory");
	o->off = off;
	o->batch = -1;
	o->bad_version = -1;
	f->img[f->nimg++] = o;
	return o;
}

/* A new file named name, with its first image (at 0), empty; dies when out of memory. */
static struct tfile *file_new(const char *name)
{
	struct tfile *f = calloc(1, sizeof(*f));

	if (!f)
		die("out of memory");
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->end = ST_HEADER_SIZE;
	out_new(f, 0);
	return f;
}

/* Free f and its images (NULL: nothing). */
static void file_free(struct tfile *f)
{
	if (!f)
		return;
	for (unsigned i = 0; i < f->nimg; i++) {
		free(f->img[i]->pos);
		free(f->img[i]);
	}
	free(f);
}

/* The slot directive: the next image, in a fork slot of image in=PID (default the last). */
static struct out *do_slot(struct tfile *f, int n, struct word *w)
{
	int owner = (int)f->nimg - 1, cut = 0;
	struct batch *b;
	uint64_t off;

	for (int i = 1; i < n; i++) {
		long long pid;

		if (!strcmp(w[i].k, "cut") && !w[i].v) {
			cut = 1;
			continue;
		}
		if (strcmp(w[i].k, "in"))
			die("slot: in=PID or cut only");
		pid = num("in", value(&w[i]));
		for (owner = (int)f->nimg - 1; owner >= 0 && f->img[owner]->h.pid != pid; owner--)
			;
		if (owner < 0)
			die("slot: no image of pid %lld in this file", pid);
	}
	if (f->img[owner]->batch < 0 || f->b[f->img[owner]->batch].used == f->b[f->img[owner]->batch].room)
		batch_new(f, owner, BATCH_SLOTS);
	b = &f->b[f->img[owner]->batch];
	off = b->off + ST_BATCH_SIZE + (uint64_t)b->used++ * ST_HEADER_SIZE;
	if (cut)
		f->cut = off + ST_HEADER_SIZE / 2;
	return out_new(f, off);
}

/* Read the spec, one file section after another, writing each when the next begins. */
int main(int argc, char **argv)
{
	FILE *in;
	char line[4096];
	struct word w[MAX_WORDS];
	struct tfile *f = NULL;
	struct out *o = NULL;
	int files = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: mktrace SPEC OUTDIR\n");
		return 2;
	}
	spec_name = argv[1];
	in = strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin;
	if (!in)
		die("%s", strerror(errno));
	while (fgets(line, sizeof(line), in)) {
		int n;

		lineno++;
		n = words(line, w);
		if (!n)
			continue;
		/* An addr line extends the record before it; anything else ends it. */
		if (strcmp(w[0].k, "addr") && o)
			claim_conts(o);
		if (!strcmp(w[0].k, "file")) {
			if (n != 2 || w[1].v)
				die("file NAME");
			if (f) {
				need_proc(o, "file");
				out_layout(f, o);
				file_write(f, argv[2]);
				file_free(f);
			}
			f = file_new(w[1].k);
			o = f->img[0];
			files++;
			continue;
		}
		if (!o)
			die("%s before the first file line", w[0].k);
		if (!strcmp(w[0].k, "slot")) {
			/* The image before ends: its chunks come before the new one's. */
			need_proc(o, "slot");
			out_layout(f, o);
			o = do_slot(f, n, w);
		} else if (!strcmp(w[0].k, "proc")) {
			do_proc(o, n, w);
		} else if (need_proc(o, w[0].k), !strcmp(w[0].k, "rec")) {
			do_rec(o, n, w);
		} else if (!strcmp(w[0].k, "addr")) {
			do_addr(o, n, w);
		} else if (!strcmp(w[0].k, "torn")) {
			do_torn(o, n, w);
		} else if (!strcmp(w[0].k, "state")) {
			do_state(o, n, w);
		} else if (!strcmp(w[0].k, "totals")) {
			do_totals(o, n, w);
		} else if (!strcmp(w[0].k, "end")) {
			do_end(o, n, w);
		} else if (!strcmp(w[0].k, "damage")) {
			do_damage(f, o, n, w);
		} else if (!strcmp(w[0].k, "batch")) {
			do_batch(f, n, w);
		} else {
			die("unknown directive %s", w[0].k);
		}
	}
	if (f) {
		claim_conts(o);
		need_proc(o, "end of spec");
		out_layout(f, o);
		file_write(f, argv[2]);
		file_free(f);
	}
	if (in != stdin)
		fclose(in);
	if (!files)
		die("no file line");
	return 0;
}

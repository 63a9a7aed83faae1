/*
 * cmd_top.c - socktrace top: the sockets of running traced processes,
 * live (the screen), or one snapshot as text (--once) or JSON (--json).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>	/* isfinite: a macro, no libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "load.h"
#include "top_out.h"

static const struct option top_opts[] = {
	{ "delay", required_argument, 0, 'd' },
	{ "pid", required_argument, 0, 'p' },
	{ "iterations", required_argument, 0, 'n' },
	{ "once", no_argument, 0, 'o' },
	{ "json", no_argument, 0, 'j' },
	{ "sort", required_argument, 0, 's' },
	{ "color", required_argument, 0, 'c' },
	{ "colour", required_argument, 0, 'c' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

static const char *sort_value(int i)
{
	return i >= 0 && i < SK_N ? top_skey_name((enum top_skey)i) : NULL;
}

static const struct choice top_choices[] = {
	{ "sort", sort_value }, { "color", color_value }, { "colour", color_value }, { NULL, NULL },
};

/* A number of seconds for -d: 0.05 to 3600. */
static int parse_delay(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || !isfinite(*out) || *out < 0.05 || *out > 3600 ? -1 : 0;
}

/* A positive integer up to max. */
static int parse_pos(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < 1 || *out > max ? -1 : 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * SOCKTRACE_VIEWER_STATS: what a refresh cost in CPU time, the reading
 * alone and with the sorting and output (out_ns; 0: none), on stderr
 * (bench/top.sh reads it).
 */
static void stats(const struct top_model *m, uint64_t out_ns)
{
	size_t socks = 0;

	if (!getenv("SOCKTRACE_VIEWER_STATS"))
		return;
	for (size_t i = 0; i < m->nprocs; i++)
		socks += m->procs[i]->lf->nsocks;
	fprintf(stderr, "socktrace: top refresh %u: %.3f ms CPU, %.3f ms with the output; %zu processes, "
		"%zu sockets, %zu sites\n", m->refreshes, (double)m->refresh_cpu_ns / 1e6,
		(double)(m->refresh_cpu_ns + out_ns) / 1e6, m->nprocs, socks, m->nsites);
}

/* Say there is nothing to watch, and why, on stderr; EXIT_NOINPUT. */
static int nothing(const struct top_model *m, int pid)
{
	struct stat st;

	for (int i = 0; i < m->ndirs; i++)
		if (stat(m->dirs[i], &st) != 0)
			fprintf(stderr, "socktrace top: %s: %s\n", m->dirs[i], strerror(errno));
	if (pid)
		fprintf(stderr, "socktrace top: no traced process %d running%s%s\n", pid,
			m->ndirs == 1 ? " in " : "", m->ndirs == 1 ? m->dirs[0] : "");
	else
		fprintf(stderr, "socktrace top: no traced process running%s%s: nothing to watch\n",
			m->ndirs == 1 ? " in " : "", m->ndirs == 1 ? m->dirs[0] : "");
	if (m->unreadable)
		fprintf(stderr, "socktrace top: %u trace file%s could not be read (%s)\n", m->unreadable,
			m->unreadable == 1 ? "" : "s", m->note);
	return EXIT_NOINPUT;
}

static int cmd_top(int argc, char **argv)
{
	struct top_opts o = { .delay_s = 1.0, .pkey = PK_OPEN, .skey = SK_CHANGE };
	const char *color = "auto";
	int once = 0, json = 0, opt, rc = 0, ndirs;
	long pid = 0, iters = 0;
	char *dflt = NULL, **dirs;
	struct top_model m;

	while ((opt = getopt_long(argc, argv, ":d:p:n:h", top_opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (parse_delay(optarg, &o.delay_s))
				return usage_error(&top_command, "-d %s: takes seconds between refreshes, "
						   "0.05 to 3600", optarg);
			break;
		case 'p':
			if (parse_pos(optarg, 1L << 22, &pid))
				return usage_error(&top_command, "-p %s: takes a process id", optarg);
			break;
		case 'n':
			if (parse_pos(optarg, 1000000000L, &iters))
				return usage_error(&top_command, "-n %s: takes a number of refreshes, 1 or more",
						   optarg);
			break;
		case 'o': once = 1; break;
		case 'j': json = 1; break;
		case 's': {
			int k;

			for (k = 0; k < SK_N && strcmp(optarg, top_skey_name((enum top_skey)k)); k++)
				;
			if (k == SK_N)
				return usage_error(&top_command, "--sort=%s: takes change, open, close_wait, made, "
						   "closed, total or name", optarg);
			o.skey = (enum top_skey)k;
			break;
		}
		case 'c':
			if (color_arg(&top_command, optarg, &color))
				return EXIT_USAGE;
			break;
		case 'h':
			usage_command(stdout, &top_command);
			return 0;
		default:
			return usage_bad_option(&top_command, opt, argv);
		}
	}
	if (once && json)
		return usage_error(&top_command, "--once and --json: choose one");
	dirs = argv + optind;
	ndirs = argc - optind;
	if (!ndirs) {
		if (!(dflt = load_default_dir()))
			return 1;
		dirs = &dflt;
		ndirs = 1;
	}
	o.color = want_color(color, 1);
	if (top_init(&m, dirs, ndirs, (int)pid) || top_refresh(&m)) {
		fprintf(stderr, "socktrace top: out of memory\n");
		rc = 1;
		goto out;
	}
	stats(&m, 0);
	if (!top_running(&m)) {
		rc = nothing(&m, (int)pid);
		goto out;
	}
	if (!once && !json) {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			fprintf(stderr, "socktrace top: the live view needs a terminal; --once or --json "
				"print one snapshot without one\n");
			rc = 1;
			goto out;
		}
		rc = top_screen(&m, &o, iters);
		goto out;
	}
	/* A snapshot is the second reading: the rates need two. */
	for (long i = 0; i < (iters ? iters : 1) && !rc; i++) {
		uint64_t t;

		sleep_s(o.delay_s);
		if (top_refresh(&m)) {
			fprintf(stderr, "socktrace top: out of memory\n");
			rc = 1;
			break;
		}
		t = cpu_ns();
		top_sort(&m, o.pkey, o.prev, o.skey, o.srev);
		if (json ? top_json(stdout, &m) : top_text(stdout, &m, &o)) {
			fprintf(stderr, "socktrace top: out of memory\n");
			rc = 1;
		}
		if (!json && i + 1 < iters)
			fputs("\n", stdout);
		if (stdout_written("the snapshot"))
			rc = 1;
		stats(&m, cpu_ns() - t);
	}
out:
	top_free(&m);
	free(dflt);
	return rc;
}

const struct command top_command = {
	"top", cmd_top, top_opts, top_choices,
	"socktrace top [-d SECONDS] [-p PID] [-n N] [--once | --json] [--sort=KEY] [--color=WHEN] [DIR...]",
	"the sockets of running traced processes, live, and the call sites that leak them",
	"  DIR               trace directories (default: the shim's, ${TMPDIR:-/tmp}/socktrace-UID)\n"
	"  -d, --delay=S     seconds between refreshes (default 1; 0.05 to 3600)\n"
	"  -p, --pid=PID     only that process\n"
	"  -n, --iterations=N  quit after N refreshes (with --once or --json: N snapshots)\n"
	"  --once            one snapshot as text, without a terminal (rates over -d seconds)\n"
	"  --json            one snapshot as JSON (schema in socktrace(1))\n"
	"  --sort=KEY        the call sites by change (default), open, close_wait, made, closed,\n"
	"                    total or name\n"
	"  --color=WHEN      auto (default: a terminal, and NO_COLOR unset), always, never\n"
	"  keys: q quits; Tab switches lists; arrows, j/k, PgUp/PgDn choose; Enter opens;\n"
	"        Esc goes back; o c m x g t n p sort; < > move the sort; r reverses;\n"
	"        space refreshes now; h or ? help\n"
	"  exit status: 0; 66 when no traced process is running; 64 on a usage error\n",
};

/*
 * cmd_run.c - socktrace run: trace one command and its children.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "exe_check.h"
#include "load.h"
#include "report.h"
#include "run_status.h"
#include "audit.h"
#include "pipeline.h"
#include "trace_format.h"

#ifndef ST_LIBDIR
#define ST_LIBDIR "/usr/local/lib"
#endif

/* The shim: $SOCKTRACE_LIB, beside this binary (build tree), ../lib, or ST_LIBDIR. */
static char *find_shim(void)
{
	const char *env = getenv("SOCKTRACE_LIB");
	char self[PATH_MAX], *slash, *cand;
	ssize_t n;

	if (env && *env)
		return access(env, R_OK) == 0 ? realpath(env, NULL) : NULL;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash)
			*slash = 0;
		const char *tries[] = { "%s/libsocktrace.so", "%s/../lib/libsocktrace.so" };

		for (size_t i = 0; i < 2; i++) {
			if (asprintf(&cand, tries[i], self) < 0)
				return NULL;
			if (access(cand, R_OK) == 0) {
				char *real = realpath(cand, NULL);

				free(cand);
				return real;
			}
			free(cand);
		}
	}
	if (access(ST_LIBDIR "/libsocktrace.so", R_OK) == 0)
		return strdup(ST_LIBDIR "/libsocktrace.so");
	return NULL;
}

/* A sanitizer runtime must stay first in LD_PRELOAD: it refuses to load otherwise. */
static int is_sanitizer(const char *entry, size_t len)
{
	static const char *const rts[] = { "libasan", "libtsan", "libmsan", "liblsan", "libhwasan", "libclang_rt." };
	const char *base = entry;

	for (size_t i = 0; i < len; i++)
		if (entry[i] == '/')
			base = entry + i + 1;
	for (size_t i = 0; i < sizeof(rts) / sizeof(rts[0]); i++)
		if (!strncmp(base, rts[i], strlen(rts[i])))
			return 1;
	return 0;
}

/* LD_PRELOAD with the shim prepended (after any leading sanitizer runtimes). */
static char *preload_value(const char *shim)
{
	const char *old = getenv("LD_PRELOAD");
	size_t keep = 0;
	char *v;

	if (!old || !*old)
		return strdup(shim);
	while (old[keep]) {
		size_t len = strcspn(old + keep, ": ");

		if (!len || !is_sanitizer(old + keep, len))
			break;
		keep += len;
		keep += old[keep] != 0;
	}
	if (asprintf(&v, "%.*s%s%s%s%s", (int)keep, old, keep && old[keep - 1] != ':' ? ":" : "",
		     shim, old[keep] ? ":" : "", old + keep) < 0)
		return NULL;
	return v;
}

/* mkdir -p, ending in a directory; 0 or -1 with errno (ENOTDIR: a file has its name). */
static int mkdirs(const char *dir)
{
	char *p = strdup(dir);
	struct stat st;

	if (!p)
		return -1;
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = 0;
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				free(p);
				return -1;
			}
			if (!c)
				break;
			*s = c;
		}
	}
	free(p);
	/* EEXIST says only that something has the name: it must be a directory. */
	if (stat(dir, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/*
 * Run as root, the program may become another user before it makes its
 * file (runuser -u redis, su, a daemon's setuid): the directory run made
 * itself is opened to them as /tmp is, sticky, but without listing
 * (1733): each writer's file stays its own (the shim makes it 0600,
 * O_EXCL, not following links) and nobody else's can be renamed or
 * removed.  A directory the user gave keeps its rights.  0 or -1 with errno.
 */
static int open_to_dropped_users(const char *dir, int made)
{
	if (!made || geteuid() != 0)
		return 0;
	return chmod(dir, 01733);
}

/* CLOCK_MONOTONIC now, in ns: the trace files' clock. */
static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * No trace file appeared, or (unreadable) none of those that did could be
 * read, each named above by the loader: say the most likely reason, from
 * what the command is (facts, read before it ran) and the shim's own
 * notes (how many were printed above, from the log it really used).
 */
static void say_untraced(const char *cmd, const struct exe_facts *f, const char *log, int notes,
			 int unreadable)
{
	char why[PATH_MAX * 2 + 256];

	if (unreadable)
		fprintf(stderr, "socktrace run: nothing was traced: no trace file (*%s) that appeared "
			"could be read\n", ST_FILE_SUFFIX);
	else
		fprintf(stderr, "socktrace run: nothing was traced: no trace file (*%s) appeared\n",
			ST_FILE_SUFFIX);
	if (exe_untraceable(f, why, sizeof(why)))
		fprintf(stderr, "socktrace run: %s\n", why);
	else if (notes)
		fprintf(stderr, "socktrace run: the shim loaded but did not trace: its notes above "
			"(from %s) say why\n", log);
	else if (unreadable)
		fprintf(stderr, "socktrace run: the shim left no note (in %s) on the files above\n",
			log ? log : "SOCKTRACE_LOG (stderr)");
	else
		fprintf(stderr, "socktrace run: no process of %s held a socket, or the shim never loaded "
			"(no note in %s): a process leaves a trace file only once it holds a socket. If "
			"the command should have used sockets, it ignored or cleared LD_PRELOAD (some "
			"launchers run the real program without it), or ran it through a static or "
			"setuid helper\n",
			f->path[0] ? f->path : cmd, log ? log : "SOCKTRACE_LOG (stderr)");
}

/* Sockets p kept open across its exec (the exec's records without close-on-exec). */
static size_t kept_across_exec(const struct model *m, const struct proc *p)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nall; i++)
		n += m->all[i].p == p && m->all[i].r->op == ST_OP_EXEC_FD &&
		     !(m->all[i].r->flags & ST_REC_CLOEXEC);
	return n;
}

/*
 * Traces exist, but parts of the command may have escaped them: the
 * command itself (a static launcher of dynamic children), images that
 * exec'd into a program that left no trace, a Go program's own calls.
 * notes: how many of the shim's notes were printed above (they may say why).
 */
static void say_partial(const struct model *m, int child, const struct exe_facts *f, int notes)
{
	char why[PATH_MAX * 2 + 256];
	int seen = 0;

	for (size_t i = 0; i < m->nprocs; i++)
		seen |= m->procs[i].pid == child;
	if (!seen && exe_untraceable(f, why, sizeof(why)))
		fprintf(stderr, "socktrace run: the command itself (pid %d) was not traced: %s\n", child, why);
	if (exe_partial(f, why, sizeof(why)))
		fprintf(stderr, "socktrace run: note: %s\n", why);
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *p = &m->procs[i];

		if (p->tf->hdr.state != ST_STATE_EXECED || p->exec_next)
			continue;
		/* A program that holds a socket from its start makes its file at once. */
		if (kept_across_exec(m, p))
			fprintf(stderr, "socktrace run: note: pid %d (%s) exec'd a program that left no "
				"trace though it kept sockets open across the exec: a static, Go or setuid "
				"program, or one run without LD_PRELOAD\n", p->pid, proc_name(p));
		else if (notes)
			fprintf(stderr, "socktrace run: note: pid %d (%s) exec'd a program that left no "
				"trace: the shim's notes above may say why (a program running as another "
				"user cannot write the trace directory)\n", p->pid, proc_name(p));
		else
			fprintf(stderr, "socktrace run: note: pid %d (%s) exec'd a program that left no "
				"trace: it held no socket (every socket was close-on-exec and it made none), "
				"or it is a static, Go or setuid program, or ran without LD_PRELOAD\n",
				p->pid, proc_name(p));
	}
}

static const struct option run_opts[] = {
	{ "output", required_argument, 0, 'o' },
	{ "report", no_argument, 0, 'r' },
	{ "quiet", no_argument, 0, 'q' },
	{ "help", no_argument, 0, 'h' },
	{ 0, 0, 0, 0 },
};

static int cmd_run(int argc, char **argv)
{
	const char *out = NULL, *user_log = getenv("SOCKTRACE_LOG");
	char *dir = NULL, *shim = NULL, *preload = NULL, *log = NULL;
	int opt, mode = 's', status, rc = 1, has_traces, notes, made = 0;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	struct loaded l = { 0 };
	struct exe_facts facts;
	struct run_reap reap;
	struct model m;
	int execpipe[2], exec_err;
	ssize_t n;
	pid_t pid;
	time_t started;

	while ((opt = getopt_long(argc, argv, "+:o:rqh", run_opts, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case 'r': mode = 'r'; break;
		case 'q': mode = 'q'; break;
		case 'h':
			usage_command(stdout, &run_command);
			return 0;
		default:
			return usage_bad_option(&run_command, opt, argv);
		}
	}
	if (optind >= argc)
		return usage_error(&run_command, "no command given (socktrace run -- CMD [ARGS...])");
	shim = find_shim();
	if (!shim) {
		fprintf(stderr, "socktrace run: cannot find libsocktrace.so (set SOCKTRACE_LIB)\n");
		return 1;
	}
	if (out) {
		struct stat st;

		made = stat(out, &st) != 0 && errno == ENOENT;
		if (mkdirs(out) != 0) {
			fprintf(stderr, "socktrace run: %s: %s\n", out, strerror(errno));
			goto done;
		}
		if (load_dir_has_traces(out)) {
			fprintf(stderr, "socktrace run: %s already holds traces; give an empty "
				"directory so runs do not mix\n", out);
			goto done;
		}
		dir = realpath(out, NULL);
	} else if (asprintf(&dir, "%s/socktrace.XXXXXX", st_default_tmp(getenv("TMPDIR"))) >= 0) {
		if (!mkdtemp(dir)) {
			fprintf(stderr, "socktrace run: %s: %s\n", dir, strerror(errno));
			goto done;
		}
		made = 1;
	}
	if (dir && open_to_dropped_users(dir, made) != 0) {
		fprintf(stderr, "socktrace run: %s: chmod: %s\n", dir, strerror(errno));
		goto done;
	}
	if (!dir || access(dir, W_OK) != 0) {
		fprintf(stderr, "socktrace run: %s: not writable: %s\n", dir ? dir : out, strerror(errno));
		goto done;
	}
	preload = preload_value(shim);
	/* The log the shim will really use: the user's, else one in the trace directory. */
	if (user_log && *user_log)
		log = strcmp(user_log, "stderr") ? strdup(user_log) : NULL;
	else if (asprintf(&log, "%s/socktrace.log", dir) < 0)
		log = NULL;
	if (!preload)
		goto done;
	exe_inspect(argv[optind], &facts);

	/* Tells us whether exec worked: closed by exec, or given errno. */
	if (pipe2(execpipe, O_CLOEXEC) != 0) {
		perror("socktrace run: pipe");
		goto done;
	}
	/* Like a shell: ^C and ^\ are for the command; we stay to report. */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	fflush(NULL);
	/* A second early: a log changed in the second the command started counts. */
	started = time(NULL) - 1;
	pid = fork();
	if (pid < 0) {
		perror("socktrace run: fork");
		goto done;
	}
	if (pid == 0) {
		int e;

		close(execpipe[0]);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		setenv("LD_PRELOAD", preload, 1);
		setenv("SOCKTRACE_DIR", dir, 1);
		if (!(user_log && *user_log) && log)
			setenv("SOCKTRACE_LOG", log, 1);
		execvp(argv[optind], argv + optind);
		e = errno;
		fprintf(stderr, "socktrace run: %s: %s\n", argv[optind], strerror(e));
		(void)!write(execpipe[1], &e, sizeof(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	close(execpipe[1]);
	while ((n = read(execpipe[0], &exec_err, sizeof(exec_err))) < 0 && errno == EINTR)
		;
	close(execpipe[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("socktrace run: waitpid");
			goto done;
		}
	reap = (struct run_reap){ (int)pid, (int)getpid(), status, mono_now() };
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	/* The command never ran: there is nothing to report (nor to keep). */
	if (n > 0) {
		if (!out)
			rmdir(dir);
		goto done;
	}
	/* How the child ended, for the report: a trace file cannot say it when a kill ended it. */
	if (run_status_write(dir, &reap) != 0)
		fprintf(stderr, "socktrace run: %s/%s: %s\n", dir, RUN_STATUS_FILE, strerror(errno));
	if (mode == 'q')
		goto done;
	has_traces = load_dir_has_traces(dir);
	notes = log ? load_print_notes(log) : 0;
	/* An image that ran as another user (runuser, su) could not write DIR or its log. */
	notes += log ? load_print_foreign_notes(log, started) : 0;
	if (has_traces && load_path(&l, dir))
		goto done;
	/* None appeared, or none could be read (a file the shim could not fill). */
	if (!l.n) {
		say_untraced(argv[optind], &facts, log, notes, has_traces);
		fprintf(stderr, "socktrace: trace directory %s\n", dir);
		goto done;
	}
	if (model_build(&m, l.files, l.n, l.reaps, l.nreaps) == 0) {
		if (audit_run(&m))
			fprintf(stderr, "socktrace: out of memory in the audit; its counts below are partial\n");
		if (mode == 'r')
			report_text(stderr, &m, want_color("auto", 2));
		else
			report_summary(stderr, &m, want_color("auto", 2));
		say_partial(&m, (int)pid, &facts, notes);
		fprintf(stderr, "socktrace: trace in %s  (socktrace report %s)\n", dir, dir);
		model_free(&m);
	}
	l.n = 0;	/* the model took the files */
done:
	load_free(&l);
	free(dir);
	free(shim);
	free(preload);
	free(log);
	return rc;
}

const struct command run_command = {
	"run", cmd_run, run_opts, NULL,
	"socktrace run [-o DIR] [--report|--quiet] -- CMD [ARGS...]",
	"run CMD with libsocktrace.so preloaded, then summarise its trace (exit: CMD's status)",
	"  -o, --output=DIR  trace into DIR (created; must hold no traces); default: a new\n"
	"                    directory under ${TMPDIR:-/tmp}\n"
	"  --report          print the whole report on stderr, not only the summary\n"
	"  --quiet           print nothing of socktrace's own\n"
	"  When nothing could be traced (a static, Go, setuid or capability binary, LD_PRELOAD\n"
	"  cleared), it says why.  It exits with CMD's exit status, 128+N when signal N killed it.\n",
};

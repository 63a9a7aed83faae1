/*
 * tap.h - a tiny TAP producer for the unit tests (no external library).
 *
 *   plan(n);                       "1..n" (or call done_testing() without one)
 *   ok(cond, fmt, ...)             one test point; returns cond != 0
 *   is_int(got, want, name)        integers, both printed on failure
 *   is_str(got, want, name)        strings (NULL allowed), both printed on failure
 *   diag(fmt, ...)                 "# ..." on stderr
 *   skip(n, why)                   n skipped test points
 *   tap_isolated(name, fn)         run fn's test points in a child process
 *   todo_start(why) ... todo_end() known failures (TAP "# TODO")
 *   return done_testing();         exit status: 0 when every point passed and
 *                                  the count matched the plan
 *
 * Header-only: each unit test is one translation unit.  ok() may be called
 * from any thread (one lock); test numbers stay in order.
 */
#ifndef SOCKTRACE_TEST_TAP_H
#define SOCKTRACE_TEST_TAP_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int tap_planned = -1;
static int tap_run;
static int tap_failed;
static const char *tap_todo;		/* set: points are TODO (expected to fail) */
static pthread_mutex_t tap_lock = PTHREAD_MUTEX_INITIALIZER;

static inline void plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void diag(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("# ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static inline int vok(int cond, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&tap_lock);
	tap_run++;
	if (!cond && !tap_todo)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	if (tap_todo)
		printf(" # TODO %s", tap_todo);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&tap_lock);
	return cond != 0;
}

static inline int ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

static inline int is_int(long long got, long long want, const char *name)
{
	int r = ok(got == want, "%s", name);

	if (!r)
		diag("  got:  %lld\n#   want: %lld", got, want);
	return r;
}

static inline int is_str(const char *got, const char *want, const char *name)
{
	int same = (!got && !want) || (got && want && !strcmp(got, want));
	int r = ok(same, "%s", name);

	if (!r)
		diag("  got:  %s%s%s\n#   want: %s%s%s", got ? "'" : "", got ? got : "NULL",
		     got ? "'" : "", want ? "'" : "", want ? want : "NULL", want ? "'" : "");
	return r;
}

static inline void skip(int n, const char *why)
{
	pthread_mutex_lock(&tap_lock);
	while (n-- > 0)
		printf("ok %d # skip %s\n", ++tap_run, why);
	fflush(stdout);
	pthread_mutex_unlock(&tap_lock);
}

/* Points until todo_end() are known failures (TAP TODO): reported, not counted. */
static inline void todo_start(const char *why)
{
	tap_todo = why;
}

static inline void todo_end(void)
{
	tap_todo = NULL;
}

static inline void bail_out(const char *why)
{
	printf("Bail out! %s\n", why);
	fflush(stdout);
}

/*
 * Run fn in a child process (for code with process-wide state that can be
 * set up only once).  The child's test points continue the numbering; the
 * parent adopts its counts.  A child that dies or exits non-zero adds a
 * failing point.
 */
static inline void tap_isolated(const char *name, void (*fn)(void))
{
	int p[2], v[2] = { -1, -1 }, status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	if (pipe(p) != 0 || (pid = fork()) < 0) {
		ok(0, "%s: cannot fork", name);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		fn();
		v[0] = tap_run;
		v[1] = tap_failed;
		fflush(stdout);
		if (write(p[1], v, sizeof(v)) != (ssize_t)sizeof(v))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], v, sizeof(v)) == (ssize_t)sizeof(v)) {
		tap_run = v[0];
		tap_failed = v[1];
	}
	close(p[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ok(0, "%s: the child %s %d", name, WIFSIGNALED(status) ? "died of signal" : "exited",
		   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static inline int done_testing(void)
{
	if (tap_planned < 0) {
		printf("1..%d\n", tap_run);
		tap_planned = tap_run;
	}
	fflush(stdout);
	if (tap_run != tap_planned)
		diag("planned %d tests but ran %d", tap_planned, tap_run);
	if (tap_failed)
		diag("failed %d of %d tests", tap_failed, tap_run);
	return tap_failed || tap_run != tap_planned ? 1 : 0;
}

#endif

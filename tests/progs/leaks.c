/*
 * leaks.c - sockets left open from known call sites, for `socktrace leaks`.
 *
 * usage: leaks MODE [ARG]
 *   sites    leak_from_here() leaks 3 sockets from one call site,
 *            another_leak() 1 from another; tidy() makes and closes one
 *   none     tidy() only: nothing leaks
 *   closing  like sites, and tidy() also shuts its socket down before the
 *            close (close and shutdown stacks, with SOCKTRACE_STACKS=all)
 *   signal   a SIGALRM handler, on_alarm(), leaks a socket while the main
 *            thread spins in spin_here()
 *   threads  8 threads run worker() at once, 50 sockets each, and leave
 *            every 5th open (80 leaked)
 *   copies   copied_site() leaks 3 sockets from one source line holding
 *            three socket() calls, each at its own address: the copies a
 *            compiler makes when it unrolls a loop
 *   plug LIB [close]  dlopen LIB (by absolute path), call its plug_leak()
 *            twice (2 UDP sockets leaked from the library); with close,
 *            dlclose it, then make and close one more socket
 *
 * The lines that call socket() are marked with LEAK-SITE comments, so a
 * test finds their numbers with grep.  Prints "pid=P" at the end.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define THREADS		8
#define PER_THREAD	50

/* Leaked fds are stored here: the calls are no tail calls, the frames stay. */
volatile int sink[THREADS * PER_THREAD + 16];
static volatile sig_atomic_t alarmed;
static pthread_barrier_t start;

static int must(int fd, const char *what)
{
	if (fd < 0) {
		perror(what);
		exit(1);
	}
	return fd;
}

__attribute__((noinline)) int leak_from_here(int i)
{
	sink[i] = socket(AF_INET, SOCK_STREAM, 0);	/* LEAK-SITE-1 */
	return must(sink[i], "socket");
}

/* Three calls on one line, as an unrolled loop's body: one site in the source. */
#define THRICE(x)	x; x; x
__attribute__((noinline)) void copied_site(void)
{
	int k = 0;

	THRICE(sink[14 + k] = must(socket(AF_INET, SOCK_STREAM, 0), "socket"); k++);	/* LEAK-SITE-3 */
}

__attribute__((noinline)) int another_leak(void)
{
	sink[10] = socket(AF_INET, SOCK_DGRAM, 0);	/* LEAK-SITE-2 */
	return must(sink[10], "socket");
}

__attribute__((noinline)) void tidy(int shut)
{
	int fd = must(socket(AF_INET, SOCK_STREAM, 0), "socket");	/* TIDY-SITE */

	if (shut)
		shutdown(fd, SHUT_RDWR);	/* SHUTDOWN-SITE */
	sink[11] = close(fd);	/* CLOSE-SITE */
}

static void on_alarm(int sig)
{
	(void)sig;
	sink[12] = socket(AF_INET, SOCK_STREAM, 0);	/* SIGNAL-SITE */
	alarmed = 1;
}

__attribute__((noinline)) void spin_here(void)
{
	while (!alarmed)	/* SPIN-LOOP */
		sink[13]++;	/* SPIN-SITE */
}

static void *worker(void *arg)
{
	int t = (int)(long)arg;

	pthread_barrier_wait(&start);
	for (int i = 0; i < PER_THREAD; i++) {
		int fd = must(socket(AF_INET, SOCK_STREAM, 0), "socket");	/* THREAD-SITE */

		if (i % 5)
			close(fd);
		else
			sink[t * PER_THREAD + i] = fd;
	}
	return NULL;
}

static void threads(void)
{
	pthread_t th[THREADS];

	pthread_barrier_init(&start, NULL, THREADS);
	for (long t = 0; t < THREADS; t++)
		if (pthread_create(&th[t], NULL, worker, (void *)t))
			exit(1);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
}

static void signal_leak(void)
{
	struct sigaction sa;
	struct itimerval it = { .it_value = { 0, 20000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	spin_here();
}

static void plug(const char *lib, int unload)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	int (*leak)(void);

	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		exit(1);
	}
	*(void **)&leak = dlsym(h, "plug_leak");
	if (!leak)
		exit(1);
	leak();
	leak();
	if (unload) {
		dlclose(h);
		tidy(0);	/* a new stack: the shim rescans and sees the library gone */
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "sites";

	if (!strcmp(mode, "sites") || !strcmp(mode, "closing")) {
		for (int i = 0; i < 3; i++)
			leak_from_here(i);
		another_leak();
		tidy(!strcmp(mode, "closing"));
	} else if (!strcmp(mode, "copies")) {
		copied_site();
	} else if (!strcmp(mode, "none")) {
		tidy(0);
	} else if (!strcmp(mode, "signal")) {
		signal_leak();
	} else if (!strcmp(mode, "threads")) {
		threads();
	} else if (!strcmp(mode, "plug") && argc > 2) {
		plug(argv[2], argc > 3 && !strcmp(argv[3], "close"));
	} else {
		fprintf(stderr, "usage: leaks sites|none|closing|copies|signal|threads|plug LIB [close]\n");
		return 2;
	}
	printf("pid=%d\n", (int)getpid());
	return 0;
}

/*
 * stk_cxx.cc - C++ exceptions with the shim's libunwind loaded: if its
 * _Unwind_* joined the app's symbol scope, libstdc++ would throw through
 * it.  Throws and catches 1000 exceptions through several frames, each
 * frame holding a guard whose destructor makes and closes a socket while
 * the exception unwinds, and the thrower makes one before it throws.
 *
 * usage: stk_cxx
 * Prints "caught=N sum=S sockets=K lowest=FD" and exits 0, or 1 when a
 * socket call failed or an exception went astray.
 */
#include <cstdio>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

static long sockets, failures;

__attribute__((noinline)) void one_socket()
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		failures++;
		return;
	}
	sockets++;
	close(fd);
}

struct guard {
	~guard() { one_socket(); }
};

struct oops : std::runtime_error {
	long v;
	explicit oops(long x) : std::runtime_error("oops"), v(x) {}
};

__attribute__((noinline)) void level3(long i)
{
	guard g;
	one_socket();
	if (i >= 0)
		throw oops(i);
}

__attribute__((noinline)) void level2(long i)
{
	guard g;
	level3(i);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void level1(long i)
{
	guard g;
	level2(i);
	__asm__ volatile("" ::: "memory");
}

int main()
{
	long caught = 0, sum = 0;

	for (long i = 0; i < 1000; i++) {
		try {
			level1(i);
		} catch (const oops &e) {
			caught++;
			sum += e.v;
		} catch (...) {
			failures++;
		}
	}
	int low = socket(AF_INET, SOCK_STREAM, 0);
	std::printf("caught=%ld sum=%ld sockets=%ld lowest=%d\n", caught, sum, sockets, low);
	return failures || caught != 1000 ? 1 : 0;
}

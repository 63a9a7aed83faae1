# socktrace - a plain, non-recursive Makefile.
#
#   make               build/libsocktrace.so, build/socktrace, the examples
#   make test          build and run every test (prove, TAP)
#   make sanitize      the same suite built with AddressSanitizer + UBSan
#   make check         both: what CI runs
#   make bench         the overhead figures (not a test)
#   make demo          trace the echo example and print its report
#   make install PREFIX=/usr/local

PREFIX	?= /usr/local
BINDIR	 = $(PREFIX)/bin
LIBDIR	 = $(PREFIX)/lib
MANDIR	 = $(PREFIX)/share/man/man1

B	?= build
CC	?= gcc
OPT	?= -O2
SHIM_OPT ?= -O3
SAN	?=
CFLAGS	?= $(OPT) -g
WARN	 = -Wall -Wextra -Werror
BASE	 = -std=gnu11 $(WARN) $(SAN) -Iinclude
# -O3 and LTO: the wrappers call many small one-job functions; across files
# they inline into each wrapper (callgrind: about 60 fewer instructions per
# traced call than -O2 without LTO).
LIBCFLAGS = $(BASE) -fPIC -fvisibility=hidden -fno-strict-aliasing -flto
LIBLDFLAGS = -flto -shared -Wl,--version-script=shim/exports.map -Wl,-z,now -Wl,-z,nodelete

SHIM_SRC = $(wildcard shim/*.c shim/*.S)
# The viewer symbolises call sites offline with elfutils (libdw-dev).
VIEW_LIBS = -ldw -lelf
VIEW_SRC = $(wildcard viewer/*.c)
VIEW_LIB_SRC = $(filter-out viewer/main.c,$(VIEW_SRC))
EXAMPLES = $(patsubst examples/%.c,$(B)/examples/%,$(wildcard examples/*.c))
TPROGS	 = $(patsubst tests/progs/%.c,$(B)/tests/progs/%,$(wildcard tests/progs/*.c))
TPROGS	+= $(patsubst tests/progs/%.cc,$(B)/tests/progs/%,$(wildcard tests/progs/*.cc))
# Shared libraries the test programs dlopen (by absolute path).
TLIBS	 = $(patsubst tests/progs/libs/%.c,$(B)/tests/progs/lib%.so,$(wildcard tests/progs/libs/*.c))
UNITS	 = $(patsubst tests/unit/%.c,$(B)/tests/unit/%.t,$(wildcard tests/unit/*.c))
HDRS	 = $(wildcard include/*.h shim/*.h viewer/*.h tests/unit/*.h)

all: $(B)/libsocktrace.so $(B)/socktrace $(EXAMPLES)

$(B)/libsocktrace.so: $(SHIM_SRC) $(HDRS) shim/exports.map
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SHIM_OPT) $(LIBCFLAGS) $(SHIM_SRC) -o $@ $(LIBLDFLAGS) -ldl -lpthread

$(B)/socktrace: $(VIEW_SRC) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE) -DST_LIBDIR='"$(LIBDIR)"' $(VIEW_SRC) -o $@ $(VIEW_LIBS)

$(B)/examples/%: examples/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE) -pthread $< -o $@

$(B)/tests/progs/%: tests/progs/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE) -pthread $< -o $@

# C++ test programs, and those that link libunwind themselves (unw_*).
$(B)/tests/progs/%: tests/progs/%.cc
	@mkdir -p $(@D)
	$(CXX) $(CFLAGS) $(WARN) $(SAN) -pthread $< -o $@

$(B)/tests/progs/unw_%: tests/progs/unw_%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE) -pthread $< -o $@ -lunwind
$(B)/tests/progs/lib%.so: tests/progs/libs/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE) -fPIC -shared $< -o $@

# Unit tests link the shim's or viewer's sources directly (no preload).  The
# shim's are all but the wrappers, which would take libc's names in the test
# itself; its constructor and set-up run as in a traced program.
SHIM_CORE_SRC = $(filter-out shim/wrap_%.c shim/%.S,$(SHIM_SRC))
$(B)/tests/unit/%.t: tests/unit/%.c $(SHIM_SRC) $(VIEW_LIB_SRC) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE) -pthread -Ishim -Iviewer $< \
		$(if $(filter viewer_%,$*),$(VIEW_LIB_SRC) $(VIEW_LIBS),-fno-strict-aliasing $(SHIM_CORE_SRC) -ldl) -o $@

check-deps:
	@test -f /usr/include/uthash.h || { echo "missing uthash.h: apt-get install uthash-dev" >&2; exit 1; }
	@test -f /usr/include/elfutils/libdwfl.h || { echo "missing elfutils/libdwfl.h: apt-get install libdw-dev" >&2; exit 1; }

test: check-deps all $(TPROGS) $(TLIBS) $(UNITS)
	B=$(B) prove --exec '' $(UNITS) tests/t[0-9]*.t

# The sanitizers need their runtime first in LD_PRELOAD, before the shim.
sanitize:
	$(MAKE) B=build-san OPT=-O1 SHIM_OPT=-O1 SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test \
		ST_PRELOAD_FIRST="$$($(CC) -print-file-name=libasan.so)"

check: test sanitize

bench: all
	SHIM=$(CURDIR)/$(B)/libsocktrace.so BUILD=$(CURDIR)/$(B)/bench bench/run.sh

demo: all
	rm -rf $(B)/demo
	$(B)/socktrace run -o $(B)/demo --report -- $(B)/examples/echo

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)
	install -m 0755 $(B)/socktrace $(DESTDIR)$(BINDIR)/socktrace
	install -m 0755 $(B)/libsocktrace.so $(DESTDIR)$(LIBDIR)/libsocktrace.so
	install -m 0644 man/socktrace.1 $(DESTDIR)$(MANDIR)/socktrace.1

clean:
	rm -rf build build-san

.PHONY: all test sanitize check bench demo install clean check-deps
export ST_PRELOAD_FIRST

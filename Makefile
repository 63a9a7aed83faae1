# socktrace - a plain, non-recursive Makefile.
#
#   make               build/libsocktrace.so, build/socktrace, the examples
#   make test          build and run every test (prove, TAP); make test -jN runs N at a time
#   make sanitize      the same suite built with AddressSanitizer + UBSan
#   make check         both: what CI runs
#   make bench         the overhead figures (not a test)
#   make demo          trace the echo example and print its report
#   make install PREFIX=/usr/local     (DESTDIR=... for a staged install)
#   make uninstall     remove what install put there
#
# The usual variables work: CC (default gcc), CXX, CPPFLAGS, CFLAGS,
# CXXFLAGS and LDFLAGS are added after the project's own flags (so an -O
# given there wins), PREFIX, BINDIR, LIBDIR, MANDIR, BASHCOMPDIR, DESTDIR,
# PKG_CONFIG; WERROR= builds without -Werror.  OPT (-O2 -g) and SHIM_OPT
# (-O3 -g, the preload library's) are the project's own optimisation.

VERSION	 = 0.1.0
PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
LIBDIR	?= $(PREFIX)/lib
MANDIR	?= $(PREFIX)/share/man/man1
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

B	?= build
# make predefines CC (as cc): replace only that default, never the user's.
ifeq ($(origin CC),default)
CC	 = gcc
endif
PKG_CONFIG ?= pkg-config
OPT	?= -O2 -g
SHIM_OPT ?= -O3 -g
SAN	?=
WERROR	?= -Werror
WARN	 = -Wall -Wextra $(WERROR)
BASE	 = -std=gnu11 $(WARN) $(SAN) -Iinclude
# -O3 and LTO: the wrappers call many small one-job functions; across files
# they inline into each wrapper (callgrind: about 60 fewer instructions per
# traced call than -O2 without LTO).  The shim defines the _FORTIFY_SOURCE
# entry points it wraps (__read_chk...), so it is built without fortify:
# its own reads must not go through its wrappers.  -fno-plt: libc's
# functions (errno's location, the clock) are called through the GOT, one
# jump fewer each (the library binds at load anyway: -z now).
LIBCFLAGS = $(BASE) -fPIC -fvisibility=hidden -fno-strict-aliasing -flto -fno-plt
# The version script exports shim/hooks.h's names; --no-undefined-version:
# a hook listed there with no wrapper defined fails the link.  -fini names
# a symbol that does not exist: no DT_FINI, so the loader does not run the
# empty _fini at every exit, whose page (the end of .text) would be a page
# fault of its own (our destructor is in .fini_array).
LIBLDFLAGS = -flto -shared -Wl,--version-script=$(B)/exports.map -Wl,--no-undefined-version \
	-Wl,-fini=socktrace_no_fini \
	-Wl,-z,now -Wl,-z,nodelete
NOFORTIFY = -U_FORTIFY_SOURCE

# Libraries with a .pc file are found with pkg-config (the names after ||
# when it is missing); uthash is headers only, without one.
pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkg_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null || echo $(2))
# The viewer symbolises call sites offline with elfutils (libdw-dev).
VIEW_CFLAGS := $(call pkg_cflags,libdw libelf)
VIEW_LIBS := $(call pkg_libs,libdw libelf,-ldw -lelf)
UNW_LIBS := $(call pkg_libs,libunwind,-lunwind)
# socktrace top's screen: ncurses (libncurses-dev), its wide-character build.
VIEW_CFLAGS += $(call pkg_cflags,ncursesw)
VIEW_LIBS += $(call pkg_libs,ncursesw,-lncursesw -ltinfo)

SHIM_SRC = $(wildcard shim/*.c shim/*.S)
VIEW_SRC = $(wildcard viewer/*.c viewer/*.S)
# The HTML report's page, style and script, embedded by viewer/html_assets.S.
VIEW_ASSETS = $(wildcard viewer/html/*)
VIEW_LIB_SRC = $(filter-out viewer/main.c,$(VIEW_SRC))
EXAMPLES = $(patsubst examples/%.c,$(B)/examples/%,$(wildcard examples/*.c))
TPROGS	 = $(patsubst tests/progs/%.c,$(B)/tests/progs/%,$(wildcard tests/progs/*.c))
TPROGS	+= $(patsubst tests/progs/%.cc,$(B)/tests/progs/%,$(wildcard tests/progs/*.cc))
# Static test programs (no dynamic loader: nothing to preload into).
TPROGS	+= $(patsubst tests/progs/static/%.c,$(B)/tests/progs/static_%,$(wildcard tests/progs/static/*.c))
# Shared libraries the test programs dlopen (by absolute path).
TLIBS	 = $(patsubst tests/progs/libs/%.c,$(B)/tests/progs/lib%.so,$(wildcard tests/progs/libs/*.c))
UNITS	 = $(patsubst tests/unit/%.c,$(B)/tests/unit/%.t,$(wildcard tests/unit/*.c))
HDRS	 = $(wildcard include/*.h shim/*.h viewer/*.h tests/unit/*.h)
PROG_HDRS = $(wildcard tests/progs/*.h)

# Compile and link: the project's flags, then the user's.
CCLD	 = $(CC) $(BASE) $(CPPFLAGS) $(OPT) $(CFLAGS)

all: $(B)/libsocktrace.so $(B)/socktrace $(EXAMPLES)

$(B)/libsocktrace.so: $(SHIM_SRC) $(HDRS) $(B)/exports.map
	@mkdir -p $(@D)
	$(CC) $(LIBCFLAGS) $(CPPFLAGS) $(NOFORTIFY) $(SHIM_OPT) $(CFLAGS) $(SHIM_SRC) -o $@ \
		$(LIBLDFLAGS) $(LDFLAGS) -ldl -lpthread

# The version script: the names in shim/hooks.h's list, by the preprocessor
# (-std=c11, which predefines no "linux" or "unix" to rename a hook).
$(B)/exports.map: shim/exports.map.in shim/hooks.h
	@mkdir -p $(@D)
	$(CC) -std=c11 $(CPPFLAGS) -E -P -x c shim/exports.map.in -o $@

$(B)/socktrace: $(VIEW_SRC) $(VIEW_ASSETS) $(HDRS)
	@mkdir -p $(@D)
	$(CCLD) $(VIEW_CFLAGS) -DST_LIBDIR='"$(LIBDIR)"' -DST_VERSION='"$(VERSION)"' $(VIEW_SRC) -o $@ \
		$(LDFLAGS) $(VIEW_LIBS)

$(B)/examples/%: examples/%.c
	@mkdir -p $(@D)
	$(CCLD) -pthread $< -o $@ $(LDFLAGS)

$(B)/tests/progs/%: tests/progs/%.c $(PROG_HDRS)
	@mkdir -p $(@D)
	$(CCLD) -pthread $< -o $@ $(LDFLAGS)

# C++ test programs, and those that link libunwind themselves (unw_*).
$(B)/tests/progs/%: tests/progs/%.cc
	@mkdir -p $(@D)
	$(CXX) $(WARN) $(SAN) $(CPPFLAGS) $(OPT) $(CXXFLAGS) -pthread $< -o $@ $(LDFLAGS)

$(B)/tests/progs/unw_%: tests/progs/unw_%.c $(PROG_HDRS)
	@mkdir -p $(@D)
	$(CCLD) -pthread $< -o $@ $(LDFLAGS) $(UNW_LIBS)
# No sanitizer: its runtime cannot be linked statically.
$(B)/tests/progs/static_%: tests/progs/static/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(CPPFLAGS) $(OPT) $(CFLAGS) -static $< -o $@ $(LDFLAGS)
$(B)/tests/progs/lib%.so: tests/progs/libs/%.c $(PROG_HDRS)
	@mkdir -p $(@D)
	$(CCLD) -fPIC -shared $< -o $@ $(LDFLAGS)

# Unit tests link the shim's or viewer's sources directly (no preload).  The
# shim's are all but the wrappers, which would take libc's names in the test
# itself; its constructor and set-up run as in a traced program.  ST_UNIT_SEAMS
# gives a test the places it may stop a thread half-way (regions.c).
SHIM_CORE_SRC = $(filter-out shim/wrap_%.c shim/%.S,$(SHIM_SRC))
$(B)/tests/unit/%.t: tests/unit/%.c $(SHIM_SRC) $(VIEW_LIB_SRC) $(VIEW_ASSETS) $(HDRS)
	@mkdir -p $(@D)
	$(CCLD) $(VIEW_CFLAGS) -pthread -Ishim -Iviewer $< \
		$(if $(filter viewer_%,$*),$(VIEW_LIB_SRC) $(LDFLAGS) $(VIEW_LIBS),-fno-strict-aliasing -DST_UNIT_SEAMS $(SHIM_CORE_SRC) $(LDFLAGS) -ldl) -o $@

check-deps:
	@echo '#include <uthash.h>' | $(CC) $(CPPFLAGS) -E -x c - > /dev/null 2>&1 || \
		{ echo "missing uthash.h: apt-get install uthash-dev" >&2; exit 1; }
	@echo '#include <elfutils/libdwfl.h>' | $(CC) $(CPPFLAGS) $(VIEW_CFLAGS) -E -x c - > /dev/null 2>&1 || \
		{ echo "missing elfutils/libdwfl.h: apt-get install libdw-dev" >&2; exit 1; }
	@echo '#include <curses.h>' | $(CC) $(CPPFLAGS) $(VIEW_CFLAGS) -E -x c - > /dev/null 2>&1 || \
		{ echo "missing curses.h: apt-get install libncurses-dev" >&2; exit 1; }

# make test -jN: prove runs N test files at once (GNU make puts -jN in
# MAKEFLAGS).  Tests never run make themselves: what t0360 checks is staged
# here, by this make.
JOBS	 = $(patsubst -j%,%,$(filter -j%,$(MAKEFLAGS)))
STAGE	 = $(abspath $(B))/stage

test: check-deps all stage $(TPROGS) $(TLIBS) $(UNITS)
	B=$(B) ST_STAGE=$(STAGE) ST_STAGE_BIN=$(BINDIR) ST_STAGE_LIB=$(LIBDIR) ST_STAGE_MAN=$(MANDIR) \
		ST_STAGE_BASHCOMP=$(BASHCOMPDIR) prove $(if $(JOBS),-j$(JOBS)) --exec '' $(UNITS) tests/t[0-9]*.t

# An install into $(B)/stage, and one installed then uninstalled ($(B)/stage-un).
stage: all
	rm -rf $(STAGE) $(STAGE)-un
	$(MAKE) --no-print-directory -s install DESTDIR=$(STAGE)
	$(MAKE) --no-print-directory -s install DESTDIR=$(STAGE)-un
	$(MAKE) --no-print-directory -s uninstall DESTDIR=$(STAGE)-un

# The sanitizers need their runtime first in LD_PRELOAD, before the shim.
sanitize:
	$(MAKE) B=build-san OPT="-O1 -g" SHIM_OPT="-O1 -g" SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test \
		ST_PRELOAD_FIRST="$$($(CC) -print-file-name=libasan.so)"

check: test sanitize

bench: all
	SHIM=$(CURDIR)/$(B)/libsocktrace.so BUILD=$(CURDIR)/$(B)/bench bench/run.sh

demo: all
	rm -rf $(B)/demo
	$(B)/socktrace run -o $(B)/demo --report -- $(B)/examples/echo

INSTALLED = $(BINDIR)/socktrace $(LIBDIR)/libsocktrace.so $(MANDIR)/socktrace.1 $(BASHCOMPDIR)/socktrace

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(B)/socktrace $(DESTDIR)$(BINDIR)/socktrace
	install -m 0755 $(B)/libsocktrace.so $(DESTDIR)$(LIBDIR)/libsocktrace.so
	install -m 0644 man/socktrace.1 $(DESTDIR)$(MANDIR)/socktrace.1
	install -m 0644 completion/socktrace.bash $(DESTDIR)$(BASHCOMPDIR)/socktrace

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

clean:
	rm -rf build build-san $(B)

.PHONY: all test stage sanitize check bench demo install uninstall clean check-deps
export ST_PRELOAD_FIRST

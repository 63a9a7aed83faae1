#!/usr/bin/env bash
# The Makefile honours the variables packagers pass: CC (gcc when unset:
# make's own default, cc, must not win), CPPFLAGS, CFLAGS and LDFLAGS added
# after the project's flags (a user's -O wins over the shim's -O3), WERROR=
# for a build without -Werror, PKG_CONFIG for the libraries with a .pc file.
# Read with make -n into a scratch build directory: nothing is built, and
# no recipe that runs make is asked for.
. "$(dirname "$0")/lib.sh"
plan 13

# dry NAME VAR=VALUE...: the commands make would run to build the viewer and the shim
# (and the shim's version script).
dry() {
	local name=$1; shift
	# make exports its command line's variables (make sanitize's OPT, SAN...): none here.
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CC -u CXX -u CFLAGS -u CPPFLAGS -u LDFLAGS \
		-u OPT -u SHIM_OPT -u SAN -u WERROR -u PKG_CONFIG \
		make -n -B -C "$TOP" --no-print-directory B="$WORK/$name" "$@" \
		"$WORK/$name/socktrace" "$WORK/$name/libsocktrace.so" > "$WORK/$name.out" 2>&1
}
# line NAME WHAT: the command that writes WHAT (socktrace, libsocktrace.so, exports.map), continuations joined
line() { sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$WORK/$1.out" | grep -E -- "-o $WORK/$1/$2( |\$)" | head -n 1; }

dry plain
is "$?" 0 "make -n with no variables"
like "$(line plain socktrace)" "^gcc " "CC unset: gcc, not make's built-in cc"

dry user CC=my-cc CPPFLAGS=-DUSER_CPP CFLAGS=-O0 LDFLAGS=-Wl,--user-ld
like "$(line user socktrace)" "^my-cc " "CC=my-cc is the compiler"
like "$(line user libsocktrace.so)" "-O3 .*-O0" "the shim: CFLAGS' -O0 comes after the shim's -O3 (the user's wins)"
like "$(line user socktrace)" "-O2 .*-O0" "the viewer: CFLAGS' -O0 comes after the project's -O2"
like "$(line user socktrace)" "-DUSER_CPP" "CPPFLAGS reach the compiler"
like "$(line user libsocktrace.so)" "--user-ld.* -ldl" "LDFLAGS reach the shim's link, before its libraries"
like "$(line user exports.map)" "^my-cc .*-DUSER_CPP" "the shim's version script: made by CC, with CPPFLAGS, in B"
like "$(line plain libsocktrace.so)" "--version-script=$WORK/plain/exports.map " "... and the shim's link uses that one"

dry werror WERROR=
! grep -q -- -Werror "$WORK/werror.out"
ok $? "WERROR= : no -Werror anywhere"
grep -q -- -Werror "$WORK/plain.out"
ok $? "... and -Werror by default"

# PKG_CONFIG: a stand-in that answers for libdw and libelf.
printf '#!/bin/sh\ncase "$*" in *--libs*) echo -lfrom-pkg-config ;; *--cflags*) echo -I/from/pkg-config ;; esac\n' > "$WORK/pc"
chmod +x "$WORK/pc"
dry pc PKG_CONFIG="$WORK/pc"
like "$(line pc socktrace)" "-I/from/pkg-config .*-lfrom-pkg-config" "the viewer's libraries come from pkg-config"
dry nopc PKG_CONFIG=false
like "$(line nopc socktrace)" "-ldw -lelf" "without pkg-config: -ldw -lelf"
done_testing

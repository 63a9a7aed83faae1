#!/usr/bin/env bash
# Leaks from a shared library the program dlopens by absolute path
# (build/tests/progs/libleakplug.so): the frames name plug_leak from the
# library's own symbols and line table, then the program's caller.  With
# dlclose before the program ends (and a new stack after it, so the shim
# records the unload), the library's range is still resolved to it, as it
# was loaded when the stacks were taken.  When the compiler inlined plug()
# into main (-O2 does), the inlined frame is marked and main's frame gives
# the line of the call to plug, not plug's own.
. "$(dirname "$0")/lib.sh"
plan 11

LIB=$PROGS/libleakplug.so
LP=$(grep -n 'PLUG-SITE' "$TOP/tests/progs/libs/leakplug.c" | cut -d: -f1)
LCALL=$(grep -n 'plug(argv\[2\]' "$TOP/tests/progs/leaks.c" | cut -d: -f1)

for mode in open close; do
	arg=
	[ "$mode" = close ] && arg=close
	traced "$WORK/$mode" "$PROGS/leaks" plug "$LIB" $arg > "$WORK/$mode.out"
	ok $? "leaks plug ($mode) runs under the shim"
	"$ST" leaks --all "$WORK/$mode" > "$WORK/$mode.txt"
	is "$?" 1 "$mode: leaks found, exit 1"
	is "$(grep -c "^    at 0x[0-9a-f]*: plug_leak (leakplug.c:$LP)$" "$WORK/$mode.txt")" 2 \
		"$mode: both groups start at plug_leak (leakplug.c:$LP), from the library"
	"$ST" leaks --all --json "$WORK/$mode" > "$WORK/$mode.json"
	is "$(jq -r '[.leaks[].stack[0].module] | unique | join(",")' "$WORK/$mode.json")" "$LIB" \
		"$mode: JSON: the innermost frame's module is the library"
	is "$(jq -r '[.leaks[].stack[1].function] | unique | join(",")' "$WORK/$mode.json" | grep -Ec '^(plug|main)')" 1 \
		"$mode: JSON: the caller is the program's (plug, or main it was inlined into)"
done
if grep -q '^    by 0x[0-9a-f]*: plug (leaks.c:[0-9]*) (inlined)$' "$WORK/open.txt"; then
	grep -A1 '(inlined)$' "$WORK/open.txt" | grep -q "^    by 0x[0-9a-f]*: main (leaks.c:$LCALL)$"
	ok $? "plug inlined into main: main's frame is at the call to plug (leaks.c:$LCALL)"
else
	grep -q "^    by 0x[0-9a-f]*: plug (leaks.c:[0-9]*)$" "$WORK/open.txt"
	ok $? "plug not inlined: its own frame, then main's"
fi
done_testing

#!/usr/bin/env bash
# Call sites in a binary without .debug_aranges (clang emits none by
# default): the viewer finds the compile unit and the line by walking the
# units' ranges, so the frames still get file:line.  The leaks program with
# that section removed (objcopy), traced; lines found by grep in its source.
. "$(dirname "$0")/lib.sh"
plan 4

SRC=$TOP/tests/progs/leaks.c
L1=$(grep -n -- 'LEAK-SITE-1' "$SRC" | head -n 1 | cut -d: -f1)
objcopy --remove-section .debug_aranges "$PROGS/leaks" "$WORK/leaks"
ok $? "a copy of the leaks program without .debug_aranges"
readelf -S "$WORK/leaks" | grep -q debug_aranges
is "$?" 1 "... the copy has no .debug_aranges (and still has .debug_info: $(readelf -S "$WORK/leaks" | grep -c debug_info))"
traced "$WORK/tr" "$WORK/leaks" sites > /dev/null
ok $? "it runs under the shim"
like "$("$ST" leaks --all "$WORK/tr" | grep -m 1 '^    at ')" "^    at 0x[0-9a-f]+: leak_from_here \(leaks\.c:$L1\)$" \
	"the first group's frame has its file and line (leaks.c:$L1)"
done_testing

#!/usr/bin/env bash
# The growing-site rule counts a call site as the source does: three
# socket() calls on one line (as a compiler's unrolled loop leaves them,
# each at its own address: clang unrolls wrapleak's loops) held to the end,
# as many as the site ever made, are one site that only grew, so each is a
# leak; counted by return address they would be three sites of one socket
# each, below LEAK_SITE_MIN, and not leaks.
. "$(dirname "$0")/lib.sh"
plan 5

SRC=$TOP/tests/progs/leaks.c
L3=$(grep -n -- 'LEAK-SITE-3' "$SRC" | head -n 1 | cut -d: -f1)
traced "$WORK/t" "$PROGS/leaks" copies > "$WORK/out"
ok $? "leaks copies runs under the shim"
f=$(ls "$WORK"/t/leaks.*.socktrace)
is "$(rawdump "$f" | sed -n 's/^rec .* op=1 .* stack=\([0-9]*\)$/\1/p' | sort -u | wc -l)" 3 \
	"the three sockets have three stacks (three return addresses)"
"$ST" leaks --json "$WORK/t" > "$WORK/l.json"
is "$?" 1 "leaks exits 1: sockets leaked"
is "$(jq -r '[.leaks[] | .connections | length] | join(",")' "$WORK/l.json")" 3 \
	"one group of 3 sockets"
is "$("$ST" leaks --all "$WORK/t" | grep -c "leaks.c:$L3).*\|leak: its call site's open sockets only grew")" 4 \
	"the group names leaks.c:$L3, and each of the 3 is a leak because its site only grew"
done_testing

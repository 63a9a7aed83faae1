#!/usr/bin/env bash
# SOCKTRACE_STACK_DEPTH: a stack keeps at most that many ips, innermost
# first, and is marked truncated when the call was deeper.  The depth of
# stk_sites site's stack (make_a ... _start) is found with the default 16:
# D frames, not truncated.  With SOCKTRACE_STACK_DEPTH=D it is kept whole
# (not truncated); with D-1 and 3 it is cut (truncated) and the kept ips
# are the innermost ones (make_a, call_a, main).  A 40-deep recursion with
# the default depth keeps 16 ips, all in recurse(), truncated.
. "$(dirname "$0")/lib.sh"
plan 12
. "$(dirname "$0")/stacks.sh"

BIN=$PROGS/stk_sites
sline() { # DIR: the socket record's stack line
	local f id
	f=$(tfile "$1" stk_sites)
	id=$(recs "$f" 1 | head -n 1 | cut -d: -f2)
	"$SI" "$f" | sed -n "s/^stack $id \(depth=[0-9]* truncated=[01]\).*/\1/p"
}
traced "$WORK/dflt" "$BIN" site > /dev/null
D=$(sline "$WORK/dflt" | sed -n 's/^depth=\([0-9]*\) truncated=0$/\1/p')
like "$D" '^([4-9]|1[0-5])$' "default depth: the site stack is whole, $D frames (between 4 and 15)"
D=${D:-6}
SOCKTRACE_STACK_DEPTH=$D traced "$WORK/eq" "$BIN" site > /dev/null
is "$(sline "$WORK/eq")" "depth=$D truncated=0" "SOCKTRACE_STACK_DEPTH=$D: kept whole, not truncated"
is "$(sfield "$(tfile "$WORK/eq" stk_sites)" stacks depth)" "$D" "SOCKTRACE_STACK_DEPTH=$D: the table's depth"
SOCKTRACE_STACK_DEPTH=$((D - 1)) traced "$WORK/lt" "$BIN" site > /dev/null
is "$(sline "$WORK/lt")" "depth=$((D - 1)) truncated=1" "SOCKTRACE_STACK_DEPTH=$((D - 1)): cut and marked truncated"
SOCKTRACE_STACK_DEPTH=3 traced "$WORK/d3" "$BIN" site > "$WORK/d3.out"
ok $? "SOCKTRACE_STACK_DEPTH=3: runs"
f=$(tfile "$WORK/d3" stk_sites)
is "$(sline "$WORK/d3")" "depth=3 truncated=1" "SOCKTRACE_STACK_DEPTH=3: 3 ips, truncated"
is "$(names "$f" "$(recs "$f" 1 | head -n 1 | cut -d: -f2)")" "make_a,call_a,main" \
	"SOCKTRACE_STACK_DEPTH=3: the innermost three are kept"
is "$("$SI" "$f" | sed -n 's/^stacks .* entry_size=\([0-9]*\).*/\1/p')" 64 \
	"SOCKTRACE_STACK_DEPTH=3: entries are 40 + 3 * 8 bytes (64: the next power of two)"
is "$("$SI" "$f" | grep '^stack ' | grep -vc 'depth=[123] ')" 0 "SOCKTRACE_STACK_DEPTH=3: no stack in the table has more than 3 ips"
SOCKTRACE_STACK_DEPTH=1 traced "$WORK/d1" "$BIN" site > /dev/null
is "$(sline "$WORK/d1")" "depth=1 truncated=1" "SOCKTRACE_STACK_DEPTH=1: one ip"

traced "$WORK/deep" "$BIN" deep 40 > /dev/null
f=$(tfile "$WORK/deep" stk_sites)
is "$(sline "$WORK/deep")" "depth=16 truncated=1" "deep 40, default depth: 16 ips, truncated"
is "$(names "$f" "$(recs "$f" 1 | head -n 1 | cut -d: -f2)" | tr , '\n' | sort -u)" "recurse" \
	"deep 40: all 16 kept ips are in recurse()"
done_testing

#!/usr/bin/env bash
# Bad stack settings: SOCKTRACE_STACKS=bogus logs a note naming the value
# and records as create does; SOCKTRACE_STACK_DEPTH out of 1..64 and
# SOCKTRACE_STACK_TABLE below the minimum log a note and use the defaults
# (16, 4096); a table size that is not a power of two rounds down.  The
# program's output is the untraced one every time.
. "$(dirname "$0")/lib.sh"
plan 12
. "$(dirname "$0")/stacks.sh"

BIN=$PROGS/stk_sites
untraced "$BIN" life > "$WORK/u"
SOCKTRACE_STACKS=bogus traced "$WORK/bogus" "$BIN" life > "$WORK/bogus.out"
r=$?; cmp -s "$WORK/u" "$WORK/bogus.out"
ok $((r || $?)) "SOCKTRACE_STACKS=bogus: runs, output equals untraced"
grep -q 'note: SOCKTRACE_STACKS is 0, create or all; using create: bogus' "$WORK/bogus/socktrace.log"
ok $? "SOCKTRACE_STACKS=bogus: the log has a note naming the value"
f=$(tfile "$WORK/bogus" stk_sites)
is "$(sed -n 's/^file .*opts=\(0x[0-9a-f]*\) .*/\1/p' <("$SI" "$f"))" 0x1 "SOCKTRACE_STACKS=bogus: header opts say create"
like "$(unstacked "$f" 1), $(recs "$f" 8 | grep -vc ':0$') of $(recs "$f" 8 | wc -l)" '^0 of [1-9][0-9]*, 0 of [1-9][0-9]*$' \
	"SOCKTRACE_STACKS=bogus: socket records have stacks, close records none (create)"

for v in 0 65 x12; do
	SOCKTRACE_STACK_DEPTH=$v traced "$WORK/d$v" "$BIN" life > "$WORK/d$v.out"
	r=$?; cmp -s "$WORK/u" "$WORK/d$v.out"
	ok $((r || $?)) "SOCKTRACE_STACK_DEPTH=$v: runs, output equals untraced"
done
is "$(for v in 0 65 x12; do grep -c 'note: value out of range, using the default: SOCKTRACE_STACK_DEPTH' "$WORK/d$v/socktrace.log"; done | paste -sd, -)" \
	"1,1,1" "SOCKTRACE_STACK_DEPTH=0, 65, x12: one note each in the log"
is "$(for v in 0 65 x12; do sfield "$(tfile "$WORK/d$v" stk_sites)" stacks depth; done | paste -sd, -)" \
	"16,16,16" "... and the table keeps 16 ips per stack (the default)"

SOCKTRACE_STACK_TABLE=32 traced "$WORK/t32" "$BIN" life > /dev/null
# The table grows as stacks come (count: what the file holds); its size is the most it may hold.
is "$(grep -c 'note: value out of range, using the default: SOCKTRACE_STACK_TABLE' "$WORK/t32/socktrace.log") $(sfield "$(tfile "$WORK/t32" stk_sites)" stacks capacity)" \
	"1 4096" "SOCKTRACE_STACK_TABLE=32 (below 64): a note, and 4096 entries"
SOCKTRACE_STACK_TABLE=100 traced "$WORK/t100" "$BIN" life > /dev/null
is "$(sfield "$(tfile "$WORK/t100" stk_sites)" stacks capacity)" 64 "SOCKTRACE_STACK_TABLE=100: rounded down to 64 entries"
like "$(unstacked "$(tfile "$WORK/t100" stk_sites)" 1)" '^0 of [1-9][0-9]*$' "SOCKTRACE_STACK_TABLE=100: socket records still have stacks"
done_testing

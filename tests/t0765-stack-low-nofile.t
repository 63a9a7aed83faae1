#!/usr/bin/env bash
# A soft RLIMIT_NOFILE below 64 leaves no room at the top for libunwind's
# pipe: stacks are off with a note in SOCKTRACE_LOG, the header has no stack
# option, no record has a stack, and the app's fds and output are the
# untraced ones.  At 64 (the minimum) stacks are on.
. "$(dirname "$0")/lib.sh"
plan 9
SI=$PROGS/stackinfo
# tfile DIR NAME: NAME's trace file in DIR (the first, by name)
tfile() { ls "$1"/"$2".*.socktrace 2>/dev/null | head -n 1; }
# names FILE ID: the functions of stack ID, innermost first (addr2line -f on off - 1)
names() {
	"$SI" -w "$2" "$1" | while read -r _ _ _ m o; do
		m=${m#module=} o=${o#off=}
		if [ -f "$m" ]; then addr2line -f -e "$m" "$(printf '0x%x' $((o - 1)))" | head -n 1; else echo '?'; fi
	done | paste -sd, -
}
# recs FILE OP: "ret:stack" for each record of op OP
recs() { "$SI" "$1" | sed -n "s/^rec .* op=$2 .* ret=\([-0-9]*\) .* stack=\([0-9]*\)$/\1:\2/p"; }
# sfield FILE WORD KEY: KEY's value on stackinfo's WORD line
sfield() { "$SI" "$1" | sed -n "s/^$2 .*\<$3=\([^ ]*\).*/\1/p" | head -n 1; }

for n in 32 63; do
	(ulimit -Sn $n && untraced "$PROGS/stk_fds" numbers) > "$WORK/u$n"
	(ulimit -Sn $n && traced "$WORK/t$n" "$PROGS/stk_fds" numbers) > "$WORK/t$n.out"
	ok $? "ulimit -Sn $n: runs traced"
	diff -u "$WORK/u$n" "$WORK/t$n.out" >&2
	ok $? "ulimit -Sn $n: the same output as untraced"
	grep -q "note: stacks off: no room at the top of the fd range for libunwind's pipe" "$WORK/t$n/socktrace.log"
	ok $? "ulimit -Sn $n: a note says stacks are off"
	f=$(tfile "$WORK/t$n" stk_fds)
	is "$(sed -n 's/^file .*opts=\(0x[0-9a-f]*\) .*/\1/p' <("$SI" "$f")) $(recs "$f" 1 | grep -vc ':0$')" "0x0 0" \
		"ulimit -Sn $n: no stack option, no record with a stack"
done
(ulimit -Sn 64 && traced "$WORK/t64" "$PROGS/stk_fds" numbers) > /dev/null
is "$(recs "$(tfile "$WORK/t64" stk_fds)" 1 | grep -c ':0$')" 0 "ulimit -Sn 64: stacks on, every socket record has one"
done_testing

#!/usr/bin/env bash
# A soft RLIMIT_NOFILE below 64 leaves no room at the top for libunwind's
# pipe: stacks are off with a note in SOCKTRACE_LOG, the header has no stack
# option, no record has a stack, and the app's fds and output are the
# untraced ones.  At 64 (the minimum) stacks are on.
. "$(dirname "$0")/lib.sh"
plan 9
. "$(dirname "$0")/stacks.sh"

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

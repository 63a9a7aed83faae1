#!/usr/bin/env bash
# A low RLIMIT_NOFILE: the shim's own fds (the trace file, libunwind's
# pipe) go just above the soft limit, where the app can never be given
# them, however low the limit, when the hard limit leaves room.  So at a
# soft limit of 32 or 63 the app's fds and output are the untraced ones,
# and tracing and stacks work.  With no room above (hard = soft) and a
# range under 64, the shim takes none of the app's fds: the program runs
# untraced, with the reason in SOCKTRACE_LOG.  At 64 the top of the range
# will do.
. "$(dirname "$0")/lib.sh"
plan 10
. "$(dirname "$0")/stacks.sh"

for n in 32 63; do
	(ulimit -Sn $n && untraced "$PROGS/stk_fds" numbers) > "$WORK/u$n"
	(ulimit -Sn $n && traced "$WORK/t$n" "$PROGS/stk_fds" numbers) > "$WORK/t$n.out"
	ok $? "ulimit -Sn $n: runs traced"
	diff -u "$WORK/u$n" "$WORK/t$n.out" >&2
	ok $? "ulimit -Sn $n: the same output as untraced"
	f=$(tfile "$WORK/t$n" stk_fds)
	is "$(recs "$f" 1 | wc -l) $(recs "$f" 1 | grep -c ':0$')" "2 0" \
		"ulimit -Sn $n: stacks on above the soft limit, both socket records have one"
done
(ulimit -n 32 && untraced "$PROGS/stk_fds" numbers) > "$WORK/uh"
(ulimit -n 32 && traced "$WORK/th" "$PROGS/stk_fds" numbers) > "$WORK/th.out"
ok $? "ulimit -n 32 (hard too): runs"
diff -u "$WORK/uh" "$WORK/th.out" >&2
ok $? "ulimit -n 32 (hard too): the same output as untraced"
is "$(ls "$WORK/th" | grep -c socktrace$) $(grep -c 'tracing off: no fd free at the top of the range for the trace file' "$WORK/th/socktrace.log")" \
	"0 1" "ulimit -n 32 (hard too): no trace file, and the log says why"
(ulimit -n 64 && traced "$WORK/t64" "$PROGS/stk_fds" numbers) > /dev/null
f=$(tfile "$WORK/t64" stk_fds)
is "$(recs "$f" 1 | wc -l) $(recs "$f" 1 | grep -c ':0$')" "2 0" "ulimit -n 64 (hard too): at the top of the range, stacks on, every socket record has one"
done_testing

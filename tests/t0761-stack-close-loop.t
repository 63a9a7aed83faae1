#!/usr/bin/env bash
# An app that closes every fd from 3 to its soft RLIMIT_NOFILE - 1 with a
# loop of close() gets the same sequence of results traced as untraced
# (libunwind's pipe at the top answers EBADF, as a closed fd does), and
# the sockets it makes afterwards still get stacks naming their callers:
# libunwind's pipe survived the loop.
. "$(dirname "$0")/lib.sh"
plan 7
# A bounded fd range: the loops below go up to the soft limit.
ulimit -Sn 4096 2>/dev/null
SOFT=$(ulimit -Sn)
. "$(dirname "$0")/stacks.sh"

untraced "$PROGS/stk_fds" closeall loop > "$WORK/u"
ok $? "untraced: runs"
like "$(tail -n 3 "$WORK/u" | head -n 1)" "^close [0-9]+-$((SOFT - 1)) ret=-1 errno=EBADF\$" \
	"untraced: the loop ends with a run of EBADF up to soft-1 ($((SOFT - 1)))"
SOCKTRACE_STACKS=all traced "$WORK/t" "$PROGS/stk_fds" closeall loop > "$WORK/t.out"
ok $? "traced: runs"
diff -u "$WORK/u" "$WORK/t.out" >&2
ok $? "traced: the same close() results (runs of ret/errno) and the same fds afterwards"
f=$(tfile "$WORK/t" stk_fds)
is "$(recs "$f" 1 | cut -d: -f2 | grep -c '^[1-9]')" 2 "traced: both sockets made after the loop have stacks"
is "$(for id in $(recs "$f" 1 | cut -d: -f2); do names "$f" "$id" | cut -d, -f1; done | paste -sd, -)" \
	"after_a,after_b" "traced: they name after_a and after_b"
[ ! -s "$WORK/t/socktrace.log" ]
ok $? "traced: nothing logged (stacks never turned off)"
done_testing

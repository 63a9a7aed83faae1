#!/usr/bin/env bash
# dup2 of a socket onto soft-2, where the shim keeps libunwind's pipe: the
# app gets the fd exactly as untraced (dup2 returns it, close of it
# succeeds), stacks turn off for good (the socket before has a stack, the
# one after has none), and SOCKTRACE_LOG says why.
. "$(dirname "$0")/lib.sh"
plan 6
# A bounded fd range: the loops below go up to the soft limit.
# Hard = soft: no room past the soft limit, so the shim's fds sit in the four
# below it, lowest first: the trace file at soft-4 (made at the first socket),
# then libunwind's pipe at soft-3 and soft-2 (at the first capture).
ulimit -n 4096 2>/dev/null
SOFT=$(ulimit -Sn)
. "$(dirname "$0")/stacks.sh"

untraced "$PROGS/stk_fds" dup2top 2 > "$WORK/u"
is "$(sed -n 2,3p "$WORK/u" | paste -sd, -)" "dup2 ret=soft-2 errno=0,close soft-2 ret=0 errno=0" \
	"untraced: dup2 onto soft-2 and its close succeed (sanity)"
SOCKTRACE_STACKS=all traced "$WORK/t" "$PROGS/stk_fds" dup2top 2 > "$WORK/t.out"
ok $? "traced: runs"
diff -u "$WORK/u" "$WORK/t.out" >&2
ok $? "traced: the same output (dup2's result, the close, the next fd)"
f=$(tfile "$WORK/t" stk_fds)
is "$(names "$f" "$(recs "$f" 1 | head -n 1 | cut -d: -f2)" | cut -d, -f1)" before_dup2 "traced: the socket before the dup2 has a stack (before_dup2)"
is "$(recs "$f" 1 | sed -n 2p | cut -d: -f2)" 0 "traced: the socket after it has none: stacks are off"
grep -q "note: stacks off: the app took libunwind's fd for itself (dup2)" "$WORK/t/socktrace.log"
ok $? "traced: the log says stacks are off because the app took libunwind's fd"
done_testing

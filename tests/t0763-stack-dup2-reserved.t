#!/usr/bin/env bash
# dup2 of a socket onto soft-1, where the shim keeps libunwind's pipe: the
# app gets the fd exactly as untraced (dup2 returns it, close of it
# succeeds), stacks turn off for good (the socket before has a stack, the
# one after has none), and SOCKTRACE_LOG says why.
. "$(dirname "$0")/lib.sh"
plan 6
# A bounded fd range: the loops below go up to the soft limit.
# Hard = soft: no room past the soft limit, so the pipe sits at soft-2, soft-1.
ulimit -n 4096 2>/dev/null
SOFT=$(ulimit -Sn)
. "$(dirname "$0")/stacks.sh"

untraced "$PROGS/stk_fds" dup2top > "$WORK/u"
is "$(sed -n 2,3p "$WORK/u" | paste -sd, -)" "dup2 ret=soft-1 errno=0,close soft-1 ret=0 errno=0" \
	"untraced: dup2 onto soft-1 and its close succeed (sanity)"
SOCKTRACE_STACKS=all traced "$WORK/t" "$PROGS/stk_fds" dup2top > "$WORK/t.out"
ok $? "traced: runs"
diff -u "$WORK/u" "$WORK/t.out" >&2
ok $? "traced: the same output (dup2's result, the close, the next fd)"
f=$(tfile "$WORK/t" stk_fds)
is "$(names "$f" "$(recs "$f" 1 | head -n 1 | cut -d: -f2)" | cut -d, -f1)" before_dup2 "traced: the socket before the dup2 has a stack (before_dup2)"
is "$(recs "$f" 1 | sed -n 2p | cut -d: -f2)" 0 "traced: the socket after it has none: stacks are off"
grep -q "note: stacks off: the app took libunwind's fd for itself (dup2)" "$WORK/t/socktrace.log"
ok $? "traced: the log says stacks are off because the app took libunwind's fd"
done_testing

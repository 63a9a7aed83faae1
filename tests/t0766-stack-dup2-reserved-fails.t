#!/usr/bin/env bash
# A dup2 onto libunwind's fd that FAILS (the source fd is closed: EBADF)
# gives the app nothing: as untraced, close(soft-1) must then fail with
# EBADF, and stacks stay on (stacks pause during the dup2 and give the fd
# up only when it succeeds: unwind_fd_dup_onto).
. "$(dirname "$0")/lib.sh"
plan 6
# A bounded fd range: the loops below go up to the soft limit.
# Hard = soft: no room past the soft limit, so the pipe sits at soft-2, soft-1.
ulimit -n 4096 2>/dev/null
SOFT=$(ulimit -Sn)
. "$(dirname "$0")/stacks.sh"

untraced "$PROGS/stk_fds" dup2bad > "$WORK/u"
is "$(sed -n 1,3p "$WORK/u" | paste -sd, -)" \
	"dup2 closed fd onto soft-1 ret=-1 errno=EBADF,close soft-1 ret=-1 errno=EBADF,close soft-2 ret=-1 errno=EBADF" \
	"untraced: the dup2 fails with EBADF, soft-1 and soft-2 are not open (sanity)"
SOCKTRACE_STACKS=all traced "$WORK/t" "$PROGS/stk_fds" dup2bad > "$WORK/t.out"
ok $? "traced: runs"
is "$(sed -n 1p "$WORK/t.out")" "$(sed -n 1p "$WORK/u")" "traced: the dup2 fails the same way"
is "$(sed -n 2p "$WORK/t.out")" "$(sed -n 2p "$WORK/u")" \
	"traced: close(soft-1) after the failed dup2 fails with EBADF, as untraced"
f=$(tfile "$WORK/t" stk_fds)
is "$(recs "$f" 1 | tail -n 1 | cut -d: -f2 | grep -c '^[1-9]')" 1 \
	"traced: the socket made afterwards still has a stack"
is "$(cat "$WORK/t/socktrace.log" 2>/dev/null | grep -c 'took libunwind')" 0 \
	"traced: no 'app took libunwind's fd' note for a dup2 that failed"
done_testing

#!/usr/bin/env bash
# libunwind's pipe is close-on-exec: stk_fds exec lists its fds, then execs
# itself (with SOCKTRACE_STACKS=0, so the new image opens no pipe) to list
# them again.  Traced, the parent holds exactly two more fds than untraced,
# soft-2 and soft-1; the exec'd image holds exactly the untraced set.
. "$(dirname "$0")/lib.sh"
plan 5
# A bounded fd range: the loops below go up to the soft limit.
# Hard = soft: no room past the soft limit, so the pipe sits at soft-2, soft-1.
ulimit -n 4096 2>/dev/null
SOFT=$(ulimit -Sn)
. "$(dirname "$0")/stacks.sh"

untraced "$PROGS/stk_fds" exec > "$WORK/u"
ok $? "untraced: runs"
traced "$WORK/t" "$PROGS/stk_fds" exec > "$WORK/t.out"
ok $? "traced: runs"
is "$(sed -n 's/^parent fds //p' "$WORK/t.out")" "$(sed -n 's/^parent fds //p' "$WORK/u"),$((SOFT - 2)),$((SOFT - 1))" \
	"traced: before exec, the parent holds the untraced fds plus soft-2 and soft-1 (libunwind's pipe)"
is "$(sed -n 's/^fds //p' "$WORK/t.out")" "$(sed -n 's/^fds //p' "$WORK/u")" \
	"traced: the exec'd image holds exactly the untraced fds"
is "$(grep -c '^fds ' "$WORK/t.out")" 1 "the exec'd image did list them (sanity)"
done_testing

#!/usr/bin/env bash
# libunwind's pipe and the trace file's fd are close-on-exec: stk_fds exec
# lists its fds, then execs itself (with SOCKTRACE_STACKS=0, so the new
# image opens no pipe) to list them again.  Traced, the parent holds
# exactly three more fds than untraced: soft-4 (its trace file) and soft-3,
# soft-2 (the pipe); the exec'd image, which inherits the parent's socket
# and so makes a trace file of its own, holds the untraced set and soft-4.
. "$(dirname "$0")/lib.sh"
plan 6
# A bounded fd range: the loops below go up to the soft limit.
# Hard = soft: no room past the soft limit, so the shim's fds sit in the four
# below it, lowest first: the trace file at soft-4, then the pipe.
ulimit -n 4096 2>/dev/null
SOFT=$(ulimit -Sn)
. "$(dirname "$0")/stacks.sh"

untraced "$PROGS/stk_fds" exec > "$WORK/u"
ok $? "untraced: runs"
traced "$WORK/t" "$PROGS/stk_fds" exec > "$WORK/t.out"
ok $? "traced: runs"
is "$(sed -n 's/^parent fds //p' "$WORK/t.out")" "$(sed -n 's/^parent fds //p' "$WORK/u"),$((SOFT - 4)),$((SOFT - 3)),$((SOFT - 2))" \
	"traced: before exec, the parent holds the untraced fds plus soft-4 (its trace file), soft-3 and soft-2 (libunwind's pipe)"
is "$(sed -n 's/^fds //p' "$WORK/t.out")" "$(sed -n 's/^fds //p' "$WORK/u"),$((SOFT - 4))" \
	"traced: the exec'd image holds exactly the untraced fds, and soft-4 (its own trace file)"
is "$(ls "$WORK"/t/stk_fds.*.socktrace | wc -l)" 2 "the exec'd image has a trace file of its own, beside its parent's"
is "$(grep -c '^fds ' "$WORK/t.out")" 1 "the exec'd image did list them (sanity)"
done_testing

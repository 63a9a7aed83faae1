#!/usr/bin/env bash
# At the very top of the fd range the pipe is visible.  An app that opens
# files until EMFILE gets the same count and last fd as untraced, and
# fcntl(F_DUPFD) with a minimum of soft-2 or soft-1 succeeds as untraced.
# unwind_fds.c puts libunwind's pipe just past the soft limit when the hard
# limit leaves room (here it does), outside the numbers the app can get.
. "$(dirname "$0")/lib.sh"
plan 5
# A bounded fd range: the loops below go up to the soft limit.
ulimit -Sn 4096 2>/dev/null
SOFT=$(ulimit -Sn)
. "$(dirname "$0")/stacks.sh"

untraced "$PROGS/stk_fds" fill > "$WORK/u"
like "$(cat "$WORK/u")" "^fill count=[0-9]+ last=$((SOFT - 1)) errno=EMFILE\$" "untraced: fills up to soft-1 (sanity)"
traced "$WORK/t" "$PROGS/stk_fds" fill > "$WORK/t.out"
ok $? "traced: runs"
is "$(cat "$WORK/t.out")" "$(cat "$WORK/u")" "traced: the same count and last fd before EMFILE" \

untraced "$PROGS/stk_fds" dupfd_top > "$WORK/u2"
traced "$WORK/t2" "$PROGS/stk_fds" dupfd_top > "$WORK/t2.out"
ok $? "traced: dupfd_top runs"
is "$(paste -sd, "$WORK/t2.out")" "$(paste -sd, "$WORK/u2")" "traced: F_DUPFD from soft-2 and soft-1 succeed as untraced" \

done_testing

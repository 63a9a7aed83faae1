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

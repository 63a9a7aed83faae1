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

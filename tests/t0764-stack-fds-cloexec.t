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

#!/usr/bin/env bash
# closefrom(3) and close_range(3, ~0U, 0) close everything of the app's and
# leave libunwind's pipe alone: the same results and fds afterwards as
# untraced, and the sockets made afterwards get stacks naming after_a and
# after_b, with nothing logged.
. "$(dirname "$0")/lib.sh"
plan 10
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

for how in closefrom close_range; do
	untraced "$PROGS/stk_fds" closeall $how > "$WORK/$how.u"
	ok $? "$how: runs untraced"
	SOCKTRACE_STACKS=all traced "$WORK/$how" "$PROGS/stk_fds" closeall $how > "$WORK/$how.t"
	ok $? "$how: runs traced"
	diff -u "$WORK/$how.u" "$WORK/$how.t" >&2
	ok $? "$how: the same output (result, fds afterwards) traced and untraced"
	f=$(tfile "$WORK/$how" stk_fds)
	is "$(for id in $(recs "$f" 1 | cut -d: -f2); do [ "$id" = 0 ] && echo none || names "$f" "$id" | cut -d, -f1; done | paste -sd, -)" \
		"after_a,after_b" "$how: the sockets made afterwards have stacks naming after_a, after_b"
	[ ! -s "$WORK/$how/socktrace.log" ]
	ok $? "$how: nothing logged"
done
done_testing

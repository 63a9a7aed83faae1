#!/usr/bin/env bash
# An app linked with libunwind (-lunwind) that walks its own stack with
# unw_backtrace and an unw_step loop, from two sites after making a socket:
# the same frame counts and names traced and untraced, the same exit
# status, no crash; and the shim's own stacks were captured meanwhile.
. "$(dirname "$0")/lib.sh"
plan 6
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

BIN=$PROGS/unw_self
untraced "$BIN" > "$WORK/u"
u=$?
is "$u" 0 "untraced: runs"
like "$(grep '^step ' "$WORK/u" | head -n 1)" '^step n=5 names=walk,inner,middle,outer,main$' "untraced: unw_step walks walk..main (sanity)"
SOCKTRACE_STACKS=all traced "$WORK/t" "$BIN" > "$WORK/t.out"
is "$?" "$u" "traced: the same exit status"
diff -u "$WORK/u" "$WORK/t.out" >&2
ok $? "traced: the same frame counts and names"
f=$(tfile "$WORK/t" unw_self)
is "$(recs "$f" 1 | grep -c ':[1-9]') $(recs "$f" 8 | grep -c ':[1-9]')" "2 2" "traced: both sockets and both closes have stacks"
is "$(names "$f" "$(recs "$f" 1 | head -n 1 | cut -d: -f2)" | cut -d, -f1-3)" "inner,middle,outer" \
	"traced: the first socket's stack names inner, middle, outer"
done_testing

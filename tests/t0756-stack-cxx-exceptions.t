#!/usr/bin/env bash
# C++ exceptions with the shim's libunwind loaded: stk_cxx throws and
# catches 1000 exceptions through three frames whose guards make and close
# sockets while the exception unwinds.  Traced (stacks all) and untraced:
# the same output (caught, sum, sockets, lowest fd) and exit status 0; and
# the shim did capture: every socket record has a stack, none skipped.
. "$(dirname "$0")/lib.sh"
plan 7
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

BIN=$PROGS/stk_cxx
untraced "$BIN" > "$WORK/u"
u=$?
is "$u $(cat "$WORK/u")" "0 caught=1000 sum=499500 sockets=4000 lowest=3" "untraced: 1000 caught, 4000 sockets"
SOCKTRACE_STACKS=all traced "$WORK/t" "$BIN" > "$WORK/t.out"
is "$?" "$u" "traced: the same exit status"
cmp -s "$WORK/u" "$WORK/t.out"
ok $? "traced: the same output"
f=$(tfile "$WORK/t" stk_cxx)
is "$(recs "$f" 1 | wc -l)" 4001 "traced: 4001 socket records"
is "$(recs "$f" 1 | grep -c ':0$')" 0 "traced: every one has a stack"
is "$(sfield "$f" stacks skipped) $(sfield "$f" stacks dropped)" "0 0" "traced: nothing skipped or dropped"
is "$(names "$f" "$(recs "$f" 1 | head -n 1 | cut -d: -f2)" | cut -d, -f1-2)" "_Z10one_socketv,_Z6level3l" \
	"traced: the first socket's stack names one_socket and level3"
done_testing

#!/usr/bin/env bash
# C++ exceptions with the shim's libunwind loaded: stk_cxx throws and
# catches 1000 exceptions through three frames whose guards make and close
# sockets while the exception unwinds.  Traced (stacks all) and untraced:
# the same output (caught, sum, sockets, lowest fd) and exit status 0; and
# the shim did capture: every socket record has a stack, none skipped.
. "$(dirname "$0")/lib.sh"
plan 7
. "$(dirname "$0")/stacks.sh"

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

#!/usr/bin/env bash
# An app linked with libunwind (-lunwind) that walks its own stack with
# unw_backtrace and an unw_step loop, from two sites after making a socket:
# the same frame counts and names traced and untraced, the same exit
# status, no crash; and the shim's own stacks were captured meanwhile.
. "$(dirname "$0")/lib.sh"
plan 6
. "$(dirname "$0")/stacks.sh"

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

#!/usr/bin/env bash
# exec: stk_procs makes a socket and execs stk_sites site.  The new image's
# trace file (same pid, the new exe) has its own module map naming the new executable
# (stk_sites, exe=1, its build id) and not the old one, and its own stack
# table whose one stack names make_a, call_a, main.  The old image's file
# keeps its stack of before_exec.
. "$(dirname "$0")/lib.sh"
plan 7
. "$(dirname "$0")/stacks.sh"

untraced "$PROGS/stk_procs" exec "$PROGS/stk_sites" site > "$WORK/u"
traced "$WORK/t" "$PROGS/stk_procs" exec "$PROGS/stk_sites" site > "$WORK/t.out"
ok $? "stk_procs exec stk_sites site runs traced"
cmp -s "$WORK/u" "$WORK/t.out"
ok $? "the same output as untraced"
of=$(tfile "$WORK/t" stk_procs) nf=$(tfile "$WORK/t" stk_sites)
is "$("$SI" "$nf" | sed -n 's/^file pid=\([0-9]*\) .*exe=\(.*\)/\1 \2/p')" "$("$SI" "$of" | sed -n 's/^file pid=\([0-9]*\) .*/\1/p') $(readlink -f "$PROGS/stk_sites")" \
	"the new image has its own file: same pid, exe stk_sites (the viewer links it by pid and start time)"
new=$(readlink -f "$PROGS/stk_sites") old=$(readlink -f "$PROGS/stk_procs")
is "$("$SI" "$nf" | sed -n 's/^module .*path=\([^ ]*\) build_id=\([0-9a-f]*\) .*exe=1$/\1 \2/p')" \
	"$new $(readelf -n "$new" | sed -n 's/.*Build ID: //p')" "its module map's executable is stk_sites, with its build id"
is "$("$SI" "$nf" | grep -c "^module .*path=$old ")" 0 "the old executable is not in it"
is "$(names "$nf" "$(recs "$nf" 1 | cut -d: -f2)" | cut -d, -f1-3)" "make_a,call_a,main" \
	"the new image's socket stack names make_a, call_a, main"
is "$(names "$of" "$(recs "$of" 1 | cut -d: -f2)" | cut -d, -f1)" "before_exec" \
	"the old image's socket stack names before_exec"
done_testing

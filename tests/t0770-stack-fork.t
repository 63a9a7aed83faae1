#!/usr/bin/env bash
# fork: the child's trace image (in a fork slot of its parent's file) has its own stack table holding the child's
# stack only (child_make, not the parent's parent_make), and a module table
# (copied from the parent) that names the executable and libc with their
# files' build ids, and resolves the child's ips.  The parent's table has
# its own two stacks and not the child's.
. "$(dirname "$0")/lib.sh"
plan 10
. "$(dirname "$0")/stacks.sh"

BIN=$PROGS/stk_procs
untraced "$BIN" fork > "$WORK/u"
traced "$WORK/t" "$BIN" fork > "$WORK/t.out"
ok $? "stk_procs fork runs traced"
is "$(grep -v pid= "$WORK/t.out")" "$(grep -v pid= "$WORK/u")" "the same output (fds, child status) as untraced"
P=$(sed -n 's/^parent pid=//p' "$WORK/t.out")
pf=$(ls "$WORK"/t/stk_procs."$P".socktrace 2>/dev/null)
cf=$(trace_images "$WORK/t" | grep -vxF "$pf")
is "$(echo "$cf" | wc -w) $("$SI" "$cf" | sed -n 's/^file .*origin=\([0-9]\).*/\1/p')" "1 1" "one child image, origin fork"
is "$(sfield "$cf" stacks used) $(recs "$cf" 1 | wc -l)" "1 1" "the child's stack table holds one stack, for its one socket"
cid=$(recs "$cf" 1 | cut -d: -f2)
is "$(names "$cf" "$cid" | cut -d, -f1,2)" "child_make,main" "the child's stack names child_make, main"
"$SI" "$cf" > "$WORK/c.info"
exe=$(readlink -f "$BIN")
is "$(sed -n "s,^module .*path=$exe build_id=\([0-9a-f]*\) .*exe=1\$,\1,p" "$WORK/c.info")" \
	"$(readelf -n "$BIN" | sed -n 's/.*Build ID: //p')" "the child's module table names the executable, with its build id"
libc=$(sed -n 's,^module .*path=\(/[^ ]*/libc\.so\.6\) .*,\1,p' "$WORK/c.info")
is "$(sed -n "s,^module .*path=$libc build_id=\([0-9a-f]*\) .*,\1,p" "$WORK/c.info")" \
	"$(readelf -n "${libc:-/nonexistent}" 2>/dev/null | sed -n 's/.*Build ID: //p')" "... and libc.so.6, with its build id"
is "$("$SI" -w "$cid" "$cf" | head -n 1 | sed 's/^.* module=\([^ ]*\) .*/\1/')" "$exe" \
	"the child's innermost ip falls in the executable's module entry"
is "$(sfield "$pf" stacks used)" 2 "the parent's table holds its own two stacks"
is "$(for id in $(recs "$pf" 1 | cut -d: -f2); do names "$pf" "$id" | cut -d, -f1; done | paste -sd, -)" \
	"parent_make,parent_after" "... naming parent_make and parent_after (not child_make)"
done_testing

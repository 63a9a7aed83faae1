#!/usr/bin/env bash
# dlopen: stk_dl, run in $WORK, dlopens ./libstk_a.so (built here with
# gcc -shared -fPIC -g), calls its lib_make() -> lib_inner() -> socket(),
# dlcloses it, then makes a socket from main_after() (a new stack).  The
# module table has the object under its absolute path with the build id
# readelf -n reads from the file; the first stack's ips 0 and 1 fall in it
# and addr2line names lib_inner, lib_make; after the dlclose and the new
# stack, its entry has an unload time.
. "$(dirname "$0")/lib.sh"
plan 8
. "$(dirname "$0")/stacks.sh"

mklib a
ok $? "built libstk_a.so"
(cd "$WORK" && untraced "$PROGS/stk_dl" ./libstk_a.so) > "$WORK/u"
(cd "$WORK" && traced "$WORK/t" "$PROGS/stk_dl" ./libstk_a.so) > "$WORK/t.out"
ok $? "stk_dl runs traced"
cmp -s "$WORK/u" "$WORK/t.out"
ok $? "the same output as untraced"
f=$(tfile "$WORK/t" stk_dl)
lib=$(cd "$WORK" && pwd -P)/libstk_a.so
is "$("$SI" "$f" | sed -n "s,^module .*path=$lib build_id=\([0-9a-f]*\) .*,\1,p")" \
	"$(readelf -n "$lib" | sed -n 's/.*Build ID: //p')" "the module table has $lib (absolute) with the file's build id"
id=$(recs "$f" 1 | head -n 1 | cut -d: -f2)
is "$("$SI" -w "$id" "$f" | head -n 2 | sed 's/^.* module=\([^ ]*\) .*/\1/' | paste -sd, -)" "$lib,$lib" \
	"the first socket's ips 0 and 1 fall in the object"
is "$(names "$f" "$id" | cut -d, -f1-3)" "lib_inner,lib_make,round_of" "addr2line names lib_inner, lib_make, then stk_dl's round_of"
is "$("$SI" "$f" | sed -n "s,^module .*path=$lib .*loaded=\([01]\).*,\1,p")" 0 \
	"after the dlclose and a new stack, the object's entry has its unload time"
is "$(names "$f" "$(recs "$f" 1 | tail -n 1 | cut -d: -f2)" | cut -d, -f1)" main_after "the last socket's stack names main_after"
done_testing

#!/usr/bin/env bash
# Two objects, one after the other, at the same address: stk_dl dlopens
# libstk_a.so, makes a socket in it, dlcloses it, then dlopens libstk_b.so
# (same layout, other build id), which the loader maps at the same base,
# and makes a socket in it, with no new stack in between.  The module table
# must then hold libstk_b.so too, and B's stack must resolve to it.
# (modules.c matches an object by place, path and build id, not place alone.)
. "$(dirname "$0")/lib.sh"
plan 6
. "$(dirname "$0")/stacks.sh"

mklib a && mklib b
ok $? "built libstk_a.so and libstk_b.so"
traced "$WORK/t" "$PROGS/stk_dl" "$WORK/libstk_a.so" "$WORK/libstk_b.so" > "$WORK/t.out"
ok $? "stk_dl runs traced"
is "$(sed -n 's/^b .*same_base=\([01]\)/\1/p' "$WORK/t.out")" 1 "the loader put libstk_b.so at libstk_a.so's base (the case under test)"
f=$(tfile "$WORK/t" stk_dl)
A=$(readlink -f "$WORK/libstk_a.so") Bl=$(readlink -f "$WORK/libstk_b.so")
is "$("$SI" "$f" | grep -c "^module .*path=$A ")" 1 "libstk_a.so is in the module table"
is "$("$SI" "$f" | sed -n "s,^module .*path=$Bl build_id=\([0-9a-f]*\) .*,\1,p")" \
	"$(readelf -n "$Bl" | sed -n 's/.*Build ID: //p')" "libstk_b.so is in the module table, with its build id" \

id=$(recs "$f" 1 | sed -n 2p | cut -d: -f2)
is "$("$SI" -w "$id" "$f" | head -n 1 | sed 's/^.* module=\([^ ]*\) .*/\1/')" "$Bl" \
	"the socket made in libstk_b.so resolves to libstk_b.so"
done_testing

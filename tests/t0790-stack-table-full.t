#!/usr/bin/env bash
# A full stack table: SOCKTRACE_STACK_TABLE=64 and 100 distinct call sites
# (stk_sites distinct 100).  The program runs as untraced (same output and
# status), the table is full (64 used), the 36 stacks that found no room
# are counted as dropped, and exactly those 36 socket records have no stack.
# The stored ones still name their sites.
. "$(dirname "$0")/lib.sh"
plan 6
. "$(dirname "$0")/stacks.sh"

untraced "$PROGS/stk_sites" distinct 100 > "$WORK/u"
u=$?
SOCKTRACE_STACK_TABLE=64 traced "$WORK/t" "$PROGS/stk_sites" distinct 100 > "$WORK/t.out"
is "$?" "$u" "the same exit status traced and untraced ($u)"
cmp -s "$WORK/u" "$WORK/t.out"
ok $? "the same output"
f=$(tfile "$WORK/t" stk_sites)
is "$(sfield "$f" stacks count) $(sfield "$f" stacks used) $(sfield "$f" stacks dropped)" "64 64 36" \
	"table of 64: 64 used, 36 dropped"
is "$(recs "$f" 1 | wc -l) $(recs "$f" 1 | grep -c ':0$')" "100 36" "100 socket records, 36 of them without a stack"
is "$(recs "$f" 1 | cut -d: -f2 | grep -v '^0$' | sort -u | wc -l)" 64 "the other 64 name 64 distinct stacks"
id=$(recs "$f" 1 | cut -d: -f2 | grep -v '^0$' | head -n 1)
like "$(names "$f" "$id" | cut -d, -f1)" '^site_[0-9]+$' "a stored stack still names its site"
done_testing

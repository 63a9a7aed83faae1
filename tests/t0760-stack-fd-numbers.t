#!/usr/bin/env bash
# libunwind's pipe takes none of the app's fd numbers: stk_sites life and
# stk_fds numbers (sockets, a file, pipe, pipe2, socketpair, dup, a reused
# number, the lowest free fd) print the same fds traced, with stacks on,
# as untraced.
. "$(dirname "$0")/lib.sh"
plan 5
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

untraced "$PROGS/stk_fds" numbers > "$WORK/u"
ok $? "stk_fds numbers runs untraced"
SOCKTRACE_STACKS=all traced "$WORK/t" "$PROGS/stk_fds" numbers > "$WORK/t.out"
ok $? "stk_fds numbers runs traced"
diff -u "$WORK/u" "$WORK/t.out" >&2
ok $? "the same fd numbers traced and untraced"
is "$(recs "$(tfile "$WORK/t" stk_fds)" 1 | grep -c ':0$')" 0 "traced: its sockets have stacks (libunwind was initialised)"
untraced "$PROGS/stk_sites" life > "$WORK/u2"
traced "$WORK/t2" "$PROGS/stk_sites" life > "$WORK/t2.out"
diff -u "$WORK/u2" "$WORK/t2.out" >&2
ok $? "stk_sites life: the same fd numbers traced and untraced"
done_testing

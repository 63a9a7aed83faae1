#!/usr/bin/env bash
# SOCKTRACE_STACKS=0: no stacks at all.  libunwind is never loaded (the
# program finds no libunwind in its own /proc/self/maps; with the default
# mode it does, which shows the probe works), the trace file has no stack
# table or module map and no stack bit in its options, and no record
# carries a stack id.  The program's output is the untraced one.
. "$(dirname "$0")/lib.sh"
plan 8
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

BIN=$PROGS/stk_sites
untraced "$BIN" maps > "$WORK/u"
is "$(head -n 1 "$WORK/u")" "libunwind=0" "untraced: no libunwind mapped (sanity)"
SOCKTRACE_STACKS=0 traced "$WORK/off" "$BIN" maps > "$WORK/off.out"
ok $? "SOCKTRACE_STACKS=0: runs under the shim"
cmp -s "$WORK/u" "$WORK/off.out"
ok $? "SOCKTRACE_STACKS=0: output (libunwind=0, fd) equals untraced"
traced "$WORK/dflt" "$BIN" maps > "$WORK/dflt.out"
is "$(head -n 1 "$WORK/dflt.out")" "libunwind=1" "default mode: libunwind is mapped (the probe sees it)"

f=$(tfile "$WORK/off" stk_sites)
"$SI" "$f" > "$WORK/off.info"
ok $? "stackinfo reads the SOCKTRACE_STACKS=0 file"
is "$(grep -E '^(stacks|modules) ' "$WORK/off.info" | paste -sd, -)" "stacks none,modules none" \
	"no stack table and no module map in the file"
is "$(sed -n 's/^file .*opts=\(0x[0-9a-f]*\) .*/\1/p' "$WORK/off.info")" 0x0 "no stack option in the header"
is "$(grep -c '^rec .* stack=[1-9]' "$WORK/off.info")" 0 "no record has a stack id"
done_testing

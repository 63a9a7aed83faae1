#!/usr/bin/env bash
# SOCKTRACE_STACKS=0: no stacks at all.  libunwind is never loaded (after
# its socket, the program finds no libunwind in its own /proc/self/maps;
# with the default mode, where the shim loads it at the first capture, it
# does, which shows the probe works), the trace file has no stack
# table or module map and no stack bit in its options, and no record
# carries a stack id.  The program's output is the untraced one.
. "$(dirname "$0")/lib.sh"
plan 8
. "$(dirname "$0")/stacks.sh"

BIN=$PROGS/stk_sites
untraced "$BIN" maps > "$WORK/u"
is "$(grep '^libunwind=' "$WORK/u")" "libunwind=0" "untraced: no libunwind mapped (sanity)"
SOCKTRACE_STACKS=0 traced "$WORK/off" "$BIN" maps > "$WORK/off.out"
ok $? "SOCKTRACE_STACKS=0: runs under the shim"
cmp -s "$WORK/u" "$WORK/off.out"
ok $? "SOCKTRACE_STACKS=0: output (libunwind=0, fd) equals untraced"
traced "$WORK/dflt" "$BIN" maps > "$WORK/dflt.out"
is "$(grep '^libunwind=' "$WORK/dflt.out")" "libunwind=1" "default mode: libunwind is mapped after the socket (the probe sees it)"

f=$(tfile "$WORK/off" stk_sites)
"$SI" "$f" > "$WORK/off.info"
ok $? "stackinfo reads the SOCKTRACE_STACKS=0 file"
is "$(grep -E '^(stacks|modules) ' "$WORK/off.info" | paste -sd, -)" "stacks none,modules none" \
	"no stack table and no module map in the file"
is "$(sed -n 's/^file .*opts=\(0x[0-9a-f]*\) .*/\1/p' "$WORK/off.info")" 0x0 "no stack option in the header"
is "$(grep -c '^rec .* stack=[1-9]' "$WORK/off.info")" 0 "no record has a stack id"
done_testing

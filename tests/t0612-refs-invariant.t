#!/usr/bin/env bash
# The refs invariant (replay.h): with SOCKTRACE_CHECK_REFS=1 (lib.sh sets
# it for every test), a viewer command that builds a model compares each
# record's count of references in its process (the shim's) with the
# replay's.  A real trace passes; the same trace with one record's refs
# field changed in the file makes every such command say which record, on
# stderr, and exit 70 after its normal output.  Without the variable the
# corrupted trace reads as before (the check is opt-in).
. "$(dirname "$0")/lib.sh"
plan 14

traced "$WORK/d" "$EX/forking_audit" > "$WORK/out" 2>&1
ok $? "forking_audit runs under the shim"

"$ST" audit "$WORK/d" > "$WORK/good.txt" 2> "$WORK/good.err"
is "$?" 0 "a real trace: audit exits 0 with the check on"
is "$(grep -c 'refs invariant' "$WORK/good.err")" 0 "... and says no mismatch"
"$ST" report --json "$WORK/d" > /dev/null 2> "$WORK/good2.err"
is "$?" 0 "a real trace: report --json exits 0 with the check on"

# The listening socket's bind record in the parent's file: one reference.
F=$(for f in "$WORK"/d/forking_audit.*.socktrace; do
	rawdump "$f" | grep -q '^rec .* name=bind ' && { echo "$f"; break; }
done)
REC=$(rawdump "$F" | grep -m1 '^rec .* name=bind ')
POS=$(echo "$REC" | word pos)
SID=$(echo "$REC" | word sid)
FD=$(echo "$REC" | word fd)
PID=$(basename "$F" | cut -d. -f2)
is "$(echo "$REC" | word refs)" 1 "the parent's bind record counts 1 reference"

# Its slot's refs field set to 2 (tracefuzz names the field, trace_format.h has the layout).
cp -a "$WORK/d" "$WORK/bad"
B_F="$WORK/bad/$(basename "$F")"
"$PROGS/tracefuzz" "$B_F" set "ring.$POS.refs" 2 > /dev/null
ok $? "tracefuzz set the bind record's refs"
is "$(rawdump "$B_F" | grep "^rec pos=$POS " | word refs)" 2 "the corrupted file says 2"

WANT="socktrace: refs invariant: pid $PID fd $FD sid 0x$SID: record #$POS (bind) says 2, replay says 1"
"$ST" audit "$WORK/bad" > "$WORK/bad.txt" 2> "$WORK/bad.err"
is "$?" 70 "the corrupted trace: audit exits 70"
is "$(grep 'refs invariant' "$WORK/bad.err")" "$WANT" "... naming the record, its count and the replay's (once)"
cmp -s "$WORK/good.txt" "$WORK/bad.txt"
ok $? "... after its normal output, unchanged"
for c in "report" "leaks" "export --format=perfetto"; do
	# shellcheck disable=SC2086 # c is a command and its options
	"$ST" $c "$WORK/bad" > /dev/null 2>&1
	codes="${codes:-}${codes:+ }$?"
done
is "$codes" "70 70 70" "report, leaks and export exit 70 on it too"
SOCKTRACE_CHECK_REFS= "$ST" audit "$WORK/bad" > "$WORK/off.txt" 2> "$WORK/off.err"
is "$?" 0 "without SOCKTRACE_CHECK_REFS: exit 0"
is "$(grep -c 'refs invariant' "$WORK/off.err")" 0 "... and nothing said"
"$ST" leaks "$WORK/d" > /dev/null 2>&1
on=$?
SOCKTRACE_CHECK_REFS= "$ST" leaks "$WORK/d" > /dev/null 2>&1
is "$on" "$?" "leaks on the real trace: the same status with the check on as off (its leaks, not 70)"
done_testing

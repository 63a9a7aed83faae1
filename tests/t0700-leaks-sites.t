#!/usr/bin/env bash
# `socktrace leaks` on a program with known leaking call sites (compiled
# with -g): leak_from_here() leaks 3 sockets from one site, another_leak()
# 1 from another, tidy() closes its socket.  The groups come largest first,
# each with its count and its frames named with file:line (lines found by
# grep in the source, never written here).  Exit status 1 when sockets
# leaked (--error-exitcode=N changes it), 0 for a program that leaks
# nothing, 64 for usage errors.  --at T lists the sockets open at T, tidy's
# included while it was open.
. "$(dirname "$0")/lib.sh"
plan 25

SRC=$TOP/tests/progs/leaks.c
line_of() { grep -n -- "$1" "$SRC" | head -n 1 | cut -d: -f1; }
L1=$(line_of 'LEAK-SITE-1') L2=$(line_of 'LEAK-SITE-2') LT=$(line_of 'TIDY-SITE')

traced "$WORK/sites" "$PROGS/leaks" sites > "$WORK/sites.out"
ok $? "leaks sites runs under the shim"
traced "$WORK/none" "$PROGS/leaks" none > "$WORK/none.out"
ok $? "leaks none runs under the shim"
PID=$(sed -n 's/^pid=//p' "$WORK/sites.out")

# leaks ARGS...: RC, $WORK/l.out, $WORK/l.err.
leaks() {
	"$ST" leaks --all "$@" > "$WORK/l.out" 2> "$WORK/l.err"
	RC=$?
}

leaks "$WORK/sites"
is "$RC" 1 "sockets leaked: exit status 1"
is "$(grep -E '^[0-9]+ sockets? leaked' "$WORK/l.out" | cut -d' ' -f1 | paste -sd' ')" "3 1" \
	"two groups, largest first: 3 sockets, then 1"
grep -q "^3 sockets leaked from this call site:$" "$WORK/l.out"
ok $? "the header reads '3 sockets leaked from this call site:'"
# The frames under each header, up to the first socket line.
frames() { awk -v n="$1" '/^[0-9]+ sockets? (leaked|open)/ { g++ } g == n && /^    (at|by) / { print }' "$WORK/l.out"; }
like "$(frames 1 | head -n 1)" "^    at 0x[0-9a-f]+: leak_from_here \(leaks\.c:$L1\)$" \
	"group 1 starts at leak_from_here (leaks.c:$L1)"
like "$(frames 1 | sed -n 2p)" "^    by 0x[0-9a-f]+: main \(leaks\.c:[0-9]+\)$" "... called by main, with its line"
like "$(frames 2 | head -n 1)" "^    at 0x[0-9a-f]+: another_leak \(leaks\.c:$L2\)$" \
	"group 2 starts at another_leak (leaks.c:$L2)"
! grep -q 'tidy' "$WORK/l.out"
ok $? "tidy(), which closed its socket, is no leak"
is "$(grep -c "^  pid $PID fd [0-9]* " "$WORK/l.out")" 4 "four socket lines, each with the pid and its fd"
like "$(grep "^  pid $PID fd " "$WORK/l.out" | tail -n 1)" \
	"fd [0-9]+  udp \(no address\)  age [0-9.]+ s \(exit at \+[0-9.]+ s\)  last activity \+[0-9.]+ s \(socket\)" \
	"another_leak's line: role udp, its age at exit, its last activity"
like "$(tail -n 1 "$WORK/l.out")" "^leaks: 4 sockets left open by their process, from 2 call sites$" "the closing count"

leaks --error-exitcode=7 "$WORK/sites"
is "$RC" 7 "--error-exitcode=7: exit 7 when sockets leaked"
leaks --error-exitcode=0 "$WORK/sites"
is "$RC" 0 "--error-exitcode=0: exit 0 even so"
leaks "$WORK/none"
is "$RC" 0 "a program that leaks nothing: exit 0"
like "$(cat "$WORK/l.out")" "^leaks: none" "... and it says so"
leaks --error-exitcode=300 "$WORK/sites"
is "$RC" 64 "--error-exitcode=300: usage error, exit 64"
leaks --at=soon "$WORK/sites"
is "$RC:$(head -n 1 "$WORK/l.err")" "64:socktrace leaks: --at soon: takes seconds since the trace's start, as the report shows them (1.5 or +1.5)" \
	"--at=soon: exit 64, and stderr names the bad value and says what --at takes"
like "$(sed -n 2p "$WORK/l.err")" "^usage: socktrace leaks " "... then the short usage"
leaks --help
like "$RC:$(head -n 1 "$WORK/l.out")" "^0:usage: socktrace leaks " "--help: usage on stdout, exit 0"
leaks "$WORK/no-such-dir"
is "$RC" 66 "no trace there: exit 66"

# --at: the moment tidy's socket was open (between its socket and close).
"$ST" report --json "$WORK/none" > "$WORK/none.json"
t0=$(jq -r '[.connections[].events[].t_ns, .processes[].events[].t_ns] | min' "$WORK/none.json")
at=$(jq -r --argjson t0 "$t0" '[.connections[0].events[] | .t_ns] | ((.[0] + .[1]) / 2 - $t0) / 1e9 | tostring' "$WORK/none.json")
leaks --at "+$at" "$WORK/none"
is "$RC" 1 "--at +$at (while tidy's socket was open): exit 1"
like "$(frames 1 | head -n 1)" "tidy \(leaks\.c:$LT\)" "... and the open socket's group is tidy's (leaks.c:$LT)"
grep -q "^1 socket open at +" "$WORK/l.out"
ok $? "... headed '1 socket open at +T'"
leaks --json --at 1000 "$WORK/none"
is "$RC:$(jq -r '.summary.sockets' "$WORK/l.out")" "0:0" "--at 1000 (after the end): nothing open, exit 0"
done_testing

#!/usr/bin/env bash
# A command killed by SIGKILL leaves no exit mark in its trace file, and no
# traced parent reaped it: socktrace run did (exit status 137).  It writes
# how its child ended into DIR/socktrace.run, and the report shows the
# signal and who reaped it; the sockets it held went with it (open at
# exit, not still running).  A malformed sidecar is named, and ignored;
# so is one whose reap comes before the process's last event.
. "$(dirname "$0")/lib.sh"
plan 13

untraced "$ST" run -o "$WORK/k" -- "$PROGS/data" killed > "$WORK/out" 2> "$WORK/err"
is "$?" 137 "data killed (SIGKILL of itself) under socktrace run: exit 137, unchanged"
PID=$(jq -r '.processes[0].pid' <("$ST" report --json "$WORK/k"))
is "$(sed -n 's/^pid //p; s/^wait_status //p' "$WORK/k/socktrace.run" | paste -sd' ')" "$PID 9" \
	"DIR/socktrace.run names the child and its wait status (9: SIGKILL)"
"$ST" report "$WORK/k" > "$WORK/r.txt"
ok $? "socktrace report reads the directory"
like "$(grep "^process $PID " "$WORK/r.txt")" "killed by SIGKILL \(reaped by socktrace run\) at \+[0-9.]+ s" \
	"the process block: killed by SIGKILL (reaped by socktrace run)"
report_json "$WORK/k" > "$WORK/r.json"
is "$(jq -r '.processes[0] | "\(.end) \(.reaped_by) \(.killed_by_signal) \(.exited)"' "$WORK/r.json")" \
	"reaped socktrace run 9 false" "JSON: end reaped, reaped_by socktrace run, killed_by_signal 9"
is "$(jq -r '"\(.summary.open_at_exit) \(.summary.still_open)"' "$WORK/r.json")" "2 0" \
	"its two connected sockets went with it: open at exit, not still running"
like "$("$ST" leaks --all "$WORK/k" | grep -c 'killed by SIGKILL at')" '^2$' "leaks: both, ended by the kill"
like "$(grep '^summary:' "$WORK/err")" " 2 left open at exit, " "run's own summary agrees"

# A sidecar that is not one: named with the line, ignored, exit 65 (some input unreadable).
cp -r "$WORK/k" "$WORK/bad"
printf 'pid 12\nwait_status nine\n' > "$WORK/bad/socktrace.run"
"$ST" report "$WORK/bad" > "$WORK/bad.txt" 2> "$WORK/bad.err"
is "$?" 65 "a malformed socktrace.run: exit 65"
like "$(cat "$WORK/bad.err")" "socktrace: $WORK/bad/socktrace.run: line 2: not \"key number\": wait_status nine \(ignored\)" \
	"... stderr names the file, the line and what is wrong"
like "$(grep "^process $PID " "$WORK/bad.txt")" "still running when the trace ends" "... and the report goes on without it"

# A sidecar whose reap comes before the process's last event cannot be
# true (edited, or another run's): said and ignored.  Before, the process
# was "killed by SIGKILL at +0.000000 s" with its events after that.
cp -r "$WORK/k" "$WORK/early"
sed -i 's/^reaped_t_ns .*/reaped_t_ns 1/' "$WORK/early/socktrace.run"
"$ST" report "$WORK/early" > "$WORK/early.txt" 2> "$WORK/early.err"
like "$(cat "$WORK/early.err")" "socktrace: socktrace.run says pid $PID was reaped at .*, before its last event at .*: not so \(ignored\)" \
	"a socktrace.run reaping before the process's last event: said"
like "$(grep "^process $PID " "$WORK/early.txt")" "still running when the trace ends" "... and ignored"
done_testing

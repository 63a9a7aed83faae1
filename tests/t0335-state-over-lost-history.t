#!/usr/bin/env bash
# The state a trace keeps (socket slots and fd table, exact however much of
# the history is lost) wins over the replay of a history with events lost:
# echo's trace with its last records lost (its closes and its exit, as a
# ring that refused claims leaves it) still shows nothing open at exit, no
# leak, and a process that exited.  The same when a record at an earlier
# position carries a later time than the last one kept (each writer claims
# its position before it reads the clock, so threads' records are stamped
# out of position order).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stacks.sh"
plan 9

FUZZ=$PROGS/tracefuzz
traced "$WORK/tr" "$EX/echo" > /dev/null
ok $? "echo runs under the shim"
GOOD=$(ls "$WORK"/tr/*.socktrace | head -n 1)
"$SI" "$GOOD" > "$WORK/good.info"
# positions of the closes and the exit, and of the last socket() record
LOSE=$(sed -n 's/^rec pos=\([0-9]*\) op=\(8\|17\) .*/\1/p' "$WORK/good.info" | paste -sd' ' -)
SOCK=$(sed -n 's/^rec pos=\([0-9]*\) op=1 .*/\1/p' "$WORK/good.info" | tail -n 1)
[ "$(echo $LOSE | wc -w)" = 4 ] && [ -n "$SOCK" ]
ok $? "the trace has three closes and an exit ($LOSE), and a socket record at $SOCK"

# report FILE: "open_at_exit events_lost exited end", and leaks' last line.
state() {
	"$ST" report --json "$1" | jq -r '"\(.summary.open_at_exit) \(.summary.events_lost) \(.processes[0].exited) \(.processes[0].end)"'
}

F=$WORK/lost.socktrace
cp "$GOOD" "$F"
for p in $LOSE; do "$FUZZ" "$F" set "ring.$p.seq" 0; done
is "$(state "$F")" "0 4 true exit" "the closes and the exit lost: nothing open at exit, 4 events lost, the process exited"
"$ST" leaks --all "$F" > "$WORK/l.txt"
is "$?" 0 "... and leaks finds none (exit 0)"
like "$(tail -n 1 "$WORK/l.txt")" "^leaks: none" "... and says so"

# The socket record stamped after the last record kept, as another thread's may be.
LAST_T=$(jq -r '[.connections[].events[].t_ns, .processes[].events[].t_ns] | max' <("$ST" report --json "$F"))
cp "$F" "$WORK/late.socktrace"
F=$WORK/late.socktrace
"$FUZZ" "$F" set "ring.$SOCK.t_ns" $((LAST_T + 1000))
"$ST" report --json "$F" > "$WORK/late.json"
is "$(jq -r '[.connections[].events[] | select(.op == "socket")] | max_by(.t_ns) | .t_ns' "$WORK/late.json")" $((LAST_T + 1000)) \
	"a socket record now carries the latest time of all"
is "$(state "$F")" "0 4 true exit" "still nothing open at exit, and the process exited"
"$ST" leaks --all "$F" > "$WORK/l2.txt"
is "$?" 0 "... and leaks finds none (exit 0)"
like "$(tail -n 1 "$WORK/l2.txt")" "^leaks: none" "... and says so"
done_testing

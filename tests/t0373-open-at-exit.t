#!/usr/bin/env bash
# "Open at exit" is one rule for the report's summary, the audit's
# leaked-at-exit (and shutdown-without-close) and socktrace leaks: a socket
# whose last reference went with its process.  A process that never marked
# its end and was not reaped is "still running", not open at exit, and its
# sockets' ages run to the trace's end.
#   fork:     data fork (a child exits holding a copy its parent closes
#             later: nobody's leak)
#   audit:    examples/forking_audit (leaks of several kinds)
#   running:  hold keeps 2 sockets and outlives the sh that started it
#             (socktrace run reaps sh; the trace ends then)
. "$(dirname "$0")/lib.sh"
plan 17

# same DIR: "summary findings leaks" counts of the sockets held to their
# process's end (open-at-exit info, leaked-at-exit and shutdown-without-close
# findings; leaks --all), and whether the three sets of inodes agree.
same() {
	"$ST" report --json "$1" > "$1.json"
	"$ST" leaks --all --json "$1" > "$1.leaks"
	local s f l
	s=$(jq -c '[.connections[] | select(.open_at_exit) | .inode] | sort' "$1.json")
	f=$(jq -c '[.findings[] | select(.kind == "leaked-at-exit" or .kind == "shutdown-without-close" or .kind == "open-at-exit") | .inode] | sort' "$1.json")
	l=$(jq -c '[.leaks[].connections[] | select(.end != null) | .inode] | sort' "$1.leaks")
	echo "$(jq .summary.open_at_exit "$1.json") $(echo "$f" | jq length) $(echo "$l" | jq length) $([ "$s" = "$f" ] && [ "$f" = "$l" ] && echo same || echo differ)"
}

traced "$WORK/fork" "$PROGS/data" fork > /dev/null
ok $? "data fork runs under the shim"
is "$(same "$WORK/fork")" "0 0 0 same" "data fork: nothing open at exit in the summary, the audit or leaks"
! "$ST" report "$WORK/fork" | grep -q 'OPEN AT EXIT'
ok $? "... and no connection header says OPEN AT EXIT"

traced "$WORK/audit" "$EX/forking_audit" > /dev/null
ok $? "forking_audit runs under the shim"
r=$(same "$WORK/audit")
like "$r" '^([1-9][0-9]*) \1 \1 same$' "forking_audit: summary, audit and leaks count the same sockets, the same inodes ($r)"
is "$("$ST" report "$WORK/audit" | grep -c 'OPEN AT EXIT')" "${r%% *}" "... and as many headers say OPEN AT EXIT"

# running: sh starts hold (bounded by timeout) and exits once hold is ready.
mkfifo "$WORK/in" "$WORK/ready"
exec 3<> "$WORK/in"
untraced timeout 20 "$ST" run -o "$WORK/run" -- sh -c 'timeout -s KILL 30 "$1" 2 <&3 > "$2" & sed -n "/^ready/{p;q}" < "$2"' \
	sh "$PROGS/hold" "$WORK/ready" > "$WORK/run.out" 2> "$WORK/run.err"
is "$?" 0 "socktrace run -- sh (starting hold) exits 0"
HOLD=$(sed -n 's/^ready pid=//p' "$WORK/run.out")
like "$HOLD" '^[0-9]+$' "hold is ready (pid $HOLD) and still running"
like "$(grep '^summary:' "$WORK/run.err")" " 0 left open at exit, 2 still open in running processes," \
	"run's summary: 0 left open at exit, 2 still open in running processes"
is "$(same "$WORK/run")" "0 0 0 same" "the report, the audit and leaks: nothing open at exit"
"$ST" report "$WORK/run" > "$WORK/run.txt"
is "$(grep -c 'STILL OPEN (its process still running)' "$WORK/run.txt") $(grep -c 'OPEN AT EXIT' "$WORK/run.txt")" "2 0" \
	"two connection headers say STILL OPEN, none OPEN AT EXIT"
like "$(grep "^process $HOLD " "$WORK/run.txt")" "still running when the trace ends \(no exit seen\)" \
	"hold's block: still running when the trace ends"
"$ST" leaks --all "$WORK/run" > "$WORK/run.lk"
is "$(grep -c "^  pid $HOLD fd .*still open when the trace ends at .*: its process still running" "$WORK/run.lk")" 2 \
	"leaks --all lists hold's two sockets as still open in a running process"
# The leak rule: the listener is still accepting, the UDP socket shows no sign of abandon (not idle
# 120 s): neither is a leak, and leaks without --all lists neither.
"$ST" leaks --json "$WORK/run" > "$WORK/run.rule"
is "$(jq -r '[.leaks[].connections[]] | length' "$WORK/run.rule") $(jq -r '[.leaks[].connections[] | "\(.role) \(.verdict) \(.leak)"] | sort | join(",")' "$WORK/run.leaks")" \
	"0 listener listener false,udp held_to_the_end false" \
	"leaks without --all lists neither of hold's sockets; with --all both, each with its verdict"
is "$(jq '[.leaks[].connections[] | select(.pid == '"${HOLD:-0}"') | select(.age_ns > 0 and .end == null)] | length' "$WORK/run.leaks")" 2 \
	"... each aged to the trace's end (age above 0, no end)"
# The trace's end: socktrace run's reap of sh, its latest moment (after every event).
reaped=$(sed -n 's/^reaped_t_ns //p' "$WORK/run/socktrace.run")
last=$(jq -r '[.processes[].events[], .connections[].events[] | .t_ns] | max' "$WORK/run.json")
is "$(jq -r '[.leaks[].connections[] | .end_t_ns] | unique | join(",")' "$WORK/run.leaks") $(( ${reaped:-0} > ${last:-0} ))" \
	"$reaped 1" "... to the trace's end: when socktrace run reaped sh, after the last event"
like "$(tail -n 1 "$WORK/run.lk")" "^leaks: 0 sockets left open by their process, 2 still open in their processes still running, from" \
	"leaks' closing count tells the two apart"
kill -KILL "$HOLD" 2> /dev/null
exec 3>&-
done_testing

#!/usr/bin/env bash
# Crash safety: a traced process killed with SIGKILL leaves a complete trace.
# hold makes N sockets (listeners, UDP, dups, closes), prints each call, says
# "ready" and blocks on a FIFO we hold open; we read "ready", kill -9 it, and
# the report must show every call it made, in order, and no exit.
. "$(dirname "$0")/lib.sh"
plan 17

N=50
TR=$WORK/tr
rm -rf "$TR" && mkdir -p "$TR"
mkfifo "$WORK/in" "$WORK/out"

# A simple command in the background: $! is the program itself.
SOCKTRACE_DIR=$TR SOCKTRACE_LOG=$TR/socktrace.log LD_PRELOAD=$PRELOAD \
	"$PROGS/hold" "$N" < "$WORK/in" > "$WORK/out" &
pid=$!
exec 7> "$WORK/in"	# hold its stdin open: it blocks until we close this
exec 8< "$WORK/out"

: > "$WORK/calls"
ready=
for _ in $(seq 1 2000); do
	IFS= read -r -t 10 line <&8 || break
	case $line in
	ready\ *) ready=$line; break ;;
	open\ *) open_expected=${line#open } ;;
	*) printf '%s\n' "$line" >> "$WORK/calls" ;;
	esac
done
is "$ready" "ready pid=$pid" "hold set up its sockets and says ready (its pid is the one we started)"

# stderr off for both: bash reports the killed job ("Killed") at either.
{ kill -9 "$pid"; wait "$pid"; } 2>/dev/null
is "$?" 137 "hold died of SIGKILL"
exec 7>&- 8<&-

report_json "$TR" > "$WORK/r.json"
ok $? "report --json reads the killed process's trace"

is "$(grep -c '^socket ' "$WORK/calls")" "$N" "hold printed $N socket calls"
is "$(q '.summary.connections')" "$N" "one connection per socket created"
is "$(q '[.connections[].events[] | select(.op=="socket")] | length')" "$N" "$N socket events"
is "$(q '.processes | length')" 1 "one process"
is "$(q '.processes[0].pid')" "$pid" "the process is hold's pid"
is "$(q '.processes[0].exited')" false "the killed process did not exit"
is "$(q '.processes[0].exit_status')" null "no exit status"
is "$(q '.processes[0].events_lost')" 0 "no events lost (process)"
is "$(q '.summary.events_lost')" 0 "no events lost (summary)"
is "$(q '.processes[0].events | map(.op) | join(",")')" "trace-start" "process events: trace start, no exit"

# Every call in the order made: op fd ret refs (fcntl may be recorded as fcntl64).
q '[.connections[].events[]] | sort_by(.t_ns) | .[] |
	"\(.op | sub("^fcntl64$"; "fcntl")) \(.fd) \(.ret) \(.refs)"' > "$WORK/got"
if diff -u "$WORK/calls" "$WORK/got" > "$WORK/diff"; then
	ok 0 "every socket/bind/listen/dup/fcntl/close event, in order, with fds and refs"
else
	ok 1 "every socket/bind/listen/dup/fcntl/close event, in order, with fds and refs"
	diag "$(head -n 20 "$WORK/diff")"
fi

# Killed by the test, not reaped by a traced parent: the trace cannot tell it from running.
is "$(q '.summary.still_open') $(q '.summary.open_at_exit')" "${open_expected:-?} 0" \
	"sockets still held when killed unseen are still open in a running process, not open at exit"
is "$(q '[.connections[].events[] | select(.errno != null)] | length')" 0 "no failed calls"

"$ST" report "$TR" > "$WORK/r.txt"
like "$(grep "^process $pid " "$WORK/r.txt")" "still running when the trace ends \(no exit seen\)" \
	"the text report says the process was still running when the trace ends"
done_testing

#!/usr/bin/env bash
# Many threads at once: 8 threads x 500 rounds of socket/dup/close/close on
# UDP sockets.  Every round must come out as one connection with its four
# events, the right fds and reference counts, from the thread that made it.
. "$(dirname "$0")/lib.sh"
plan 15

T=8
I=500
# 4 records a round plus the process's own: 16 MiB holds 65536 records.
SOCKTRACE_RING_MB=16 traced "$WORK/tr" "$PROGS/threads" "$T" "$I" > "$WORK/out"
ok $? "threads runs under the shim and exits 0"
is "$(tail -n 1 "$WORK/out")" done "all threads finished"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
q() { jq -r "$1" "$WORK/r.json"; }

is "$(q '.summary.connections')" $((T * I)) "one connection per socket made"
is "$(q '[.connections[].events[]] | length')" $((T * I * 4)) "four events per socket, none missing or extra"
is "$(q '[.connections[] | select((.events | map(.op) | join(",")) != "socket,dup,close,close")] | length')" 0 \
	"every connection: socket,dup,close,close in that order"
is "$(q '[.connections[] | select((.events | map(.refs) | map(tostring) | join(",")) != "1,2,1,0")] | length')" 0 \
	"every connection: refs 1 after socket, 2 after dup, 1 after the first close, 0 after the last"
is "$(q '[.connections[] | select(.events[-1].refs_total != 0)] | length')" 0 "final refs_total 0 on every connection"
is "$(q '[.connections[] | .events as $e |
	select(($e[0].ret != $e[1].fd) or ($e[1].fd != $e[2].fd) or ($e[1].ret != $e[3].fd) or ($e[1].ret == $e[1].fd))] | length')" 0 \
	"every connection: dup of the socket's fd, close of the original, close of the copy"
is "$(q '.summary.open_at_exit')" 0 "nothing open at exit"
is "$(q '.summary.events_lost')" 0 "no events lost"
is "$(q '[.connections[].events[] | select(.errno != null or .ret < 0)] | length')" 0 "no failed calls"
is "$(q '[.connections[] | select((.events | map(.tid) | unique | length) != 1)] | length')" 0 \
	"each connection's events come from one thread"
is "$(q '[.connections[].events[] | select(.op=="socket") | .tid] | unique | map(tostring) | join(" ")')" \
	"$(sed -n 's/^tid //p' "$WORK/out" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
	"the socket events carry exactly the $T thread ids the program saw"
is "$(q '[.connections[].events[] | select(.op=="socket") | .tid] | unique | length')" "$T" "$T distinct thread ids among the socket events"
done_testing

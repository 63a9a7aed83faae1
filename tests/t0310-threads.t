#!/usr/bin/env bash
# Many threads at once: 8 threads x 500 rounds of socket/dup/close/close on
# UDP sockets.  Every round must come out as one connection with its four
# events, the right fds and reference counts, from the thread that made it.
# Twice: from a cold start, where the threads' first sockets race the making
# of the process's trace file (made at its first socket), and warm, with the
# file made by one socket of main's before the threads start.
. "$(dirname "$0")/lib.sh"
plan 32

T=8
I=500

# check MODE MAIN: the run's 14 test points; MAIN connections are main's own.
check() {
	local mode=$1 main=$2 W
	report_json "$WORK/$mode" > "$WORK/$mode.json"
	ok $? "$mode: report --json succeeds"
	q() { jq -r "$1" "$WORK/$mode.json"; }
	# the workers' connections: those whose first event is not main's (tid == pid)
	W='[.connections[] | select(.events[0].tid != .pid)]'
	is "$(q "[.connections[] | select(.events[0].tid == .pid) | .events | map(.op) | join(\",\")] | join(\" \")")" \
		"$([ "$main" = 1 ] && echo socket,close)" "$mode: main's own connections: $main"
	is "$(q "$W | length")" $((T * I)) "$mode: one connection per socket the threads made"
	is "$(q "[$W[].events[]] | length")" $((T * I * 4)) "$mode: four events per socket, none missing or extra"
	is "$(q "[$W[] | select((.events | map(.op) | join(\",\")) != \"socket,dup,close,close\")] | length")" 0 \
		"$mode: every connection: socket,dup,close,close in that order"
	is "$(q "[$W[] | select((.events | map(.refs) | map(tostring) | join(\",\")) != \"1,2,1,0\")] | length")" 0 \
		"$mode: every connection: refs 1 after socket, 2 after dup, 1 after the first close, 0 after the last"
	is "$(q "[$W[] | select(.events[-1].refs_total != 0)] | length")" 0 "$mode: final refs_total 0 on every connection"
	is "$(q "[$W[] | .events as \$e |
		select((\$e[0].ret != \$e[1].fd) or (\$e[1].fd != \$e[2].fd) or (\$e[1].ret != \$e[3].fd) or (\$e[1].ret == \$e[1].fd))] | length")" 0 \
		"$mode: every connection: dup of the socket's fd, close of the original, close of the copy"
	is "$(q '.summary.open_at_exit')" 0 "$mode: nothing open at exit"
	is "$(q '.summary.events_lost')" 0 "$mode: no events lost"
	is "$(q '[.connections[].events[] | select(.errno != null or .ret < 0)] | length')" 0 "$mode: no failed calls"
	is "$(q "[$W[] | select((.events | map(.tid) | unique | length) != 1)] | length")" 0 \
		"$mode: each connection's events come from one thread"
	is "$(q "[$W[].events[] | select(.op==\"socket\") | .tid] | unique | map(tostring) | join(\" \")")" \
		"$(sed -n 's/^tid //p' "$WORK/$mode.out" | sort -n | tr '\n' ' ' | sed 's/ $//')" \
		"$mode: the socket events carry exactly the $T thread ids the program saw"
	is "$(q "[$W[].events[] | select(.op==\"socket\") | .tid] | unique | length")" "$T" \
		"$mode: $T distinct thread ids among the socket events"
}

# 4 records a round plus the process's own: 16 MiB holds 131072 records.
SOCKTRACE_RING_MB=16 traced "$WORK/cold" "$PROGS/threads" "$T" "$I" > "$WORK/cold.out"
ok $? "cold: threads runs under the shim and exits 0"
is "$(tail -n 1 "$WORK/cold.out")" done "cold: all threads finished"
check cold 0

SOCKTRACE_RING_MB=16 traced "$WORK/warm" "$PROGS/threads" "$T" "$I" warm > "$WORK/warm.out"
ok $? "warm: threads runs under the shim and exits 0"
is "$(tail -n 1 "$WORK/warm.out")" done "warm: all threads finished"
check warm 1
done_testing

#!/usr/bin/env bash
# Proof against the kernel: daemon.  The program starts as daemons do:
# closefrom(3), then close() of every fd from 3 to 255 (all EBADF), then an
# ordinary loopback exchange that the kernel completes.  The tracer must
# survive the closing spree and record the whole exchange afterwards, with
# no finding at warning or above.
. "$(dirname "$0")/lib.sh"
plan 14

SC=daemon
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
pid=$(v pid) lfd=$(v listen_fd) kfd=$(v client_fd) cfd=$(v conn_fd)
like "$pid $lfd $kfd $cfd" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "the program printed its pid and three fds"

is "$(v closed_by_loop) $(v exchange)" "0 ok" "kernel: closefrom(3) left nothing for the loop; the exchange completed"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep -E '^(closed_by_loop|exchange)' "$WORK/plain" | tr '\n' ' ')" "closed_by_loop=0 exchange=ok " \
	"kernel: the same without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${pid:-0} --argjson L ${lfd:-0} --argjson K ${kfd:-0} --argjson F ${cfd:-0}"
OPS='[.events[] | select(.pid==$P) | .op] | join(",")'

is "$(q '[.processes[] | "\(.pid==$P) \(.origin) \(.end) \(.events_lost)"] | join(",")')" "true root exit 0" \
	"one process, the program: root, it exited, no events lost"
is "$(q '.processes[0].events | map(.op) | join(",")')" "trace-start,exit" \
	"its process events: trace start and exit (nothing else went wrong)"
is "$(q "[.connections[] | select(.role==\"listener\" and any(.events[]; .op==\"socket\" and .ret==\$L)) | $OPS] | join(\";\")")" \
	"socket,bind,listen,accept4,close" "the listener on listen_fd: socket, bind, listen, accept4, close"
is "$(q "[.connections[] | select(.role==\"client\" and any(.events[]; .op==\"socket\" and .ret==\$K)) | $OPS] | join(\";\")")" \
	"socket,connect,close" "the client on client_fd: socket, connect, close"
is "$(q "[.connections[] | select(.role==\"server\" and any(.events[]; .op==\"accept4\" and .ret==\$F)) | $OPS] | join(\";\")")" \
	"accept4,close" "the accepted socket on conn_fd: accept4, close"
is "$(q '[.connections[].events[] | select(.op=="close") | "\(.released) \(.refs_total)"] | unique | join(",")')" "true 0" \
	"every close released its socket"
is "$(q '"\(.summary.connections) \(.summary.open_at_exit) \(.summary.events_lost)"')" "3 0 0" \
	"summary: 3 connections, none open at exit, no events lost"
n=$(q '[.findings[] | select(.severity=="warning" or .severity=="error")] | length')
is "$n" 0 "no warning or error finding"
"$ST" audit --fail-on=warning "$TR" > /dev/null
is $? 0 "audit --fail-on=warning exits 0"
done_testing

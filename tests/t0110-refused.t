#!/usr/bin/env bash
# The refused example: a failed connect (ECONNREFUSED) is recorded with its
# errno by name, the address it tried, the client role, and the close after it.
. "$(dirname "$0")/lib.sh"
plan 16

traced "$WORK/tr" "$EX/refused" > "$WORK/out"
ok $? "refused runs under the shim and sees ECONNREFUSED"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"

line=$(grep '^connect ' "$WORK/out")
cfd=$(field "$WORK/out" fd)
peer=$(field "$WORK/out" peer)
like "$line" '^connect fd=[0-9]+ peer=127\.0\.0\.1:[0-9]+ errno=ECONNREFUSED$' "the program printed its connect line"

A="--arg fd $cfd --arg peer $peer"
# The connection that tried the connect (found by its connect event, not by role).
C='[.connections[] | select(any(.events[]; .op=="connect"))]'

is "$(q "$C | length")" 1 "exactly one connection made a connect"
is "$(q "$C[0].events[] | select(.op==\"connect\") | \"\(.fd) \(.ret) \(.errno)\"")" \
	"$cfd -1 ECONNREFUSED" "connect on the printed fd: ret -1, errno ECONNREFUSED by name"
is "$(q "$C[0].events[] | select(.op==\"connect\") | .addr")" "$peer" "connect's addr is the address the program printed"
is "$(q "$C[0].events[] | select(.op==\"connect\") | .peer")" "null" "a refused connect learned no peer from the kernel"
is "$(q "$C[0].peer")" "$peer" "the connection's peer is the address it tried to reach"
is "$(q "$C[0].role")" "client" "role client"
is "$(q "$C[0].events | map(.op) | join(\",\")")" "socket,connect,close" "socket, the failed connect, then close"
is "$(q "$C[0].events[-1] | \"\(.fd) \(.ret) \(.errno) \(.refs) \(.refs_total)\"")" \
	"$cfd 0 null 0 0" "the close after the failed connect: same fd, succeeded, refs 0"
is "$(q "$C[0].open_at_exit")" false "the refused socket is not open at exit"
is "$(q '.summary.failed_calls')" 1 "summary: exactly one failed call"
is "$(q '[.connections[].events[], .processes[].events[] | select(.errno != null) | .op] | join(",")')" \
	"connect" "the only failed event is the connect"

"$ST" report "$WORK/tr" > "$WORK/text"
ok $? "text report succeeds"
like "$(grep -E "connect\($cfd, " "$WORK/text")" \
	"connect\($cfd, ${peer//./\\.}\) += -1 ECONNREFUSED( |$)" \
	"text report names the errno ECONNREFUSED (not 111) on the connect line"
done_testing

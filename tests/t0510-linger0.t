#!/usr/bin/env bash
# Proof against the kernel: linger0.  SO_LINGER {on, 0} and then close()
# aborts the connection: the peer's read fails with ECONNRESET (RST, no
# FIN).  socktrace must record the setsockopt with its linger value, the
# final close, and call it an abortive close, not a close with unread data.
. "$(dirname "$0")/lib.sh"
plan 13

SC=linger0
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
pid=$(v pid) cfd=$(v conn_fd)
like "$pid $cfd" '^[0-9]+ [0-9]+$' "the program printed its pid and conn_fd"

is "$(v peer_after_close)" reset "kernel: close with SO_LINGER {1, 0} resets the connection"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep '^peer_' "$WORK/plain")" "peer_after_close=reset" "kernel: the same verdict without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${pid:-0} --argjson F ${cfd:-0}"
CONN='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$F)))'
SO="($CONN.events[] | select(.op==\"setsockopt\"))"
CL="($CONN.events[] | select(.op==\"close\" and .pid==\$P and .fd==\$F))"

is "$(q "[$SO] | map(\"\(.fd==\$F) \(.ret) \(.level) \(.optname)\") | join(\",\")")" "true 0 1 13" \
	"one setsockopt on conn_fd: SOL_SOCKET (1), SO_LINGER (13)"
is "$(q "$SO | .linger | tojson")" '{"on":true,"seconds":0}' "its linger value is {on: true, seconds: 0}"
is "$(q "$CONN | [.events[] | .op] | join(\",\")")" "accept4,setsockopt,close" "the socket's timeline: accept4, setsockopt, close"
is "$(q "$CL | \"\(.ret) \(.released) \(.refs_total) \(.unread_bytes)\"")" "0 true 0 0" \
	"the close released the socket, nothing unread"
is "$(q '[.findings[] | select(.kind=="abortive-close" and .pid==$P and .fd==$F)] | length')" 1 \
	"an abortive-close finding for conn_fd"
is "$(q "[.findings[] | select(.kind==\"abortive-close\")] | map(\"\(.id) \(.t_ns)\") | join(\",\")")" \
	"$(q "$CONN.id") $(q "$CL.t_ns")" "it is the only one, on the connection (its id), at the close"
is "$(q '[.findings[] | select(.kind=="close-with-unread-data")] | length')" 0 "no close-with-unread-data finding"
n=$(q '[.findings[] | select(.severity=="warning" or .severity=="error")] | length')
"$ST" audit --fail-on=warning "$TR" > /dev/null
is "$? $n" "0 0" "no warning or error finding (RST by design), and audit --fail-on=warning exits 0"
done_testing

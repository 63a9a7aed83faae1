#!/usr/bin/env bash
# Proof against the kernel: close-range.  close_range(a, a, 0) and then
# closefrom(b) are the final closes of two accepted sockets: the peer of
# each sees EOF.  socktrace must record each as the socket's release, with
# the call's own arguments, and no plain close of either.
. "$(dirname "$0")/lib.sh"
plan 17

SC=close-range
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
pid=$(v pid) a=$(v conn_a_fd) b=$(v conn_b_fd)
like "$pid $a $b" '^[0-9]+ [0-9]+ [0-9]+$' "the program printed its pid, conn_a_fd and conn_b_fd"

is "$(v peer_a_after_close_range)" eof "kernel: close_range on conn a's only fd closed it (EOF)"
is "$(v peer_b_after_closefrom)" eof "kernel: closefrom on conn b's only fd closed it (EOF)"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep '^peer_' "$WORK/plain" | tr '\n' ' ')" "peer_a_after_close_range=eof peer_b_after_closefrom=eof " \
	"kernel: the same verdicts without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${pid:-0} --argjson A ${a:-0} --argjson B ${b:-0}"
CA='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$A)))'
CB='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$B)))'
RA="($CA.events[] | select(.op==\"close_range\"))"
RB="($CB.events[] | select(.op==\"closefrom\"))"

is "$(q "[$CA] | length") $(q "[$CB] | length")" "1 1" "one connection accepted on each of conn_a_fd and conn_b_fd"
is "$(q "[$RA] | map(\"\(.fd==\$A) \(.ret) \(.first==\$A) \(.last==\$A)\") | join(\",\")")" "true 0 true true" \
	"conn a: one close_range event on conn_a_fd, first = last = conn_a_fd"
is "$(q "$RA | .flags")" 0 "conn a: the close_range event's flags are the call's, 0"
is "$(q "$RA | \"\(.released) \(.refs) \(.refs_total) \(.held_by)\"")" "true 0 0 null" \
	"conn a: close_range released the socket, refs_total 0"
is "$(q "[$RB] | map(\"\(.fd==\$B) \(.lowfd==\$B)\") | join(\",\")")" "true true" \
	"conn b: one closefrom event on conn_b_fd, lowfd = conn_b_fd"
is "$(q "$RB | \"\(.released) \(.refs) \(.refs_total) \(.held_by)\"")" "true 0 0 null" \
	"conn b: closefrom released the socket, refs_total 0"
is "$(q "[$CA.released_t_ns == $RA.t_ns, $CB.released_t_ns == $RB.t_ns, ($CA.holders | map(.end)), ($CB.holders | map(.end))] | tojson")" \
	'[true,true,["close_range"],["closefrom"]]' "each release time is its call's, and each holder ended by it"
is "$(q "[$CA, $CB | .events[] | select(.op==\"close\")] | length")" 0 "no plain close event on either socket"
is "$(q '[.connections[].events[] | select(.op=="close_range" or .op=="closefrom")] | length')" 2 \
	"no other socket shows a close_range or closefrom (the listener and clients were closed by close)"
"$ST" report "$TR" > "$WORK/r.txt"
like "$(grep -F 'close_range(' "$WORK/r.txt")" "close_range\\($a, $a, 0\\) on fd $a" \
	"the text report shows the call as made: close_range($a, $a, 0)"
n=$(q '[.findings[]] | length')
"$ST" audit --fail-on=info "$TR" > /dev/null
is "$? $n" "0 0" "no finding at all, and audit --fail-on=info exits 0"
done_testing

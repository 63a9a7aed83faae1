#!/usr/bin/env bash
# Proof against the kernel: unread.  The peer sends 100 bytes; the server
# closes its only fd without reading them, and the kernel answers with RST
# instead of FIN: the peer's read fails with ECONNRESET.  socktrace must
# record the 100 unread bytes on the final close and say so in a
# close-with-unread-data finding.
. "$(dirname "$0")/lib.sh"
plan 14

SC=unread
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
pid=$(v pid) cfd=$(v conn_fd) unread=$(v unread_bytes)
like "$pid $cfd" '^[0-9]+ [0-9]+$' "the program printed its pid and conn_fd"

is "$unread" 100 "kernel: FIONREAD says 100 bytes wait unread at the close"
is "$(v peer_after_close)" reset "kernel: closing with unread data resets the connection"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep -E '^(unread_bytes|peer_)' "$WORK/plain" | tr '\n' ' ')" "unread_bytes=100 peer_after_close=reset " \
	"kernel: the same verdicts without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${pid:-0} --argjson F ${cfd:-0}"
CONN='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$F)))'
CL="($CONN.events[] | select(.op==\"close\" and .pid==\$P and .fd==\$F))"
FD='(.findings[] | select(.kind=="close-with-unread-data" and .pid==$P and .fd==$F))'

is "$(q "[$CL] | length")" 1 "one close of conn_fd"
is "$(q "$CL | \"\(.ret) \(.released) \(.refs_total) \(.unread_bytes)\"")" "0 true 0 100" \
	"the close released the socket with unread_bytes 100"
is "$(q "[$FD] | map(\"\(.severity) \(.id)\") | join(\",\")")" "warning $(q "$CONN.id")" \
	"a close-with-unread-data finding (warning) for conn_fd, on the connection (its id)"
like "$(q "$FD | .message")" "100 bytes.*RST" "its message gives the 100 bytes and the RST"
is "$(q "[$FD.t_ns, $CL.t_ns] | .[0] == .[1] and .[0] != null")" true "the finding is at the close"
is "$(q '[.findings[] | select(.kind=="close-with-unread-data")] | length')" 1 \
	"no other close-with-unread-data (the client and listener had nothing unread)"
"$ST" audit --json "$TR" > "$WORK/a.json"
is "$(jq -c .findings "$WORK/a.json")" "$(q -c .findings)" "audit --json gives the report's findings"
"$ST" audit --fail-on=warning "$TR" > /dev/null
is $? 1 "audit --fail-on=warning exits 1"
done_testing

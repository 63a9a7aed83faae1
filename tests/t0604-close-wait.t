#!/usr/bin/env bash
# The CLOSE_WAIT leak example: the server reads the request to EOF and
# never closes.  The kernel says CLOSE_WAIT (TCP_INFO, printed by the
# example); socktrace shows the peer's FIN, the CLOSE_WAIT state, and the
# close-wait finding (until exit).  A server that closes at once (echo)
# has no close-wait finding.
. "$(dirname "$0")/lib.sh"
plan 9

traced "$WORK/tr" "$EX/close_wait_leak" > "$WORK/out"
ok $? "close_wait_leak runs under the shim"
is "$(sed -n 's/^tcp_state=//p' "$WORK/out")" CLOSE_WAIT "kernel: the accepted socket is in CLOSE_WAIT (TCP_INFO)"
afd=$(printed "$WORK/out" accept fd)
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
"$B/socktrace" leaks --json "$WORK/tr" > "$WORK/l.json"
is "$(jq -r '[.leaks[].connections[] | "\(.role) \(.bytes_sent) \(.bytes_received)"] | join(",")' "$WORK/l.json")" \
	"$(jq -r '[.connections[] | select(.open_at_exit and .role != "listener") | "accepted \(.bytes_sent) \(.bytes_received)"] | join(",")' "$WORK/r.json")" \
	"leaks: the CLOSE_WAIT socket left open, with the bytes the report counts for it"
like "$(jq -r '[.leaks[].connections[] | "\(.role) \(.bytes_sent) \(.bytes_received)"] | join(",")' "$WORK/l.json")" \
	"^accepted 0 [1-9][0-9]*\$" "leaks: one accepted socket, which received bytes and sent none"
S='(.connections[] | select(.role == "server" and .open_at_exit))'
is "$(jq -r "$S | [.events[] | .tcp_state // empty] | join(\",\")" "$WORK/r.json")" "ESTABLISHED,CLOSE_WAIT" \
	"the server's states: ESTABLISHED, then CLOSE_WAIT at the peer's FIN"
is "$(jq -r --argjson f "${afd:-0}" '[.findings[] | select(.kind == "close-wait") | "\(.severity):\(.fd == $f)"] | join(",")' "$WORK/r.json")" \
	"warning:true" "one close-wait finding, a warning, on the accepted fd"
like "$(jq -r '.findings[] | select(.kind == "close-wait") | .message' "$WORK/r.json")" "CLOSE_WAIT .*, until its process ended with it open at .* pid [0-9]+ held the last reference" \
	"its message says it lasted until the process ended, and who held the last reference"
traced "$WORK/tr2" "$EX/echo" > /dev/null
is "$("$ST" report --json "$WORK/tr2" | jq '[.findings[] | select(.kind == "close-wait")] | length')" 0 \
	"echo closes once it reads EOF: no close-wait"
done_testing

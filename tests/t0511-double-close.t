#!/usr/bin/env bash
# Proof against the kernel: double-close.  The second close() of a socket's
# fd fails with EBADF.  socktrace must keep the first close as the release,
# record the failed one, and report it as a double-close error that says
# the fd was already closed.
. "$(dirname "$0")/lib.sh"
plan 13

SC=double-close
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
pid=$(v pid) sfd=$(v socket_fd)
like "$pid $sfd" '^[0-9]+ [0-9]+$' "the program printed its pid and socket_fd"

is "$(v first_close) $(v second_close)" "0 EBADF" "kernel: the first close succeeds, the second fails with EBADF"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep -E '_close=' "$WORK/plain" | tr '\n' ' ')" "first_close=0 second_close=EBADF " \
	"kernel: the same without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${pid:-0} --argjson F ${sfd:-0}"
CONN='(.connections[] | select(any(.events[]; .op=="socket" and .pid==$P and .ret==$F)))'
DC='(.findings[] | select(.kind=="double-close"))'

is "$(q "[$CONN] | length")" 1 "one socket made on socket_fd"
is "$(q "[$CONN.events[] | select(.op==\"close\")] | map(\"\(.fd==\$F) \(.ret) \(.released) \(.refs_total)\") | join(\",\")")" \
	"true 0 true 0" "the socket's one close: the first, which released it"
is "$(q '[.connections[].events[], .processes[].events[] | select(.op=="close" and .errno=="EBADF")] | map("\(.pid==$P) \(.fd==$F) \(.ret)") | join(",")')" \
	"true true -1" "the failed second close is recorded: socket_fd, -1 EBADF"
is "$(q "[$DC] | map(\"\(.severity) \(.pid==\$P) \(.fd==\$F)\") | join(\",\")")" "error true true" \
	"one double-close finding, severity error, for socket_fd"
is "$(q "[$DC.id, $CONN.id] | .[0] == .[1] and .[0] != null")" true "the finding names the socket (its id)"
like "$(q "$DC | .message")" "already closed" "its message says the fd was already closed"
is "$(q '.summary.failed_calls')" 1 "summary: one failed call"
"$ST" audit --fail-on=error "$TR" > /dev/null
is $? 1 "audit --fail-on=error exits 1"
done_testing

#!/usr/bin/env bash
# A fork child's bytes count whether it closes the connection or exits
# holding it.  forkbytes is a fork-per-connection server: for each
# connection it accepts, forks, and closes its own copy at once; the child
# sends a different number of bytes per connection, then closes (close),
# or exits holding the socket (exit, _exit).  Its client is another
# process that reads each connection to EOF.  For each connection, found
# by the client's port (the accepted socket's peer), the report's
# bytes_sent is the child's own count, and the client really read that
# many.
# Without the feature the bytes of a child that exits holding the socket
# are known only from its final close record, which it never writes: the
# report says bytes_sent 0 for the exit and _exit connections (seen with
# the format-3 build of main 914e0de: those 3 checks fail).
. "$(dirname "$0")/lib.sh"
MODES="close exit _exit close exit"
plan $((3 + 3 * 5))

traced "$WORK/tr" "$PROGS/forkbytes" $MODES > "$WORK/out"
ok $? "forkbytes $MODES runs under the shim"
untraced "$PROGS/forkbytes" $MODES > "$WORK/plain"
is "$(sed 's/client_port=[0-9]*//' "$WORK/out")" "$(sed 's/client_port=[0-9]*//' "$WORK/plain")" \
	"the same output without the shim (ports aside)"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
i=0
for m in $MODES; do
	line=$(grep "^conn $i " "$WORK/out")
	port=$(word client_port <<< " $line") sent=$(word sent <<< " $line") got=$(word received <<< " $line")
	is "$got" "$sent" "connection $i ($m): the client read all $sent bytes the child sent"
	c() { jq -r --arg peer "127.0.0.1:$port" "[.connections[] | select(.role == \"server\" and .peer == \$peer)] | $1" "$WORK/r.json"; }
	is "$(c 'length')" 1 "connection $i ($m): one accepted connection from client port $port"
	is "$(c '.[0].bytes_sent')" "$sent" "connection $i ($m): bytes_sent is the child's count ($sent)"
	i=$((i + 1))
done
done_testing

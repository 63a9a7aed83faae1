#!/usr/bin/env bash
# The echo example: roles, addresses the program printed, ops, fds, refs.
. "$(dirname "$0")/lib.sh"
plan 14

traced "$WORK/tr" "$EX/echo" > "$WORK/out"
ok $? "echo runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"

laddr=$(printed "$WORK/out" listen addr)
cloc=$(printed "$WORK/out" connect local)
lfd=$(printed "$WORK/out" listen fd)
afd=$(printed "$WORK/out" accept fd)

is "$(q '.processes | length')" 1 "one process"
is "$(q '.processes[0].exited')" true "the process exited"
is "$(q '[.connections[] | select(.role=="listener")] | .[0].local')" "$laddr" "listener local address is what the program printed"
is "$(q '[.connections[] | select(.role=="client")] | .[0] | "\(.local) \(.peer)"')" "$cloc $laddr" "client local -> peer"
is "$(q '[.connections[] | select(.role=="server")] | .[0] | "\(.local) \(.peer)"')" "$laddr $cloc" "server local -> peer"
is "$(q '[.connections[] | select(.role=="client")] | .[0].events | map(.op) | join(",")')" \
	"socket,connect,shutdown,peer-eof,close" "client ops in order (the server's FIN after the client's)"
is "$(q '[.connections[] | select(.role=="listener")] | .[0].events | map(.op) | join(",")')" \
	"socket,bind,listen,accept,close" "listener ops in order (accept shown on its timeline)"
is "$(q '[.connections[] | select(.role=="server")] | .[0].events | map("\(.op):\(.fd):\(.ret):\(.refs)") | join(",")')" \
	"accept:$lfd:$afd:1,peer-eof:$afd:0:1,close:$afd:0:0" "server: accept on the listener's fd gave the printed fd; the client's FIN; close left 0 refs"
is "$(q '[.connections[] | select(.role=="client")] | .[0].events[] | select(.op=="shutdown") | .how')" "SHUT_WR" "shutdown how is named"
is "$(q '.summary.open_at_exit')" 0 "nothing open at exit"
is "$(q '[.connections[] | .family + "/" + .type] | unique | join(",")')" "AF_INET/SOCK_STREAM" "family and type names"
is "$(q '[.connections[].events[] | select(.errno != null)] | length')" 0 "no failed calls"
done_testing

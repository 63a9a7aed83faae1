#!/usr/bin/env bash
# Name lookups, from /etc/hosts and /etc/services only (no network):
# getaddrinfo("localhost", PORT) with its results and duration, joined to
# the connect that used its answer (shown just before it); a name refused
# without any lookup (AI_NUMERICHOST: EAI_NONAME) and an unknown service
# (EAI_SERVICE); getnameinfo of 127.0.0.1 (numeric).
. "$(dirname "$0")/lib.sh"
plan 11

# data names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/data" lookup > "$WORK/out"
ok $? "data lookup runs under the shim"
untraced "$PROGS/data" lookup > "$WORK/plain"
is "$(grep -v 'inode\|port\|serv' "$WORK/out" | tr '\n' ' ')" "$(grep -v 'inode\|port\|serv' "$WORK/plain" | tr '\n' ' ')" \
	"the same results without the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
P=$(v port)
g() { jq -r "[.processes[].events[] | select(.op == \"getaddrinfo\") | $1] | join(\",\")" "$WORK/r.json"; }

is "$(g '"\(.host):\(.service):\(.error)"')" "localhost:$P:null,no-such-host.invalid:80:EAI_NONAME,127.0.0.1:no-such-service-socktrace:EAI_SERVICE" \
	"three getaddrinfo events: host, service and the gai error name"
is "$(g 'select(.host == "localhost") | .results | join(" ")')" "127.0.0.1:$P" "localhost's result: 127.0.0.1 with the port asked for"
is "$(g 'select(.host == "localhost") | .duration_ns > 0')" true "its duration is recorded"
is "$(g 'select(.host == "localhost") | "\(.hints.family) \(.hints.socktype)"')" "AF_INET SOCK_STREAM" "the hints given"
is "$(jq -r --argjson i "$(v lookup_client_inode)" '.connections[] | select(.inode == $i) | .lookup | "\(.op) \(.host) \(.service)"' "$WORK/r.json")" \
	"getaddrinfo localhost $P" "the connection names the lookup that led to it"
is "$(jq -r '[.connections[] | select(.lookup != null)] | length' "$WORK/r.json")" 1 "no other connection claims a lookup"
is "$(jq -r '[.processes[].events[] | select(.op == "getnameinfo") | "\(.addr) \(.host) \(.service) \(.error)"] | join(",")' "$WORK/r.json")" \
	"127.0.0.1:$P 127.0.0.1 $P null" "getnameinfo: the address asked about and the names found"
"$ST" report "$WORK/tr" > "$WORK/r.txt"
is "$(grep -A20 "inode $(v lookup_client_inode)" "$WORK/r.txt" | grep -o 'getaddrinfo("localhost"\|connect(' | tr '\n' ' ')" \
	'getaddrinfo("localhost" connect( ' "the text report shows the lookup just before the connect that used it"
done_testing

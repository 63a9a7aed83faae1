#!/usr/bin/env bash
# The leaky_server example: the three accepted sockets are never closed and
# are reported open at exit; the listener and the client sockets are not.
. "$(dirname "$0")/lib.sh"
plan 18

traced "$WORK/tr" "$EX/leaky_server" > "$WORK/out"
ok $? "leaky_server runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"

lfd=$(field "$WORK/out" fd)
laddr=$(field "$WORK/out" addr)
grep '^accept ' "$WORK/out" > "$WORK/accepts"
grep '^connect ' "$WORK/out" > "$WORK/connects"
is "$(wc -l < "$WORK/accepts")" 3 "the program printed three accept lines"
is "$(wc -l < "$WORK/connects")" 3 "the program printed three connect lines"


# Each accept line: the connection born by that accept has the printed fd,
# role server, local/peer as printed, and is open at exit.
i=0
while read -r _ fdkv localkv peerkv; do
	i=$((i + 1))
	afd=${fdkv#fd=} alocal=${localkv#local=} apeer=${peerkv#peer=}
	got=$(q --argjson fd "$afd" '[.connections[] | select(.role=="server" and (.fds == [$fd]))]
		| if length == 1 then .[0] | "\(.local) \(.peer) \(.open_at_exit) \(.events | map(.op) | join(","))" else "\(length) matches" end')
	is "$got" "$alocal $apeer true accept" "accepted fd $afd (#$i): server, addresses as printed, accept and no close, open at exit"
done < "$WORK/accepts"
is "$i" 3 "checked three accepted connections"

is "$(q '[.connections[] | select(.open_at_exit)] | length')" 3 "exactly three connections open at exit"
is "$(q '[.connections[] | select(.open_at_exit) | .role] | unique | join(",")')" "server" "all of them are accepted (server) sockets"
is "$(q '.summary.open_at_exit')" 3 "summary.open_at_exit == 3"

is "$(q '[.connections[] | select(.role=="listener")] | length')" 1 "one listener"
is "$(q '[.connections[] | select(.role=="listener")][0] | "\(.local) \(.fds) \(.open_at_exit)"')" \
	"$laddr [$lfd] false" "the listener (printed fd and address) is not open at exit"
is "$(q '[.connections[] | select(.role=="listener")][0].events[-1] | "\(.op) \(.fd) \(.refs)"')" \
	"close $lfd 0" "the listener ends with its close, refs 0"

is "$(q '[.connections[] | select(.role=="client")] | length')" 3 "three client connections"
# The clients reuse one fd; match each printed connect line by its local address.
bad=0
while read -r _ fdkv localkv peerkv; do
	cfd=${fdkv#fd=} clocal=${localkv#local=} cpeer=${peerkv#peer=}
	got=$(q --arg l "$clocal" '[.connections[] | select(.role=="client" and .local==$l)]
		| if length == 1 then .[0] | "\(.fds) \(.peer) \(.open_at_exit) \(.events[-1].op) \(.events[-1].refs)" else "\(length) matches" end')
	[ "$got" = "[$cfd] $cpeer false close 0" ] || { bad=1; diag "client $clocal: got '$got'"; }
done < "$WORK/connects"
ok $bad "each client connection (printed fd, local, peer) ends with a close and is not open at exit"

# The server sockets' peers are exactly the clients' local addresses.
is "$(q '[.connections[] | select(.role=="server") | .peer] | sort | join(" ")')" \
	"$(sed 's/.*local=\([^ ]*\).*/\1/' "$WORK/connects" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"the accepted sockets' peers are the clients' printed local addresses"
is "$(q '[.processes[] | .exited] | join(",")')" "true" "one process, exited"
done_testing

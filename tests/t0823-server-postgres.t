#!/usr/bin/env bash
# A backend per connection, run as its own user, stays traced with the
# defaults: postgres (initdb in a temporary directory, the cluster run as
# the postgres user, traced with every default) forks a backend for each
# connection, which serves it and exits holding it.  Three psql requests
# each ask the backend's pid and the client's port (pg_backend_pid(),
# inet_client_port()); then pg_ctl stop.  The report shows each
# connection, by that client port: accepted by the postmaster, held by
# that backend (a fork of the postmaster) to its exit, with the bytes the
# backend moved both ways (counted though it never closes the socket).
# Without the feature the backends' bytes are 0 (a fork child that exits
# holding its socket writes no close record: seen with the format-3 build
# of main 914e0de), and with no file made at fork the backends' holders
# are missing (seen with a shim built so).
. "$(dirname "$0")/lib.sh"
pg_require
REQS=3
plan $((5 + 4 * REQS))

T=$(defaults_tmp)
PORT=$(free_port) || skip_all "no free port found"
D=$WORK/pg
mkdir -p "$D/data" "$D/sock" && chown postgres "$D/data" "$D/sock" && chmod 700 "$D/data"
pg() { runuser -u postgres -- "$@"; }
timeout 120 runuser -u postgres -- "$PGBIN/initdb" -D "$D/data" -A trust -U postgres > "$WORK/initdb.log" 2>&1
ok $? "initdb in a temporary directory"
at_exit "runuser -u postgres -- '$PGBIN/pg_ctl' -D '$D/data' -m immediate stop > /dev/null 2>&1"
traced_defaults "$T" timeout 60 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" -l "$D/data/log" -w -t 30 \
	-o "-p $PORT -k $D/sock -c listen_addresses=127.0.0.1" start > "$WORK/start.log" 2>&1
ok $? "postgres starts as postgres, traced with the defaults (pg_ctl -w: ready)"
for i in $(seq "$REQS"); do
	timeout 20 psql -h 127.0.0.1 -p "$PORT" -U postgres -Atc 'select pg_backend_pid(), inet_client_port()' \
		>> "$WORK/answers" 2>> "$WORK/psql.err"
done
is "$(grep -c '^[0-9]*|[0-9]*$' "$WORK/answers")" "$REQS" "psql got $REQS answers (backend pid, client port)"
master=$(head -n 1 "$D/data/postmaster.pid")
timeout 60 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/data" -m fast -w stop > /dev/null 2>&1
ok $? "postgres stops"

"$ST" report --json "$T"/socktrace-*/ > "$WORK/r.json"
ok $? "report --json reads the traces"
while read -r b port; do
	c() { jq -r --arg peer "127.0.0.1:$port" "[.connections[] | select(.role == \"server\" and .peer == \$peer)] | $1" "$WORK/r.json"; }
	is "$(c length)" 1 "client port $port: one accepted connection"
	is "$(c "[.[0].holders[] | \"\\(.pid) \\(.how) \\(.end)\"] | map(select(startswith(\"$b \"))) | join(\",\")")" \
		"$b fork exit" "client port $port: held by its backend ($b) from the fork to its exit"
	is "$(jq -r "[.processes[] | select(.pid == $b) | \"\\(.origin) \\(.ppid)\"] | join(\",\")" "$WORK/r.json")" \
		"fork $master" "backend $b: forked by the postmaster ($master)"
	is "$(c '[.[0] | .bytes_sent > 0 and .bytes_received > 0] | .[0]')" true "client port $port: bytes both ways"
done < <(tr '|' ' ' < "$WORK/answers")
done_testing

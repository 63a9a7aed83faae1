#!/usr/bin/env bash
# The CI gate on a correct postgres: a backend per connection, each
# ending its session by exiting while it holds the client's socket (not a
# leak: it served it to the end).  Three psql sessions, then a fast
# shutdown (SIGINT), postgres run as the postgres user in the foreground
# under socktrace run.  `audit --fail-on=warning` and `leaks` exit 0,
# twice, with the same findings.  Before the leak rule: leaked-at-exit for
# every backend's client socket.
. "$(dirname "$0")/lib.sh"
pg_require
plan 9

D=$WORK/pg
mkdir -p "$D/data" "$D/sock" && chown postgres "$D/data" "$D/sock" && chmod 700 "$D/data"
chmod o+x "$WORK"
timeout 120 runuser -u postgres -- "$PGBIN/initdb" -D "$D/data" -A trust -U postgres > "$WORK/initdb.log" 2>&1 ||
	skip_all "initdb failed: $(tail -n 1 "$WORK/initdb.log")"

# one DIR: one run traced into DIR; its port in PORT.
one() {
	local port i pid
	PORT=
	port=$(free_port) || return 1
	RUN_OWNER=postgres run_bg "$1" timeout 60 runuser -u postgres -- "$PGBIN/postgres" -D "$D/data" \
		-p "$port" -k "$D/sock" -c listen_addresses=127.0.0.1
	wait_listen "$port" 30 || return 1
	for i in 1 2 3; do
		[ "$(timeout 20 psql -h 127.0.0.1 -p "$port" -U postgres -Atc "select $i")" = "$i" ] || return 1
	done
	pid=$(head -n 1 "$D/data/postmaster.pid") || return 1
	kill -INT "$pid"	# fast shutdown, as pg_ctl -m fast
	wait "$RUN_PID" || return 1
	PORT=$port
}
gate_twice postgres 3 PORT
done_testing

#!/usr/bin/env bash
# The CI gate on a correct redis: SET, then BGSAVE (a forked child
# inherits every client socket; the client reads its answer and hangs up,
# the parent reads EOF and closes at once, the child holds the last
# reference until it has saved), waiting for the save to end, then
# SHUTDOWN, traced with socktrace run.  `audit --fail-on=warning` and
# `leaks` exit 0, twice, with the same findings.  Before the fix: a
# close-wait "never closed, until its process ended" blamed on the parent.
. "$(dirname "$0")/lib.sh"
skip_missing redis-server redis-cli
plan 9

# one DIR: one run traced into DIR; its port in PORT.
one() {
	local port i
	PORT=
	port=$(free_port) || return 1
	mkdir -p "$WORK/redis"
	run_bg "$1" timeout 60 redis-server --port "$port" --bind 127.0.0.1 --dir "$WORK/redis" \
		--save '' --appendonly no --daemonize no
	wait_listen "$port" || return 1
	R() { timeout 10 redis-cli -h 127.0.0.1 -p "$port" "$@"; }
	[ "$(R SET k v)" = OK ] || return 1
	R BGSAVE > /dev/null || return 1
	# the save is over when redis says so (rdb_bgsave_in_progress:0 after a save)
	for i in $(seq 200); do
		R INFO persistence | tr -d '\r' | grep -qx 'rdb_bgsave_in_progress:0' &&
			R INFO persistence | tr -d '\r' | grep -q '^rdb_last_bgsave_status:ok' && break
		sleep 0.05
	done
	R SHUTDOWN NOSAVE > /dev/null 2>&1
	wait "$RUN_PID" || return 1
	PORT=$port
}
gate_twice redis 3 PORT
done_testing

#!/usr/bin/env bash
# The CI gate on socat relays: socat TCP-LISTEN,fork relays each
# connection to an echo server (a second socat), three clients each send a
# line, read it back and half-close; socat half-closes its side
# (shutdown(SHUT_WR)) and closes.  Traced with socktrace run (the relay;
# the echo server and the clients untraced).  `audit --fail-on=warning`
# and `leaks` exit 0, twice, with the same findings.  Before the fix: a
# close-wait warning after socat's own shutdown(SHUT_WR), two per
# connection.
. "$(dirname "$0")/lib.sh"
skip_missing socat
plan 9

# one DIR: one run traced into DIR; the relay's port in PORT.
one() {
	local port eport i
	PORT=
	port=$(free_port) && eport=$(free_port) || return 1
	( exec timeout 60 socat TCP-LISTEN:"$eport",bind=127.0.0.1,reuseaddr,fork PIPE ) &
	local echo_pid=$!
	at_exit "kill $echo_pid 2> /dev/null"
	wait_listen "$eport" || return 1
	run_bg "$1" timeout 60 socat TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:"$eport"
	wait_listen "$port" || return 1
	for i in 1 2 3; do
		[ "$(echo "line $i" | timeout 10 socat - TCP:127.0.0.1:"$port")" = "line $i" ] || return 1
	done
	# socat's fork children are gone when no connection is left (ss), then stop it
	for i in $(seq 100); do
		[ -z "$(ss -Htan "( sport = :$port or dport = :$port )" | grep -v LISTEN | grep -v TIME-WAIT)" ] && break
		sleep 0.05
	done
	run_stop TERM || return 1	# socat answers it with 128 + SIGTERM
	kill "$echo_pid" 2> /dev/null
	PORT=$port
}
gate_twice socat 3 PORT
done_testing

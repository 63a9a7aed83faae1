#!/usr/bin/env bash
# The CI gate on a correct haproxy, in both of its modes: -db (one
# process, in the foreground) and -W (master-worker: the master re-execs
# itself, keeping its IPC socketpair across the exec on purpose, and
# closes it later), proxying three requests to a backend (an untraced
# python http.server), then SIGTERM (SIGUSR1 would wait for idle
# connections: there are none), traced with socktrace run.
# `audit --fail-on=warning` and `leaks` exit 0, twice each, with the same
# findings.  Before the fix: -W's inherited-across-exec "never used it but
# closed it".  Then -W reloaded (SIGUSR2 to the master: it re-execs, the
# new worker takes the listeners over SCM_RIGHTS, the old one ends), with
# requests before and after.  Before those fixes, two warnings there: an
# inherited-across-exec for the image that passed the IPC socket on to
# the next (it does not use it, the next does), and the EPIPE of the new
# master's ack to the old worker, which closes first (haproxy ignores
# SIGPIPE and writes no more there: a write-after-peer-close, now info):
# points 21 and 25 fail with the old viewer.
. "$(dirname "$0")/lib.sh"
skip_missing haproxy curl python3
plan 27

BPORT=$(free_port) || skip_all "no free port"
mkdir -p "$WORK/www" && echo hello > "$WORK/www/index.html"
( cd "$WORK/www" && exec timeout 120 python3 -m http.server -b 127.0.0.1 "$BPORT" ) > /dev/null 2>&1 &
at_exit "kill $! 2> /dev/null"
wait_listen "$BPORT" || skip_all "the backend (python3 -m http.server) did not start"

# one DIR: one run traced into DIR, haproxy in mode $MODE; its port in PORT.
one() {
	local port i
	PORT=
	port=$(free_port) || return 1
	cat > "$WORK/haproxy.cfg" <<CONF
global
	maxconn 64
defaults
	mode http
	timeout connect 5s
	timeout client 10s
	timeout server 10s
frontend fe
	bind 127.0.0.1:$port
	default_backend be
backend be
	server b1 127.0.0.1:$BPORT
CONF
	run_bg "$1" timeout 60 haproxy $MODE -f "$WORK/haproxy.cfg"
	wait_listen "$port" || return 1
	for i in 1 2 3; do
		[ "$(timeout 10 curl -s --max-time 5 "http://127.0.0.1:$port/")" = hello ] || return 1
	done
	if [ -n "${RELOAD:-}" ]; then
		# The master says "Loading success." at its start and after each reload.
		kill -USR2 "$(run_child)" || return 1
		wait_for_n "$1.err" "Loading success" 2 30 || return 1
		for i in 1 2 3; do
			[ "$(timeout 10 curl -s --max-time 5 "http://127.0.0.1:$port/")" = hello ] || return 1
		done
	fi
	run_stop TERM || return 1	# -W's master exits 128 + SIGTERM
	PORT=$port
}
MODE=-db gate_twice "haproxy -db" 3 PORT
MODE=-W gate_twice "haproxy -W" 3 PORT
RELOAD=1 MODE=-W gate_twice "haproxy -W, reloaded" 6 PORT
done_testing

#!/usr/bin/env bash
# The CI gate on a correct lighttpd: three one-shot requests and three on
# one keep-alive connection for a static file, then SIGTERM (its fast
# stop), traced with socktrace run.  `audit --fail-on=warning` and `leaks`
# exit 0, twice, with the same findings.
. "$(dirname "$0")/lib.sh"
skip_missing lighttpd curl
plan 9

# one DIR: one run traced into DIR; its port in PORT.
one() {
	local port i l=$WORK/lighttpd
	PORT=
	port=$(free_port) || return 1
	rm -rf "$l" && mkdir -p "$l/www" && echo hello > "$l/www/index.html"
	cat > "$l/lighttpd.conf" <<CONF
server.document-root = "$l/www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$l/error.log"
index-file.names = ( "index.html" )
CONF
	run_bg "$1" timeout 60 lighttpd -D -f "$l/lighttpd.conf"
	wait_listen "$port" || return 1
	for i in 1 2 3; do
		[ "$(timeout 10 curl -s --max-time 5 "http://127.0.0.1:$port/")" = hello ] || return 1
	done
	timeout 10 curl -s --max-time 5 "http://127.0.0.1:$port/" "http://127.0.0.1:$port/" \
		"http://127.0.0.1:$port/" > /dev/null || return 1
	run_stop TERM || return 1
	PORT=$port
}
gate_twice lighttpd 4 PORT
done_testing

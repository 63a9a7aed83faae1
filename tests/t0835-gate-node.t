#!/usr/bin/env bash
# The CI gate on a correct node http server: three requests with curl
# (one-shot) and three on one keep-alive connection, then SIGTERM (its
# handler closes the server, and the idle keep-alive connections with it),
# traced with socktrace run.  `audit --fail-on=warning` and `leaks` exit
# 0, twice, with the same findings.
. "$(dirname "$0")/lib.sh"
skip_missing node curl
plan 9

cat > "$WORK/http.js" <<'JS'
const http = require('http');
const server = http.createServer((req, res) => res.end(process.pid + '\n'));
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => {
	server.close(() => process.exit(0));
	server.closeIdleConnections();
});
JS

# one DIR: one run traced into DIR; its port in PORT.
one() {
	local port i
	PORT=
	port=$(free_port) || return 1
	run_bg "$1" timeout 60 node "$WORK/http.js" "$port"
	wait_listen "$port" || return 1
	for i in 1 2 3; do timeout 10 curl -s --max-time 5 "http://127.0.0.1:$port/" > /dev/null || return 1; done
	timeout 10 curl -s --max-time 5 "http://127.0.0.1:$port/a" "http://127.0.0.1:$port/b" \
		"http://127.0.0.1:$port/c" > /dev/null || return 1
	run_stop TERM || return 1
	PORT=$port
}
gate_twice "node http" 4 PORT
done_testing

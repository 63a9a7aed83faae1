#!/usr/bin/env bash
# nginx (master as root, 2 workers as www-data) traced three ways against
# untraced: the same responses and exit status; bytes per connection equal
# strace's; every socket counted; and with SOCKTRACE_RING_MB=1 and 16000
# HTTP/1.0 requests (the workers' rings wrap) the counts, leaks and the
# "history:" line stay exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/real.sh"
need nginx curl ab strace jq ss
id www-data >/dev/null 2>&1 || skip_all "no www-data user"
P=$(free_port) || skip_all "no free TCP port"
plan 24

chmod 755 "$WORK"
N=$WORK/ngx
mkdir -p "$N/html" "$N/logs"
head -c 9000 /dev/urandom | base64 -w 100 > "$N/html/big.txt"
echo hello > "$N/html/index.html"
chmod -R a+rX "$N"
cat > "$N/nginx.conf" <<CONF
user www-data;
worker_processes 2;
daemon off;
pid $N/nginx.pid;
error_log $N/logs/error.log info;
events { worker_connections 1024; }
http {
  access_log $N/logs/access.log;
  client_body_temp_path $N/tb; proxy_temp_path $N/tp; fastcgi_temp_path $N/tf;
  uwsgi_temp_path $N/tu; scgi_temp_path $N/ts;
  sendfile on;
  server { listen 127.0.0.1:$P; root $N/html; keepalive_timeout 5; }
}
CONF
NG=(nginx -c "$N/nginx.conf" -p "$N")
U=http://127.0.0.1:$P

client() {
	{
		curl -sS -D - "$U/index.html" | tr -d '\r' | grep -Ev '^(Date|Last-Modified|ETag):'
		curl -sS "$U/index.html" "$U/big.txt" | md5sum
		curl -sS -o /dev/null -w '%{http_code}\n' "$U/nope"
		timeout 60 ab -q -n 100 -c 4 "$U/big.txt" 2>&1 | grep -E '^(Complete|Failed|HTML transferred)'
	} > "$1" 2>&1
}

# one run: MODE DIR; the client's output in DIR.client, the exit status in SRV_RC
one() {
	: > "$N/logs/error.log"
	serve "$1" "$2" "${NG[@]}"
	wait_listen $P 10 && client "$2.client"
	kill -QUIT "$(cat "$N/nginx.pid")"
	finish
}

one plain "$WORK/plain"
is "$SRV_RC" 0 "untraced nginx exits 0 on SIGQUIT"
like "$(cat "$WORK/plain.client")" "Complete requests: +100" "the workload ran"

export STRACE_ENV="-E SOCKTRACE_INODES=1"
for m in run preload strace; do
	one $m "$WORK/$m"
	is "$SRV_RC" 0 "$m: nginx exits 0 on SIGQUIT"
	cmp -s "$WORK/plain.client" "$WORK/$m.client"
	ok $? "$m: the client sees the same responses"
done
grep -qE 'socktrace\[|tracing off' "$N/logs/error.log" "$WORK"/*.err
ok $((!$?)) "nginx's error log and stderr have nothing of socktrace's"
[ "$(jqf "$WORK/run" '[.processes[] | select(.origin=="fork")] | length')" = 2 ]
ok $? "run: the master and its 2 workers are traced"

bytes_match "$WORK/strace"
ok $? "strace: bytes sent and received per connection equal strace's"
acc=$(cat "$WORK/strace.st"/s.* | grep -cE '^accept4?\(.*= [0-9]+<TCP')
# the master's listener and 2 socketpairs (4 ends), one socketpair per worker
is "$(jqf "$WORK/strace" .summary.connections)" $((acc + 9)) "summary.connections: the $acc accepted + 9 the servers made"
is "$(jqf "$WORK/strace" '[.connections[] | select(.family=="AF_INET" and .fate!="closed")] | length')" 0 \
	"every TCP socket was closed"

# The ring wraps: 16000 connections (Connection: close) in 2 workers with 1 MiB rings.
W=$WORK/wrap
export SOCKTRACE_RING_MB=1
: > "$N/logs/error.log"; : > "$N/logs/access.log"
serve run "$W" "${NG[@]}"
wait_listen $P 10 && timeout 120 ab -q -n 16000 -c 8 "$U/index.html" > "$W.ab" 2>&1
kill -QUIT "$(cat "$N/nginx.pid")"
finish
unset SOCKTRACE_RING_MB
is "$SRV_RC" 0 "wrap: nginx exits 0"
like "$(cat "$W.ab")" "Complete requests: +16000" "wrap: 16000 requests answered"
reqs=$(wc -l < "$N/logs/access.log")
# ab sometimes opens a connection it never uses: nginx logs each at info
idle=$(grep -c 'client closed connection while waiting for request' "$N/logs/error.log")
is "$(jqf "$W" .summary.connections)" $((reqs + idle + 9)) \
	"wrap: summary.connections = $reqs requests + $idle idle + 9, though history was lost"
[ "$(jqf "$W" .summary.events_lost)" -gt 0 ]
ok $? "wrap: events were lost (the rings wrapped)"
[ "$(jqf "$W" '[.processes[] | select(.history_lost_before_t_ns != null)] | length')" -ge 1 ]
ok $? "wrap: JSON processes[].history_lost_before_t_ns is set"
for c in report audit leaks; do
	"$ST" $c "$W" > "$W.$c" 2>&1
	grep -q '^history: pid [0-9]* (nginx): [0-9]* events lost' "$W.$c"
	ok $? "wrap: $c prints the history: line"
done
is "$(jqf "$W" '[.connections[] | select(.family=="AF_INET" and .fate!="closed")] | length')" 0 \
	"wrap: no TCP socket is reported open at exit"
is "$(jqf "$W" '[.findings[] | select(.kind=="close-wait" or .kind=="missed-close" or .kind=="double-close")] | length')" 0 \
	"wrap: no close-wait, missed-close or double-close from the history lost"
is "$(jqf "$W" '[.connections[] | select(.role=="server" and .bytes_sent > 0) | [.bytes_sent, .bytes_received]] | unique | length')" 1 \
	"wrap: every answered connection shown has the same byte counts"
done_testing

#!/usr/bin/env bash
# A server run as its own user stays traced with the defaults: redis-server
# started by root as the redis user (runuser), so it first needs its trace
# directory as redis: $TMPDIR/socktrace-UID of redis, made by it.  Three
# redis-cli requests each ask CLIENT INFO (redis names the client's address
# and port) and INFO server (its pid), then SHUTDOWN NOSAVE: the report
# shows each of those connections, by the client port redis gave, accepted
# and held by that pid, with bytes both ways.
# What it guards: the default directory's rules for a user other than
# root (made by that user, 0700, accepted by the ownership check): a check
# against root's uid, or a directory made only by root, leaves redis
# untraced and every check after the stop fails.  (It passes with the
# format-3 build too: redis runs as redis from its exec, so the eager
# default name is already its own.)
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "starting redis as its own user needs root"
skip_missing redis-server redis-cli runuser
id redis > /dev/null 2>&1 || skip_all "no user redis (the redis-server package makes it)"
REQS=3
plan $((6 + 3 * REQS))

T=$(defaults_tmp)
PORT=$(free_port) || skip_all "no free port found"
D=$WORK/redis
mkdir -p "$D" && chown redis "$D"
server_start "$T" timeout 60 runuser -u redis -- redis-server --port "$PORT" --bind 127.0.0.1 \
	--save '' --appendonly no --dir "$D" --daemonize no --logfile "$D/log"
wait_listen "$PORT"
ok $? "redis-server listens on 127.0.0.1:$PORT (as redis, traced with the defaults)"
cli() { timeout 10 redis-cli -p "$PORT" "$@"; }
for i in $(seq "$REQS"); do
	cli CLIENT INFO | sed -n 's/.* addr=127\.0\.0\.1:\([0-9]*\) .*/\1/p' >> "$WORK/ports"
	cli INFO server | tr -d '\r' | sed -n 's/^process_id://p' >> "$WORK/pids"
done
is "$(grep -c . "$WORK/ports")" "$REQS" "redis named $REQS client ports"
is "$(sort -u "$WORK/pids" | grep -c .)" 1 "one redis pid"
pid=$(head -n 1 "$WORK/pids")
is "$(stat -c %U "/proc/$pid")" redis "redis-server ($pid) runs as redis"
cli SHUTDOWN NOSAVE > /dev/null 2>&1
wait "$SERVER_PID"
ok $? "redis shuts down"

"$ST" report --json "$T"/socktrace-*/ > "$WORK/r.json"
ok $? "report --json reads the traces"
while read -r port; do
	c() { jq -r --arg peer "127.0.0.1:$port" "[.connections[] | select(.role == \"server\" and .peer == \$peer)] | $1" "$WORK/r.json"; }
	is "$(c length)" 1 "client port $port: one accepted connection"
	is "$(c "[.[0].holders[] | select(.pid == $pid and (.how | startswith(\"accept\")))] | length")" 1 \
		"client port $port: accepted and held by redis ($pid), the process that served it"
	is "$(c '[.[0] | .bytes_sent > 0 and .bytes_received > 0] | .[0]')" true "client port $port: bytes both ways"
done < "$WORK/ports"
done_testing

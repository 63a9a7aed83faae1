#!/usr/bin/env bash
# A privilege-dropping server stays traced with the defaults: memcached -u
# nobody drops root before it makes its first socket, so its trace file is
# made after the drop, as nobody, who cannot write root's default
# directory (made first here, as on any machine where root traced
# something): it must land in nobody's own, $TMPDIR/socktrace-65534 (the
# default name takes the uid when first needed, not at start).  Three
# requests with memcstat (each one connection, asking "stats": memcached
# answers with its pid), a set and a get over a plain TCP client, then
# SIGTERM: the report shows the 4 accepted connections in the process
# that served them, the one whose pid memcached gave, with bytes both
# ways.
# Without the feature (the default directory's name fixed at start, as
# root's) the file cannot be made after the drop: nothing is traced and
# the checks after the stop fail (seen with a shim built that way: the
# uid taken in tracefile_configure).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "memcached -u needs root"
skip_missing memcached memcstat
id nobody > /dev/null 2>&1 || skip_all "no user nobody"
plan 10

T=$(defaults_tmp)
PORT=$(free_port) || skip_all "no free port found"
# Root's default directory is there already, as on any machine where root traced something.
traced_defaults "$T" "$PROGS/sockloop" 1 < /dev/null > /dev/null
ok $? "a traced root program made root's default directory, \$TMPDIR/socktrace-$(id -u)"
server_start "$T" timeout 60 memcached -u nobody -l 127.0.0.1 -p "$PORT" -U 0 -t 2
wait_listen "$PORT"
ok $? "memcached -u nobody listens on 127.0.0.1:$PORT (traced with the defaults)"
for i in 1 2 3; do
	timeout 10 memcstat --servers="127.0.0.1:$PORT" | sed -n 's/^[[:space:]]*pid: //p' >> "$WORK/pids"
done
is "$(sort -u "$WORK/pids" | grep -c .)" 1 "memcstat 3 times: one memcached pid"
pid=$(head -n 1 "$WORK/pids")
is "$(stat -c %U "/proc/$pid")" nobody "memcached ($pid) runs as nobody"
timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; printf 'set k 0 0 5\r\nhello\r\nget k\r\nquit\r\n' >&3; cat <&3" \
	> "$WORK/kv"
like "$(tr -d '\r' < "$WORK/kv" | paste -sd' ' -)" '^STORED VALUE k 0 5 hello END' "a set and a get over TCP"
kill -TERM "$pid"
wait "$SERVER_PID"
ok $? "memcached stops on SIGTERM (exit 0)"

ls "$T"/socktrace-65534/memcached."$pid".socktrace > /dev/null 2>&1
ok $? "its trace is in nobody's default directory, \$TMPDIR/socktrace-65534"
"$ST" report --json "$T"/socktrace-*/ > "$WORK/r.json"
ok $? "report --json reads the traces"
is "$(jq "[.connections[] | select(.role == \"server\" and .local == \"127.0.0.1:$PORT\" and
	any(.holders[]; .pid == $pid and (.how | startswith(\"accept\"))))] | length" "$WORK/r.json")" 4 \
	"4 accepted connections, held by memcached ($pid), the process that served them"
is "$(jq "[.connections[] | select(.role == \"server\" and .local == \"127.0.0.1:$PORT\") |
	select(.bytes_sent > 0 and .bytes_received > 0)] | length" "$WORK/r.json")" 4 \
	"each with bytes both ways"
done_testing

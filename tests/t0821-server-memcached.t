#!/usr/bin/env bash
# A privilege-dropping server stays traced with the defaults, in the
# directory it was started for: memcached -u nobody drops root (setgid,
# setuid) before it makes its first socket, and a file made after the drop
# could not go into root's directory.  So a root process that is about to
# change its effective uid makes its file just before (shim/wrap_cred.c):
# memcached's trace is in root's default directory, $TMPDIR/socktrace-0,
# with the defaults, and in the directory socktrace run -o made (root's,
# 0755) too.  Three requests with memcstat (each one connection, asking
# "stats": memcached answers with its pid), a set and a get over a plain
# TCP client, then SIGTERM: the report shows the 4 accepted connections in
# the process that served them, the one whose pid memcached gave, with
# bytes both ways.
# Without the feature (no file before the drop) memcached's file cannot be
# made in root's directory after it: with the defaults it lands in
# nobody's ($TMPDIR/socktrace-65534) and point 7 fails; under run -o DIR
# nothing is traced and points 11-12 fail (seen with wrap_cred.c's hook
# taken out).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "memcached -u needs root"
skip_missing memcached memcstat
id nobody > /dev/null 2>&1 || skip_all "no user nobody"
plan 12

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

ls "$T/socktrace-$(id -u)/memcached.$pid.socktrace" > /dev/null 2>&1 &&
	! ls "$T"/socktrace-65534/memcached.* > /dev/null 2>&1
ok $? "its trace is in root's default directory, where it was started, \$TMPDIR/socktrace-$(id -u)"
"$ST" report --json "$T"/socktrace-*/ > "$WORK/r.json"
ok $? "report --json reads the traces"
is "$(jq "[.connections[] | select(.role == \"server\" and .local == \"127.0.0.1:$PORT\" and
	any(.holders[]; .pid == $pid and (.how | startswith(\"accept\"))))] | length" "$WORK/r.json")" 4 \
	"4 accepted connections, held by memcached ($pid), the process that served them"
is "$(jq "[.connections[] | select(.role == \"server\" and .local == \"127.0.0.1:$PORT\") |
	select(.bytes_sent > 0 and .bytes_received > 0)] | length" "$WORK/r.json")" 4 \
	"each with bytes both ways"

# socktrace run -o DIR: DIR is root's (0755), nobody may not write it.
PORT2=$(free_port) || PORT2=
if [ -n "$PORT2" ]; then
	# (untraced: a sanitizer build's runtime first in LD_PRELOAD, which run keeps there)
	( exec env LD_PRELOAD="${ST_PRELOAD_FIRST:-}" "$ST" run -q -o "$WORK/run" -- timeout 60 memcached -u nobody -l 127.0.0.1 -p "$PORT2" -U 0 -t 2 ) \
		> /dev/null 2> "$WORK/run.err" &
	RUN_PID=$!
	at_exit "kill $RUN_PID 2> /dev/null"
	wait_listen "$PORT2"
	timeout 10 memcstat --servers="127.0.0.1:$PORT2" | sed -n 's/^[[:space:]]*pid: //p' > "$WORK/pid2"
	pid2=$(head -n 1 "$WORK/pid2")
	kill -TERM "$pid2"
	wait "$RUN_PID"
	ls "$WORK/run/memcached.$pid2.socktrace" > /dev/null 2>&1
	ok $? "under socktrace run -o DIR (root's): memcached ($pid2) is traced in DIR"
	is "$("$ST" report --json "$WORK/run" | jq "[.connections[] | select(.role == \"server\" and
		.local == \"127.0.0.1:$PORT2\" and .bytes_received > 0)] | length")" 1 \
		"... its one memcstat connection, with bytes"
else
	skip 2 "no second free port"
fi
done_testing

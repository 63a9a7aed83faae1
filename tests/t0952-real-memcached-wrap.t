#!/usr/bin/env bash
# memcached (2 worker threads) with SOCKTRACE_RING_MB=1: 8000 short
# connections wrap its ring, then 5 stay open until it is killed.  The
# state keeps the counts exact: every socket, the 5 + listener open at
# exit (leaks), the history line in every command, no finding made up from
# the history lost; and the bytes of what was lost are kept in the file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/real.sh"
need memcached jq ss
P=$(free_port) || skip_all "no free TCP port"
plan 13

N=8000 K=5
cat > "$WORK/many.py" <<'PYEOF'
import socket, sys
P, N, K = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
sent = recv = 0
for i in range(N):
    s = socket.create_connection(('127.0.0.1', P), timeout=10)
    req = b'set k%d 0 0 3\r\nabc\r\nget k%d\r\n' % (i % 100, i % 100)
    s.sendall(req); sent += len(req)
    got = b''
    while not got.endswith(b'END\r\n'):
        d = s.recv(4096)
        if not d: break
        got += d
    recv += len(got)
    s.close()
keep = []
for i in range(K):
    s = socket.create_connection(('127.0.0.1', P), timeout=10)
    s.sendall(b'version\r\n'); sent += 9
    recv += len(s.recv(100))
    keep.append(s)
print(sent, recv, flush=True)
sys.stdin.read()
PYEOF
D=$WORK/mc
export SOCKTRACE_RING_MB=1
serve run "$D" memcached -u nobody -p $P -U 0 -l 127.0.0.1 -t 2
unset SOCKTRACE_RING_MB
wait_listen $P 10
mkfifo "$WORK/hold"
timeout 120 "$PY" "$WORK/many.py" $P $N $K < "$WORK/hold" > "$WORK/client" & CP=$!
exec 7> "$WORK/hold"
for ((i = 0; i < 600; i++)); do [ -s "$WORK/client" ] && break; sleep 0.1; done
read -r csent crecv < "$WORK/client"
mp=$(ss -Htlnp "sport = :$P" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
kill -TERM "$mp"
finish
exec 7>&-
wait $CP
is "$SRV_RC" 0 "memcached exits 0 on SIGTERM"
[ "$(jqf "$D" .summary.events_lost)" -gt 0 ]
ok $? "its ring wrapped ($(jqf "$D" .summary.events_lost) events lost)"
is "$(jqf "$D" .summary.connections)" $((N + K + 1)) "summary.connections: $N + $K + the listener"
is "$(jqf "$D" .summary.open_at_exit)" $((K + 1)) "open at exit: the $K idle connections and the listener"
"$ST" leaks --all --json "$D" > "$D.leaks.json"
is "$(jq .summary.sockets "$D.leaks.json")" $((K + 1)) "leaks lists the same $((K + 1))"
is "$(jq -c '[.leaks[].connections[] | select(.role=="accepted") | [.bytes_sent, .bytes_received]] | unique' "$D.leaks.json")" '[[16,9]]' \
	"each idle connection's bytes (VERSION reply 16, request 9) come from the state"
for c in report audit leaks; do
	"$ST" $c "$D" > "$D.$c" 2>&1
	grep -q '^history: pid [0-9]* (memcached):' "$D.$c"
	ok $? "$c prints the history: line"
done
[ -n "$(jqf "$D" '.processes[0].history_lost_before_t_ns // empty')" ]
ok $? "JSON history_lost_before_t_ns is set"
is "$(jqf "$D" '[.findings[] | select(.kind != "leaked-at-exit" and .kind != "open-at-exit" and .kind != "close-wait")] | length')" 0 \
	"no other finding from the history lost"
# A connection whose oldest event kept is its peer-eof: its close 10 us
# later (in the history, and in the state) is its close.
is "$(jqf "$D" '[.findings[] | select(.kind == "close-wait")] | length')" 0 \
	"no close-wait for a socket whose EOF is the oldest event kept and whose close follows it"
# The totals in the trace file (closed sockets' bytes, per process) and the
# slots': what the client sent is what memcached received, and back.
is "$(jqf "$D" '[.summary.bytes_sent, .summary.bytes_received] | tostring')" "[$crecv,$csent]" \
	"report --json gives the process's total bytes ($crecv sent, $csent received), history lost or not"
done_testing

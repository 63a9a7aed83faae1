#!/usr/bin/env bash
# A TCP_INFO snapshot at the final close of a connected TCP socket (state,
# rtt, retransmits, bytes acked and received): always with
# SOCKTRACE_TCP_INFO=1, never with 0, and by default only for connections
# whose first data call is over 1 ms old (the program's live far less).
# Its byte counts are the kernel's, so they agree with the shim's counters,
# but for what the kernel counts in sequence space: a client's SYN in bytes
# acked, the peer's FIN in bytes received; the text line says so.
. "$(dirname "$0")/lib.sh"
plan 11

mkdir -p "$WORK/d"
# data names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 SOCKTRACE_TCP_INFO=1 traced "$WORK/tr" "$PROGS/data" bytes "$WORK/d" > "$WORK/out"
ok $? "data bytes runs under the shim, SOCKTRACE_TCP_INFO=1"
report_json "$WORK/tr" > "$WORK/r.json"
c() { jq -r --argjson i "$(v "$1")" ".connections[] | select(.inode == \$i) | $2" "$WORK/r.json"; }
is "$(c client_inode '.tcp_info.bytes_received == .bytes_received')" true \
	"the client's tcp_info.bytes_received (kernel) equals its bytes_received (shim)"
is "$(c client_inode '(.tcp_info.state | length > 0) and (.tcp_info.rtt_us >= 0)')" true "tcp_info has a state and an rtt"
is "$(c client_inode '[.events[] | select(.op == "close") | (.tcp_info != null)] | join(",")')" true "the close event carries the snapshot"
is "$(c udp_client_inode '.tcp_info')" null "no snapshot for UDP"
SOCKTRACE_TCP_INFO=0 traced "$WORK/tr0" "$PROGS/data" bytes "$WORK/d" > /dev/null
is "$("$ST" report --json "$WORK/tr0" | jq '[.connections[] | select(.tcp_info != null)] | length')" 0 \
	"SOCKTRACE_TCP_INFO=0: no snapshot anywhere"
traced "$WORK/tra" "$PROGS/data" bytes "$WORK/d" > /dev/null
is "$("$ST" report --json "$WORK/tra" | jq '[.connections[] | select(.tcp_info != null and
	(([.events[] | select(.op == "close")][0].t_ns - .first_t_ns) < 1000000))] | length')" 0 \
	"by default: no snapshot for a connection closed less than 1 ms after its first data call"

# fork_server's client reads 11 bytes and the server's FIN: the kernel counts 12 received,
# and 1 acked for the SYN of a client that sent nothing.
SOCKTRACE_TCP_INFO=1 traced "$WORK/fs" "$EX/fork_server" > /dev/null
ok $? "fork_server runs under the shim, SOCKTRACE_TCP_INFO=1"
report_json "$WORK/fs" > "$WORK/fs.json"
is "$(jq -r '.connections[] | select(.role == "client") |
	"\(.tcp_info.bytes_received - .bytes_received) \(.tcp_info.bytes_acked - .bytes_sent) \(.eof_t_ns != null)"' "$WORK/fs.json")" \
	"1 1 true" "kernel: the client's bytes received count the peer's FIN, its bytes acked its SYN"
"$ST" report "$WORK/fs" > "$WORK/fs.txt"
line=$(awk '/^connection .* client /{c=1} c && /tcp_info at close/{print; exit}' "$WORK/fs.txt")
like "$line" "bytes received $(jq -r '.connections[] | select(.role == "client") | .tcp_info.bytes_received' "$WORK/fs.json") " \
	"the client's tcp_info line gives the kernel's count"
like "$line" "bytes acked includes our SYN, when this side connected, and our FIN once acked; bytes received includes the peer's FIN" \
	"... and says what it includes"
done_testing

#!/usr/bin/env bash
# A TCP_INFO snapshot at the final close of a connected TCP socket (state,
# rtt, retransmits, bytes acked and received): always with
# SOCKTRACE_TCP_INFO=1, never with 0, and by default only for connections
# whose first data call is over 1 ms old (the program's live far less).
# Its byte counts are the kernel's, so they agree with the shim's counters.
. "$(dirname "$0")/lib.sh"
plan 7

mkdir -p "$WORK/d"
# data names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 SOCKTRACE_TCP_INFO=1 traced "$WORK/tr" "$PROGS/data" bytes "$WORK/d" > "$WORK/out"
ok $? "data bytes runs under the shim, SOCKTRACE_TCP_INFO=1"
v() { sed -n "s/^$1=//p" "$WORK/out" | head -n 1; }
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
done_testing

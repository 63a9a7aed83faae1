#!/usr/bin/env bash
# A TCP_INFO snapshot at the final close of a connected TCP socket (state,
# rtt, retransmits, bytes acked and received), on by default, off with
# SOCKTRACE_TCP_INFO=0.  Its byte counts are the kernel's, so they agree
# with the shim's own counters.
. "$(dirname "$0")/lib.sh"
plan 6

mkdir -p "$WORK/d"
traced "$WORK/tr" "$PROGS/data" bytes "$WORK/d" > "$WORK/out"
ok $? "data bytes runs under the shim"
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
done_testing

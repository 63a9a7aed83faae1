#!/usr/bin/env bash
# Byte counts: every wrapped data call (send, sendto, sendmsg, write, writev,
# sendfile, splice; recv, recvfrom, recvmsg, read, readv, splice; sendmmsg,
# recvmmsg) moves a known number of bytes over loopback TCP and UDP, and
# each connection's bytes_sent / bytes_received in the report equal what
# the program itself counted.  MSG_PEEK reads are not counted (the bytes
# stay queued and are counted when read); a recv with MSG_TRUNC counts the
# datagram's whole length, as the kernel returns it.  By default no event
# is written per data call.
. "$(dirname "$0")/lib.sh"
plan 12

mkdir -p "$WORK/d"
# data names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/data" bytes "$WORK/d" > "$WORK/out"
ok $? "data bytes runs under the shim"
untraced "$PROGS/data" bytes "$WORK/d" > "$WORK/plain"
is "$(grep -v inode "$WORK/out")" "$(grep -v inode "$WORK/plain")" "the same output without the shim (inodes aside)"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
c() { jq -r --argjson i "$(v "$1")" ".connections[] | select(.inode == \$i) | $2" "$WORK/r.json"; }

is "$(c client_inode '"\(.bytes_sent) \(.bytes_received)"')" "$(v client_sent) $(v client_received)" \
	"TCP client: bytes_sent and bytes_received are what it sent and read ($(v client_sent) each way)"
is "$(c server_inode '"\(.bytes_sent) \(.bytes_received)"')" "$(v server_sent) $(v server_received)" \
	"TCP server: the same from its side (peeked bytes counted once)"
is "$(c udp_client_inode '"\(.bytes_sent) \(.bytes_received)"')" "$(v udp_sent) 0" \
	"UDP sender: sendmmsg's two datagrams and a send (300 bytes)"
is "$(c udp_server_inode '"\(.bytes_sent) \(.bytes_received)"')" "0 $(v udp_received)" \
	"UDP receiver: recvmmsg, recv, and recv(MSG_TRUNC) counted at the datagram's length (300 bytes)"
is "$(c client_inode '(.first_t_ns != null and .last_t_ns >= .first_t_ns)')" true \
	"first_t_ns and last_t_ns are set, in order"
is "$(c client_inode '[.events[] | select(.op == "close")] | .[0].data | "\(.bytes_sent) \(.bytes_received)"')" \
	"$(v client_sent) $(v client_received)" "the final close's record carries the totals (data member)"
is "$(jq '[.connections[].events[] | select(.direction != null)] | length' "$WORK/r.json")" 0 \
	"no event per data call by default"
is "$(jq '[.connections[].events[], .processes[].events[] | select(.errno != null)] | length' "$WORK/r.json")" 0 \
	"no failure recorded: every data call succeeded"
"$ST" report "$WORK/tr" > "$WORK/r.txt"
like "$(grep -A1 "inode $(v client_inode)" "$WORK/r.txt" | tail -n 1)" \
	"data: sent $(v client_sent) bytes, received $(v client_received) bytes" "the text report gives the bytes each way under the connection"
done_testing

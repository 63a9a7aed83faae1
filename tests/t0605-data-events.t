#!/usr/bin/env bash
# SOCKTRACE_DATA=events: one event per data call, under its libc name, with
# its direction, and the bytes of the events add up to the counters.
# Without it (t0600) there are none.
. "$(dirname "$0")/lib.sh"
plan 6

mkdir -p "$WORK/d"
# data names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 SOCKTRACE_DATA=events traced "$WORK/tr" "$PROGS/data" bytes "$WORK/d" > "$WORK/out"
ok $? "data bytes runs under the shim with SOCKTRACE_DATA=events"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
c() { jq -r --argjson i "$(v "$1")" ".connections[] | select(.inode == \$i) | $2" "$WORK/r.json"; }
is "$(c client_inode '[.events[] | select(.direction == "sent") | .op] | join(",")')" \
	"send,sendto,sendmsg,write,writev,sendfile,splice" "the client's sending calls, one event each, by libc name"
is "$(c client_inode '[.events[] | select(.direction == "sent" and .ret > 0) | .ret] | add')" "$(v client_sent)" \
	"their byte counts add up to bytes_sent"
is "$(c server_inode '[.events[] | select(.direction == "received") | .op] | unique | join(",")')" \
	"read,readv,recv,recvfrom,recvmsg,splice" "the server's receiving calls, all kinds"
is "$(c server_inode '[.events[] | select(.direction == "received" and .ret > 0 and ((.flags / 2 | floor) % 2 == 0)) | .ret] | add')" \
	"$(v server_received)" "the received events, peeks aside, add up to bytes_received"
done_testing

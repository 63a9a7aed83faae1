#!/usr/bin/env bash
# EOF and resets with a real peer.  The peer closes: the first read that
# returns 0 is a peer-eof event and the state goes to CLOSE_WAIT; a write
# after that fails with EPIPE (SIGPIPE ignored): a failure event and the
# write-after-peer-close finding, info as the program wrote no more there
# (a survived EPIPE is a peer that left, routine), a warning where it
# wrote twice more, failing each time (before, every failed write was a
# warning of its own: points 8 and 9 fail).  A peer that closes with
# SO_LINGER {1, 0} resets the connection: the read's ECONNRESET is an
# event with a hint.  A child with SIGPIPE at its default is killed by
# it, traced or not.
. "$(dirname "$0")/lib.sh"
plan 13

# data names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/data" eof-reset > "$WORK/out"
ok $? "data eof-reset runs under the shim"
untraced "$PROGS/data" eof-reset > "$WORK/plain"
is "$(grep -v inode "$WORK/out" | tr '\n' ' ')" \
	"eof_read=0 write_after_close=EPIPE read_after_reset=ECONNRESET write_ignored_1=EPIPE write_ignored_2=EPIPE write_ignored_3=EPIPE child_signal=13 " \
	"kernel: EOF, then EPIPE; ECONNRESET after a linger-0 close; EPIPE again and again; SIGPIPE kills the child"
is "$(grep -v inode "$WORK/plain" | tr '\n' ' ')" "$(grep -v inode "$WORK/out" | tr '\n' ' ')" \
	"the same without the shim (signal behaviour unchanged)"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
c() { jq -r --argjson i "$(v "$1")" ".connections[] | select(.inode == \$i) | $2" "$WORK/r.json"; }

is "$(c eof_inode '[.events[] | select(.op == "peer-eof" or .op == "write") | "\(.op):\(.ret):\(.errno // "-")"] | join(",")')" \
	"peer-eof:0:-,write:-1:EPIPE" "EOF: one peer-eof event, then the failed write (the first, successful write is not an event)"
is "$(c eof_inode '[.events[] | .tcp_state // empty] | join(",")')" "ESTABLISHED,CLOSE_WAIT,CLOSED" \
	"TCP states: ESTABLISHED, CLOSE_WAIT after the peer's FIN, CLOSED after the EPIPE"
is "$(c eof_inode '.eof_t_ns == ([.events[] | select(.op == "peer-eof")][0].t_ns)')" true "eof_t_ns is the peer-eof event's time"
is "$(jq -r --argjson i "$(v eof_inode)" '[.findings[] | select(.inode == $i) | "\(.kind):\(.severity)"] | join(",")' "$WORK/r.json")" \
	"write-after-peer-close:info" "the EPIPE, the program writing no more there, is a write-after-peer-close info"
is "$(jq -r --argjson i "$(v ignored_inode)" '[.findings[] | select(.inode == $i) | "\(.kind):\(.severity)"] | join(",")' "$WORK/r.json")" \
	"write-after-peer-close:warning" "three failed writes on one socket: one write-after-peer-close, a warning"
like "$(c eof_inode '.events[] | select(.op == "write") | .hint')" "SIGPIPE" "the EPIPE event's hint names SIGPIPE"
is "$(c reset_inode '[.events[] | select(.op == "recv") | "\(.errno):\(.tcp_state)"] | join(",")')" "ECONNRESET:CLOSED" \
	"linger 0: the read's ECONNRESET is an event, and the state is CLOSED"
like "$(c reset_inode '.events[] | select(.op == "recv") | .hint')" "RST" "its hint says the peer sent RST"
is "$(jq -r '[.processes[] | select(.killed_by_signal == 13)] | length' "$WORK/r.json")" 1 \
	"the child killed by SIGPIPE is shown so (reaped by its traced parent)"
done_testing

#!/usr/bin/env bash
# setsockopt(SO_LINGER) is recorded with the value given ({on, seconds}),
# successful or not (a refused call without its value); so are the other
# options that change a connection's fate (SO_REUSEADDR, TCP_NODELAY...);
# other options pass unrecorded.  The audit's abortive-close follows the LAST linger value
# (a {1, 0} later reset to {0, 0} is an ordinary close), and only where an
# abortive close exists at all: a UDP socket has no connection to reset.
. "$(dirname "$0")/lib.sh"
plan 9

mkdir -p "$WORK/d"
# calls2 names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/calls2" "$WORK/d" > "$WORK/out" 2> "$WORK/err"
ok $? "calls2 runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
note() { sed -n "s/^# $1 \(.* \)*$2=\([^ ]*\).*/\2/p" "$WORK/err" | head -n 1; }
ROOT=$(top_pid "$WORK/r.json" calls2)
so() {
	q --argjson i "$(note "$1" inode)" '[.connections[] | select(.inode == $i) | .events[] | select(.op == "setsockopt" and .optname == 13)
		| "\(.ret):\(.errno // "-"):\(.level)/\(.optname):\(if .linger then "\(.linger.on)/\(.linger.seconds)" else "-" end)"] | join(",")'
}

is "$(so so)" "0:-:1/13:true/0,0:-:1/13:true/5,0:-:1/13:false/0,-1:EINVAL:1/13:-,-1:EFAULT:1/13:-" \
	"SO_LINGER {1,0}, {1,5}, {0,0} with their values; the short and NULL ones failed, without a value"
is "$(q --argjson i "$(note so inode)" '[.connections[] | select(.inode == $i) | .events[] | select(.op == "setsockopt" and .optname != 13) | "\(.level)/\(.optname):\(.value)"] | join(",")')" \
	"1/2:1,6/1:1" \
	"SO_REUSEADDR and TCP_NODELAY are recorded with their values; an unknown level is not"
pipefd=$(sed -n 's/^so SO_LINGER-pipe fd=\([0-9]*\) .*/\1/p' "$WORK/out")
is "$(q --argjson p "${ROOT:-0}" '[.processes[] | select(.pid == $p) | .events[] | select(.op == "setsockopt") | "\(.fd):\(.errno)"] | join(",")')" \
	"-1:EBADF,$pipefd:ENOTSOCK,$pipefd:ENOTSOCK" \
	"SO_LINGER on fd -1 (EBADF), SO_LINGER and SO_REUSEADDR on a pipe (ENOTSOCK): failed calls about no socket"
is "$(so so-udp)" "0:-:1/13:true/0" "SO_LINGER {1,0} on a UDP socket is recorded"

"$ST" audit --json "$WORK/tr" > "$WORK/a.json"
ok $? "audit --json succeeds"
fa() { jq -r --argjson i "$(note "$1" inode)" '[.findings[] | select(.kind == "abortive-close" and .inode == $i)] | length' "$WORK/a.json"; }
is "$(fa so)" 0 "a TCP socket whose linger was reset to {0, 0} before its close: no abortive-close"
is "$(fa so-udp)" 0 "a UDP socket closed with linger {1, 0}: no abortive-close (no connection, no RST)"
done_testing

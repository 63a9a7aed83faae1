#!/usr/bin/env bash
# Two edges of "which close dropped the socket":
#  - A double close is a close of a number whose LAST occupant was a
#    socket.  Here the socket's number was reused by a file, and the file
#    was closed by close_range (then, reused again, by closefrom): the
#    close() after that fails with EBADF, but it is the file that was closed
#    twice; no double close of the socket may be recorded or reported.
#  - closefrom(-1): glibc closes from fd 0 (it takes a negative lowfd as
#    0), so a socket it closes must be recorded as closed there, not leaked.
. "$(dirname "$0")/lib.sh"
plan 7

mkdir -p "$WORK/d"
# calls2 names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/calls2" "$WORK/d" > "$WORK/out" 2> "$WORK/err"
ok $? "calls2 runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
note() { sed -n "s/^# $1 \(.* \)*$2=\([^ ]*\).*/\2/p" "$WORK/err" | head -n 1; }
ROOT=$(top_pid "$WORK/r.json" calls2)

# The program's own proof of what happened (same traced and untraced: t0220).
is "$(grep -E '^reuse-file2? (same-fd|close-again)' "$WORK/out" | paste -sd'|' -)" \
	"reuse-file same-fd 1|reuse-file close-again fd=$(note reuse-sock fd) ret=-1 errno=EBADF|reuse-file2 close-again fd=$(note reuse-sock fd) ret=-1 errno=EBADF" \
	"the file reused the socket's fd; each close after the range close failed with EBADF"
is "$(q --argjson p "${ROOT:-0}" --argjson i "$(note reuse-sock inode)" --argjson n "$(note cfneg inode)" '
	[.connections[] | select(.inode == $i) | .events[-1].t_ns][0] as $from |
	[.connections[] | select(.inode == $n) | .events[0].t_ns][0] as $to |
	[.processes[] | select(.pid == $p) | .events[] | select(.op == "close" and .t_ns > $from and .t_ns < $to)] | length')" \
	0 "no close record after the socket's own close: the file's two failed closes are not double closes of a socket"
is "$("$ST" audit --json "$WORK/tr" | jq -r --argjson i "$(note reuse-sock inode)" '[.findings[] | select(.kind == "double-close" and .inode == $i)] | length')" 0 \
	"audit: no double-close blamed on the socket whose number a file reused"

s=$(note cfneg fd) p=$(note cfneg pid)
is "$(q --argjson i "$(note cfneg inode)" '[.connections[] | select(.inode == $i) | .events[-1] | "\(.op):\(.refs):\(.released)"] | join(",")')" \
	"closefrom:0:true" "closefrom(-1) in a child: its socket on fd $s ends with a closefrom record, refs 0, released"
is "$("$ST" audit --json "$WORK/tr" | jq -r --argjson p "${p:-0}" '[.findings[] | select(.pid == $p) | .kind] | join(",")')" "" \
	"audit: nothing for that child (its socket was closed, not leaked at exit)"
done_testing

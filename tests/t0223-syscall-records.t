#!/usr/bin/env bash
# syscall(SYS_close / SYS_dup / SYS_dup2 / SYS_dup3 / SYS_close_range, ...)
# drops and copies socket references like the libc functions do, and each
# record says via_syscall: true.  A second SYS_close of a socket fd is a
# recorded double close; SYS_close of an fd that never held a socket, and
# every other system call number, leave no record.
. "$(dirname "$0")/lib.sh"
plan 12

mkdir -p "$WORK/d"
# calls2 names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/calls2" "$WORK/d" > "$WORK/out" 2> "$WORK/err"
ok $? "calls2 runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
note() { sed -n "s/^# $1 \(.* \)*$2=\([^ ]*\).*/\2/p" "$WORK/err" | head -n 1; }
# evs LABEL: the events of the socket noted as LABEL: op:fd:ret:errno:refs:released[:via][:cloexec][=newfd]
J='def ev: "\(.op):\(.fd):\(.ret):\(.errno // "-"):\(.refs):\(if .released == null then "-" else .released end)\(if .via_syscall then ":via" else "" end)\(if .cloexec then ":cloexec" else "" end)\(if .newfd then "=\(.newfd)" else "" end)";'
evs() {
	q --argjson i "$(note "$1" inode)" "$J"' [.connections[] | select(.inode == $i) | .events[] | ev] | join(",")'
}
ROOT=$(top_pid "$WORK/r.json" calls2)

s=$(note sc-close fd)
is "$(evs sc-close)" "socket:-1:$s:-:1:-,close:$s:0:-:0:true:via" \
	"syscall(SYS_close, sock): a close record with via_syscall, refs 0, released"
is "$(q --argjson p "${ROOT:-0}" --argjson fd "$s" --argjson i "$(note sc-close inode)" '
	[.connections[] | select(.inode == $i) | .events[-1].t_ns][0] as $t |
	[.processes[] | select(.pid == $p) | .events[] | select(.op == "close" and .fd == $fd and .t_ns > $t and .errno != null)][0] |
	"\(.ret) \(.errno) \(.via_syscall)"')" \
	"-1 EBADF true" "syscall(SYS_close) again: the double close is recorded, EBADF, via_syscall"
is "$(q '[.connections[].events[], .processes[].events[] | select(.fd == 987)] | length')" 0 \
	"SYS_close / SYS_dup of fd 987 (never a socket): no record"

s=$(note sc-dup fd)
IFS=, read -r d1 d2 d3 <<< "$(note sc-dup copies)"
is "$(evs sc-dup)" \
	"socket:-1:$s:-:1:-,dup:$s:$d1:-:2:-:via=$d1,dup2:$s:$d2:-:3:-:via=$d2,dup3:$s:$d3:-:4:-:via:cloexec=$d3,dup3:$s:-1:EINVAL:4:-:via=$s,dup2:$s:-1:EBADF:4:-:via=-1,close:$s:0:-:3:false,close:$d1:0:-:2:false,close:$d2:0:-:1:false,close:$d3:0:-:0:true" \
	"SYS_dup, SYS_dup2, SYS_dup3 (cloexec) add references 2..4, failed SYS_dup3/SYS_dup2 add none (via_syscall on all), four closes drop them"
is "$(q --argjson i "$(note sc-dup inode)" '[.connections[] | select(.inode == $i) | .fds[]] | sort | map(tostring) | join(",")')" \
	"$(printf '%s\n' "$s" "$d1" "$d2" "$d3" | sort -n | paste -sd, -)" "the socket's fds: the original and the three syscall copies"

a=$(note sc-cr-a fd) b=$(note sc-cr-b fd)
is "$(evs sc-cr-a)|$(evs sc-cr-b)" "socket:-1:$a:-:1:-,close_range:$a:0:-:0:true:via|socket:-1:$b:-:1:-,close_range:$b:0:-:0:true:via" \
	"syscall(SYS_close_range, $a, $b, 0): both sockets end with close_range, via_syscall, released"
is "$(q --argjson i "$(note sc-cr-b inode)" '.connections[] | select(.inode == $i) | .events[-1] | "\(.first) \(.last)"')" \
	"$a $b" "the SYS_close_range record gives first and last"
is "$(q '[.connections[].events[], .processes[].events[] | select(.via_syscall)] | length')" 9 \
	"nine via_syscall records in all: no record for SYS_getpid, SYS_gettid, SYS_write/SYS_read on a pipe, SYS_close of pipe fds, ENOSYS numbers, a refused SYS_close_range"
is "$(q '[.connections[].events[], .processes[].events[] | select(.via_syscall and .op == "close_range" and .errno != null)] | length')" 0 \
	"SYS_close_range(5, 3) (EINVAL): no record"
is "$(q '[.connections[].events[] | select(.op == "close" and (.via_syscall | not) and .fd == '"${d3:-0}"')] | length')" 1 \
	"the libc close() of a syscall copy is not marked via_syscall"
done_testing

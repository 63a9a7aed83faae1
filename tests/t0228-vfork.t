#!/usr/bin/env bash
# vfork: the child borrows the parent's memory and thread, so nothing it
# calls may change the parent's tables or write to the parent's trace.
# Its close of an inherited socket, its double close, its socket() left to
# _exit, its dup2 + close (what posix_spawn-like code does), its failed
# execve and its _exit leave no record in the parent; afterwards the
# parent's own calls on the same fds are recorded with true counts.
. "$(dirname "$0")/lib.sh"
plan 12

mkdir -p "$WORK/d"
# calls2 names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/calls2" "$WORK/d" > "$WORK/out" 2> "$WORK/err"
ok $? "calls2 runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
note() { sed -n "s/^# $1 \(.* \)*$2=\([^ ]*\).*/\2/p" "$WORK/err" | head -n 1; }
ROOT=$(top_pid "$WORK/r.json" calls2)
J='def ev: "\(.pid):\(.op):\(.fd):\(.ret):\(.refs):\(if .released == null then "-" else .released end)";'
evs() {
	q --argjson i "$(note "$1" inode)" "$J"' [.connections[] | select(.inode == $i) | .events[] | ev] | join(",")'
}

s=$(note vf-close fd) c=$(note vf-close pid)
is "$(evs vf-close)" "$ROOT:socket:-1:$s:1:-,$ROOT:close:$s:0:0:true" \
	"vfork child closed the socket (twice): no record; the parent's later close is the one close, refs 0, released"
is "$(q --argjson i "$(note vf-close inode)" --argjson p "${ROOT:-0}" --argjson c "${c:-0}" '
	[.processes[] | select(.pid == $p) | .events[] | select(.op == "waitpid" and .child_pid == $c) | .t_ns][0] as $w |
	[.connections[] | select(.inode == $i) | .events[] | select(.op == "close") | .t_ns > $w] | map(tostring) | join(",")')" \
	true "that close comes after the parent reaped the vfork child"
is "$(q --argjson p "${ROOT:-0}" --argjson c "${c:-0}" --argjson i "$(note vf-close inode)" '
	[.processes[] | select(.pid == $p) | .events[] | select(.op == "waitpid" and .child_pid == $c) | .t_ns][0] as $w |
	[.connections[] | select(.inode == $i) | .events[0].t_ns][0] as $born |
	[.connections[].events[], .processes[].events[] | select(.t_ns > $born and .t_ns < $w)] | length')" \
	0 "between the socket() and the parent's waitpid, while the child ran: no record at all (its close, its double close, its _exit)"
is "$(q --argjson c "${c:-0}" '[.processes[] | select(.pid == $c)] | length')" 0 \
	"a vfork child that only _exits has no trace file of its own"
is "$(q --argjson a "${c:-0}" --argjson b "$(note vf-sock pid)" --argjson d "$(note vf-dup pid)" '
	[.connections[].events[], .processes[].events[] | select(.pid == $a or .pid == $b or .pid == $d)] | length')" \
	0 "no event anywhere carries a vfork child's pid"

s=$(note vf-sock fd)
is "$(evs vf-sock)" "$ROOT:socket:-1:$s:1:-,$ROOT:close:$s:0:0:true" \
	"the child's socket() on fd $s was not entered in the parent's table: the parent's socket on the same number is plain"
is "$(q '[.connections[].events[], .processes[].events[] | select(.op == "missed-close")] | length')" 0 \
	"no missed-close anywhere"
s=$(note vf-dup fd)
is "$(evs vf-dup)" "$ROOT:socket:-1:$s:1:-,$ROOT:close:$s:0:0:true" \
	"the child's dup2 onto fd 60 and close: no record; the parent's socket keeps one reference"

is "$(q --argjson p "${ROOT:-0}" '[.processes[] | select(.pid == $p) | "\(.end) \(.exited)"] | join(",")')" "exit true" \
	"the vfork children's execve and _exit did not mark the parent's trace as exec'd or exited early"
is "$(q --argjson p "${ROOT:-0}" --argjson a "$(note vf-exec pid)" --argjson b "$(note vf-exec-fail pid)" '
	[.processes[] | select(.pid == $p) | .events[] | select(.op == "waitpid" and (.child_pid == $a or .child_pid == $b)) | .exit_status] | map(tostring) | join(",")')" \
	"0,127" "the parent reaped the vfork+execve child (0) and the one whose exec failed (127)"
done_testing

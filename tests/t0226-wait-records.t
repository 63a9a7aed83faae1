#!/usr/bin/env bash
# The wait family: each child that ended and was reaped gives one record
# in the parent, op as called, with child_pid and its exit status or the
# signal that killed it.  Nothing is recorded for WNOHANG's "not yet",
# for waitid(WNOWAIT), which only looks (the child is reaped later, once),
# or for a wait that failed (ECHILD, EINVAL).
. "$(dirname "$0")/lib.sh"
plan 12

mkdir -p "$WORK/d"
traced "$WORK/tr" "$PROGS/calls2" "$WORK/d" > "$WORK/out" 2> "$WORK/err"
ok $? "calls2 runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
note() { sed -n "s/^# $1 \(.* \)*$2=\([^ ]*\).*/\2/p" "$WORK/err" | head -n 1; }
ROOT=$(top_pid "$WORK/r.json" calls2)
WAITS='select(.op == "wait" or .op == "waitpid" or .op == "wait3" or .op == "wait4" or .op == "waitid")'
# reaps PID: the wait-family records about child PID in the root process.
reaps() {
	q --argjson p "${ROOT:-0}" --argjson c "${1:-0}" '[.processes[] | select(.pid == $p) | .events[] | '"$WAITS"' | select(.child_pid == $c)
		| "\(.op):\(.ret):\(.exit_status):\(.signal)"] | join(",")'
}

a=$(note wait-a pid)
is "$(reaps "$a")" "waitpid:$a:3:null" \
	"child a: one record, from waitpid(pid, NULL, 0): exit 3 (WNOHANG's 0 and waitid WNOWAIT's look recorded nothing)"
b=$(note wait-b pid)
is "$(reaps "$b")" "waitid:0:4:null" "child b: waitid(WEXITED): child_pid, exit 4, ret 0"
c=$(note wait-c pid)
is "$(reaps "$c")" "wait3:$c:5:null" "child c: wait3 with rusage: exit 5"
d=$(note wait-d pid)
is "$(reaps "$d")" "wait4:$d:null:15" "child d: wait4: killed by signal 15, no exit status"
is "$(q --argjson c "${d:-0}" '.processes[] | select(.pid == $c) | "\(.end) \(.killed_by_signal) \(.exited)"')" \
	"reaped 15 false" "the killed child's process: ended by signal 15 as its parent's wait saw, not exited"
e=$(note wait-e pid)
is "$(reaps "$e")" "wait:$e:6:null" "child e: wait(): exit 6"
is "$(q '[.connections[].events[], .processes[].events[] | '"$WAITS"' | select(.errno != null or .child_pid <= 0)] | length')" 0 \
	"wait(), waitpid(WNOHANG), waitid, wait4 with no children (ECHILD) and a bad option (EINVAL): no record"
fca=$(note fca pid)
is "$(reaps "$fca")" "waitpid:$fca:0:null" "the fcloseall child, reaped with waitpid: exit 0"
# A child calls2 forked while it held no socket gets a file when it makes one:
# it is still a fork of calls2, as the header's ancestors say, not a root.
is "$(q --argjson p "${ROOT:-0}" '[.processes[] | select(.ppid == $p and .origin == "root") | .pid] | map(tostring) | join(",")')" "" \
	"every traced child of calls2 began as its fork (or an exec of one), none as a root of its own"
# Every child forked has a reap record.
is "$(q --argjson p "${ROOT:-0}" '[.processes[] | select(.pid == $p) | .events] | .[0] as $e |
	[$e[] | select(.op == "fork") | .child_pid] - [$e[] | '"$WAITS"' | .child_pid] | length')" \
	0 "every forked child's end is recorded by a wait-family record"
done_testing

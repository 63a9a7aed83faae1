#!/usr/bin/env bash
# The fork_server example: a fork child gets its own trace (origin fork, ppid),
# the parent records the fork, and the accepted socket's references are
# counted across both processes: the parent's close leaves it open in the
# child, the child's close ends it.
. "$(dirname "$0")/lib.sh"
plan 20

traced "$WORK/tr" "$EX/fork_server" > "$WORK/out"
ok $? "fork_server runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"

lfd=$(printed "$WORK/out" listen fd)
cfd=$(printed "$WORK/out" connect fd)
afd=$(printed "$WORK/out" accept fd)
apeer=$(printed "$WORK/out" accept peer)
like "$lfd $cfd $afd" '^[0-9]+ [0-9]+ [0-9]+$' "the program printed listen, connect and accept fds"


is "$(q '.processes | length')" 2 "two processes"
parent=$(q '.processes[] | select(.origin=="root") | .pid')
child=$(q '.processes[] | select(.origin=="fork") | .pid')
like "$parent" '^[0-9]+$' "one root process"
like "$child" '^[0-9]+$' "one forked process"
[ -n "$parent" ] && [ "$parent" != "$child" ]
ok $? "parent and child are different processes"
is "$(q --argjson c "${child:-0}" '.processes[] | select(.pid==$c) | .ppid')" "$parent" "the child's ppid is the parent's pid"
is "$(q --argjson c "${child:-0}" '.processes[] | select(.pid==$c) | .events[0] | "\(.op) \(.parent_pid)"')" \
	"forked $parent" "the child's first event names its parent"
is "$(q --argjson p "${parent:-0}" '[.processes[] | select(.pid==$p) | .events[] | select(.op=="fork") | .child_pid] | join(",")')" \
	"$child" "the parent has one fork event whose child_pid is the child's pid"
is "$(q '[.processes[] | .exited] | join(",")')" "true,true" "both processes exited"
is "$(q --argjson c "${child:-0}" '.processes[] | select(.pid==$c) | .exit_status')" 0 "the child's _exit status 0 is recorded"

S='[.connections[] | select(.role=="server")]'
is "$(q "$S | length")" 1 "one accepted connection"
is "$(q "$S[0] | \"\(.fds) \(.peer)\"")" "[$afd] $apeer" "accepted connection: the printed fd and peer"
is "$(q --argjson p "${parent:-0}" "$S[0].events[0] | \"\(.op) \(.pid==\$p) \(.ret) \(.refs) \(.refs_total)\"")" \
	"accept true $afd 1 1" "accepted in the parent: 1 reference"
is "$(q --argjson p "${parent:-0}" "[$S[0].events[] | select(.op==\"close\" and .pid==\$p)] | map(\"\(.fd) \(.ret) \(.refs) \(.refs_total)\") | join(\",\")")" \
	"$afd 0 0 1" "the parent's close: refs 0 in the parent, refs_total 1 (the child still holds it)"
is "$(q --argjson c "${child:-0}" "[$S[0].events[] | select(.op==\"close\" and .pid==\$c)] | map(\"\(.fd) \(.ret) \(.refs) \(.refs_total)\") | join(\",\")")" \
	"$afd 0 0 0" "the child's close: refs 0, refs_total 0 (the last reference)"
is "$(q --argjson p "${parent:-0}" --argjson c "${child:-0}" "$S[0].events | map(if .pid==\$p then \"P:\(.op)\" elif .pid==\$c then \"C:\(.op)\" else \"?:\(.op)\" end) | join(\",\")")" \
	"P:accept,P:close,C:close" "the parent's close comes before the child's"

is "$(q '[.connections[] | select(.open_at_exit)] | length')" 0 "no connection open at exit"
is "$(q '.summary.open_at_exit')" 0 "summary.open_at_exit == 0"
done_testing

#!/usr/bin/env bash
# Proof against the kernel: fork-close.  A fork-per-connection server done
# right: the parent closes the accepted socket after fork, the child keeps
# it.  The peer says the parent's close was not final (the child's marker
# arrived) and the child's was (EOF).  socktrace must say the same: the
# parent's close released nothing and names the child as the holder, the
# child's close released the socket, and the audit calls the parent's close
# close-not-final, severity info (the intended pattern).
. "$(dirname "$0")/lib.sh"
plan 20

SC=fork-close
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
parent=$(v parent_pid) child=$(v child_pid) cfd=$(v conn_fd)
like "$parent $child $cfd" '^[0-9]+ [0-9]+ [0-9]+$' "the program printed the parent and child pids and conn_fd"

# The kernel's truth, under the shim and without it.
is "$(v peer_after_parent_close)" alive "kernel: the parent's close is not final (the child's marker arrives)"
is "$(v peer_after_child_close)" eof "kernel: the child's close is final (EOF)"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep '^peer_' "$WORK/plain" | tr '\n' ' ')" "peer_after_parent_close=alive peer_after_child_close=eof " \
	"kernel: the same verdicts without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${parent:-0} --argjson C ${child:-0} --argjson F ${cfd:-0}"
CONN='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$F)))'

is "$(q "[$CONN] | length")" 1 "one connection accepted by the parent on conn_fd"
is "$(q "[$CONN.events[] | select(.op==\"close\" and .fd==\$F)] | map(if .pid==\$P then \"P\" elif .pid==\$C then \"C\" else \"?\" end) | join(\",\")")" \
	"P,C" "two closes of conn_fd, the parent's then the child's"

PC="($CONN.events[] | select(.op==\"close\" and .pid==\$P and .fd==\$F))"
CC="($CONN.events[] | select(.op==\"close\" and .pid==\$C and .fd==\$F))"
is "$(q "$PC | \"\(.ret) \(.released) \(.refs) \(.refs_total)\"")" "0 false 0 1" \
	"the parent's close: not released, refs 0 here, refs_total 1"
is "$(q "$PC | .held_by == [{pid: \$C, fd: \$F}]")" true "the parent's close: held_by is exactly the child's conn_fd"
is "$(q "$CC | \"\(.ret) \(.released) \(.refs) \(.refs_total) \(.held_by)\"")" "0 true 0 0 null" \
	"the child's close: released, refs_total 0, no held_by"
is "$(q "[$CONN.released_t_ns, $CC.t_ns] | .[0] == .[1] and .[0] != null")" true "the connection's release time is the child's close"
is "$(q "$CONN | [.holders[] | \"\(if .pid==\$P then \"P\" elif .pid==\$C then \"C\" else .pid end):\(.fd):\(.how):\(.end)\"] | join(\",\")")" \
	"P:$cfd:accept4:close,C:$cfd:fork:close" "holders: the parent (accept4) and the child (fork), both ended by close"

F='(.findings[] | select(.kind=="close-not-final" and .fd==$F))'
is "$(q "[$F | select(.pid==\$P)] | map(\"\(.severity) \(.id)\") | join(\",\")")" \
	"info $(q "$CONN.id")" "a close-not-final finding (info) for the parent's conn_fd, on the connection (its id)"
like "$(q "$F | select(.pid==\$P) | .message")" "pid $child fd $cfd" "its message names the child's reference"
is "$(q "[$F | select(.pid==\$C)] | length")" 0 "no close-not-final for the child's close (it was final)"
is "$(q '[.findings[] | select(.severity=="warning" or .severity=="error")] | length')" 0 \
	"no warning or error finding"

"$ST" audit --json "$TR" > "$WORK/a.json"
is "$(jq -c .findings "$WORK/a.json")" "$(q -c .findings)" "audit --json gives the report's findings"
"$ST" audit --fail-on=warning "$TR" > /dev/null
is $? 0 "audit --fail-on=warning exits 0 (nothing at warning or above)"
"$ST" audit --fail-on=info "$TR" > /dev/null
is $? 1 "audit --fail-on=info exits 1 (the info findings)"
done_testing

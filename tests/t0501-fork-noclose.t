#!/usr/bin/env bash
# Proof against the kernel: fork-noclose.  The classic bug: the parent keeps
# the accepted socket after fork, so the child's close is not final (the
# parent's marker still reaches the peer after it) and only the parent's own
# close ends the connection (EOF).  socktrace must call the child's close
# close-not-final with severity warning, naming the parent as the holder,
# and the parent's close the release.
. "$(dirname "$0")/lib.sh"
plan 18

SC=fork-noclose
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
parent=$(v parent_pid) child=$(v child_pid) cfd=$(v conn_fd)
like "$parent $child $cfd" '^[0-9]+ [0-9]+ [0-9]+$' "the program printed the parent and child pids and conn_fd"

is "$(v peer_after_child_close)" alive "kernel: the child's close is not final (the parent's marker arrives)"
is "$(v peer_after_parent_close)" eof "kernel: the parent's close is final (EOF)"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep '^peer_' "$WORK/plain" | tr '\n' ' ')" "peer_after_child_close=alive peer_after_parent_close=eof " \
	"kernel: the same verdicts without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${parent:-0} --argjson C ${child:-0} --argjson F ${cfd:-0}"
CONN='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$F)))'
PC="($CONN.events[] | select(.op==\"close\" and .pid==\$P and .fd==\$F))"
CC="($CONN.events[] | select(.op==\"close\" and .pid==\$C and .fd==\$F))"

is "$(q "[$CONN] | length")" 1 "one connection accepted by the parent on conn_fd"
is "$(q "[$CONN.events[] | select(.op==\"close\" and .fd==\$F)] | map(if .pid==\$P then \"P\" elif .pid==\$C then \"C\" else \"?\" end) | join(\",\")")" \
	"C,P" "two closes of conn_fd, the child's then the parent's"
is "$(q "$CC | \"\(.ret) \(.released) \(.refs) \(.refs_total)\"")" "0 false 0 1" \
	"the child's close: not released, refs 0 there, refs_total 1"
is "$(q "$CC | .held_by == [{pid: \$P, fd: \$F}]")" true "the child's close: held_by is exactly the parent's conn_fd"
is "$(q "$PC | \"\(.ret) \(.released) \(.refs) \(.refs_total) \(.held_by)\"")" "0 true 0 0 null" \
	"the parent's close: released, refs_total 0, no held_by"
is "$(q "[$CONN.released_t_ns, $PC.t_ns] | .[0] == .[1] and .[0] != null")" true \
	"the connection's release time is the parent's close"

F='(.findings[] | select(.kind=="close-not-final" and .fd==$F))'
is "$(q "[$F | select(.pid==\$C)] | map(\"\(.severity) \(.id)\") | join(\",\")")" \
	"warning $(q "$CONN.id")" "a close-not-final finding, severity warning, for the child's conn_fd"
like "$(q "$F | select(.pid==\$C) | .message")" "pid $parent fd $cfd" "its message names the parent's reference"
is "$(q "[$F | select(.pid==\$P)] | length")" 0 "no close-not-final for the parent's close (it was final)"

"$ST" audit --fail-on=warning "$TR" > /dev/null
is $? 1 "audit --fail-on=warning exits 1 (the warning)"
"$ST" audit --fail-on=error "$TR" > /dev/null
is $? 0 "audit --fail-on=error exits 0 (no error)"
"$ST" audit "$TR" > "$WORK/a.txt"
like "$(grep -E '^warning +close-not-final' "$WORK/a.txt")" "pid $child fd $cfd" \
	"the text audit lists the warning for the child's fd"
done_testing

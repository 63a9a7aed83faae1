#!/usr/bin/env bash
# Proof against the kernel: sigkill-child.  A forked child blocked in read()
# holds the accepted socket; the parent's close is not final (the peer is
# still ESTABLISHED); SIGKILL ends the child and the kernel's cleanup of its
# fds ends the connection (EOF).  socktrace cannot see the dead child's
# last moment, but the parent's waitpid tells it: the child must be shown
# reaped, killed by signal 9, and its reference as the last one, ended by
# the kill.
. "$(dirname "$0")/lib.sh"
plan 18

SC=sigkill-child
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
parent=$(v parent_pid) child=$(v child_pid) cfd=$(v conn_fd)
like "$parent $child $cfd" '^[0-9]+ [0-9]+ [0-9]+$' "the program printed the parent and child pids and conn_fd"

is "$(v peer_after_parent_close)" established "kernel: the parent's close is not final (ESTABLISHED)"
is "$(v child_status) $(v peer_after_kill)" "killed:9 eof" "kernel: SIGKILL of the child ends the connection (EOF)"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep -E '^(peer_|child_status)' "$WORK/plain" | tr '\n' ' ')" \
	"peer_after_parent_close=established child_status=killed:9 peer_after_kill=eof " \
	"kernel: the same verdicts without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${parent:-0} --argjson C ${child:-0} --argjson F ${cfd:-0}"
CONN='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$F)))'
PC="($CONN.events[] | select(.op==\"close\" and .pid==\$P and .fd==\$F))"
WAIT='(.processes[] | select(.pid==$P) | .events[] | select(.op=="waitpid" and .child_pid==$C))'

is "$(q '[.processes[] | select(.pid==$C) | "\(.origin) \(.ppid==$P) \(.end) \(.killed_by_signal) \(.exited)"] | join(",")')" \
	"fork true reaped 9 false" "the child: forked by the parent, end reaped, killed_by_signal 9, not exited"
is "$(q "[$WAIT] | map(\"\(.ret==\$C) \(.signal) \(.exit_status)\") | join(\",\")")" "true 9 null" \
	"the parent's waitpid names the child, signal 9, no exit status"
is "$(q "[$CONN] | length")" 1 "one connection accepted by the parent on conn_fd"
is "$(q "$PC | \"\(.ret) \(.released) \(.refs) \(.refs_total)\"")" "0 false 0 1" \
	"the parent's close: not released, refs_total 1"
is "$(q "$PC | .held_by == [{pid: \$C, fd: \$F}]")" true "the parent's close: held_by is exactly the child's conn_fd"
is "$(q "[$CONN.events[] | select(.pid==\$C)] | length")" 0 "the child made no call on the socket (it never closed it)"
is "$(q "$CONN | [.holders[] | select(.pid==\$C and .fd==\$F) | \"\(.how) \(.end)\"] | join(\",\")")" "fork killed by SIGKILL" \
	"the child's reference came by fork and ended with the kill"
# The child's was the last reference: it ends where the connection is released.
is "$(q "[($CONN.holders | max_by(.to_t_ns) | .pid), $CONN.released_t_ns, ($CONN.holders[] | select(.pid==\$C) | .to_t_ns), $WAIT.t_ns] | .[0]==\$C and .[1]==.[2] and .[2]==.[3]")" \
	true "the child's holder is the last, and the release is at the waitpid that saw the kill"
is "$(q "[$CONN.released_t_ns, $PC.t_ns] | .[0] > .[1]")" true "the release comes after the parent's close"
like "$(q '.findings[] | select(.kind=="close-not-final" and .pid==$P and .fd==$F) | .message')" \
	"pid $child fd $cfd.*SIGKILL" "the parent's close-not-final finding names the child and the kill"
# The leak rule: a copy the child got by fork and never used is not its leak, however it ended.
is "$(q '[.findings[] | select(.pid==$C and .fd==$F) | "\(.kind) \(.severity)"] | join(",")')" \
	"open-at-exit info" "the child's conn_fd, held to its (killed) end: open-at-exit, info (a fork copy it never used)"
"$ST" audit --fail-on=warning "$TR" > /dev/null
is $? 0 "audit --fail-on=warning exits 0: nothing above info"
done_testing

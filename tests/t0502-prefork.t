#!/usr/bin/env bash
# Proof against the kernel: prefork.  Three workers inherit the listener
# and each accepts one connection; the parent closes its listener first,
# and the kernel keeps accepting (every connect is served).  socktrace must
# say the parent's close released nothing and that the three workers held
# the listener, then that the last worker's close released it.
. "$(dirname "$0")/lib.sh"
plan 18

SC=prefork
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
parent=$(v parent_pid) lfd=$(v listen_fd)
w1=$(v worker_pid_1) w2=$(v worker_pid_2) w3=$(v worker_pid_3)
like "$parent $lfd $w1 $w2 $w3" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$' "the program printed the parent, listen_fd and three worker pids"
workers=$(printf '%s\n' "$w1" "$w2" "$w3" | sort -n | tr '\n' ',')

is "$(v peer_after_parent_close_listener)" accepting "kernel: after the parent's close the listener still accepts"
is "$(v connections_served) $(v replies)" "3 W1,W2,W3" "kernel: every worker served one connection"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep -E '^(peer_|connections_served|replies)' "$WORK/plain" | tr '\n' ' ')" \
	"peer_after_parent_close_listener=accepting connections_served=3 replies=W1,W2,W3 " \
	"kernel: the same verdicts without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${parent:-0} --argjson L ${lfd:-0}"
LST='(.connections[] | select(.role=="listener" and any(.events[]; .op=="socket" and .pid==$P and .ret==$L)))'
PC="($LST.events[] | select(.op==\"close\" and .pid==\$P and .fd==\$L))"

is "$(q "[$LST] | length")" 1 "one listener, made by the parent on listen_fd"
is "$(q '[.processes[] | select(.origin=="fork" and .ppid==$P) | .pid] | sort | map(tostring) | join(",") + ","')" \
	"$workers" "three forked processes, the printed workers"
is "$(q "$PC | \"\(.ret) \(.released) \(.refs) \(.refs_total)\"")" "0 false 0 3" \
	"the parent's close of listen_fd: not released, refs_total 3"
is "$(q "$PC | .held_by | length")" 3 "its held_by has 3 entries"
is "$(q "$PC | [.held_by[] | select(.fd==\$L) | .pid] | sort | map(tostring) | join(\",\") + \",\"")" \
	"$workers" "held_by names the three workers, each on listen_fd"
is "$(q "$LST | [.holders[] | select(.pid==\$P and .how==\"socket\")] | length") $(q "$LST | [.holders[] | select(.how==\"fork\" and .fd==\$L) | .pid] | sort | map(tostring) | join(\",\") + \",\"")" \
	"1 $workers" "listener holders: the parent (socket) and the three workers (fork)"
is "$(q "$LST | .holders | length >= 4")" true "the listener has 4 or more holders"
is "$(q "[$LST.events[] | select(.op==\"accept\" and .listener_side) | .pid] | sort | map(tostring) | join(\",\") + \",\"")" \
	"$workers" "each worker accepted once on the listener"
# The last worker to close it releases the listener; which one is the scheduler's choice.
is "$(q "[$LST.events[] | select(.op==\"close\" and .released)] | map(\"\(.pid != \$P) \(.refs_total)\") | join(\",\")")" \
	"true 0" "exactly one close of the listener is released, a worker's, refs_total 0"
is "$(q "[$LST.events[] | select(.op==\"close\") | .refs_total] | map(tostring) | join(\",\")")" "3,2,1,0" \
	"the listener's closes count down 3,2,1,0"

is "$(q '[.findings[] | select(.kind=="close-not-final" and .pid==$P and .fd==$L) | .severity] | join(",")')" \
	info "a close-not-final finding (info) for the parent's listen_fd"
n=$(q '[.findings[] | select(.severity=="warning" or .severity=="error")] | length')
"$ST" audit --fail-on=warning "$TR" > /dev/null
is "$? $n" "0 0" "no warning or error finding, and audit --fail-on=warning exits 0"
done_testing

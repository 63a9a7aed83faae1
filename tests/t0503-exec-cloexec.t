#!/usr/bin/env bash
# Proof against the kernel: exec-nocloexec and exec-cloexec.  A forked
# child execs a helper that never touches a socket; then the parent closes
# the accepted socket.  Without close-on-exec the helper holds it across
# exec: the peer's connection stays ESTABLISHED after the parent's close and
# ends (EOF) when the helper exits.  With SOCK_CLOEXEC the exec dropped the
# child's copy and the parent's close is final (EOF).  socktrace must show
# the helper's image (origin exec), its reference (how exec), the parent's
# close not released while the helper holds it, an inherited-across-exec
# finding, and the release at the helper's exit; and for cloexec, a final
# parent close and no such finding.
. "$(dirname "$0")/lib.sh"
plan 30


# ---- exec-nocloexec ------------------------------------------------------
TR=$WORK/tr1
traced "$TR" "$PROGS/refs" exec-nocloexec > "$WORK/out1"
ok $? "refs exec-nocloexec runs under the shim"
parent=$(v parent_pid "$WORK/out1") helper=$(v helper_pid "$WORK/out1") cfd=$(v conn_fd "$WORK/out1")
like "$parent $helper $cfd" '^[0-9]+ [0-9]+ [0-9]+$' "nocloexec: the program printed the parent and helper pids and conn_fd"

is "$(v conn_cloexec "$WORK/out1")" 0 "nocloexec: conn has no FD_CLOEXEC"
is "$(v peer_after_parent_close "$WORK/out1")" established "kernel: the parent's close is not final (the peer is still ESTABLISHED)"
is "$(v helper_status "$WORK/out1") $(v peer_after_helper_exit "$WORK/out1")" "exited:0 eof" \
	"kernel: the helper's exit ends the connection (EOF)"
untraced "$PROGS/refs" exec-nocloexec > "$WORK/plain1"
is "$(grep -E '^(conn_cloexec|peer_|helper_status)' "$WORK/plain1" | tr '\n' ' ')" \
	"conn_cloexec=0 peer_after_parent_close=established helper_status=exited:0 peer_after_helper_exit=eof " \
	"kernel: the same verdicts without the shim"

report_json "$TR" > "$WORK/r1.json"
ok $? "nocloexec: report --json succeeds"
A="--argjson P ${parent:-0} --argjson H ${helper:-0} --argjson F ${cfd:-0}"
Q_FILE=$WORK/r1.json
CONN='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$F)))'
PC="($CONN.events[] | select(.op==\"close\" and .pid==\$P and .fd==\$F))"
EXI='(.processes[] | select(.pid==$H and .origin=="exec"))'
FRK='(.processes[] | select(.pid==$H and .origin=="fork"))'

is "$(q "[$EXI] | length") $(q "[$FRK] | length")" "1 1" \
	"the helper pid has two images: the forked child (origin fork) and the exec'd helper (origin exec)"
is "$(q "[$EXI.exec_from, $FRK.file] | .[0] == .[1] and .[0] != null")" true \
	"the exec'd image's exec_from is the forked image's file"
is "$(q "$FRK | \"\(.end) \(.exec_into != null)\"") $(q "$EXI | \"\(.ppid == \$P) \(.end)\"")" \
	"exec true true exit" "the forked image ended by exec (exec_into set); the helper's parent is the parent; it exited"
is "$(q "[$CONN] | length")" 1 "one connection accepted by the parent on conn_fd"
is "$(q "$CONN | [.holders[] | select(.pid==\$H and .fd==\$F and .how==\"exec\")] | map(\"\(.cloexec) \(.end)\") | join(\",\")")" \
	"false exit" "the conn has a holder in the helper: fd conn_fd, how exec, no cloexec, ended by exit"
is "$(q "$PC | \"\(.ret) \(.released) \(.refs) \(.refs_total)\"")" "0 false 0 1" \
	"the parent's close: not released, refs_total 1"
is "$(q "$PC | .held_by == [{pid: \$H, fd: \$F}]")" true "the parent's close: held_by is exactly the helper's conn_fd"
is "$(q "[$CONN.released_t_ns, ($EXI.events[] | select(.op==\"exit\") | .t_ns)] | .[0] == .[1] and .[0] != null")" true \
	"the connection is released at the helper's exit"
is "$(q "[$CONN.released_t_ns, $PC.t_ns] | .[0] > .[1]")" true "the release comes after the parent's close"
is "$(q '[.findings[] | select(.kind=="inherited-across-exec" and .pid==$H and .fd==$F)] | map("\(.severity) \(.id)") | join(",")')" \
	"warning $(q "$CONN.id")" "an inherited-across-exec finding (warning) for the helper's conn_fd"
is "$(q '[.findings[] | select(.kind=="close-not-final" and .pid==$P and .fd==$F)] | length')" 1 \
	"a close-not-final finding for the parent's close"
"$ST" audit --fail-on=warning "$TR" > /dev/null
is $? 1 "nocloexec: audit --fail-on=warning exits 1"

# ---- exec-cloexec --------------------------------------------------------
TR=$WORK/tr2
traced "$TR" "$PROGS/refs" exec-cloexec > "$WORK/out2"
ok $? "refs exec-cloexec runs under the shim"
parent=$(v parent_pid "$WORK/out2") helper=$(v helper_pid "$WORK/out2") cfd=$(v conn_fd "$WORK/out2")
like "$parent $helper $cfd" '^[0-9]+ [0-9]+ [0-9]+$' "cloexec: the program printed the parent and helper pids and conn_fd"
is "$(v conn_cloexec "$WORK/out2") $(v peer_after_parent_close "$WORK/out2") $(v helper_status "$WORK/out2")" \
	"1 eof exited:0" "kernel: with FD_CLOEXEC the parent's close is final (EOF)"
untraced "$PROGS/refs" exec-cloexec > "$WORK/plain2"
is "$(grep -E '^(conn_cloexec|peer_|helper_status)' "$WORK/plain2" | tr '\n' ' ')" \
	"conn_cloexec=1 peer_after_parent_close=eof helper_status=exited:0 " \
	"kernel: the same verdicts without the shim"

report_json "$TR" > "$WORK/r2.json"
ok $? "cloexec: report --json succeeds"
A="--argjson P ${parent:-0} --argjson H ${helper:-0} --argjson F ${cfd:-0}"
Q_FILE=$WORK/r2.json

# The helper's image holds no socket, so it has no file (format 4): the
# forked child's file, whose image the exec replaced, says it was exec'd.
is "$(q "[$FRK | .end] | join(\",\")") $(q "[$EXI] | length") $(q "$CONN | [.holders[] | select(.how==\"exec\")] | length")" "exec 0 0" \
	"cloexec: the child was exec'd into the helper, which holds no socket (no file) and no reference to conn"
is "$(q "$CONN | [.holders[] | select(.pid==\$H and .fd==\$F)] | map(\"\(.how) \(.cloexec) \(.end)\") | join(\",\")")" \
	"fork true exec (close-on-exec)" "the forked child's copy ended at exec, by close-on-exec"
is "$(q "[$CONN.events[] | select(.op==\"exec-fd\" and .pid==\$H)] | map(\"\(.fd) \(.released) \(.refs_total) \(.held_by == [{pid: \$P, fd: \$F}])\") | join(\",\")")" \
	"$cfd false 1 true" "the exec dropped the child's copy: not released, held_by the parent"
is "$(q "$PC | \"\(.ret) \(.released) \(.refs) \(.refs_total) \(.held_by)\"")" "0 true 0 0 null" \
	"the parent's close: released, refs_total 0"
is "$(q '[.findings[] | select(.kind=="inherited-across-exec")] | length')" 0 "no inherited-across-exec finding"
n=$(q '[.findings[] | select(.severity=="warning" or .severity=="error")] | length')
"$ST" audit --fail-on=warning "$TR" > /dev/null
is "$? $n" "0 0" "cloexec: no warning or error finding, and audit --fail-on=warning exits 0"
done_testing

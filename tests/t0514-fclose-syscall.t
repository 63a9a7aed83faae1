#!/usr/bin/env bash
# Proof against the kernel: fclose and syscall-close.  fclose() of a FILE
# made by fdopen(conn) is the socket's final close (EOF); so is
# syscall(SYS_close, conn), which goes around close().  socktrace must
# record each as the release (op fclose; op close with via_syscall), and a
# syscall(SYS_dup) as a dup (via_syscall), so that the new socket on the
# freed fd number is no missed close and the dup's references add up.
. "$(dirname "$0")/lib.sh"
plan 22

CONN='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$F)))'

# ---- fclose ---------------------------------------------------------------
TR=$WORK/tr1
traced "$TR" "$PROGS/refs" fclose > "$WORK/out1"
ok $? "refs fclose runs under the shim"
pid=$(v pid "$WORK/out1") cfd=$(v conn_fd "$WORK/out1")
like "$pid $cfd" '^[0-9]+ [0-9]+$' "fclose: the program printed its pid and conn_fd"
is "$(v peer_after_fclose "$WORK/out1")" eof "kernel: fclose of the fdopen'd socket is its final close (EOF)"
untraced "$PROGS/refs" fclose > "$WORK/plain1"
is "$(grep '^peer_' "$WORK/plain1")" "peer_after_fclose=eof" "kernel: the same verdict without the shim"

report_json "$TR" > "$WORK/r1.json"
ok $? "fclose: report --json succeeds"
A="--argjson P ${pid:-0} --argjson F ${cfd:-0}"
Q_FILE=$WORK/r1.json
FC="($CONN.events[] | select(.op==\"fclose\"))"
is "$(q "$CONN | [.events[] | .op] | join(\",\")")" "accept4,fclose" \
	"the socket's timeline: accept4, fclose (fclose's inner close is not counted again)"
is "$(q "$FC | \"\(.pid==\$P) \(.fd==\$F) \(.ret) \(.released) \(.refs) \(.refs_total)\"")" "true true 0 true 0 0" \
	"fclose on conn_fd released the socket, refs_total 0"
is "$(q "[$CONN.released_t_ns, $FC.t_ns, ($CONN.holders | map(.end) | join(\",\"))] | \"\(.[0] == .[1]) \(.[2])\"")" \
	"true fclose" "the release time is the fclose's, and the holder ended by it"
is "$(q '[.findings[]] | length')" 0 "fclose: no finding at all (no missed or double close)"

# ---- syscall-close --------------------------------------------------------
TR=$WORK/tr2
traced "$TR" "$PROGS/refs" syscall-close > "$WORK/out2"
ok $? "refs syscall-close runs under the shim"
pid=$(v pid "$WORK/out2") cfd=$(v conn_fd "$WORK/out2") sfd=$(v socket_fd "$WORK/out2") dfd=$(v dup_fd "$WORK/out2")
like "$pid $cfd $sfd $dfd" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "syscall-close: the program printed its pid and fds"
is "$(v peer_after_close "$WORK/out2")" eof "kernel: syscall(SYS_close) of the socket is its final close (EOF)"
untraced "$PROGS/refs" syscall-close > "$WORK/plain2"
is "$(grep '^peer_' "$WORK/plain2") $(v socket_fd "$WORK/plain2")" "peer_after_close=eof $(v conn_fd "$WORK/plain2")" \
	"kernel: the same without the shim (and the new socket gets the freed fd number)"

report_json "$TR" > "$WORK/r2.json"
ok $? "syscall-close: report --json succeeds"
A="--argjson P ${pid:-0} --argjson F ${cfd:-0} --argjson S ${sfd:-0} --argjson D ${dfd:-0}"
Q_FILE=$WORK/r2.json
SCL="($CONN.events[] | select(.op==\"close\"))"
NS='(.connections[] | select(any(.events[]; .op=="socket" and .pid==$P and .ret==$S)) | select(.role=="unconnected"))'

is "$(q "[$SCL] | map(\"\(.fd==\$F) \(.ret) \(.via_syscall) \(.released) \(.refs_total)\") | join(\",\")")" \
	"true 0 true true 0" "the conn's one close: on conn_fd, via_syscall, released, refs_total 0"
is "$(q "[$NS] | length") $(q "[$NS.events[] | select(.op==\"dup\")] | map(\"\(.fd==\$S) \(.ret==\$D) \(.via_syscall) \(.refs) \(.refs_total)\") | join(\",\")")" \
	"1 true true true 2 2" "the new socket on socket_fd: syscall(SYS_dup) recorded as dup to dup_fd, via_syscall, refs 2"
is "$(q "$NS | [.holders[] | \"\(.fd==\$S or .fd==\$D) \(.how)\"] | join(\",\")")" "true socket,true dup" \
	"its holders: socket_fd (socket) and dup_fd (dup)"
is "$(q "[$NS.events[] | select(.op==\"close\")] | map(\"\(.fd==\$D or .fd==\$S) \(.released) \(.refs_total)\") | join(\",\")")" \
	"true false 1,true true 0" "its closes: dup_fd (not released, refs_total 1), then socket_fd (released)"
is "$(q "[$NS.events[] | select(.op==\"close\" and .fd==\$D)] | .[0].held_by == [{pid: \$P, fd: \$S}]")" true \
	"closing dup_fd: held_by is the same process's socket_fd"
is "$(q '[.connections[].events[] | select(.op=="missed-close")] | length') $(q '[.findings[] | select(.kind=="missed-close" or .kind=="double-close")] | length')" \
	"0 0" "no missed close: the syscall close was seen, so reusing its fd number is no surprise"
is "$(q '[.findings[] | select(.severity=="warning" or .severity=="error")] | length')" 0 "no warning or error finding"
"$ST" audit --fail-on=warning "$TR" > /dev/null
is $? 0 "syscall-close: audit --fail-on=warning exits 0"
done_testing

#!/usr/bin/env bash
# Proof against the kernel: dup2-over.  dup2(pipe, conn_fd) onto the only
# fd of an accepted socket closes that socket: the peer sees EOF at once.
# socktrace must record the dup2 as the socket's release (implicit_close,
# released, refs_total 0) and must not mistake the later close(conn_fd),
# which closes the pipe's copy, for a close of the socket.
. "$(dirname "$0")/lib.sh"
plan 13

SC=dup2-over
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
pid=$(v pid) cfd=$(v conn_fd) pfd=$(v pipe_fd)
like "$pid $cfd $pfd" '^[0-9]+ [0-9]+ [0-9]+$' "the program printed its pid, conn_fd and pipe_fd"

is "$(v peer_after_dup2)" eof "kernel: dup2 over the only fd closed the connection (EOF)"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep '^peer_' "$WORK/plain")" "peer_after_dup2=eof" "kernel: the same verdict without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${pid:-0} --argjson F ${cfd:-0} --argjson D ${pfd:-0}"
CONN='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$F)))'
DUP="($CONN.events[] | select(.op==\"dup2\"))"

is "$(q "[$CONN] | length")" 1 "one connection accepted on conn_fd"
is "$(q "[$DUP] | length")" 1 "one dup2 event on the connection"
is "$(q "$DUP | \"\(.pid==\$P) \(.fd==\$D) \(.ret==\$F) \(.newfd==\$F) \(.implicit_close)\"")" \
	"true true true true true" "dup2(pipe_fd, conn_fd) = conn_fd, implicit_close true"
is "$(q "$DUP | \"\(.released) \(.refs) \(.refs_total) \(.held_by)\"")" "true 0 0 null" \
	"the dup2 released the socket: refs_total 0, no held_by"
is "$(q "[$CONN.released_t_ns, $DUP.t_ns] | .[0] == .[1] and .[0] != null")" true \
	"the connection's release time is the dup2"
is "$(q "$CONN | [.holders[] | \"\(.fd==\$F) \(.how) \(.end)\"] | join(\",\")")" "true accept4 dup2 over it" \
	"its one holder (accept4 on conn_fd) ended by the dup2"
# The program's later close(conn_fd) closes the pipe's copy: not the socket.
is "$(q "[$CONN.events[] | select(.op==\"close\")] | length")" 0 "no close event on the socket after the dup2"
is "$(q "$CONN.id as \$i | [.findings[] | select(.id == \$i)] | length") $(q '[.findings[] | select(.severity!="info")] | length')" \
	"0 0" "no finding about the connection, and none at warning or above"
done_testing

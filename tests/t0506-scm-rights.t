#!/usr/bin/env bash
# Proof against the kernel: scm-rights.  The sender passes its accepted
# socket to the receiver over a unix socketpair (SCM_RIGHTS), then closes
# it: the peer says that close was not final (the receiver's marker
# arrives) and the receiver's close was (EOF).  socktrace must see the
# passing (sendmsg in the sender, recvmsg in the receiver on received_fd),
# the sender's close held by the receiver's copy, and the receiver's close
# as the release.
. "$(dirname "$0")/lib.sh"
plan 19

SC=scm-rights
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
snd=$(v sender_pid) rcv=$(v receiver_pid) cfd=$(v conn_fd) rfd=$(v received_fd)
like "$snd $rcv $cfd $rfd" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "the program printed both pids, conn_fd and received_fd"

is "$(v peer_after_sender_close)" alive "kernel: the sender's close is not final (the receiver's marker arrives)"
is "$(v peer_after_receiver_close)" eof "kernel: the receiver's close is final (EOF)"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep '^peer_' "$WORK/plain" | tr '\n' ' ')" "peer_after_sender_close=alive peer_after_receiver_close=eof " \
	"kernel: the same verdicts without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson S ${snd:-0} --argjson R ${rcv:-0} --argjson F ${cfd:-0} --argjson G ${rfd:-0}"
CONN='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$S and .ret==$F)))'
SND="($CONN.events[] | select(.op==\"sendmsg\"))"
RCV="($CONN.events[] | select(.op==\"recvmsg\"))"
SC_="($CONN.events[] | select(.op==\"close\" and .pid==\$S and .fd==\$F))"
RC_="($CONN.events[] | select(.op==\"close\" and .pid==\$R and .fd==\$G))"

is "$(q "[$CONN] | length")" 1 "one connection accepted by the sender on conn_fd"
is "$(q "[$SND] | map(\"\(.pid==\$S) \(.fd==\$F) \(.ret) \(.refs_total)\") | join(\",\")")" "true true 1 2" \
	"one sendmsg of conn_fd by the sender (refs_total 2 while in flight)"
is "$(q "[$RCV] | map(\"\(.pid==\$R) \(.fd==\$G) \(.ret) \(.refs) \(.refs_total)\") | join(\",\")")" "true true 1 1 2" \
	"one recvmsg in the receiver, on received_fd: refs 1 there, refs_total 2"
# The carriers are the two ends of one socketpair (by id: a socket's inode
# is fetched only where the trace needs it).
is "$(q "$SND.carrier_id as \$si | $RCV.carrier_id as \$ri | [.connections[] | select(.role==\"pair\" and .id==\$si) | .peer_id] == [\$ri] and \$si != \$ri and \$si != null")" \
	true "sendmsg and recvmsg carriers are the two ends of one socketpair"
is "$(q "$CONN | [.holders[] | select(.pid==\$R and .fd==\$G) | .how] | join(\",\")")" "recvmsg (SCM_RIGHTS)" \
	"the receiver holds the socket on received_fd, by recvmsg"
is "$(q "$SC_ | \"\(.ret) \(.released) \(.refs) \(.refs_total) \(.in_flight)\"")" "0 false 0 1 null" \
	"the sender's close: not released, refs_total 1, nothing in flight"
is "$(q "$SC_ | .held_by == [{pid: \$R, fd: \$G}]")" true "the sender's close: held_by is exactly the receiver's received_fd"
is "$(q "$RC_ | \"\(.ret) \(.released) \(.refs) \(.refs_total) \(.held_by)\"")" "0 true 0 0 null" \
	"the receiver's close: released, refs_total 0"
is "$(q "[$CONN.released_t_ns, $RC_.t_ns] | .[0] == .[1] and .[0] != null")" true \
	"the connection's release time is the receiver's close"
is "$(q "[$CONN.events[] | select(.pid==\$S or .pid==\$R) | .op] | join(\",\")")" "accept4,sendmsg,recvmsg,close,close" \
	"the socket's timeline: accept4, sendmsg, recvmsg, close, close"
is "$(q '[.findings[] | select(.kind=="close-not-final" and .pid==$S and .fd==$F) | .severity] | join(",")')" info \
	"a close-not-final finding (info) for the sender's conn_fd"
is "$(q "$CONN.id as \$i | [.findings[] | select(.id == \$i and .pid==\$R)] | length")" 0 "no finding about the socket in the receiver"
n=$(q '[.findings[] | select(.severity=="warning" or .severity=="error")] | length')
"$ST" audit --fail-on=warning "$TR" > /dev/null
is "$? $n" "0 0" "no warning or error finding, and audit --fail-on=warning exits 0"
done_testing

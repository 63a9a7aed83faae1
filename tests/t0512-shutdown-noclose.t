#!/usr/bin/env bash
# Proof against the kernel: shutdown-noclose.  shutdown(SHUT_WR) sends FIN
# at once (the peer sees EOF) although the fd stays open; the program then
# exits without closing it.  socktrace must record the shutdown, keep the
# socket open to the end, and report shutdown-without-close for the fd, not
# also leaked-at-exit (one fact, one finding).
. "$(dirname "$0")/lib.sh"
plan 14

SC=shutdown-noclose
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
pid=$(v pid) cfd=$(v conn_fd)
like "$pid $cfd" '^[0-9]+ [0-9]+$' "the program printed its pid and conn_fd"

is "$(v peer_after_shutdown)" eof "kernel: shutdown(SHUT_WR) sends FIN at once (EOF), no close needed"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(grep '^peer_' "$WORK/plain")" "peer_after_shutdown=eof" "kernel: the same verdict without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${pid:-0} --argjson F ${cfd:-0}"
CONN='(.connections[] | select(any(.events[]; .op=="accept4" and .listener_side==false and .pid==$P and .ret==$F)))'

is "$(q "$CONN | [.events[] | .op] | join(\",\")")" "accept4,shutdown" "the socket's timeline: accept4, shutdown (no close)"
is "$(q "$CONN.events[] | select(.op==\"shutdown\") | \"\(.fd==\$F) \(.ret) \(.how) \(.refs) \(.refs_total)\"")" \
	"true 0 SHUT_WR 1 1" "shutdown(conn_fd, SHUT_WR) = 0, the reference kept"
is "$(q "$CONN | \"\(.open_at_exit) \([.holders[] | .end] | join(\",\")) \(.released_t_ns != null)\"")" "true exit true" \
	"the socket was open at exit; its one holder ended by the exit"
is "$(q '[.findings[] | select(.kind=="shutdown-without-close" and .pid==$P and .fd==$F)] | length')" 1 \
	"a shutdown-without-close finding for conn_fd"
is "$(q '[.findings[] | select(.kind=="leaked-at-exit" and .pid==$P and .fd==$F)] | length')" 0 \
	"no leaked-at-exit finding for conn_fd"
is "$(q "$CONN.id as \$i | [.findings[] | select(.id==\$i) | .kind] | join(\",\")")" "shutdown-without-close" \
	"the only finding about the socket is shutdown-without-close"
is "$(q '[.findings[] | .kind] | join(",")')" "shutdown-without-close" "no finding about the closed listener and client"
is "$(q '[.findings[] | select(.severity=="warning" or .severity=="error") | .kind] | join(",")')" "shutdown-without-close" \
	"the finding is a warning"
"$ST" audit --fail-on=warning "$TR" > /dev/null
is $? 1 "audit --fail-on=warning exits 1"
done_testing

#!/usr/bin/env bash
# A reference passed with SCM_RIGHTS and received at once is never left
# "in flight", however the sender's and the receiver's records fall in
# time.  passfd's child passes 50 sockets to its parent one at a time; the
# parent receives each, closes it, and only then lets the child close its
# own copy: every socket's last reference is the child's close, and no
# reference is ever in flight at the end.  The sender's record is stamped
# when its sendmsg returns, which can be after the receiver's recvmsg and
# close (the sender preempted between the call and its record: on these
# 2-core machines about one pass in two): the viewer must still pair them.
# Found by t0801's control run (wrapleak 10), where the race made the
# helper's close report "1 in flight" in 4 runs of 10; wrapleak now orders
# its handshake so t0801 tests history only, and this test keeps the race.
# It fails when any of the 50 passes is misordered (at 40% per pass,
# with near certainty), and passes every time when none is.
. "$(dirname "$0")/lib.sh"
R=50
plan 5

traced "$WORK/tr" "$PROGS/passfd" "$R" > "$WORK/out"
ok $? "passfd $R runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
ports=$(sed -n 's/^port=/127.0.0.1:/p' "$WORK/out" | jq -R . | jq -sc .)
# The connections on the ports passfd printed ($ports), for q.
PASSED='[.connections[] | select(.local as $l | $ports | index($l))]'
is "$(q --argjson ports "$ports" "$PASSED | length")" "$R" "the $R passed sockets are $R connections"
is "$(q --argjson ports "$ports" "$PASSED"' | [.[] | select(any(.events[]; .op == "close" and (.in_flight // 0) > 0))] | length')" 0 \
	"no close of a passed socket leaves a reference in flight"
is "$(q --argjson ports "$ports" "$PASSED"' | [.[] | select(.released_t_ns == null)] | length')" 0 "every passed socket is released by its last close"
done_testing

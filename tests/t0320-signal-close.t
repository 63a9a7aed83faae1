#!/usr/bin/env bash
# close() and socket() in a signal handler, interrupting the same calls in
# the main thread: no deadlock, and every call the handler made is in the
# report (sigclose counts its own calls; the report must agree exactly).
. "$(dirname "$0")/lib.sh"
plan 16

ITER=10000
SIGS=10000
TR=$WORK/tr
rm -rf "$TR" && mkdir -p "$TR"
# timeout runs outside the shim (env starts the traced program), so the
# trace holds sigclose alone.  Ring: 64 MiB = 262144 records, more than
# 2 per warm-up and loop round + 4 per handler run.
timeout 20 env SOCKTRACE_DIR="$TR" SOCKTRACE_LOG="$TR/socktrace.log" SOCKTRACE_RING_MB=64 \
	LD_PRELOAD="$PRELOAD" "$PROGS/sigclose" "$ITER" "$SIGS" > "$WORK/out"
is "$?" 0 "sigclose finishes and exits 0 (124 would mean it hung)"

W=$(sed -n 's/^warmup_sockets //p' "$WORK/out")
N=$(sed -n 's/^main_sockets //p' "$WORK/out")
H=$(sed -n 's/^handler_runs //p' "$WORK/out")
is "$N" "$ITER" "main made $ITER sockets"
[ "${H:-0}" -gt 0 ]
ok $? "the handler ran (${H:-0} times) while main made sockets"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
# One pass over the (large) report.
read -r procs exited lost sockets dups closes last_closes open failed bad_end odd <<<"$(jq -r '
	[.connections[].events[]] as $ev |
	[ (.processes | length),
	  .processes[0].exited,
	  .summary.events_lost,
	  ([$ev[] | select(.op=="socket")] | length),
	  ([$ev[] | select(.op=="dup")] | length),
	  ([$ev[] | select(.op=="close")] | length),
	  ([$ev[] | select(.op=="close" and .refs==0 and .refs_total==0)] | length),
	  .summary.open_at_exit,
	  .summary.failed_calls,
	  ([.connections[] | select(.events[-1] | (.op != "close" or .refs_total != 0))] | length),
	  ([$ev[] | select(.op=="missed-close" or .first_seen==true or .refs==null)] | length)
	] | map(tostring) | join(" ")' "$WORK/r.json")"

is "$procs" 1 "one process traced"
is "$exited" true "it exited"
is "$lost" 0 "no events lost or torn"
is "$sockets" "$last_closes" "every socket created was closed: socket events == closes leaving 0 references"
is "$open" 0 "nothing open at exit"
is "$failed" 0 "no failed calls"
is "$bad_end" 0 "every connection ends with a close that leaves no reference"
is "$odd" 0 "no missed closes, no first-seen sockets, no unknown reference counts"
is "$closes" $((sockets + dups)) "the report is self-consistent: close events == socket events + dup events"
# Exact accounting: the long-lived socket, the warm-up (which grows the
# ring before the signals: sigclose.c says why), main's loop, one per
# handler run.
is "$sockets" $((1 + W + N + ${H:-0})) "socket events: 1 + the warm-up's $W + main's $N + the handler's ${H:-0}"
is "$dups" "${H:-0}" "dup events: one per handler run"
is "$closes" $((1 + W + N + 2 * ${H:-0})) "close events: one per socket and one per dup the program made"
done_testing

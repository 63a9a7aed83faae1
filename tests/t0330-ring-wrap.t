#!/usr/bin/env bash
# Ring wrap accounting: with a 1 MiB ring, churn_udp makes far more events
# than the ring holds.  The report keeps exactly the newest `capacity`
# records, and events_lost counts every other one: nothing vanishes unseen.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stacks.sh"
plan 15

M=10000
# sum of every record the report shows, counting each once (no accepts here).
records() { jq -r '([.processes[].events[]] | length) + ([.connections[].events[]] | length)' "$1"; }

# Baseline: the shim's own events, in a run that makes one socket (a
# process that makes none has no trace file): its records less that
# socket's two (socket, close).
SOCKTRACE_RING_MB=1 traced "$WORK/t0" "$PROGS/churn_udp" 1 > "$WORK/out0"
ok $? "churn_udp 1 runs under the shim"
report_json "$WORK/t0" > "$WORK/r0.json"
ok $? "report --json of the baseline run"
is "$(jq -r '.summary.events_lost' "$WORK/r0.json")" 0 "baseline: nothing lost"
base=$(( $(records "$WORK/r0.json") - 2 ))
[ "$base" -gt 0 ]
ok $? "baseline: the shim's own events ($base) are in the trace"

# The ring's capacity and slot size, from the trace file (stackinfo).
f0=$(ls "$WORK"/t0/*.socktrace | head -n 1)
cap=$(sfield "$f0" header ring_cap)
rsize=$(sed -n 's/^region name=ring entry_size=\([0-9]*\) .*/\1/p' <("$SI" "$f0"))
is "$cap:$rsize" "$(( (1 << 20) / 128 )):128" "SOCKTRACE_RING_MB=1 gives a ring of 1 MiB / 128-byte slots"

SOCKTRACE_RING_MB=1 traced "$WORK/tr" "$PROGS/churn_udp" "$M" > "$WORK/out"
ok $? "churn_udp $M runs under the shim"
is "$(cat "$WORK/out")" "made $M" "it made $M sockets"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json of the wrapped ring"

made=$((2 * M + base))
lost=$(q '.summary.events_lost')
shown=$(records "$WORK/r.json")
is "$((shown + lost))" "$made" "records shown + events_lost == 2*$M + baseline $base"
is "$lost" $((made - cap)) "events_lost == events made - ring capacity, exactly"
is "$shown" "$cap" "the report shows a full ring: $cap records"
is "$(q '.processes[0].events_lost')" "$lost" "the process's events_lost is the summary's"
is "$(q '[.connections[] | .events | map(.op) | join(",")] | .[1:] | map(select(. != "socket,close")) | length')" 0 \
	"the newest records are kept: every connection after the oldest has socket,close"

"$ST" report "$WORK/tr" > "$WORK/r.txt"
like "$(grep '^summary:' "$WORK/r.txt")" "[^0-9]$lost events lost" "the text summary line counts the lost events"
like "$(grep '^process ' "$WORK/r.txt")" "[^0-9]$lost events lost" "the text process line counts them too"
done_testing

#!/usr/bin/env bash
# socktrace export --format=perfetto: Chrome trace-event JSON that the
# format's rules accept (tests/tools/check_trace_events.py: every B/b has
# its E/e, timestamps monotonic per track, pids and tids consistent, flows
# bound to slices), holding what the trace holds: a slice per connection
# (as many as the JSON report's connections), an instant per call, a
# thread track per thread, flows for fork, exec and SCM_RIGHTS.  The
# checker itself is shown to reject files that break each rule.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed (the checker is a Python script)"
plan 36
CHECK="python3 $TOP/tests/tools/check_trace_events.py"

# export DIR OUT: the export of DIR into OUT, then the checker's verdict.
export_ok() {
	"$ST" export --format=perfetto -o "$2" "$1" 2> "$WORK/err" && $CHECK "$2" > "$WORK/check" 2>&1
}
# n FILE FILTER: a jq count over the trace events.
n() { jq "[.traceEvents[] | $2] | length" "$1"; }

# forking_audit: forks, an exec, findings of every kind.
traced "$WORK/fa" "$EX/forking_audit" > /dev/null 2>&1
export_ok "$WORK/fa" "$WORK/fa.json"
ok $? "forking_audit: the export passes the trace-event rules"
grep -q '^ok:' "$WORK/check" || diag "$(head -n 5 "$WORK/check" "$WORK/err")"
conns=$("$ST" report --json "$WORK/fa" | jq '.connections | length')
is "$(n "$WORK/fa.json" 'select(.ph == "b")')" "$conns" "forking_audit: one slice per connection ($conns)"
is "$(n "$WORK/fa.json" 'select(.ph == "e")')" "$conns" "... each ended"
procs=$("$ST" report --json "$WORK/fa" | jq '[.processes[].pid] | unique | length')
is "$(n "$WORK/fa.json" 'select(.ph == "M" and .name == "process_name")')" "$procs" "a process track per pid ($procs)"
forks=$("$ST" report --json "$WORK/fa" | jq '[.processes[] | select(.origin == "fork")] | length')
is "$(n "$WORK/fa.json" 'select(.ph == "s" and .name == "fork")')" "$forks" "a fork flow per forked child ($forks)"
is "$(n "$WORK/fa.json" 'select(.ph == "s" and .name == "exec")')" 1 "an exec flow for the exec'd helper"
is "$(n "$WORK/fa.json" 'select(.ph == "i" and .args.call == "accept(3)")')" \
	"$("$ST" report "$WORK/fa" | grep ' accept(3) ' | awk '{ print $1, $2 }' | sort -u | wc -l)" \
	"an instant per call (one per accept(3) the report shows: both timelines show each)"
is "$(jq -r '[.traceEvents[] | select(.ph == "i")] | map(.s == "t") | all' "$WORK/fa.json")" true "... thread-scoped"
is "$(jq -r '[.traceEvents[] | select(.ph == "b")][0].args.socket' "$WORK/fa.json")" \
	"$("$ST" report --json "$WORK/fa" | jq -r '.connections[0].id')" "a slice names its socket as the report does"

# SCM_RIGHTS: passfd's child passes 3 sockets to its parent.
traced "$WORK/pf" "$PROGS/passfd" 3 > /dev/null
export_ok "$WORK/pf" "$WORK/pf.json"
ok $? "passfd: the export passes the rules"
is "$(n "$WORK/pf.json" 'select(.ph == "s" and .name == "SCM_RIGHTS")')" 3 "passfd: a flow per socket passed (3)"
is "$(n "$WORK/pf.json" 'select(.ph == "f" and .name == "SCM_RIGHTS" and .bp == "e")')" 3 "... each finished"

# Threads: a track per thread the calls were on.
traced "$WORK/th" "$PROGS/threads" 4 5 warm > "$WORK/th.out"
export_ok "$WORK/th" "$WORK/th.json"
ok $? "threads: the export passes the rules"
is "$(n "$WORK/th.json" 'select(.ph == "M" and .name == "thread_name" and (.args.name | startswith("thread ")))')" 4 \
	"threads: a thread track for each of the 4 threads"
want=$(sed -n 's/^tid //p' "$WORK/th.out" | sort -n | tr '\n' ' ')
is "$(jq -r '[.traceEvents[] | select(.ph == "M" and .name == "thread_name" and .pid != .tid) | .tid] | sort | map(tostring) | join(" ")' "$WORK/th.json") " \
	"$want" "... named by the kernel's thread ids"

# The checker rejects what breaks a rule (so its "ok" means something).
reject() {	# reject NAME JQ: the forking_audit export changed by JQ must fail the check
	jq "$2" "$WORK/fa.json" > "$WORK/bad.json"
	$CHECK "$WORK/bad.json" > "$WORK/bad.out" 2>&1
	is "$?" 1 "the checker rejects $1"
}
reject "a b without its e" 'del(.traceEvents[([.traceEvents[] | .ph] | index("e"))])'
reject "a timestamp going back on a track" \
	'(.traceEvents | map(select(.ph == "i")) | last) as $l | .traceEvents += [$l | .ts = 0]'
reject "a tid in two pids" '.traceEvents += [{ph: "i", s: "t", name: "x", pid: 1, tid: (.traceEvents[] | select(.ph == "i") | .tid)} | .ts = 1] | .traceEvents |= unique_by(.pid, .tid, .ph, .name, .ts)'
reject "a flow with no slice to bind to" 'del(.traceEvents[] | select(.ph == "X"))'
reject "an E with no B" '.traceEvents += [{ph: "E", name: "x", pid: .traceEvents[0].pid, tid: .traceEvents[0].pid, ts: 1e9}]'

# Damaged traces: neither picture crashes or hangs; each reads the file or
# refuses it naming it (65), as the text report does (t0400).
make_bad() {	# make_bad NAME FIELD VALUE: a copy of the echo trace with one field set
	rm -rf "$WORK/bad"; mkdir -p "$WORK/bad"
	cp "$GOOD" "$WORK/bad/$1.socktrace"
	[ -n "$2" ] && "$PROGS/tracefuzz" "$WORK/bad/$1.socktrace" set "$2" "$3" > /dev/null
}
traced "$WORK/echo" "$EX/echo" > /dev/null 2>&1
GOOD=$(ls "$WORK/echo"/*.socktrace | head -n 1)
apos=$("$PROGS/stackinfo" "$GOOD" 2>/dev/null | sed -n 's/^rec pos=\([0-9]*\) op=5 .*/\1/p' | head -n 1)
for bad in "version header.version 99" "ringcap header.ring_cap 4097" "count region.ring.chunk.0.count 100000" \
	"socks region.socks.chunk.0.offset 100" "refs ring.${apos:-0}.refs 2147483647" "ret ring.${apos:-0}.ret -1"; do
	set -- $bad
	make_bad "$1" "$2" "$3"
	for how in "report --html -o $WORK/bad.html" "export --format=perfetto -o $WORK/bad.json"; do
		# A damaged count is the damage: the refs invariant (lib.sh) is not asked of it.
		SOCKTRACE_CHECK_REFS= timeout 30 "$ST" $how "$WORK/bad/$1.socktrace" > /dev/null 2> "$WORK/err"
		rc=$?
		! grep -Eq 'Segmentation|AddressSanitizer|runtime error|core dumped' "$WORK/err" &&
			{ [ "$rc" = 0 ] || { [ "$rc" = 65 ] && grep -qF "$1.socktrace" "$WORK/err"; }; }
		ok $? "damaged ($2 = $3): ${how%% -o*} reads it or refuses it naming the file (status $rc)"
	done
done

# Usage and bad input.
"$ST" export -o "$WORK/x.json" "$WORK/fa" 2> "$WORK/err"
is "$?:$(grep -c -- '--format' "$WORK/err")" "64:2" "no --format: a usage error (64) saying it is needed"
"$ST" export --format=chrome "$WORK/fa" > /dev/null 2> "$WORK/err"
is "$?" 64 "--format=chrome: a usage error"
head -c 200 "$(ls "$WORK/fa"/*.socktrace | head -n 1)" > "$WORK/trunc.socktrace"
"$ST" export --format=perfetto -o "$WORK/t.json" "$WORK/trunc.socktrace" 2> "$WORK/err"
is "$?:$([ -e "$WORK/t.json" ] && echo file || echo none)" "65:none" "a truncated trace: exit 65, no file written"
"$ST" export --format=perfetto -o "$WORK/no/dir/t.json" "$WORK/fa" 2> "$WORK/err"
is "$?" 1 "-o into a missing directory: exit 1"
done_testing

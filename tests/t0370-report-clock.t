#!/usr/bin/env bash
# One clock in the text: every moment is seconds since the trace's first
# event, in every section (process blocks, connections, findings, leaks),
# never negative, and one event has one time wherever it is shown;
# durations are durations.  --wall-clock shows local ISO 8601 times with
# microseconds instead; JSON keeps nanoseconds and says its base.
#   lookup:  data lookup (a getaddrinfo before the socket it led to, shown
#            before that connect: it used to print a negative offset)
#   audit:   examples/forking_audit (exits, findings and leaks of several
#            processes)
. "$(dirname "$0")/lib.sh"
plan 20

traced "$WORK/lookup" "$PROGS/data" lookup > /dev/null
ok $? "data lookup runs under the shim"
traced "$WORK/audit" "$EX/forking_audit" > /dev/null
ok $? "forking_audit runs under the shim"
for t in lookup audit; do
	"$ST" report "$WORK/$t" > "$WORK/$t.txt" && "$ST" report --json "$WORK/$t" > "$WORK/$t.json" &&
		"$ST" leaks "$WORK/$t" > "$WORK/$t.leaks"
	[ $? -le 1 ] || diag "report, JSON or leaks of $t failed"
done
# times FILE: every "+S.UUUUUU" or "-S.UUUUUU" time the text shows, one per line.
times() { grep -oE '(^|[ (])[-+][0-9]+\.[0-9]{6}' "$1" | tr -d ' ('; }

# Never negative, and the lookup line is there (the case that went negative).
grep -q 'getaddrinfo("localhost"' "$WORK/lookup.txt"
ok $? "the lookup's getaddrinfo is in the text report"
is "$(times "$WORK/lookup.txt" | grep -c '^-')" 0 "no negative time in the lookup trace's report ($(times "$WORK/lookup.txt" | wc -l) times)"
is "$(cat "$WORK/audit.txt" "$WORK/audit.leaks" | grep -cE '(^|[ (])-[0-9]+\.[0-9]{6}')" 0 \
	"no negative time in forking_audit's report or leaks"

# JSON: the base, and each event's text time is (t_ns - t0_ns) / 1e9.
Q_FILE=$WORK/audit.json
is "$(q '.clock')" CLOCK_MONOTONIC "JSON says its times are CLOCK_MONOTONIC"
is "$(q '.t0_ns == ([.processes[].events[], .connections[].events[] | .t_ns] | min)')" true \
	"JSON t0_ns is the first event's t_ns"
# The first connection's events: text lines against JSON (microseconds, rounding allowed).
paste <(awk '/^connection 1 /{c=1; next} c && /^$/{exit} c && /^    [+]/{print $1}' "$WORK/audit.txt") \
	<(q '.t0_ns as $t | .connections[0].events[] | (.t_ns - $t)') > "$WORK/pairs"
is "$(awk '{ d = $1 - $2 / 1e9; if (d < -1e-6 || d > 1e-6) bad++ } END { print (NR ? bad + 0 : "none") }' "$WORK/pairs")" 0 \
	"connection 1's $(wc -l < "$WORK/pairs") event times are (t_ns - t0_ns) / 1e9"

# The same event at the same time in every section.
PID=$(q '[.findings[] | select(.kind=="leaked-at-exit")][0].pid')
FD=$(q '[.findings[] | select(.kind=="leaked-at-exit")][0].fd')
FT=$(grep -E "^warning leaked-at-exit  pid $PID fd $FD " "$WORK/audit.txt" | awk '{print $NF}')
like "$FT" '^\+[0-9]+\.[0-9]{6}$' "the leaked-at-exit finding of pid $PID fd $FD has a time ($FT)"
XT=$(awk -v p="$PID" '$1=="process" && $2==p {b=1; next} b && /^$/{exit} b && $2==p && ($3=="exit" || $3 ~ /^_exit/) {print $1}' "$WORK/audit.txt")
is "$XT" "$FT" "its process block shows pid $PID's exit at the same time"
like "$(grep -E "^  pid $PID fd $FD " "$WORK/audit.leaks")" "\(exit at \\$FT s\)" "... and leaks shows the same exit time"
like "$(grep -E "^  pid $PID .*(exited|ended)" "$WORK/audit.txt" | head -n 1)" "exited .*at \\$FT s" \
	"... and the process tree line ends it then"
CP=$(q '[.findings[] | select(.kind=="close-not-final")][0] | "\(.pid) \(.fd)"')
CT=$(grep -E "close-not-final  pid ${CP% *} fd ${CP#* } " "$WORK/audit.txt" | head -n 1 | awk '{print $NF}')
grep -qE "^    \\$CT ${CP% *} +close\(${CP#* }\)" "$WORK/audit.txt"
ok $? "the close-not-final finding's close (pid ${CP% *} fd ${CP#* } at $CT) has that time on its connection's timeline"

# Durations: "active +A to +B (D s)" with D = B - A; leaks' age = exit - birth.
line=$(grep -m 1 -E 'active \+[0-9.]+ to \+[0-9.]+ \([0-9.]+ s\)' "$WORK/audit.txt")
is "$(echo "$line" | sed -E 's/.*active \+([0-9.]+) to \+([0-9.]+) \(([0-9.]+) s\).*/\1 \2 \3/' |
	awk '{ d = $2 - $1 - $3; print (d < -2e-6 || d > 2e-6) ? "off" : "ok" }')" ok "a data line's active span is B - A seconds"
like "$line" 'lifetime [0-9]+\.[0-9]{6} s' "... and its lifetime is a duration in seconds"

# --wall-clock: ISO 8601 with microseconds, the first event at t0_wall_ns.
"$ST" report --wall-clock "$WORK/audit" > "$WORK/wall.txt"
ok $? "report --wall-clock"
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}'
n=$(grep -cE '^ +\+[0-9]+\.[0-9]{6} ' "$WORK/audit.txt")
is "$(grep -cE "^  $ISO [0-9]" "$WORK/wall.txt")" "$n" "each of the $n event lines starts with an ISO 8601 time instead"
# From the JSON text, not jq: jq 1.6 reads numbers as doubles, which keep a
# wall-clock time in ns to 256 ns only (enough to move the microsecond).
w=$(sed -n 's/^  "t0_wall_ns": \([0-9]*\),$/\1/p' "$WORK/audit.json")
want="$(date -d "@$((w / 1000000000))" +%Y-%m-%dT%H:%M:%S).$(printf %06d $((w % 1000000000 / 1000)))$(date -d "@$((w / 1000000000))" +%:z)"
like "$(head -n 1 "$WORK/wall.txt")" "^trace: first event at ${want//+/\\+}; times below are wall-clock" \
	"the first line gives the first event's wall time, $want (t0_wall_ns)"
is "$(( $(date +%s) - w / 1000000000 < 600 ))" 1 "... which is a real wall-clock time (within 10 minutes of now)"
"$ST" audit --wall-clock "$WORK/audit" > "$WORK/wall.audit"
like "$(grep -m 1 'leaked-at-exit' "$WORK/wall.audit")" "pid [0-9]+ fd [0-9]+  $ISO\$" "audit --wall-clock: the findings' times too"
done_testing

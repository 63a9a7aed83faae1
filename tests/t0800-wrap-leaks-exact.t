#!/usr/bin/env bash
# Leaks and counts are exact after the ring wrapped (format 4: the state).
#
# wrapleak leaks 6 UDP sockets from leak_early(), makes $N short TCP
# connections (several wraps of a 1 MiB ring), then leaks 6 TCP sockets
# from leak_late(), and prints the fds and its own count of the sockets it
# (and its helper child) made.  Every leak fact is checked against what the
# program printed, not against the viewer's other outputs:
#   - leaks --json lists exactly those 12 (pid, fd), the first 6 with a
#     creation stack through leak_early, the last 6 through leak_late;
#   - summary.connections is the program's own count (every socket, also
#     those whose events were all overwritten);
#   - the history notice: once for that process in report, audit and leaks
#     (text), history_lost_before_t_ns non-null in all three JSONs for it,
#     null for its helper (whose history is whole);
#   - a run that did not wrap: no notice, every history_lost_before_t_ns null.
# Without the state (format 3: leaks from the ring) the 6 early sockets
# are not listed once their socket() records are overwritten (leaks lists
# the 6 late ones only), and summary.connections counts only sockets with
# a surviving event (1374 for 12018 made): seen with the format-3 build of
# main 914e0de.  A viewer without the notice fails its checks likewise.
. "$(dirname "$0")/lib.sh"
plan 26

N=6000
SOCKTRACE_RING_MB=1 traced "$WORK/tr" "$PROGS/wrapleak" "$N" > "$WORK/out"
ok $? "wrapleak $N runs under the shim"
P=$(kv "$WORK/out" pid)
H=$(kv "$WORK/out" helper_pid)
F=$(trace_of "$WORK/tr" "$P")
head=$(rawdump "$F" header | grep '^header' | word head)
cap=$(rawdump "$F" header | grep '^header' | word ring_cap)
[ -n "$head" ] && [ "$head" -gt $((3 * cap)) ]
ok $? "the ring wrapped several times ($head events claimed, $cap slots)"

# The leaks, by (pid, fd), against the program's own fds.
want_fds() { tr ',' '\n' <<< "$(kv "$1" early_fds),$(kv "$1" late_fds)" | sed "s/^/$(kv "$1" pid) /" | sort; }
"$ST" leaks --all --json "$WORK/tr" > "$WORK/leaks.json"
is "$?" 1 "leaks exits 1: something leaked"
lk() { jq -r "$1" "$WORK/leaks.json"; }
is "$(lk '.leaks[].connections[] | "\(.pid) \(.fd)"' | sort)" "$(want_fds "$WORK/out")" \
	"leaks --json lists exactly the 12 sockets the program kept (its fds)"
is "$(lk '.summary.sockets')" 12 "leaks summary: 12 sockets"
is "$(lk '.summary.call_sites')" 2 "leaks summary: 2 call sites"
has_fn() {  # has_fn FDS FUNCTION: how many of those fds' leaks have FUNCTION in their creation stack
	lk "[.leaks[] | select(any(.stack[]?; .function == \"$2\")) | .connections[] |
	     select(.pid == $P and ((.fd | tostring) as \$f | \"$1\" | split(\",\") | index(\$f)))] | length"
}
is "$(has_fn "$(kv "$WORK/out" early_fds)" leak_early)" 6 \
	"the 6 early leaks (births overwritten) have their creation stack: leak_early"
is "$(has_fn "$(kv "$WORK/out" late_fds)" leak_late)" 6 "the 6 late leaks: leak_late"
is "$(lk "[.leaks[].connections[] | select(.references | length != 1)] | length")" 0 \
	"each leaked socket has its one reference (the fd that held it)"

# Counts from the state.
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
# One pass over the (large) report: connections, with timeline, with events, open at exit.
read -r conns cwt withev open <<< "$(jq -r '[.summary.connections, .summary.connections_with_timeline,
	([.connections[] | select(.events | length > 0)] | length), .summary.open_at_exit] | @tsv' "$WORK/r.json")"
is "$conns" "$(kv "$WORK/out" sockets_made)" \
	"summary.connections is the program's own count of sockets made ($(kv "$WORK/out" sockets_made))"
is "$cwt" "$withev" "summary.connections_with_timeline counts the connections that have events"
[ "$cwt" -lt "$conns" ]
ok $? "fewer connections with a timeline than connections: history was lost"
is "$open" 12 "summary.open_at_exit: the 12"

# The notice: once per process that lost history, in each command.
"$ST" report "$WORK/tr" > "$WORK/r.txt"
"$ST" audit "$WORK/tr" > "$WORK/a.txt"
"$ST" leaks --all "$WORK/tr" > "$WORK/l.txt"
for c in report audit leaks; do
	f=$WORK/${c:0:1}.txt
	is "$(grep -c "^history: pid $P " "$f")" 1 "$c (text): the history notice once for pid $P"
done
is "$(cat "$WORK"/[ral].txt | grep -c "^history: pid $H ")" 0 "no notice for the helper (its history is whole)"
"$ST" audit --json "$WORK/tr" > "$WORK/a.json"
hl() { jq -r ".processes[] | select(.pid == $2) | .history_lost_before_t_ns" "$1"; }
for j in r a leaks; do
	v=$(hl "$WORK/$j.json" "$P")
	[ -n "$v" ] && [ "$v" != null ] && [ "$v" -gt 0 ]
	ok $? "$j JSON: history_lost_before_t_ns is set for pid $P ($v)"
done

# A run that did not wrap: no notice, nulls; the counts still exact.
traced "$WORK/tr0" "$PROGS/wrapleak" 10 > "$WORK/out0"
ok $? "wrapleak 10 runs under the shim (no wrap)"
"$ST" report --json "$WORK/tr0" > "$WORK/r0.json"
"$ST" audit --json "$WORK/tr0" > "$WORK/a0.json"
"$ST" leaks --all --json "$WORK/tr0" > "$WORK/l0.json"
is "$(jq -s '[.[].processes[].history_lost_before_t_ns | select(. != null)] | length' \
	"$WORK/r0.json" "$WORK/a0.json" "$WORK/l0.json")" 0 "no wrap: history_lost_before_t_ns null everywhere"
{ "$ST" report "$WORK/tr0"; "$ST" audit "$WORK/tr0"; "$ST" leaks --all "$WORK/tr0"; } > "$WORK/all0.txt"
is "$(grep -c '^history:' "$WORK/all0.txt")" 0 "no wrap: no history notice in report, audit or leaks"
is "$(jq -r '.leaks[].connections[] | "\(.pid) \(.fd)"' "$WORK/l0.json" | sort)" "$(want_fds "$WORK/out0")" \
	"no wrap: the same 12 leaks"
is "$(jq -r '.summary.connections' "$WORK/r0.json")" "$(kv "$WORK/out0" sockets_made)" \
	"no wrap: summary.connections is the program's count"
done_testing

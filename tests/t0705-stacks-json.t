#!/usr/bin/env bash
# Stacks in JSON, with SOCKTRACE_STACKS=all: report --json gives each
# connection its creation stack and each close and shutdown event its call
# site, as frames {function, file, line, module, offset}; events with no
# stack (exit...) have no stack member.  The text report shows the creation
# site under the connection header and the call site under the close and
# shutdown lines.  leaks --json is {leaks: [{stack, count, connections}]}
# with count the number of connections and the summary their total.
. "$(dirname "$0")/lib.sh"
plan 14

SRC=$TOP/tests/progs/leaks.c
line_of() { grep -n -- "$1" "$SRC" | head -n 1 | cut -d: -f1; }
LT=$(line_of TIDY-SITE) LSH=$(line_of SHUTDOWN-SITE) LC=$(line_of CLOSE-SITE) L1=$(line_of LEAK-SITE-1)

SOCKTRACE_STACKS=all traced "$WORK/tr" "$PROGS/leaks" closing > /dev/null
ok $? "leaks closing runs under the shim with SOCKTRACE_STACKS=all"
"$ST" report --json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
# The connection tidy() made: the one with a shutdown.
T='.connections[] | select(any(.events[]; .op == "shutdown"))'
is "$(q "[$T] | length")" 1 "one connection was shut down (tidy's)"
is "$(q "$T | .stack[0] | \"\(.function) \(.line) \(.file | endswith(\"tests/progs/leaks.c\")) \(.module == \"$PROGS/leaks\") \(.offset > 0)\"")" \
	"tidy $LT true true true" "its stack: tidy, line $LT, the source's full path, the program as module, an offset"
is "$(q "$T | .stack[0] | keys | sort | join(\" \")")" "file function inlined ip line module note offset" \
	"a frame has function, file, line, module, offset (and ip, inlined, note)"
is "$(q "$T | .events[] | select(.op == \"shutdown\") | .stack[0] | \"\(.function):\(.line)\"")" "tidy:$LSH" \
	"the shutdown event's stack: tidy, line $LSH"
is "$(q "$T | .events[] | select(.op == \"close\") | .stack[0] | \"\(.function):\(.line)\"")" "tidy:$LC" \
	"the close event's stack: tidy, line $LC"
is "$(q '[.processes[].events[] | select(.op == "exit") | has("stack")] | join(",")')" "false" \
	"the exit event has no stack member"
is "$(q '[.connections[] | select(.stack == null)] | length')" 0 "every connection has a creation stack"

"$ST" report "$WORK/tr" > "$WORK/r.txt"
grep -A1 '^  made by socket in pid' "$WORK/r.txt" | grep -q "^    at 0x[0-9a-f]*: tidy (leaks.c:$LT)$"
ok $? "text: 'made by socket' then the creation frame under the connection header"
grep -A1 ' close(' "$WORK/r.txt" | grep -q "^ *at 0x[0-9a-f]*: tidy (leaks.c:$LC)$"
ok $? "text: the close's call site under its line"

"$ST" leaks --all --json "$WORK/tr" > "$WORK/l.json"
is "$(jq -r '[.leaks[] | (.stack | type) + " " + (.count | type) + " " + (.connections | type)] | unique | join(",")' "$WORK/l.json")" \
	"array number array" "leaks --json: each group has stack[], count, connections[]"
is "$(jq -r '[.leaks[] | .count == (.connections | length)] | all' "$WORK/l.json"):$(jq -r '[.leaks[].count] | add == $s' --argjson s "$(jq .summary.sockets "$WORK/l.json")" "$WORK/l.json")" \
	"true:true" "count is the number of connections, the summary their total"
is "$(jq -r '.leaks[0] | "\(.count) \(.stack[0].function):\(.stack[0].line) \(.connections[0] | keys | sort | join(" "))"' "$WORK/l.json")" \
	"3 leak_from_here:$L1 age_ns bytes_received bytes_sent created_t_ns end end_t_ns family fd id inode last_activity last_activity_t_ns leak local peer pid references role type verdict" \
	"the first group: 3 from leak_from_here, each connection with its pid, fd, role, addresses, times"
done_testing

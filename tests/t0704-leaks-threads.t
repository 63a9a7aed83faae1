#!/usr/bin/env bash
# 8 threads make 50 sockets each at once and leave every 5th open: all 80
# leaked sockets are accounted for (distinct fds, one group, the thread
# function named), and none of the 320 closed ones is listed.
. "$(dirname "$0")/lib.sh"
plan 6

LT=$(grep -n 'THREAD-SITE' "$TOP/tests/progs/leaks.c" | cut -d: -f1)
traced "$WORK/tr" "$PROGS/leaks" threads > /dev/null
ok $? "leaks threads runs under the shim"
"$ST" leaks --all --json "$WORK/tr" > "$WORK/l.json"
is "$?" 1 "leaks found: exit 1"
is "$(jq -r '.summary.sockets' "$WORK/l.json")" 80 "80 sockets leaked"
is "$(jq -r '[.leaks[].connections[].fd] | unique | length' "$WORK/l.json")" 80 "80 distinct fds"
is "$(jq -r '[.leaks[] | "\(.count) \(.stack[0].function):\(.stack[0].line)"] | join(",")' "$WORK/l.json")" \
	"80 worker:$LT" "one group of 80, made in the thread function worker (line $LT)"
"$ST" report --json "$WORK/tr" > "$WORK/r.json"
is "$(jq -r '[.connections[] | select(.open_at_exit)] | length' "$WORK/r.json")" 80 \
	"the report agrees: 80 connections open at exit"
done_testing

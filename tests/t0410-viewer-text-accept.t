#!/usr/bin/env bash
# The text report's notes on accept: a successful accept on the listener's
# timeline announces the new connection ("new connection fd N from PEER"); a
# failed accept (EINVAL, EAGAIN from tests/progs/calls) made no connection
# and must not claim one ("new connection fd -1").
. "$(dirname "$0")/lib.sh"
plan 6

traced "$WORK/echo" "$EX/echo" > "$WORK/echo.out"
ok $? "echo runs under the shim"
"$ST" report "$WORK/echo" > "$WORK/echo.txt"
ok $? "text report of echo"
afd=$(grep '^accept' "$WORK/echo.out" | sed 's/.*fd=\([0-9]*\).*/\1/')
cloc=$(grep '^connect' "$WORK/echo.out" | sed 's/.*local=\([^ ]*\).*/\1/')
grep -Eq "accept\([0-9]+\) += $afd .*new connection fd $afd from $cloc" "$WORK/echo.txt"
ok $? "a successful accept: 'new connection fd $afd from $cloc' on the listener's timeline"

mkdir -p "$WORK/calls"
traced "$WORK/tr" "$PROGS/calls" "$WORK/calls" > "$WORK/calls.out" 2> /dev/null
ok $? "calls runs under the shim (it makes failing accept and accept4 calls)"
"$ST" report "$WORK/tr" > "$WORK/calls.txt"
grep -Eq 'accept4?\([^)]*\) += -1 E[A-Z]+' "$WORK/calls.txt"
ok $? "the failed accepts are in the text report with their errno"
bad=$(grep -E 'accept4?\([^)]*\) += -1 ' "$WORK/calls.txt" | grep 'new connection')
is "$bad" "" "a failed accept does not claim a new connection"
done_testing

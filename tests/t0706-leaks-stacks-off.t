#!/usr/bin/env bash
# With SOCKTRACE_STACKS=0 nothing is symbolised, but the leaks are still
# found: one group, "creation stack not recorded", with the reason (stacks
# were off), the same 4 sockets as with stacks on, and exit status 1.
. "$(dirname "$0")/lib.sh"
plan 6

SOCKTRACE_STACKS=0 traced "$WORK/tr" "$PROGS/leaks" sites > /dev/null
ok $? "leaks sites runs under the shim with SOCKTRACE_STACKS=0"
"$ST" leaks --all "$WORK/tr" > "$WORK/l.txt"
is "$?" 1 "leaks found: exit 1"
like "$(head -n 1 "$WORK/l.txt")" "^4 sockets leaked: creation stack not recorded \(stacks were off" \
	"one group of 4: creation stack not recorded, because stacks were off"
! grep -q '^    at ' "$WORK/l.txt"
ok $? "no frames printed"
"$ST" leaks --all --json "$WORK/tr" > "$WORK/l.json"
is "$(jq -r '.leaks | length as $n | .[0] | "\($n) \(.stack) \(.count) \(.stack_note | test("stacks were off"))"' "$WORK/l.json")" \
	"1 null 4 true" "JSON: one group, stack null, count 4, stack_note says why"
"$ST" report "$WORK/tr" | grep -q '^  made by'
ok $((! $?)) "the text report prints no creation site when stacks were off"
done_testing

#!/usr/bin/env bash
# Counts that mean what they say, on a healthy non-blocking server
# (tests/progs/nbserver: accept4 until EAGAIN, connects that return
# EINPROGRESS): would-block results are not failed calls; the summary counts
# them apart, and the text does not colour them as errors.  A real failure
# (examples/refused: ECONNREFUSED) still is one.  Each part of socktrace run
# --report's output starts on its own line.
. "$(dirname "$0")/lib.sh"
plan 9

untraced "$ST" run -o "$WORK/nb" --report -- "$PROGS/nbserver" 8 > "$WORK/out" 2> "$WORK/err"
ok $? "nbserver 8 runs under socktrace run --report"
WB=$(sed -n 's/^would_block=//p' "$WORK/out")
like "$WB:$(sed -n 's/^failed=//p' "$WORK/out")" '^[1-9][0-9]*:0$' \
	"the program met $WB would-block results and no failure (its own count)"
report_json "$WORK/nb" > "$WORK/r.json"
is "$(jq -r '"\(.summary.failed_calls) \(.summary.would_block)"' "$WORK/r.json")" "0 $WB" \
	"JSON summary: 0 failed calls, $WB would-block results"
like "$(grep '^summary:' "$WORK/err")" " 0 failed calls \($WB would-block results, not failures\)," \
	"the summary says 0 failed calls, and counts the would-block results apart"
grep -qE '^(info|warning|error|audit:|summary:)' "$WORK/err" && ! grep -qE '.(audit:|summary:)' "$WORK/err"
ok $? "run --report: the findings' count and the summary each start a line"
"$ST" report --color=always "$WORK/nb" > "$WORK/color.txt"
grep -q 'EAGAIN' "$WORK/color.txt" && grep -q 'EINPROGRESS' "$WORK/color.txt"
ok $? "the EAGAIN and EINPROGRESS results are in the report"
is "$(grep -E 'EAGAIN|EINPROGRESS' "$WORK/color.txt" | grep -c $'\033\\[31m')" 0 "... and none is coloured red, as errors are"

traced "$WORK/ref" "$EX/refused" > /dev/null
is "$("$ST" report --json "$WORK/ref" | jq -r '"\(.summary.failed_calls) \(.summary.would_block)"')" "1 0" \
	"refused: the ECONNREFUSED connect is 1 failed call, no would-block"
like "$("$ST" report "$WORK/ref" | grep '^summary:')" " 1 failed call, " "... and the text summary says so"
done_testing

#!/usr/bin/env bash
# examples/forking_audit makes each classic socket mistake once, and
# `socktrace audit` finds each of the eight kinds exactly where the
# example says it made it: the pid and fd of every finding are the ones the
# example printed (its "# (x) ..." lines), at the documented severity.
. "$(dirname "$0")/lib.sh"
plan 19

traced "$WORK/tr" "$EX/forking_audit" > "$WORK/out" 2> "$WORK/err"
rc=$?
is "$rc" 0 "forking_audit runs under the shim (the kernel behaved as the example expects)"
[ "$rc" -eq 0 ] || diag "$(head -n 5 "$WORK/err")"
"$ST" audit --json "$WORK/tr" > "$WORK/a.json"
is "$?" 0 "audit --json exits 0 (no --fail-on)"
ROOT=$("$ST" report --json "$WORK/tr" | jq -r '.processes[] | select(.origin == "root") | .pid')
like "$ROOT" '^[0-9]+$' "the example's own pid, from the report"

# step X KEY: KEY= on the example's "# (X) ..." line.
step() { sed -n "s/^# ($1) .*[ (]$2=\([0-9]*\).*/\1/p" "$WORK/out" | head -n 1; }
# found KIND SEVERITY: "pid fd" of each finding of that kind and severity.
found() {
	jq -r --arg k "$1" --arg s "$2" '[.findings[] | select(.kind == $k and .severity == $s) | "\(.pid) \(.fd)"] | join(",")' "$WORK/a.json"
}

is "$(jq -r '[.findings[].kind] | unique | join(",")' "$WORK/a.json")" \
	"abortive-close,close-not-final,close-with-unread-data,double-close,inherited-across-exec,leaked-at-exit,missed-close,shutdown-without-close" \
	"the audit finds the eight kinds, and no other"
is "$(found inherited-across-exec warning)" "$(step g pid) $(step g fd)" \
	"(g) inherited-across-exec (warning): the exec'd helper's pid, the listener's fd"
is "$(found close-not-final warning)" "$(step a pid) $(step a fd)" \
	"(a) close-not-final (warning): the fork child's close of the accepted fd the parent kept"
is "$(jq -r --argjson p "$(step a pid)" '[.findings[] | select(.kind == "close-not-final" and .severity == "info") | .pid == $p] | unique | map(tostring) | join(",")' "$WORK/a.json")" \
	true "the other close-not-final are info, all the same child's closes of the sockets it did not need"
is "$(found close-with-unread-data warning)" "$ROOT $(step e fd)" \
	"(e) close-with-unread-data (warning): the server's pid and the fd closed with the request unread"
is "$(jq -r '.findings[] | select(.kind == "close-with-unread-data") | .message | test("13 bytes")' "$WORK/a.json")" true \
	"(e): the message gives the 13 bytes left unread"
is "$(found abortive-close info)" "$ROOT $(step f fd)" "(f) abortive-close (info): the SO_LINGER {1, 0} socket's fd"
is "$(found shutdown-without-close warning)" "$ROOT $(step c fd)" "(c) shutdown-without-close (warning): the fd shut down and never closed"
is "$(found leaked-at-exit warning)" "$ROOT $(step b fd)" "(b) leaked-at-exit (warning): the accepted fd never closed"
is "$(found double-close error)" "$ROOT $(step d fd)" "(d) double-close (error): the fd closed twice"
is "$(found missed-close warning)" "$ROOT $(step h fd)" "(h) missed-close (warning): the fd closed by a raw syscall, then reused"
is "$(jq -r '"\(.summary.error) \(.summary.warning) \(.summary.info)"' "$WORK/a.json")" "1 6 3" \
	"summary: 1 error, 6 warnings, 3 info"
is "$(jq -r '[.findings[] | select(.kind != "close-not-final" or .severity != "info")] | length' "$WORK/a.json")" 8 \
	"one finding per mistake: eight, besides the child's routine closes"

"$ST" audit "$WORK/tr" > "$WORK/a.txt"
is "$(sed -En 's/^(error|warning|info) +([a-z-]+) +pid.*/\2/p' "$WORK/a.txt" | sort -u | paste -sd, -)" \
	"abortive-close,close-not-final,close-with-unread-data,double-close,inherited-across-exec,leaked-at-exit,missed-close,shutdown-without-close" \
	"the text audit lists the eight kinds"
"$ST" audit --fail-on=error "$WORK/tr" > /dev/null
is "$?" 1 "--fail-on=error: exit 1 (the double close)"

# The same program untraced: the same lines, ports aside.
untraced "$EX/forking_audit" > "$WORK/u.out" 2> "$WORK/u.err"
u=$?
sed 's/:[0-9]*/:P/g; s/pid=[0-9]*/pid=P/g' "$WORK/u.out" > "$WORK/u.norm"
sed 's/:[0-9]*/:P/g; s/pid=[0-9]*/pid=P/g' "$WORK/out" > "$WORK/t.norm"
diff -u "$WORK/u.norm" "$WORK/t.norm" >&2
ok $((u + $?)) "untraced it exits 0 and prints the same lines (ports and pids aside)"
done_testing

#!/usr/bin/env bash
# The shutdown_vs_close example: dup raises the client socket's references to
# 2, closing the original leaves 1; a second dup makes 2 again and
# shutdown(SHUT_WR) acts with both still open; the final closes leave 1, 0.
. "$(dirname "$0")/lib.sh"
plan 16

traced "$WORK/tr" "$EX/shutdown_vs_close" > "$WORK/out"
ok $? "shutdown_vs_close runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"

cfd=$(printed "$WORK/out" connect fd)
clocal=$(printed "$WORK/out" connect local)
dupline=$(grep '^# dup fd=' "$WORK/out" | head -n 1)
dup2line=$(grep '^# dup fd=' "$WORK/out" | sed -n 2p)
efd=$(printf '%s' "$dup2line" | sed -n 's/^# dup fd=\([0-9]*\) -> \([0-9]*\)$/\2/p')
dold=$(printf '%s' "$dupline" | sed -n 's/^# dup fd=\([0-9]*\) -> \([0-9]*\)$/\1/p')
dfd=$(printf '%s' "$dupline" | sed -n 's/^# dup fd=\([0-9]*\) -> \([0-9]*\)$/\2/p')
like "$cfd $dold $dfd" '^[0-9]+ [0-9]+ [0-9]+$' "the program printed its connect and dup lines"
is "$dold" "$cfd" "the program dup'ed its client fd"

C='[.connections[] | select(.role=="client")][0]'

is "$(q "[.connections[] | select(.role==\"client\")] | length")" 1 "one client connection"
is "$(q "$C | \"\(.local) \(.fds | unique)\"")" "$clocal $(printf '%s\n' "$cfd" "$dfd" "$efd" | sort -un | paste -sd, - | sed 's/^/[/; s/$/]/')" \
	"the client: printed local address, its fds"
is "$(q "$C.events | map(.op) | join(\",\")")" "socket,connect,dup,close,dup,shutdown,close,close" "client ops in order"
is "$(q "[$C.events[] | select(.op==\"dup\")][0] | \"\(.fd) \(.ret) \(.newfd) \(.refs) \(.implicit_close)\"")" \
	"$cfd $dfd $dfd 2 false" "dup of the printed fd returned the printed new fd; refs 2"
is "$(q "[$C.events[] | select(.op==\"dup\")][1] | \"\(.fd) \(.ret) \(.refs)\"")" \
	"$dfd $efd 2" "the second dup: two references again"
is "$(q "[$C.events[] | select(.op==\"close\")][0] | \"\(.fd) \(.ret) \(.refs) \(.refs_total)\"")" \
	"$cfd 0 1 1" "close of the original fd leaves refs 1"
is "$(q "$C.events[] | select(.op==\"shutdown\") | \"\(.fd) \(.ret) \(.how) \(.refs)\"")" \
	"$dfd 0 SHUT_WR 2" "shutdown(SHUT_WR) acts with two references open"
grep -q "^# after shutdown($dfd, SHUT_WR): server read -> EOF" "$WORK/out"
ok $? "the peer saw EOF right after that shutdown (the program checked)"
is "$(q "[$C.events[] | select(.op==\"close\")][1:] | map(\"\(.fd) \(.refs) \(.refs_total)\") | join(\",\")")" \
	"$dfd 1 1,$efd 0 0" "the closes of the dups leave 1, then 0"
is "$(q '[.connections[] | .events[-1] | "\(.op):\(.refs)"] | unique | join(",")')" "close:0" \
	"every connection ends with a close leaving 0 references"
is "$(q '.summary.open_at_exit')" 0 "nothing open at exit"
is "$(q '.summary.failed_calls')" 0 "no failed calls"
done_testing

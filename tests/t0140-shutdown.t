#!/usr/bin/env bash
# The shutdown_vs_close example: dup raises the client socket's references to
# 2, closing the original leaves 1, shutdown(SHUT_WR) acts on the dup, and the
# final closes leave 0.
. "$(dirname "$0")/lib.sh"
plan 14

traced "$WORK/tr" "$EX/shutdown_vs_close" > "$WORK/out"
ok $? "shutdown_vs_close runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"

cfd=$(grep '^connect ' "$WORK/out" | sed 's/.* fd=\([0-9]*\).*/\1/')
clocal=$(grep '^connect ' "$WORK/out" | sed 's/.* local=\([^ ]*\).*/\1/')
dupline=$(grep '^# dup fd=' "$WORK/out")
dold=$(printf '%s' "$dupline" | sed -n 's/^# dup fd=\([0-9]*\) -> \([0-9]*\)$/\1/p')
dfd=$(printf '%s' "$dupline" | sed -n 's/^# dup fd=\([0-9]*\) -> \([0-9]*\)$/\2/p')
like "$cfd $dold $dfd" '^[0-9]+ [0-9]+ [0-9]+$' "the program printed its connect and dup lines"
is "$dold" "$cfd" "the program dup'ed its client fd"

q() { jq -r "$@" "$WORK/r.json"; }
C='[.connections[] | select(.role=="client")][0]'

is "$(q "[.connections[] | select(.role==\"client\")] | length")" 1 "one client connection"
is "$(q "$C | \"\(.local) \(.fds)\"")" "$clocal [$cfd,$dfd]" "the client: printed local address, both fds"
is "$(q "$C.events | map(.op) | join(\",\")")" "socket,connect,dup,close,shutdown,close" "client ops in order"
is "$(q "$C.events[] | select(.op==\"dup\") | \"\(.fd) \(.ret) \(.newfd) \(.refs) \(.implicit_close)\"")" \
	"$cfd $dfd $dfd 2 false" "dup of the printed fd returned the printed new fd; refs 2"
is "$(q "[$C.events[] | select(.op==\"close\")][0] | \"\(.fd) \(.ret) \(.refs) \(.refs_total)\"")" \
	"$cfd 0 1 1" "close of the original fd leaves refs 1"
is "$(q "$C.events[] | select(.op==\"shutdown\") | \"\(.fd) \(.ret) \(.how) \(.refs)\"")" \
	"$dfd 0 SHUT_WR 1" "shutdown(SHUT_WR) on the dup, one reference left"
is "$(q "[$C.events[] | select(.op==\"close\")][1] | \"\(.fd) \(.ret) \(.refs) \(.refs_total)\"")" \
	"$dfd 0 0 0" "the close of the dup leaves refs 0"
is "$(q '[.connections[] | .events[-1] | "\(.op):\(.refs)"] | unique | join(",")')" "close:0" \
	"every connection ends with a close leaving 0 references"
is "$(q '.summary.open_at_exit')" 0 "nothing open at exit"
is "$(q '.summary.failed_calls')" 0 "no failed calls"
done_testing

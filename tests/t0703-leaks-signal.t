#!/usr/bin/env bash
# A socket made (and leaked) by a signal handler: the stack shows the
# handler, the signal frame, and below it the function the signal
# interrupted, at the line it was running (the interrupted instruction is
# symbolised as it is, not as a return address).
. "$(dirname "$0")/lib.sh"
plan 5

SRC=$TOP/tests/progs/leaks.c
LS=$(grep -n 'SIGNAL-SITE' "$SRC" | cut -d: -f1)
LSPIN=$(grep -n 'SPIN-SITE' "$SRC" | cut -d: -f1) LLOOP=$(grep -n 'SPIN-LOOP' "$SRC" | cut -d: -f1)

traced "$WORK/tr" "$PROGS/leaks" signal > /dev/null
ok $? "leaks signal runs under the shim"
"$ST" leaks --all "$WORK/tr" > "$WORK/l.txt"
is "$?" 1 "the handler's socket leaked: exit 1"
fr=$(grep -E '^    (at|by) ' "$WORK/l.txt" | sed -E 's/^    (at|by) 0x[0-9a-f]+: //')
like "$(echo "$fr" | head -n 1)" "^on_alarm \(leaks\.c:$LS\)$" "the innermost frame is the handler, on_alarm (leaks.c:$LS)"
like "$(echo "$fr" | sed -n 2p)" "^<signal handler called>" "then the signal frame"
like "$(echo "$fr" | sed -n 3p)" "^spin_here \(leaks\.c:($LLOOP|$LSPIN)\)$" \
	"then the interrupted function, spin_here, at a line of its loop (leaks.c:$LLOOP or $LSPIN)"
done_testing

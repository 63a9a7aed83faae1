#!/usr/bin/env bash
# A socket made in a signal handler: its stack shows the handler, and
# below the signal frame the function that was interrupted (addr2line
# names).  raise: SIGALRM raised by interrupted_raise(), handled by
# on_alarm() -> handle() -> handler_make().  spin: a second thread's
# pthread_kill(SIGUSR1) interrupts main while it spins in spin_here().
. "$(dirname "$0")/lib.sh"
plan 8
SI=$PROGS/stackinfo
# tfile DIR NAME: NAME's trace file in DIR (the first, by name)
tfile() { ls "$1"/"$2".*.socktrace 2>/dev/null | head -n 1; }
# names FILE ID: the functions of stack ID, innermost first (addr2line -f on off - 1)
names() {
	"$SI" -w "$2" "$1" | while read -r _ _ _ m o; do
		m=${m#module=} o=${o#off=}
		if [ -f "$m" ]; then addr2line -f -e "$m" "$(printf '0x%x' $((o - 1)))" | head -n 1; else echo '?'; fi
	done | paste -sd, -
}
# recs FILE OP: "ret:stack" for each record of op OP
recs() { "$SI" "$1" | sed -n "s/^rec .* op=$2 .* ret=\([-0-9]*\) .* stack=\([0-9]*\)$/\1:\2/p"; }
# sfield FILE WORD KEY: KEY's value on stackinfo's WORD line
sfield() { "$SI" "$1" | sed -n "s/^$2 .*\<$3=\([^ ]*\).*/\1/p" | head -n 1; }

# after LIST FIRST SECOND: does SECOND come after FIRST in the comma list?
after() { printf '%s\n' "$1" | tr , '\n' | awk -v a="$2" -v b="$3" '$0 == a && !i { i = NR } $0 == b && i && NR > i { f = 1 } END { exit !f }'; }
for c in raise spin; do
	timeout 60 bash -c '. "$1"; shift; traced "$@"' _ "$TOP/tests/lib.sh" "$WORK/$c" "$PROGS/stk_sig" $c > "$WORK/$c.out"
	is "$? $(cat "$WORK/$c.out")" "0 handled=1 main=0" "$c: the handler ran once, the program exited 0"
	f=$(tfile "$WORK/$c" stk_sig)
	id=$(recs "$f" 1 | cut -d: -f2)
	like "$id" '^[1-9][0-9]*$' "$c: the handler's socket record has a stack"
	eval "n_$c=\$(names \"\$f\" \"\$id\")"
done
like "$n_raise" '^handler_make,handle,on_alarm,' "raise: the stack starts handler_make, handle, on_alarm"
after "$n_raise" on_alarm interrupted_raise
r=$?
ok $r "raise: below the handler (past the signal frame and raise) comes interrupted_raise"
[ $r -eq 0 ] || diag "$n_raise"
like "$n_spin" '^handler_make,handle,on_usr1,' "spin: the stack starts handler_make, handle, on_usr1"
after "$n_spin" on_usr1 spin_here
r=$?
ok $r "spin: below the handler comes spin_here, the interrupted function"
[ $r -eq 0 ] || diag "$n_spin"
done_testing

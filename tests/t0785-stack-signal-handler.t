#!/usr/bin/env bash
# A socket made in a signal handler: its stack shows the handler, and
# below the signal frame the function that was interrupted (addr2line
# names).  raise: SIGALRM raised by interrupted_raise(), handled by
# on_alarm() -> handle() -> handler_make().  spin: a second thread's
# pthread_kill(SIGUSR1) interrupts main while it spins in spin_here().
. "$(dirname "$0")/lib.sh"
plan 8
. "$(dirname "$0")/stacks.sh"

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

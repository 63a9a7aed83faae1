#!/usr/bin/env bash
# Threads storing stacks at once: 8 threads x 200 sockets (started together
# by a barrier) from 8 call sites every thread uses and 8 that one thread
# each uses: 16 distinct stacks.  Three runs; in each, every socket record
# has a stack (nothing dropped or skipped), the table holds exactly 16
# stacks, the records name exactly 16 ids, each id's innermost function is
# one site and each site has one id (dedup under concurrency), and no two
# entries hold the same ips.
. "$(dirname "$0")/lib.sh"
plan 19
. "$(dirname "$0")/stacks.sh"

WANT=$(for i in 0 1 2 3 4 5 6 7; do echo "shared_$i"; echo "own_$i"; done | sort | paste -sd, -)
for run in 1 2 3; do
	timeout 120 bash -c '. "$1"; shift; traced "$@"' _ "$TOP/tests/lib.sh" "$WORK/t$run" \
		"$PROGS/stk_threads" 8 200 > "$WORK/out$run"
	is "$? $(cat "$WORK/out$run")" "0 sockets=1600" "run $run: 1600 sockets made and closed"
	f=$(tfile "$WORK/t$run" stk_threads)
	"$SI" "$f" > "$WORK/i$run"
	is "$(grep -c '^rec .* op=1 .* stack=[1-9]' "$WORK/i$run") $(sed -n 's/^stacks used=\([0-9]*\) dropped=\([0-9]*\) skipped=\([0-9]*\) .*/\1 \2 \3/p' "$WORK/i$run")" \
		"1600 16 0 0" "run $run: 1600 socket records with a stack; table: 16 used, none dropped or skipped"
	ids=$(sed -n 's/^rec .* op=1 .* stack=\([0-9]*\)$/\1/p' "$WORK/i$run" | sort -u)
	is "$(echo "$ids" | wc -l)" 16 "run $run: the records name 16 distinct ids"
	is "$(for id in $ids; do names "$f" "$id" | cut -d, -f1; done | sort | paste -sd, -)" "$WANT" \
		"run $run: one id per site: the ids' innermost functions are the 16 sites, each once"
	is "$(sed -n 's/^stack [0-9]* //p' "$WORK/i$run" | sort | uniq -d | wc -l)" 0 "run $run: no two entries hold the same stack"
	[ ! -s "$WORK/t$run/socktrace.log" ]
	ok $? "run $run: nothing logged"
done
like "$(wc -l < "$WORK/i1")" '^[0-9]+$' "stackinfo read every file (sanity)"
done_testing

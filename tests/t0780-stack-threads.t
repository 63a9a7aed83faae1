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

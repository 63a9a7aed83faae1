#!/usr/bin/env bash
# bench/top.sh - what `socktrace top` costs (a section of bench/run.sh, and
# runnable alone):
#
# 1. One refresh of a server holding TOP_SOCKS open sockets made from
#    TOP_SITES call sites (bench/topload.c, traced): the viewer's own CPU
#    time per refresh (SOCKTRACE_VIEWER_STATS=1), the first (which
#    symbolises every site) apart, then the median of the rest, reading
#    alone and with the JSON of every socket written.  Target < 50 ms.
# 2. A traced churn (bench/churn.c, pinned to the last CPU) while top
#    refreshes the directory it writes to, against the same churn without
#    top: interleaved pairs (the order flipping every pair), the median
#    of the per-pair ratios.  top watches a small traced anchor process
#    in that directory, so it is running before each churn starts; it is
#    started (and its first snapshot awaited) before the timed run, and
#    stopped after.  At -d 1 (the default refresh) and at -d 0.05 (20
#    refreshes per second: a bound 20 times the default's load).
#    Target <= 1% at -d 1.
#
# Environment: SHIM, VIEWER, BUILD, BENCH_CC, BENCH_CFLAGS as in run.sh;
# TOP_SOCKS (10000), TOP_SITES (200), TOP_PAIRS (21), CHURN_N (10000).
# Prints "top: ..." figure lines; exits 1 when it could not measure.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
SHIM=$(abspath "${SHIM:-$HERE/../build/libsocktrace.so}")
VIEWER=$(abspath "${VIEWER:-$HERE/../build/socktrace}")
BUILD=$(abspath "${BUILD:-$HERE/../build/bench}")
BENCH_CC=${BENCH_CC:-gcc}
BENCH_CFLAGS=${BENCH_CFLAGS:--O2 -g -Wall -Wextra}
TOP_SOCKS=${TOP_SOCKS:-10000}
TOP_SITES=${TOP_SITES:-200}
TOP_PAIRS=${TOP_PAIRS:-21}
CHURN_N=${CHURN_N:-10000}

say() { printf '%s\n' "$*"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for f in "$SHIM" "$VIEWER"; do
	[[ -f $f ]] || { say "top: $f missing (run make)" >&2; exit 1; }
done
mkdir -p "$BUILD"
for p in topload churn; do
	if [[ ! -x $BUILD/$p || $HERE/$p.c -nt $BUILD/$p ]]; then
		# shellcheck disable=SC2086
		"$BENCH_CC" $BENCH_CFLAGS -o "$BUILD/$p" "$HERE/$p.c" || exit 1
	fi
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socktrace-topbench.XXXXXX")
PIDS=()
cleanup() { exec 4>&- 5>&- 2> /dev/null || true; for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
PIN=()
command -v taskset > /dev/null && PIN=(taskset -c "$(($(nproc) - 1))")

# A traced topload N SITES into DIR, its stdin on fd FD (a FIFO); waits for "ready".
load() {	# load DIR N SITES FD
	mkfifo "$WORK/in$4"
	env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$1" "$BUILD/topload" "$2" "$3" < "$WORK/in$4" > "$WORK/out$4" &
	PIDS+=($!)
	eval "exec $4> \"$WORK/in$4\""
	for ((i = 0; i < 600; i++)); do grep -q '^ready' "$WORK/out$4" && return 0; sleep 0.05; done
	say "top: topload did not start" >&2
	return 1
}

# ---- 1. refresh cost
load "$WORK/load" "$TOP_SOCKS" "$TOP_SITES" 4
SOCKTRACE_VIEWER_STATS=1 "$VIEWER" top --json -n 11 -d 0.2 "$WORK/load" > /dev/null 2> "$WORK/stats"
exec 4>&-
first=$(sed -En 's/^socktrace: top refresh 1: ([0-9.]+) ms CPU.*/\1/p' "$WORK/stats")
read_ms=$(sed -En 's/^socktrace: top refresh ([2-9]|[1-9][0-9]+): ([0-9.]+) ms CPU, ([0-9.]+) ms with.*/\2/p' "$WORK/stats" | median)
out_ms=$(sed -En 's/^socktrace: top refresh ([2-9]|[1-9][0-9]+): ([0-9.]+) ms CPU, ([0-9.]+) ms with.*/\3/p' "$WORK/stats" | median)
sockets=$(sed -En 's/^socktrace: top refresh 2: .* ([0-9]+) sockets, ([0-9]+) sites$/\1 sockets, \2 sites/p' "$WORK/stats")
if [[ -z $first || -z $read_ms ]]; then
	say "top: no refresh figures from the viewer:" >&2
	cat "$WORK/stats" >&2
	exit 1
fi
say "  a traced server with $sockets: the first refresh (symbolising each site once) $first ms CPU"
say "  each later refresh: $read_ms ms CPU reading, $out_ms ms with the JSON of every socket (median of 10)"
say "top: refresh CPU $out_ms ms (10000 sockets, 200 sites; target < 50 ms)"

# ---- 2. churn while top refreshes
mkdir -p "$WORK/churn"
load "$WORK/churn" 4 2 5
run_churn() {	# run_churn -> ns_per_iter on stdout
	env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$WORK/churn" SOCKTRACE_STACKS=0 "${PIN[@]}" "$BUILD/churn" "$CHURN_N" |
		awk '$1 == "ns_per_iter" { print $2 }'
	rm -f "$WORK"/churn/churn.*.socktrace
}
with_top() {	# with_top DELAY -> ns_per_iter, top refreshing every DELAY s meanwhile
	local t
	"$VIEWER" top --json -n 1000000 -d "$1" "$WORK/churn" > "$WORK/topout" 2> /dev/null &
	t=$!
	for ((i = 0; i < 600; i++)); do grep -q '^}' "$WORK/topout" && break; sleep 0.05; done
	run_churn
	kill "$t" 2> /dev/null || true
	wait "$t" 2> /dev/null || true
}
for delay in 1 0.05; do
	: > "$WORK/ratios"
	run_churn > /dev/null	# warm-up
	for ((p = 0; p < TOP_PAIRS; p++)); do
		if ((p % 2)); then
			b=$(with_top "$delay"); a=$(run_churn)
		else
			a=$(run_churn); b=$(with_top "$delay")
		fi
		awk -v a="$a" -v b="$b" 'BEGIN { printf "%.5f\n", b / a }' >> "$WORK/ratios"
	done
	med=$(median < "$WORK/ratios")
	pct=$(awk -v r="$med" 'BEGIN { printf "%+.2f", 100 * (r - 1) }')
	say "  churn ($CHURN_N iterations, traced) with top -d $delay / without, per pair: $(tr '\n' ' ' < "$WORK/ratios")"
	say "top: churn wall time while top refreshes every $delay s: ${pct}% (median of $TOP_PAIRS pairs)"
done
exec 5>&-

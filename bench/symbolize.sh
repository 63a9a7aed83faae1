#!/usr/bin/env bash
# bench/symbolize.sh - the viewer's symbolisation figure (a section of
# bench/run.sh, and runnable alone).
#
# bench/symbolize.c makes SYM_N sockets, each from its own call path (4
# call sites per level, 9 levels: up to 262144 distinct stacks), traced with
# SOCKTRACE_STACK_DEPTH=32 and a stack table big enough for all of them.
# Then `socktrace report --json` runs over the trace, output to /dev/null:
# its wall time is printed, and the viewer's own count of the time spent
# symbolising (SOCKTRACE_VIEWER_STATS=1), apart from building the model and
# writing the JSON, gives the figure:
#
#   symbolise: N events with distinct stacks in X.XX s   (target: < 1 s)
#
# Environment (all optional): SHIM, VIEWER (default <bench>/../build/socktrace),
# BUILD, BENCH_CC, BENCH_CFLAGS as in run.sh; SYM_N (default 131072).
# Exits 0 with the figure, 1 when it could not be measured.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
SHIM=$(abspath "${SHIM:-$HERE/../build/libsocktrace.so}")
VIEWER=$(abspath "${VIEWER:-$HERE/../build/socktrace}")
BUILD=$(abspath "${BUILD:-$HERE/../build/bench}")
BENCH_CC=${BENCH_CC:-gcc}
BENCH_CFLAGS=${BENCH_CFLAGS:--O2 -g -Wall -Wextra}
SYM_N=${SYM_N:-131072}

say() { printf '%s\n' "$*"; }
for f in "$SHIM" "$VIEWER"; do
	[[ -x $f || -f $f ]] || { say "symbolize: $f missing (run make)" >&2; exit 1; }
done
mkdir -p "$BUILD"
if [[ ! -x $BUILD/symbolize || $HERE/symbolize.c -nt $BUILD/symbolize ]]; then
	# shellcheck disable=SC2086
	"$BENCH_CC" $BENCH_CFLAGS -o "$BUILD/symbolize" "$HERE/symbolize.c" || exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socktrace-symbolize.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Two records per path (socket, close); the ring rounded up to a power of two MiB.
ring_mb=1
while ((ring_mb * 1024 * 1024 < SYM_N * 2 * 256 * 2)); do ring_mb=$((ring_mb * 2)); done
table=64
while ((table < SYM_N * 2)); do table=$((table * 2)); done
if ! env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$WORK/tr" SOCKTRACE_STACK_DEPTH=32 \
	SOCKTRACE_STACK_TABLE="$table" SOCKTRACE_RING_MB="$ring_mb" \
	"$BUILD/symbolize" "$SYM_N" > "$WORK/out" 2> "$WORK/err"; then
	say "symbolize: the traced program failed:" >&2
	cat "$WORK/err" >&2
	exit 1
fi
start=$(date +%s%N)
SOCKTRACE_VIEWER_STATS=1 "$VIEWER" report --json "$WORK/tr" > /dev/null 2> "$WORK/stats" || true
end=$(date +%s%N)
read -r stacks frames secs < <(sed -En 's/^socktrace: symbolised ([0-9]+) distinct stacks \(([0-9]+) frames\) in ([0-9.]+) s$/\1 \2 \3/p' "$WORK/stats")
if [[ -z ${stacks:-} ]]; then
	say "symbolize: the viewer gave no figure:" >&2
	cat "$WORK/stats" >&2
	exit 1
fi
say "  trace: $SYM_N sockets, $stacks distinct creation stacks ($frames frames), ring ${ring_mb} MiB, table $table"
say "  report --json, whole run (load, model, symbolise, write): $(awk "BEGIN { printf \"%.2f\", ($end - $start) / 1e9 }") s"
say "symbolise: $stacks events with distinct stacks in $(awk "BEGIN { printf \"%.2f\", $secs }") s"

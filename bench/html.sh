#!/usr/bin/env bash
# bench/html.sh - what the HTML report costs at 100,000 connections (a
# section of bench/run.sh, and runnable alone): tests/progs/manyconns makes
# HTML_CONNS connections (12 call sites, every kind of ending) under the
# shim; `socktrace report --html` writes the page (its wall time and the
# file's size); headless chromium loads it HTML_ROUNDS times
# (bench/html_render.js), each from navigation to the page's ready mark
# (file read, data parsed, every chart drawn): the median.  Targets: < 2 s
# and < 20 MB.
#
# Environment: SHIM, VIEWER, BUILD, BENCH_CC, BENCH_CFLAGS as in run.sh;
# HTML_CONNS (100000), HTML_ROUNDS (5), CHROMIUM (/usr/bin/chromium).
# Prints "html: ..." figure lines; exits 1 when it could not measure
# (no chromium, no playwright-core: tools/install-deps installs both).

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
SHIM=$(abspath "${SHIM:-$ROOT/build/libsocktrace.so}")
VIEWER=$(abspath "${VIEWER:-$ROOT/build/socktrace}")
BUILD=$(abspath "${BUILD:-$ROOT/build/bench}")
BENCH_CC=${BENCH_CC:-gcc}
BENCH_CFLAGS=${BENCH_CFLAGS:--O2 -g -Wall -Wextra}
HTML_CONNS=${HTML_CONNS:-100000}
HTML_ROUNDS=${HTML_ROUNDS:-5}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

say() { printf '%s\n' "$*"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for f in "$SHIM" "$VIEWER"; do
	[[ -f $f ]] || { say "html: $f missing (run make)" >&2; exit 1; }
done
[[ -x $CHROMIUM ]] || { say "html: no chromium at $CHROMIUM (tools/install-deps)" >&2; exit 1; }
[[ -d $ROOT/tests/browser/node_modules/playwright-core ]] ||
	{ say "html: playwright-core missing in tests/browser (tools/install-deps)" >&2; exit 1; }
mkdir -p "$BUILD"
if [[ ! -x $BUILD/manyconns || $ROOT/tests/progs/manyconns.c -nt $BUILD/manyconns ]]; then
	# shellcheck disable=SC2086
	"$BENCH_CC" $BENCH_CFLAGS -I"$ROOT/tests/progs" -o "$BUILD/manyconns" "$ROOT/tests/progs/manyconns.c" || exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socktrace-htmlbench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

SOCKTRACE_RING_MB=64 SOCKTRACE_DIR=$WORK/tr SOCKTRACE_LOG=$WORK/log LD_PRELOAD=$SHIM \
	"$BUILD/manyconns" "$HTML_CONNS" > "$WORK/out"
t0=$(date +%s.%N)
"$VIEWER" report --html -o "$WORK/r.html" "$WORK/tr"
t1=$(date +%s.%N)
conns=$(sed -n 's/^conns=//p' "$WORK/out")
say "html: $conns connections, report --html wall time $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
say "html: file size $(stat -c %s "$WORK/r.html") bytes ($(awk -v s="$(stat -c %s "$WORK/r.html")" 'BEGIN { printf "%.1f", s / 1048576 }') MiB)"
timeout 600 node "$HERE/html_render.js" "$CHROMIUM" "$WORK/r.html" "$HTML_ROUNDS" | tee "$WORK/loads"
ready=$(sed -n 's/.* ready_ms=\([0-9.]*\).*/\1/p' "$WORK/loads" | median)
script=$(sed -n 's/.* script_ms=\([0-9.]*\).*/\1/p' "$WORK/loads" | median)
say "html: render median ready ${ready} ms after navigation (script ${script} ms), $HTML_ROUNDS loads, load average $(cut -d' ' -f1 /proc/loadavg)"

#!/usr/bin/env bash
# bench/run.sh - socktrace overhead benchmark (what `make bench` runs).
#
# Measures, natively and under the shim (LD_PRELOAD=$SHIM):
#   churn      loopback TCP connection churn (6 traced socket calls/iteration)
#   sockclose  socket()+close() loop            (2 traced socket calls/iteration)
#   fileclose  open()+close() of a regular file (the shim's close() fast path)
#   forkserver fork-per-connection server: a fork, a child and its trace file
#              per connection (wall time only: callgrind does not follow forks)
#   bulk       1 GiB over loopback TCP in 16 KiB writes (wall time only)
#   pingpong   write+read of 1 byte over a unix socketpair, one thread: the
#              data path's per-call cost (callgrind; wall time for information)
# - wall time: alternating native/shim runs, the median of the rounds' shim/native ratios
# - churn under strace -f -e trace=network,close, for scale
# - user instructions with valgrind --tool=callgrind, difference of two
#   iteration counts (deterministic; start-up and exit cancel out)
# and prints each figure against the project's targets.  Exits 0 whatever the
# figures are (it is a benchmark, not a test); non-zero only if it cannot build
# its own programs.
#
# Environment (all optional):
#   SHIM           the preload library      (default: <this dir>/../build/libsocktrace.so)
#   SHIM_ENV       extra VAR=value words set for shim runs only (e.g. to turn stacks off)
#   BUILD          where bench programs are compiled (default: <repo>/build/bench)
#   BENCH_CC       compiler (default gcc);  BENCH_CFLAGS (default -O2 -g -Wall -Wextra)
#   ROUNDS         wall-time rounds per program, each one native + one shim run (default 11)
#   WARMUP         discarded warm-up rounds before those (default 1)
#   CHURN_N        churn iterations per wall-time run (default 10000, or less if the
#                  ephemeral port range is small: see below)
#   SOCK_N         sockclose iterations per wall-time run (default 200000)
#   FILE_N         fileclose iterations per wall-time run (default 500000)
#   FORK_N         forkserver iterations per wall-time run (default 500)
#   BULK_N         bulk 16 KiB blocks per run (default 65536: 1 GiB); BULK_ROUNDS (default 5)
#   PING_N         pingpong iterations per wall-time run (default 200000)
#   CG_PING_N1/N2  pingpong callgrind iteration counts (default 20000/40000)
#   STRACE_ROUNDS  churn rounds under strace (default 3);  STRACE_N iterations (default 2000)
#   CG_CHURN_N1/N2, CG_SOCK_N1/N2, CG_FILE_N1/N2   callgrind iteration counts
#                  (defaults 2000/4000, 10000/20000, 20000/40000)
#   STACK_ROUNDS   churn rounds for the call-site stack figures (default ROUNDS)
#   SYM_N          sockets with distinct stacks for the viewer's symbolisation figure
#                  (bench/symbolize.sh; default 131072)
#   TOP_SOCKS, TOP_SITES, TOP_PAIRS  bench/top.sh: the refresh's server and the pairs
#   HTML_CONNS, HTML_ROUNDS  bench/html.sh: the HTML report's connections and loads
#   SKIP_WALL, SKIP_STRACE, SKIP_CALLGRIND, SKIP_STACKS, SKIP_SYMBOLIZE, SKIP_TOP, SKIP_HTML
#                  set to 1 to skip a section

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

abspath() {	# make a path absolute relative to the current directory
	case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac
}

SHIM=$(abspath "${SHIM:-$HERE/../build/libsocktrace.so}")
BUILD=$(abspath "${BUILD:-$ROOT/build/bench}")
BENCH_CC=${BENCH_CC:-gcc}
BENCH_CFLAGS=${BENCH_CFLAGS:--O2 -g -Wall -Wextra}
read -r -a SHIM_ENV_ARR <<<"${SHIM_ENV:-}"
# The foundation's figures are for stacks off; SHIM_ENV may still turn them on.
SHIM_ENV_ARR=(SOCKTRACE_STACKS=0 "${SHIM_ENV_ARR[@]}")

ROUNDS=${ROUNDS:-11}
WARMUP=${WARMUP:-1}
# Every churn connection leaves its client port in TIME_WAIT, and connect()
# picks ephemeral ports of one parity first (half of ip_local_port_range).  Once
# those are used up for the listener's address, every further connect() scans
# the whole range in the kernel: on the 2-core VMs a churn of 20000 costs 3x
# per iteration what 10000 does, and the figure measures the kernel's port
# search, not the workload.  Keep CHURN_N well under half the range.
read -r PORT_LO PORT_HI </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || { PORT_LO=32768 PORT_HI=60999; }
PORT_HALF=$(((PORT_HI - PORT_LO + 1) / 2))
CHURN_N_MAX=$((PORT_HALF * 8 / 10))
CHURN_N_DEFAULT=$((CHURN_N_MAX < 10000 ? CHURN_N_MAX : 10000))
CHURN_N=${CHURN_N:-$CHURN_N_DEFAULT}
SOCK_N=${SOCK_N:-200000}
FILE_N=${FILE_N:-500000}
FORK_N=${FORK_N:-500}
BULK_N=${BULK_N:-65536}
BULK_ROUNDS=${BULK_ROUNDS:-5}
PING_N=${PING_N:-200000}
CG_PING_N1=${CG_PING_N1:-20000}
CG_PING_N2=${CG_PING_N2:-40000}
STRACE_ROUNDS=${STRACE_ROUNDS:-3}
STRACE_N=${STRACE_N:-2000}
CG_CHURN_N1=${CG_CHURN_N1:-2000}
CG_CHURN_N2=${CG_CHURN_N2:-4000}
CG_SOCK_N1=${CG_SOCK_N1:-10000}
CG_SOCK_N2=${CG_SOCK_N2:-20000}
CG_FILE_N1=${CG_FILE_N1:-20000}
CG_FILE_N2=${CG_FILE_N2:-40000}

# Targets (from the issue; stacks off).
TARGET_SYMBOLIZE_S=1		# seconds for the viewer to symbolise >= 100k distinct stacks
TARGET_CHURN_PCT=5		# % added to the churn's wall time (stacks off)
TARGET_FILE_CLOSE_INSTR=20	# user instructions added to close() of a regular file
TARGET_SOCK_CALL_INSTR=250	# user instructions added per traced socket call
TARGET_STACKS_CREATE_PCT=8	# % the churn costs over native with creation stacks, 12 frames deep
STACK_DEPTH_ARG=12		# the churn's extra call depth in the stacks section
TARGET_FORK_RATIO=1.25		# fork-per-connection server, shim / native
TARGET_EXEC_RATIO=1.10		# 200 execs of /bin/true in a traced shell loop, shim / native
TARGET_CHILD_KIB=64		# disk a short-lived fork child's trace costs
TARGET_VIEW300_S=0.5		# the viewer reading 300 small traces of a fork server
TARGET_CONN_SYSCALLS=1		# syscalls the shim adds per connection (the client's getsockname)
TARGET_BULK_PCT=2		# % added to the bulk transfer's wall time
TARGET_DATA_CALL_INSTR=40	# user instructions added per data call (counted, no record)

# Traced socket calls per iteration, by construction of each program:
#   churn:     socket, connect, accept, shutdown, close, close (send/recv are not traced)
#   sockclose: socket, close
#   fileclose: none (close() of a regular file is not a socket call; open() is not wrapped)
# The callgrind section cross-checks these against the records the shim wrote.
#   forkserver: parent socket, connect, accept, fork, close, close, waitpid;
#              child forked, close x3, _exit  (12; the child's in its own file)
#   bulk, pingpong: none per iteration (data calls are counted, not recorded)
declare -A CALLS=([churn]=6 [sockclose]=2 [fileclose]=0 [forkserver]=12 [bulk]=0 [pingpong]=0)
# Records per iteration when they differ from the traced calls: the churn's
# two reads of the peer's FIN are events too.
declare -A RECORDS=([churn]=8)
# Data calls per iteration (the pingpong figure is per data call).
declare -A DATA_CALLS=([pingpong]=2)
# What one iteration is, for programs without traced socket calls.
declare -A ITER_LABEL=([fileclose]="close()" [bulk]="16 KiB block" [pingpong]="write+read")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/socktrace-bench.XXXXXX")
# shellcheck disable=SC2317  # invoked by the trap
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '%s\n' "$*"; }
calc() { awk "BEGIN { $1 }" </dev/null; }	# calc 'printf "%.1f", 1/3'

declare -A RESULT=() RVALUE=() RTARGET=() RLABEL=()
ORDER=()
result() {	# result KEY "label" "value" "target" PASS|FAIL|INFO|SKIP|ERROR
	ORDER+=("$1")
	RESULT[$1]=$5
	RVALUE[$1]=$3
	RTARGET[$1]=$4
	RLABEL[$1]=$2
}

median() {	# numbers on stdin, one per line
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		if (NR % 2) printf "%.1f\n", v[(NR + 1) / 2]
		else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
pair_median() {	# pair_median A B: the median of B_i / A_i, the runs of one round on line i
	paste "$1" "$2" | awk '$1 > 0 { print $2 / $1 }' | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		printf "%.4f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
spread() {	# (max-min)/median in %, numbers on stdin
	sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f\n", (m > 0) ? (100 * (v[NR] - v[1]) / m) : 0 }'
}

# ---------------------------------------------------------------- build
PROGS=(churn sockclose fileclose forkserver bulk pingpong)
mkdir -p "$BUILD"
build() {	# build NAME [extra flags]
	local src="$HERE/$1.c" out="$BUILD/$1"
	shift
	if [[ ! -x $out || $src -nt $out || $ROOT/include/trace_format.h -nt $out ]]; then
		# shellcheck disable=SC2086
		if ! "$BENCH_CC" $BENCH_CFLAGS "$@" -o "$out" "$src"; then
			say "bench: cannot compile $src" >&2
			exit 2
		fi
	fi
}
if ! command -v "$BENCH_CC" >/dev/null; then
	say "bench: compiler '$BENCH_CC' not found" >&2
	exit 2
fi
for p in "${PROGS[@]}"; do
	if [[ $p == bulk ]]; then build "$p" -pthread; else build "$p"; fi
done
build traceinfo -I"$ROOT/include"
build emptylib -shared -fPIC
build pagefault

# ---------------------------------------------------------------- tools
HAVE_SHIM=1 HAVE_STRACE=1 HAVE_VALGRIND=1
# Pinned to one CPU (the last): the two sides of a pair then see the same core.
PIN=()
if command -v taskset >/dev/null; then PIN=(taskset -c "$(($(nproc) - 1))"); fi
command -v strace >/dev/null || HAVE_STRACE=0
command -v valgrind >/dev/null || HAVE_VALGRIND=0

say "socktrace benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "host: $(uname -srm), $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown CPU)"
say "shim: $SHIM${SHIM_ENV:+  (SHIM_ENV: $SHIM_ENV)}"
say "programs: $BUILD"

# Trace files in DIR written by the image of program NAME: "head<TAB>file" lines.
trace_heads() {	# trace_heads DIR NAME
	local f files=()
	while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$1" -type f -print0)
	((${#files[@]})) || return 0
	"$BUILD/traceinfo" "${files[@]}" 2>/dev/null |
		awk -F'\t' -v n="$2" '{
			e = $3; sub(/.*\//, "", e); a = $4; sub(/.*\//, "", a)
			if (e == n || a == n) print $1 "\t" $5 }' || true
}

# Run PROG N natively, under the shim or under strace; sets RUN_NS to its
# ns_per_iter.  Under the shim each run gets a fresh SOCKTRACE_DIR, removed
# afterwards, and TRACE_HEAD is set to the record count of the program's trace
# file ("" if there was none).
RUN_NS="" TRACE_HEAD=""
run_once() {	# run_once native|shim|strace PROG N [ARGS...]
	local mode=$1 prog=$2 n=$3 d="" out err rc=0
	shift 3
	out="$WORK/out" err="$WORK/err"
	RUN_NS="" TRACE_HEAD=""
	case $mode in
	native) "${PIN[@]}" "$BUILD/$prog" "$n" "$@" >"$out" 2>"$err" || rc=$? ;;
	shim)
		d=$(mktemp -d "$WORK/trace.XXXXXX")
		env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" "${SHIM_ENV_ARR[@]}" \
			"${PIN[@]}" "$BUILD/$prog" "$n" "$@" >"$out" 2>"$err" || rc=$?
		TRACE_HEAD=$(trace_heads "$d" "$prog" | awk -F'\t' '{ s += $1; k++ } END { if (k) print s }')
		rm -rf "$d"
		;;
	strace)
		strace -f -o /dev/null -e trace=network,close \
			"${PIN[@]}" "$BUILD/$prog" "$n" "$@" >"$out" 2>"$err" || rc=$?
		;;
	esac
	if ((rc == 0)); then
		RUN_NS=$(awk '$1 == "ns_per_iter" { print $2; exit }' "$out")
	fi
	if ((rc != 0)) || [[ -z $RUN_NS ]]; then
		say "  ERROR: $mode $prog $n exited $rc:" >&2
		sed 's/^/    /' "$err" >&2
		return 1
	fi
	if grep -q 'ld.so' "$err"; then
		say "  ERROR: the dynamic loader complained (shim not loaded?):" >&2
		sed 's/^/    /' "$err" >&2
		return 1
	fi
}

# ---------------------------------------------------------------- preflight
if [[ ! -f $SHIM ]]; then
	HAVE_SHIM=0
	say "NOTE: $SHIM not found: build it first (make); shim figures are skipped."
else
	PRE_N=10
	if ! run_once shim sockclose "$PRE_N" 2>"$WORK/pre"; then
		HAVE_SHIM=0
		say "NOTE: sockclose failed under the shim; shim figures are skipped:"
		sed 's/^/  /' "$WORK/pre"
	elif [[ -z $TRACE_HEAD ]]; then
		HAVE_SHIM=0
		say "NOTE: no trace file for sockclose appeared in SOCKTRACE_DIR under the shim"
		say "      (not loaded, or not tracing?); shim figures are skipped."
		d=$(mktemp -d "$WORK/trace.XXXXXX")
		say "      With SOCKTRACE_LOG=stderr it says:"
		env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" SOCKTRACE_LOG=stderr "${SHIM_ENV_ARR[@]}" \
			"$BUILD/sockclose" 10 2>&1 | sed 's/^/        /' || true
		rm -rf "$d"
	elif ((TRACE_HEAD < CALLS[sockclose] * PRE_N)); then
		HAVE_SHIM=0
		say "NOTE: sockclose's trace file under the shim holds $TRACE_HEAD records for"
		say "      $((CALLS[sockclose] * PRE_N)) socket calls: not tracing? shim figures are skipped."
	fi
fi
((HAVE_STRACE)) || say "NOTE: strace not found: the strace comparison is skipped."
((HAVE_VALGRIND)) || say "NOTE: valgrind not found: instruction counts are skipped."
say

# ---------------------------------------------------------------- wall time
# Alternate native and shim runs, the order flipping every round (N S, S N,
# N S, ...) so that a slow drift of the machine hits both sides alike; the figure
# is the median of the rounds' ratios.
wall() {	# wall PROG N [ROUNDS]
	local prog=$1 n=$2 rounds=${3:-$ROUNDS} r mode nat shim pr calls ratio pct per notrace=0 short=0
	local -a order
	: >"$WORK/w.native"
	: >"$WORK/w.shim"
	say "$prog: $n iterations per run, $WARMUP warm-up + $rounds round(s), alternating"
	if [[ $prog == churn ]] && ((n > CHURN_N_MAX)); then
		say "  WARNING: $n iterations exceed 80% of the $PORT_HALF ports of one parity in"
		say "           ip_local_port_range ($PORT_LO-$PORT_HI): the kernel's ephemeral port"
		say "           search will dominate the figures; lower CHURN_N."
	fi
	for ((r = 0; r < WARMUP + rounds; r++)); do
		if ((HAVE_SHIM == 0)); then order=(native)
		elif ((r % 2 == 0)); then order=(native shim)
		else order=(shim native); fi
		for mode in "${order[@]}"; do
			if ! run_once "$mode" "$prog" "$n"; then
				result "wall_$prog" "$prog wall time under the shim" "error" "" ERROR
				return 0
			fi
			if [[ $mode == shim && -z $TRACE_HEAD ]]; then
				notrace=$((notrace + 1))
			elif [[ $mode == shim ]] && ((TRACE_HEAD < CALLS[$prog] * n)); then
				short=$((short + 1))
			fi
			((r < WARMUP)) || echo "$RUN_NS" >>"$WORK/w.$mode"
		done
	done
	nat=$(median <"$WORK/w.native")
	say "  native ns/iter: $(tr '\n' ' ' <"$WORK/w.native")"
	if ((HAVE_SHIM == 0)); then
		say "  native median $nat ns/iter (spread $(spread <"$WORK/w.native")%)"
		say
		result "wall_$prog" "$prog wall time under the shim" "skipped" "" SKIP
		return 0
	fi
	shim=$(median <"$WORK/w.shim")
	say "  shim   ns/iter: $(tr '\n' ' ' <"$WORK/w.shim")"
	say "  native median $nat ns/iter (spread $(spread <"$WORK/w.native")%)"
	say "  shim   median $shim ns/iter (spread $(spread <"$WORK/w.shim")%)"
	# The figure: the median of each round's shim / native (the two runs
	# of a round are next to each other in time, so the machine's drift
	# falls on both); the ratio of the medians is printed beside it.
	pr=$(pair_median "$WORK/w.native" "$WORK/w.shim")
	say "  ratio of the medians $(calc "printf \"%.3f\", $shim / $nat")x; each round's ratio:" \
		"$(paste "$WORK/w.native" "$WORK/w.shim" | awk '{ printf "%.3f ", $2 / $1 }')"
	ratio=$(calc "printf \"%.3f\", $pr")
	pct=$(calc "printf \"%+.1f\", 100 * ($pr - 1)")
	calls=${CALLS[$prog]}
	if ((calls > 0)); then
		per=$(calc "printf \"%+.0f ns per traced call (%d per iteration)\", $nat * ($pr - 1) / $calls, $calls")
	else
		per=$(calc "printf \"%+.1f ns per ${ITER_LABEL[$prog]:-iteration}\", $nat * ($pr - 1)")
	fi
	if [[ $prog == churn ]]; then
		say "  median of the rounds' ratios ${ratio}x  added: ${pct}% (target <= ${TARGET_CHURN_PCT}%)  = $per"
		local verdict
		verdict=$(calc "v = (($pr - 1) * 100 <= $TARGET_CHURN_PCT) ? \"PASS\" : \"FAIL\"; print v")
		result wall_churn "churn wall time added by the shim" "${pct}%" "<= ${TARGET_CHURN_PCT}%" "$verdict"
	elif [[ $prog == bulk ]]; then
		say "  median of the rounds' ratios ${ratio}x  added: ${pct}% (target <= ${TARGET_BULK_PCT}%)  = $per"
		local verdict
		verdict=$(calc "v = (($pr - 1) * 100 <= $TARGET_BULK_PCT) ? \"PASS\" : \"FAIL\"; print v")
		result wall_bulk "bulk 1 GiB transfer wall time added" "${pct}%" "<= ${TARGET_BULK_PCT}%" "$verdict"
	elif [[ $prog == forkserver ]]; then
		say "  median of the rounds' ratios ${ratio}x  added: ${pct}% (target <= ${TARGET_FORK_RATIO}x)  = $per"
		local verdict
		verdict=$(calc "v = ($pr <= $TARGET_FORK_RATIO) ? \"PASS\" : \"FAIL\"; print v")
		result wall_forkserver "fork-per-connection server, shim / native" "${ratio}x" "<= ${TARGET_FORK_RATIO}x" "$verdict"
	else
		say "  median of the rounds' ratios ${ratio}x  added: ${pct}%  = $per"
		result "wall_$prog" "$prog wall time, shim / native" "${ratio}x (${pct}%)" "-" INFO
	fi
	if ((notrace > 0)); then
		if ((calls > 0)); then
			say "  ERROR: $notrace shim run(s) left no trace file for $prog: the figure is not valid"
			RESULT[wall_$prog]=ERROR
		else
			say "  note: $notrace shim run(s) left no trace file (no socket calls: lazily created?)"
		fi
	fi
	if ((short > 0)); then
		say "  WARNING: in $short shim run(s) the trace holds fewer records than the"
		say "           $((CALLS[$prog] * n)) socket calls made: calls went untraced"
	fi
	say
}

# A native floor's runs: PROG N plain beside PROG N VARIANT-ARGS, both
# without the shim, alternating as wall does, WARMUP + ROUNDS rounds; the
# timings go to $WORK/TAG.plain and $WORK/TAG.variant, a round a line.  An
# argument @DIR@ becomes a fresh directory for that run, removed after it.
# Fails when a run did.
native_pairs() {	# native_pairs TAG PROG N VARIANT-ARGS...
	local tag=$1 prog=$2 n=$3 r mode dir rc a
	local -a order args
	shift 3
	: >"$WORK/$tag.plain"
	: >"$WORK/$tag.variant"
	for ((r = 0; r < WARMUP + ROUNDS; r++)); do
		if ((r % 2)); then order=(variant plain); else order=(plain variant); fi
		for mode in "${order[@]}"; do
			args=()
			dir=
			if [[ $mode == variant ]]; then
				for a in "$@"; do
					if [[ $a == @DIR@ ]]; then
						dir=$(mktemp -d "$WORK/trace.XXXXXX")
						a=$dir
					fi
					args+=("$a")
				done
			fi
			rc=0
			run_once native "$prog" "$n" "${args[@]}" || rc=1
			[[ -z $dir ]] || rm -rf "$dir"
			((rc == 0)) || return 1
			((r < WARMUP)) || echo "$RUN_NS" >>"$WORK/$tag.$mode"
		done
	done
}

# What a file per fork child would cost: forkserver natively, each child
# making a file as small as a trace file can be (forkserver.c, DIR), beside
# plain native runs.  The shim's ratio could not go below this while each
# child kept a file; since fork slots (2026-12-04) children keep none, and
# this stays as the measure of what they save.
fork_floor() {	# fork_floor N
	local label="fork server, a file per child, no shim" pr
	if ! native_pairs f forkserver "$1" @DIR@; then
		result wall_fork_floor "$label" "error" "" ERROR
		return 0
	fi
	pr=$(pair_median "$WORK/f.plain" "$WORK/f.variant")
	say "  floor: forkserver natively, each child making a 20 KiB file in $WORK: median" \
		"$(median <"$WORK/f.variant") vs $(median <"$WORK/f.plain") ns/iter," \
		"median of the rounds' ratios $(calc "printf \"%.3fx\", $pr") (no shim: what a file per child would cost here)"
	say
	result wall_fork_floor "$label" "$(calc "printf \"%.3fx\", $pr")" "-" INFO
}

# The floor under the churn's target: churn natively beside churn natively
# with the client's getsockname after connect (churn.c), the one system
# call the trace may add to a connection.  The shim's churn figure cannot
# be below this one.
churn_floor() {	# churn_floor N
	local label="churn floor: the client's getsockname, no shim" pr
	if ! native_pairs c churn "$1" 0 getsockname; then
		result wall_churn_floor "$label" "error" "" ERROR
		return 0
	fi
	pr=$(pair_median "$WORK/c.plain" "$WORK/c.variant")
	say "  floor: churn natively with the client's getsockname after connect: median" \
		"$(median <"$WORK/c.variant") vs $(median <"$WORK/c.plain") ns/iter, median of the rounds' ratios" \
		"$(calc "printf \"%+.1f%%\", 100 * ($pr - 1)") (no shim: the one system call the target allows)"
	say
	result wall_churn_floor "$label" "$(calc "printf \"%+.1f%%\", 100 * ($pr - 1)")" "-" INFO
}

if [[ ${SKIP_WALL:-0} != 1 ]]; then
	say "== Wall time (ns per iteration; native vs LD_PRELOAD shim, runs alternating: the median of the rounds' ratios) =="
	wall churn "$CHURN_N"
	churn_floor "$CHURN_N"
	wall sockclose "$SOCK_N"
	wall fileclose "$FILE_N"
	wall forkserver "$FORK_N"
	fork_floor "$FORK_N"
	: >"$WORK/pf"
	for ((r = 0; r < 5; r++)); do run_once native pagefault 20000 && echo "$RUN_NS" >>"$WORK/pf"; done
	if [[ -s $WORK/pf ]]; then
		say "  one page fault (a fresh anonymous page, median of 5 x 20000): $(median <"$WORK/pf") ns"
		say
		result page_fault "one page fault, for scale" "$(median <"$WORK/pf") ns" "-" INFO
	fi
	wall bulk "$BULK_N" "$BULK_ROUNDS"
	wall pingpong "$PING_N"
fi

# ---------------------------------------------------------------- strace
if [[ ${SKIP_STRACE:-0} != 1 ]]; then
	say "== churn under strace -f -e trace=network,close, for scale =="
	if ((HAVE_STRACE == 0)); then
		say "  skipped: strace not found"
		result strace_churn "churn under strace, ratio to native" "skipped" "-" SKIP
	else
		: >"$WORK/s.native"
		: >"$WORK/s.strace"
		ok=1
		for ((r = 0; r < STRACE_ROUNDS; r++)); do
			if ((r % 2 == 0)); then order=(native strace); else order=(strace native); fi
			for mode in "${order[@]}"; do
				if run_once "$mode" churn "$STRACE_N"; then
					echo "$RUN_NS" >>"$WORK/s.$mode"
				else
					ok=0
				fi
			done
		done
		if ((ok)); then
			nat=$(median <"$WORK/s.native")
			st=$(median <"$WORK/s.strace")
			ratio=$(calc "printf \"%.1f\", $st / $nat")
			say "  $STRACE_N iterations x $STRACE_ROUNDS rounds, alternating"
			say "  native median $nat ns/iter, strace median $st ns/iter"
			say "  strace: ${ratio}x native (expected 5-16x)"
			result strace_churn "churn under strace, ratio to native" "${ratio}x" "-" INFO
		else
			result strace_churn "churn under strace, ratio to native" "error" "-" ERROR
		fi
	fi
	say
fi

# ---------------------------------------------------------------- callgrind
# Total user instructions (callgrind's Ir) at two iteration counts N1 < N2;
# (I(N2) - I(N1)) / (N2 - N1) is the cost of one iteration, start-up and exit
# cancelling.  Added = shim - native.  valgrind passes LD_PRELOAD on to its
# client (after its own preloads); we check that the shim's code ran (its
# object appears in the callgrind profile) and that its trace file appeared.
CG_IR="" CG_HEAD=""
cg_run() {	# cg_run native|shim PROG N  -> sets CG_IR, CG_HEAD
	local mode=$1 prog=$2 n=$3 d="" rc=0 cg="$WORK/cg.out" log="$WORK/vg.log"
	local -a vg=(valgrind --tool=callgrind --callgrind-out-file="$cg" --log-file="$log")
	CG_IR="" CG_HEAD=""
	rm -f "$cg"
	if [[ $mode == native ]]; then
		"${vg[@]}" "$BUILD/$prog" "$n" >"$WORK/out" 2>"$WORK/err" || rc=$?
	else
		d=$(mktemp -d "$WORK/trace.XXXXXX")
		env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" "${SHIM_ENV_ARR[@]}" \
			"${vg[@]}" "$BUILD/$prog" "$n" >"$WORK/out" 2>"$WORK/err" || rc=$?
		CG_HEAD=$(trace_heads "$d" "$prog" | awk -F'\t' '{ s += $1; k++ } END { if (k) print s }')
		rm -rf "$d"
	fi
	if ((rc != 0)) || [[ ! -s $cg ]]; then
		say "  ERROR: callgrind $mode $prog $n exited $rc:" >&2
		cat "$WORK/err" "$log" 2>/dev/null | tail -20 | sed 's/^/    /' >&2
		return 1
	fi
	CG_IR=$(awk '$1 == "summary:" { print $2; f = 1; exit } $1 == "totals:" { t = $2 }
		END { if (!f && t != "") print t }' "$cg")
	if [[ -z $CG_IR ]]; then
		say "  ERROR: no summary/totals line in callgrind output for $mode $prog" >&2
		return 1
	fi
	if [[ $mode == shim ]]; then
		local shim_real
		shim_real=$(readlink -f "$SHIM")
		if ! grep -E '^(ob|cob)=' "$cg" | grep -qF -e "$shim_real" -e "$SHIM"; then
			say "  ERROR: no code of $SHIM ran in $prog under valgrind (LD_PRELOAD not passed on?)" >&2
			return 1
		fi
	fi
}

cg_prog() {	# cg_prog PROG N1 N2
	local prog=$1 n1=$2 n2=$3 calls=${CALLS[$1]}
	local in1 in2 is1 is2 h1 h2 nat shim added recs per
	say "$prog: N1=$n1 N2=$n2"
	cg_run native "$prog" "$n1" || return 1; in1=$CG_IR
	cg_run native "$prog" "$n2" || return 1; in2=$CG_IR
	nat=$(calc "printf \"%.1f\", ($in2 - $in1) / ($n2 - $n1)")
	say "  native: I(N1)=$in1 I(N2)=$in2  -> $nat instructions/iteration"
	if ((HAVE_SHIM == 0)); then
		return 2
	fi
	cg_run shim "$prog" "$n1" || return 1; is1=$CG_IR; h1=$CG_HEAD
	cg_run shim "$prog" "$n2" || return 1; is2=$CG_IR; h2=$CG_HEAD
	shim=$(calc "printf \"%.1f\", ($is2 - $is1) / ($n2 - $n1)")
	added=$(calc "printf \"%.1f\", ($is2 - $is1 - $in2 + $in1) / ($n2 - $n1)")
	say "  shim:   I(N1)=$is1 I(N2)=$is2  -> $shim instructions/iteration"
	say "  added:  $added instructions/iteration"
	if [[ -n $h1 && -n $h2 ]]; then
		local want=${RECORDS[$prog]:-$calls}
		recs=$(calc "printf \"%.2f\", ($h2 - $h1) / ($n2 - $n1)")
		say "  trace records per iteration: $recs (expected $want)"
		if [[ $(calc "v = ($recs == $want) ? 1 : 0; print v") != 1 ]]; then
			say "  WARNING: the shim wrote $recs records per iteration, not $want;"
			say "           the per-call figure below still divides by $calls traced calls"
		fi
	elif ((calls > 0)); then
		say "  ERROR: no trace file for $prog under valgrind+shim: figures are not valid"
		return 1
	else
		say "  trace records: no trace file for $prog (it makes no socket calls)"
	fi
	if ((calls > 0)); then
		per=$(calc "printf \"%.1f\", $added / $calls")
		say "  added per traced socket call: $per instructions (target <= $TARGET_SOCK_CALL_INSTR)"
	elif [[ -n ${DATA_CALLS[$prog]:-} ]]; then
		per=$(calc "printf \"%.1f\", $added / ${DATA_CALLS[$prog]}")
		say "  added per data call: $per instructions (${DATA_CALLS[$prog]} per iteration; target <= $TARGET_DATA_CALL_INSTR)"
	else
		per=$added
	fi
	CG_PER=$per
}

if [[ ${SKIP_CALLGRIND:-0} != 1 ]]; then
	say "== User instructions (valgrind --tool=callgrind, difference of two iteration counts) =="
	if ((HAVE_VALGRIND == 0)); then
		say "  skipped: valgrind not found"
		for k in cg_fileclose cg_sockclose cg_churn cg_pingpong; do
			result "$k" "${k#cg_} instructions" "skipped" "" SKIP
		done
		say
	else
		for spec in "fileclose $CG_FILE_N1 $CG_FILE_N2" "sockclose $CG_SOCK_N1 $CG_SOCK_N2" \
			    "churn $CG_CHURN_N1 $CG_CHURN_N2" "pingpong $CG_PING_N1 $CG_PING_N2"; do
			read -r prog n1 n2 <<<"$spec"
			case $prog in
			fileclose) label="close() of a regular file, instructions added"
				   target=$TARGET_FILE_CLOSE_INSTR ;;
			sockclose) label="socket+close, instructions added per traced call"
				   target=$TARGET_SOCK_CALL_INSTR ;;
			churn)     label="churn, instructions added per traced call"
				   target=$TARGET_SOCK_CALL_INSTR ;;
			pingpong)  label="data call (write/read), instructions added"
				   target=$TARGET_DATA_CALL_INSTR ;;
			esac
			CG_PER="" rc=0
			cg_prog "$prog" "$n1" "$n2" || rc=$?
			if ((rc == 2)); then
				result "cg_$prog" "$label" "skipped" "<= $target" SKIP
			elif ((rc != 0)); then
				result "cg_$prog" "$label" "error" "<= $target" ERROR
			else
				if [[ $prog == fileclose ]]; then
					say "  close() of a regular file: $(calc "printf \"%+.1f\", $CG_PER") instructions per open+close iteration (target <= $target)"
					say "  (the shim does not wrap open(): the whole difference is close()'s)"
				fi
				verdict=$(calc "v = ($CG_PER <= $target) ? \"PASS\" : \"FAIL\"; print v")
				result "cg_$prog" "$label" "$(calc "printf \"%+.1f\", $CG_PER")" "<= $target" "$verdict"
			fi
			say
		done
	fi
fi

# ---------------------------------------------------------------- stacks
# Churn with SOCKTRACE_STACKS=0, create and all, alternating with native in a
# rotating order; "added" is over the same churn traced with stacks off.
# churn makes 2 socket references per iteration (socket, accept): create
# captures 2 stacks, all 6 (plus shutdown and 2 closes... 5 with the closes).
if [[ ${SKIP_STACKS:-0} != 1 ]] && ((HAVE_SHIM)); then
	say "== Call-site stacks: churn $STACK_DEPTH_ARG frames deep, SOCKTRACE_STACKS=0, create, all =="
	STACK_ROUNDS=${STACK_ROUNDS:-$ROUNDS}
	modes=(native 0 create all)
	for m in "${modes[@]}"; do : >"$WORK/st.$m"; done
	saved_env=("${SHIM_ENV_ARR[@]}")
	ok=1
	for ((r = 0; r < WARMUP + STACK_ROUNDS && ok; r++)); do
		for ((k = 0; k < ${#modes[@]}; k++)); do
			m=${modes[$(((k + r) % ${#modes[@]}))]}
			if [[ $m == native ]]; then
				run_once native churn "$CHURN_N" "$STACK_DEPTH_ARG" || { ok=0; break; }
			else
				SHIM_ENV_ARR=("${saved_env[@]}" "SOCKTRACE_STACKS=$m")
				run_once shim churn "$CHURN_N" "$STACK_DEPTH_ARG" || { ok=0; break; }
			fi
			((r < WARMUP)) || echo "$RUN_NS" >>"$WORK/st.$m"
		done
	done
	SHIM_ENV_ARR=("${saved_env[@]}")
	if ((ok)); then
		declare -A SMED=()
		for m in "${modes[@]}"; do
			SMED[$m]=$(median <"$WORK/st.$m")
			say "  $(printf '%-7s' "$m") median ${SMED[$m]} ns/iter (spread $(spread <"$WORK/st.$m")%)"
		done
		# Each mode ran once per round: the figures are medians of the rounds' ratios.
		for m in create all; do
			pr=$(pair_median "$WORK/st.0" "$WORK/st.$m")
			pct=$(calc "printf \"%+.1f\", 100 * ($pr - 1)")
			pr=$(pair_median "$WORK/st.native" "$WORK/st.$m")
			nat=$(calc "printf \"%+.1f\", 100 * ($pr - 1)")
			say "  stacks=$m: ${pct}% over stacks off (${nat}% over native), medians of the rounds' ratios"
			if [[ $m == create ]]; then
				verdict=$(calc "v = (($pr - 1) * 100 <= $TARGET_STACKS_CREATE_PCT) ? \"PASS\" : \"FAIL\"; print v")
				result stacks_create "churn $STACK_DEPTH_ARG frames deep, create stacks, over native" "${nat}%" "<= ${TARGET_STACKS_CREATE_PCT}%" "$verdict"
			else
				result stacks_all "churn: all stacks added over stacks off" "${pct}%" "-" INFO
			fi
		done
		pr=$(pair_median "$WORK/st.native" "$WORK/st.0")
		pct=$(calc "printf \"%+.1f\", 100 * ($pr - 1)")
		result stacks_off "churn: stacks off, added over native" "${pct}%" "-" INFO
	else
		result stacks_create "churn $STACK_DEPTH_ARG frames deep, create stacks, over native" "error" "<= ${TARGET_STACKS_CREATE_PCT}%" ERROR
	fi
	if ((HAVE_VALGRIND)) && [[ ${SKIP_CALLGRIND:-0} != 1 ]]; then
		for m in create all; do
			SHIM_ENV_ARR=("${saved_env[@]}" "SOCKTRACE_STACKS=$m")
			CG_PER=""
			if cg_prog churn "$CG_CHURN_N1" "$CG_CHURN_N2" >"$WORK/cgst" 2>&1; then
				say "  stacks=$m: $(grep 'added per traced' "$WORK/cgst" | sed 's/^ *//')"
				result "cg_stacks_$m" "churn, stacks=$m, instructions per traced call" "$(calc "printf \"%+.1f\", $CG_PER")" "-" INFO
			else
				sed 's/^/    /' "$WORK/cgst"
			fi
		done
		SHIM_ENV_ARR=("${saved_env[@]}")
	fi
	say
fi

# ---------------------------------------------------------------- per process
# What a process costs, not a call: a shell loop of socket-free execs (the
# shim must add almost nothing and leave no file), a fork server's short
# children on disk, the viewer over many small traces, and the system calls
# the shim makes of its own (strace -c, differences over N connections).
VIEWER=${VIEWER:-$ROOT/build/socktrace}
EXEC_N=${EXEC_N:-200}
FORK_FILES_N=${FORK_FILES_N:-300}
SYSCALL_N=${SYSCALL_N:-400}
if [[ ${SKIP_PROCS:-0} != 1 ]] && ((HAVE_SHIM)); then
	say "== Per process: exec loop, fork children's files, the viewer, the shim's own system calls =="
	loop="for ((i = 0; i < $EXEC_N; i++)); do /bin/true; done"
	: >"$WORK/x.native"
	: >"$WORK/x.shim"
	: >"$WORK/x.empty"
	left=0
	for ((r = 0; r < WARMUP + ROUNDS; r++)); do
		if ((r % 2)); then order=(empty shim native); else order=(native shim empty); fi
		for mode in "${order[@]}"; do
			d=$(mktemp -d "$WORK/trace.XXXXXX")
			t0=$(date +%s%N)
			if [[ $mode == shim ]]; then
				env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" "${PIN[@]}" bash -c "$loop"
			elif [[ $mode == empty ]]; then
				env LD_PRELOAD="$BUILD/emptylib" "${PIN[@]}" bash -c "$loop"
			else
				"${PIN[@]}" bash -c "$loop"
			fi
			t1=$(date +%s%N)
			[[ $mode == shim ]] && left=$((left + $(find "$d" -name '*.socktrace' | wc -l)))
			rm -rf "$d"
			((r < WARMUP)) || echo "$(((t1 - t0) / EXEC_N))" >>"$WORK/x.$mode"
		done
	done
	nat=$(median <"$WORK/x.native")
	shim=$(median <"$WORK/x.shim")
	ratio=$(calc "printf \"%.3f\", $(pair_median "$WORK/x.native" "$WORK/x.shim")")
	say "  exec loop: $EXEC_N x /bin/true in a traced bash loop, $ROUNDS rounds: native $nat ns, shim $shim ns per exec (medians); the median of the rounds' ratios ${ratio}x (target <= ${TARGET_EXEC_RATIO}x)"
	verdict=$(calc "v = ($ratio <= $TARGET_EXEC_RATIO) ? \"PASS\" : \"FAIL\"; print v")
	result exec_loop "$EXEC_N execs of /bin/true in a traced shell loop" "${ratio}x" "<= ${TARGET_EXEC_RATIO}x" "$verdict"
	empty=$(median <"$WORK/x.empty")
	eratio=$(calc "printf \"%.3f\", $(pair_median "$WORK/x.native" "$WORK/x.empty")")
	say "  the same loop with an empty library preloaded instead (bench/emptylib.c): $empty ns per exec: ${eratio}x (what loading one more library costs here)"
	result exec_empty "the exec loop, an empty library preloaded" "${eratio}x" "-" INFO
	# Page faults, the bulk of an exec's cost here (bench/README.md): the
	# loop's children's minor faults, as its shell counts them (cminflt,
	# field 11 of /proc/PID/stat, for the children it waited for).
	child_faults() {
		"$@" bash -c "$loop"'; read -r -a f < /proc/$$/stat; echo "${f[10]}"'
	}
	fd=$(mktemp -d "$WORK/trace.XXXXXX")
	fn=$(child_faults env)
	fe=$(child_faults env LD_PRELOAD="$BUILD/emptylib")
	fs=$(child_faults env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$fd")
	rm -rf "$fd"
	fpe=$(calc "printf \"native %.1f, empty library %.1f, shim %.1f\", $fn / $EXEC_N, $fe / $EXEC_N, $fs / $EXEC_N")
	say "  page faults per exec (fork child and /bin/true): $fpe"
	result exec_faults "the exec loop's page faults per exec" "$fpe" "-" INFO
	verdict=$( ((left == 0)) && echo PASS || echo FAIL)
	result exec_files "trace files left by those socket-free processes" "$left" "0" "$verdict"

	# A fork child's image goes in a fork slot of the server's file (no
	# file of its own): what a child costs on disk is what the server's
	# traces take at 2N connections less at N, over N.  The N run stays
	# for the viewer.
	fork_kib() {	# fork_kib DIR N: forkserver N traced into DIR; its files' KiB on disk
		env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$1" "${SHIM_ENV_ARR[@]}" "$BUILD/forkserver" "$2" >/dev/null 2>&1 &&
			find "$1" -name '*.socktrace' -printf '%b\n' | awk '{ s += $1 * 512 / 1024 } END { printf "%d\n", s }'
	}
	d=$(mktemp -d "$WORK/trace.XXXXXX")
	d2=$(mktemp -d "$WORK/trace.XXXXXX")
	if k1=$(fork_kib "$d" "$FORK_FILES_N") && k2=$(fork_kib "$d2" "$((FORK_FILES_N * 2))"); then
		nfiles=$(find "$d" -name '*.socktrace' | wc -l)
		perk=$(calc "printf \"%.1f\", ($k2 - $k1) / $FORK_FILES_N")
		say "  fork server: ${k1} KiB on disk for $FORK_FILES_N connections, ${k2} KiB for $((FORK_FILES_N * 2)), in $nfiles file(s): ${perk} KiB per child (target <= ${TARGET_CHILD_KIB} KiB)"
		verdict=$(calc "v = ($perk <= $TARGET_CHILD_KIB && $k2 > $k1) ? \"PASS\" : \"FAIL\"; print v")
		result child_disk "disk per short-lived fork child" "${perk} KiB" "<= ${TARGET_CHILD_KIB} KiB" "$verdict"
		if [[ -x $VIEWER ]]; then
			: >"$WORK/v.s"
			for ((r = 0; r < 3; r++)); do
				t0=$(date +%s%N)
				"$VIEWER" report --json "$d" >/dev/null 2>&1
				t1=$(date +%s%N)
				echo "$(((t1 - t0) / 1000))" >>"$WORK/v.s"
			done
			vs=$(calc "printf \"%.3f\", $(median <"$WORK/v.s") / 1e6")
			say "  viewer: report --json over the $((FORK_FILES_N + 1)) images of that fork server: $vs s (median of 3; target < ${TARGET_VIEW300_S} s)"
			verdict=$(calc "v = ($vs < $TARGET_VIEW300_S) ? \"PASS\" : \"FAIL\"; print v")
			result view300 "viewer: report over a fork server's $((FORK_FILES_N + 1)) small images" "${vs} s" "< ${TARGET_VIEW300_S} s" "$verdict"
		fi
	else
		result child_disk "disk per short-lived fork child" "error" "<= ${TARGET_CHILD_KIB} KiB" ERROR
	fi
	rm -rf "$d2"
	rm -rf "$d"
	# Page faults per fork server iteration, parent and child (a fork
	# child's cost here is mostly its page faults: bench/README.md): the
	# minor faults of forkserver and its children as a shell counts them,
	# the difference of two connection counts, so that start-up cancels.
	fork_faults() {	# fork_faults N ENV...: faults of "forkserver N" and its children
		local n=$1
		shift
		"$@" bash -c "\"\$1\" $n >/dev/null"'; read -r -a f < /proc/$$/stat; echo "${f[10]}"' \
			_ "$BUILD/forkserver"
	}
	d=$(mktemp -d "$WORK/trace.XXXXXX")
	fa=$(fork_faults "$FORK_FILES_N" env)
	fb=$(fork_faults "$((FORK_FILES_N * 2))" env)
	fc=$(fork_faults "$FORK_FILES_N" env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" "${SHIM_ENV_ARR[@]}")
	rm -rf "$d"
	d=$(mktemp -d "$WORK/trace.XXXXXX")
	fe=$(fork_faults "$((FORK_FILES_N * 2))" env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" "${SHIM_ENV_ARR[@]}")
	rm -rf "$d"
	ffp=$(calc "printf \"native %.1f, shim %.1f\", ($fb - $fa) / $FORK_FILES_N, ($fe - $fc) / $FORK_FILES_N")
	say "  page faults per fork server connection (server and child): $ffp"
	result fork_faults "page faults per fork server connection" "$ffp" "-" INFO

	if ((HAVE_STRACE)); then
		# strace -c: calls by name; the shim's own are the difference.
		count_calls() {	# count_calls OUT CMD...: total calls of CMD and its children
			strace -f -c -o "$1" "${@:2}" >/dev/null 2>&1
			awk '$NF == "total" { print ($(NF-2) ~ /^[0-9]+$/ && NF == 6) ? $(NF-2) : $4 }' "$1"
		}
		d=$(mktemp -d "$WORK/trace.XXXXXX")
		a=$(count_calls "$WORK/sc.n" "$BUILD/churn" "$SYSCALL_N")
		b=$(count_calls "$WORK/sc.s" env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" SOCKTRACE_STACKS=0 "$BUILD/churn" "$SYSCALL_N")
		c=$(count_calls "$WORK/sc.n2" "$BUILD/churn" "$((SYSCALL_N * 2))")
		e=$(count_calls "$WORK/sc.s2" env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" SOCKTRACE_STACKS=0 "$BUILD/churn" "$((SYSCALL_N * 2))")
		per=$(calc "printf \"%.2f\", (($e - $c) - ($b - $a)) / $SYSCALL_N")
		say "  system calls the shim adds per connection: $per (target <= $TARGET_CONN_SYSCALLS: the client's getsockname)"
		verdict=$(calc "v = ($per <= $TARGET_CONN_SYSCALLS + 0.05) ? \"PASS\" : \"FAIL\"; print v")
		result conn_syscalls "system calls the shim adds per connection" "$per" "<= $TARGET_CONN_SYSCALLS" "$verdict"
		# env in both runs: its own exec cancels out.
		a=$(count_calls "$WORK/st.n" env /bin/true)
		b=$(count_calls "$WORK/st.s" env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" /bin/true)
		say "  system calls a socket-free process makes with the shim: $((b - a)) more (loading the library and scanning /proc/self/fd)"
		result proc_syscalls "system calls the shim adds to a socket-free process" "$((b - a))" "-" INFO
		# One more fork and exec of /bin/true by a traced shell that holds no
		# socket: its hint (shim/exec_hint.h) spares the new image the scan.
		two='/bin/true; /bin/true' three='/bin/true; /bin/true; /bin/true'
		a=$(( $(count_calls "$WORK/sh.n3" bash -c "$three") - $(count_calls "$WORK/sh.n2" bash -c "$two") ))
		b=$(( $(count_calls "$WORK/sh.s3" env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" bash -c "$three") -
		      $(count_calls "$WORK/sh.s2" env LD_PRELOAD="$SHIM" SOCKTRACE_DIR="$d" bash -c "$two") ))
		say "  ... one forked and exec'd by a traced shell that holds no socket: $((b - a)) more (the fork child's and the new image's; no scan)"
		result exec_syscalls "system calls added to a shell's socket-free exec" "$((b - a))" "-" INFO
		rm -rf "$d"
	fi
	say
fi

# ---------------------------------------------------------------- symbolise
# The viewer, not the shim: bench/symbolize.sh traces SYM_N sockets made from
# distinct call paths and times the viewer's symbolisation of their stacks.
if [[ ${SKIP_SYMBOLIZE:-0} != 1 ]]; then
	say "== Viewer: symbolising distinct stacks (bench/symbolize.sh) =="
	if SHIM=$SHIM BUILD=$BUILD BENCH_CC=$BENCH_CC BENCH_CFLAGS=$BENCH_CFLAGS \
		"$HERE/symbolize.sh" >"$WORK/sym.out" 2>&1; then
		sed 's/^/  /' "$WORK/sym.out"
		read -r sym_n sym_s < <(sed -En 's/^symbolise: ([0-9]+) events with distinct stacks in ([0-9.]+) s$/\1 \2/p' "$WORK/sym.out")
		verdict=$(calc "v = ($sym_s < $TARGET_SYMBOLIZE_S) ? \"PASS\" : \"FAIL\"; print v")
		result symbolize "symbolise $sym_n distinct stacks (viewer)" "${sym_s} s" "< ${TARGET_SYMBOLIZE_S} s" "$verdict"
	else
		sed 's/^/  /' "$WORK/sym.out"
		result symbolize "symbolise distinct stacks (viewer)" "error" "< ${TARGET_SYMBOLIZE_S} s" ERROR
	fi
	say
fi

# socktrace top: one refresh of a 10000-socket, 200-site server, and a traced
# churn while top refreshes its directory (bench/top.sh has the method).
TARGET_TOP_REFRESH_MS=50
TARGET_TOP_CHURN_PCT=1
if [[ ${SKIP_TOP:-0} != 1 ]] && ((HAVE_SHIM)); then
	say "== socktrace top: a refresh's CPU time, the churn while it refreshes (bench/top.sh) =="
	if SHIM=$SHIM BUILD=$BUILD BENCH_CC=$BENCH_CC BENCH_CFLAGS=$BENCH_CFLAGS VIEWER=$VIEWER \
		"$HERE/top.sh" >"$WORK/top.out" 2>&1; then
		grep -v '^top:' "$WORK/top.out" | sed 's/^/  /'
		ms=$(sed -En 's/^top: refresh CPU ([0-9.]+) ms.*/\1/p' "$WORK/top.out")
		verdict=$(calc "v = ($ms < $TARGET_TOP_REFRESH_MS) ? \"PASS\" : \"FAIL\"; print v")
		result top_refresh "top: one refresh, 10000 sockets / 200 sites, CPU" "${ms} ms" "< ${TARGET_TOP_REFRESH_MS} ms" "$verdict"
		pct=$(sed -En 's/^top: churn wall time while top refreshes every 1 s: ([-+0-9.]+)%.*/\1/p' "$WORK/top.out")
		verdict=$(calc "v = ($pct <= $TARGET_TOP_CHURN_PCT) ? \"PASS\" : \"FAIL\"; print v")
		result top_churn "churn wall time while top refreshes every second" "${pct}%" "<= ${TARGET_TOP_CHURN_PCT}%" "$verdict"
		pct=$(sed -En 's/^top: churn wall time while top refreshes every 0.05 s: ([-+0-9.]+)%.*/\1/p' "$WORK/top.out")
		result top_churn20 "churn wall time, top refreshing 20 times a second" "${pct}%" "-" INFO
	else
		sed 's/^/  /' "$WORK/top.out"
		result top_refresh "top: one refresh, 10000 sockets / 200 sites, CPU" "error" "< ${TARGET_TOP_REFRESH_MS} ms" ERROR
	fi
	say
fi

# The HTML report: 100,000 connections, the page's render time in headless
# chromium and its size (bench/html.sh has the method).
TARGET_HTML_MS=2000
TARGET_HTML_MB=20
if [[ ${SKIP_HTML:-0} != 1 ]] && ((HAVE_SHIM)); then
	say "== socktrace report --html: 100,000 connections in headless chromium (bench/html.sh) =="
	if SHIM=$SHIM BUILD=$BUILD BENCH_CC=$BENCH_CC BENCH_CFLAGS=$BENCH_CFLAGS VIEWER=$VIEWER \
		"$HERE/html.sh" >"$WORK/html.out" 2>&1; then
		grep -v '^html: load ' "$WORK/html.out" | sed 's/^/  /'
		ms=$(sed -En 's/^html: render median ready ([0-9.]+) ms.*/\1/p' "$WORK/html.out")
		verdict=$(calc "v = ($ms < $TARGET_HTML_MS) ? \"PASS\" : \"FAIL\"; print v")
		result html_render "report --html: 100,000 connections, load to drawn" "${ms} ms" "< ${TARGET_HTML_MS} ms" "$verdict"
		bytes=$(sed -En 's/^html: file size ([0-9]+) bytes.*/\1/p' "$WORK/html.out")
		mb=$(calc "printf \"%.1f\", $bytes / 1048576")
		verdict=$(calc "v = ($bytes < $TARGET_HTML_MB * 1048576) ? \"PASS\" : \"FAIL\"; print v")
		result html_size "report --html: 100,000 connections, file size" "${mb} MiB" "< ${TARGET_HTML_MB} MiB" "$verdict"
	else
		sed 's/^/  /' "$WORK/html.out"
		result html_render "report --html: 100,000 connections, load to drawn" "error" "< ${TARGET_HTML_MS} ms" ERROR
	fi
	say
fi

# ---------------------------------------------------------------- summary
say "== Summary =="
printf '%-52s %-18s %-8s %s\n' "figure" "value" "target" "result"
fail=0
for k in "${ORDER[@]}"; do
	printf '%-52s %-18s %-8s %s\n' "${RLABEL[$k]}" "${RVALUE[$k]}" "${RTARGET[$k]:--}" "${RESULT[$k]}"
	case ${RESULT[$k]} in FAIL | ERROR) fail=$((fail + 1)) ;; esac
done
if ((fail)); then
	say "$fail figure(s) FAIL or ERROR (a benchmark: exit status stays 0)"
else
	say "no figure failed its target"
fi
exit 0

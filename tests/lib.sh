# tests/lib.sh - shared by every tests/t*.t: TAP output, paths, and running
# a program under the shim into a fresh trace directory.
#
# Each test file: . "$(dirname "$0")/lib.sh"; plan N; ...; done_testing
# B is the build directory (make test sets it); ST_PRELOAD_FIRST names a
# sanitizer runtime that must precede the shim in LD_PRELOAD.

set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
SHIM=$B/libsocktrace.so
ST=$B/socktrace
EX=$B/examples
PROGS=$B/tests/progs
PRELOAD=${ST_PRELOAD_FIRST:+$ST_PRELOAD_FIRST:}$SHIM
export NO_COLOR=1

# The shim records the sockets a program starts with.  A runner whose stdio
# are sockets (journald, some CI agents) would add them to every trace:
# give the programs under test a file and pipes instead.
[ -S /dev/stdin ] && exec </dev/null
[ -S /dev/stdout ] && exec > >(cat)
[ -S /dev/stderr ] && exec 2> >(cat >&2)

T_NUM=0
T_FAIL=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/socktrace-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

plan() { echo "1..$1"; }
diag() { printf '# %s\n' "$@" >&2; }

# ok COND-EXIT-STATUS NAME: record a test point from the status of the last command.
ok() {
	T_NUM=$((T_NUM + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_NUM - $2"
	else
		echo "not ok $T_NUM - $2"
		T_FAIL=$((T_FAIL + 1))
	fi
}

# is GOT WANT NAME
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'" "want: '$2'"
	fi
}

# like GOT REGEX NAME
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'" "want match: '$2'"
	fi
}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# skip N REASON: N skipped test points (what cannot be checked here, and why).
skip() {
	local i
	for ((i = 0; i < $1; i++)); do
		T_NUM=$((T_NUM + 1))
		echo "ok $T_NUM # SKIP $2"
	done
}

# mask FILE: FILE with every ":PORT" masked, for comparing runs on kernel-chosen ports.
mask() { sed -E 's/:[0-9]+/:PORT/g' "$1"; }

# traced DIR CMD...: run CMD with the shim, tracing into DIR (created fresh).
traced() {
	local dir=$1; shift
	rm -rf "$dir"
	mkdir -p "$dir"
	SOCKTRACE_DIR=$dir SOCKTRACE_LOG=$dir/socktrace.log LD_PRELOAD=$PRELOAD "$@"
}

# untraced CMD...: the same program without the shim (sanitizer runtime kept).
untraced() {
	LD_PRELOAD=${ST_PRELOAD_FIRST:-} "$@"
}

# report_json DIR: the JSON report, or a failed test point when it fails.
report_json() {
	"$ST" report --json "$1"
}

# field FILE KEY: the value after KEY= on the first stdout line naming it
# (the examples print "listen fd=3 addr=127.0.0.1:4242").
field() {
	sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" "$1" | head -n 1
}

# printed FILE WORD KEY: the value after KEY= on the first line starting
# with WORD ("printed out accept peer" for "accept fd=5 ... peer=1.2.3.4:5").
printed() {
	sed -En "s/^$2( .*)? $3=([^ ]*).*/\2/p" "$1" | head -n 1
}

# wait_for FILE REGEX [SECONDS]: poll FILE until a line matches REGEX (at
# most SECONDS, default 15); status 0 when one did.
wait_for() {
	local i n=$(( ${3:-15} * 20 ))
	for ((i = 0; i < n; i++)); do
		grep -Eq -- "$2" "$1" 2> /dev/null && return 0
		sleep 0.05
	done
	return 1
}

# srv_start DIR: tests/progs/leakysrv traced into DIR (fresh), reading its
# commands from fd 3 of this shell (a FIFO), its output in DIR.out; waits
# for its "ready" line and sets SRV_PID and SRV_PORT (empty when it never
# came).  It leaves when fd 3 closes (srv_stop), or after 120 s: start
# other programs in the background with 3>&- (else they hold it open).
srv_start() {
	SRV_DIR=$1 SRV_PID= SRV_PORT=
	rm -f "$WORK/srv.in"
	mkfifo "$WORK/srv.in"
	traced "$SRV_DIR" timeout 120 "$PROGS/leakysrv" < "$WORK/srv.in" > "$SRV_DIR.out" 2>&1 &
	exec 3> "$WORK/srv.in"
	wait_for "$SRV_DIR.out" '^ready ' &&
		SRV_PID=$(sed -n 's/^ready pid=\([0-9]*\).*/\1/p' "$SRV_DIR.out") &&
		SRV_PORT=$(sed -n 's/^ready .* port=\([0-9]*\).*/\1/p' "$SRV_DIR.out")
}

# srv_cmd CMD N: send "CMD N" to the server and wait until it answered
# (its Kth "done" line, K counting every command sent); status 0 when it did.
SRV_SENT=0
srv_cmd() {
	SRV_SENT=$((SRV_SENT + 1))
	echo "$1 $2" >&3
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(grep -c '^done ' "$SRV_DIR.out")" -ge "$SRV_SENT" ] && return 0
		sleep 0.05
	done
	return 1
}

# srv_stop: close the server's commands (it exits) and wait for it.
srv_stop() {
	exec 3>&-
	local i
	for ((i = 0; i < 200; i++)); do
		[ -n "$SRV_PID" ] && kill -0 "$SRV_PID" 2> /dev/null || return 0
		sleep 0.05
	done
	return 1
}

done_testing() {
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

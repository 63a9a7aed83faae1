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

# top_pid JSON EXE: the pid of the traced program EXE itself (a name, no
# slashes) in a report --json file: its root process whose parent left no
# trace (a child it forked before holding a socket starts a file of its own
# later, and may be a root too, with the program as its parent).
top_pid() {
	jq -r --arg e "/$2" '[.processes[].pid] as $all | [.processes[] |
		select(.origin == "root" and (.exe | endswith($e)) and ((.ppid as $pp | $all | index($pp)) == null)) |
		.pid] | unique | .[]' "$1"
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

done_testing() {
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

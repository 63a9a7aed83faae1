# tests/lib.sh - shared by every tests/t*.t: TAP output, paths, and running
# a program under the shim into a fresh trace directory.
#
# Each test file: . "$(dirname "$0")/lib.sh"; plan N; ...; done_testing
# B is the build directory (make test sets it); ST_PRELOAD_FIRST names a
# sanitizer runtime that must precede the shim in LD_PRELOAD.

set -u
# Every test has a time limit (ST_TEST_LIMIT seconds, default 300): a hang
# fails the test (timeout's status, 124, and a missing plan) instead of the
# suite.  The test runs again from its start, under timeout.
if [ -z "${ST_TEST_LIMITED:-}" ]; then
	export ST_TEST_LIMITED=1
	exec timeout -k 10 "${ST_TEST_LIMIT:-300}" bash "$0" "$@"
fi
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
SHIM=$B/libsocktrace.so
ST=$B/socktrace
EX=$B/examples
PROGS=$B/tests/progs
PRELOAD=${ST_PRELOAD_FIRST:+$ST_PRELOAD_FIRST:}$SHIM
# Under make sanitize, an env argument that turns LeakSanitizer off (it
# refuses to run under ptrace, and a server's own leaks are not ours); else
# empty.  After env: ${NO_LEAK_CHECK:+"$NO_LEAK_CHECK"}.
NO_LEAK_CHECK=${ST_PRELOAD_FIRST:+ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0}
export NO_COLOR=1
# Every viewer run checks the refs invariant (replay.h): a record whose
# count of references in its process differs from the replay's exits 70.
export SOCKTRACE_CHECK_REFS=1

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

# is GOT WANT NAME: a point, true when they are equal; returns 1 when not (so "is ... || diag ..." can say more)
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'" "want: '$2'"
		return 1
	fi
}

# like GOT REGEX NAME
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'" "want match: '$2'"
		return 1
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

# kv FILE KEY: the value of the first "KEY=value" line of FILE (a test
# program's own account: "sockets_made=6016").
kv() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

# v KEY [FILE]: the value of the first "KEY=value" line of FILE, by
# default $WORK/out (the account a test program printed of itself:
# "pid=123").
v() { kv "${2:-$WORK/out}" "$1"; }

# q [JQ-ARGS...] FILTER: jq -r FILTER over the JSON file Q_FILE, by
# default $WORK/r.json (the report's JSON), with the test's own jq
# arguments: those in A when it set them (A="--argjson P $pid"), then the
# ones before FILTER (-c, --arg NAME VALUE).
q() { jq -r ${A:-} "$@" "${Q_FILE:-$WORK/r.json}"; }

# rawdump FILE [WHAT...]: the trace file's raw contents, one line per item
# ("header ...", "totals ...", "region ...", "fd ...", "sock ...", "rec ...",
# "lost ...", with key=value words; see tests/progs/stackinfo.c): what the
# file says, without the viewer.  WHAT (header, fds, socks...) names what
# the caller reads; every line is printed, and callers pick theirs by
# prefix.  The one place the raw reader is named.
rawdump() {
	"$PROGS/stackinfo" "$1"
}

# word KEY: the value of KEY=... in each line of stdin ("rawdump F header | word head").
word() {
	sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p"
}

# trace_images DIR: every image in DIR's trace files, one per line: FILE
# for a file's first image, FILE@OFFSET for a fork child's in a fork slot
# of that file (include/trace_format.h; rawdump reads both), each file's
# first image, then those in its slots, depth first.
trace_images() {
	local f
	for f in "$1"/*.socktrace; do
		[ -f "$f" ] && _slot_images "$f"
	done
}
_slot_images() {
	local o
	echo "$1"
	for o in $(rawdump "$1" | sed -n 's/^slot offset=\([0-9]*\) .* version=[1-9][0-9]* .*/\1/p'); do
		_slot_images "${1%@*}@$o"
	done
}

# trace_of DIR PID [EXE]: the image of pid PID in DIR, a file or a fork
# slot (see trace_images; EXE: its executable's base name, to pick one
# image of a pid that exec'd; PID '*': the first file of EXE).
trace_of() {
	local f
	for f in "$1"/${3:-*}.$2.socktrace; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	[ "$2" = '*' ] && return 1
	for f in $(trace_images "$1"); do
		case $f in *@*) ;; *) continue ;; esac
		rawdump "$f" | grep -q "^file pid=$2 .* exe=.*/${3:-[^/]*}\$" && { echo "$f"; return 0; }
	done
	return 1
}

# free_port: a TCP port on 127.0.0.1 nothing listens on or uses now.
free_port() {
	local p i
	for i in $(seq 200); do
		p=$((20000 + RANDOM % 30000))
		[ -z "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ] && { echo "$p"; return 0; }
	done
	return 1
}

# wait_listen PORT [SECONDS]: wait until something listens on TCP PORT
# (ss says so; a server that gives no other sign of being ready); 1 if it
# never does in time (default 20 s).
wait_listen() {
	local i n=$(( ${2:-20} * 20 ))
	for i in $(seq "$n"); do
		[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_stopped PID: wait until every thread of PID is stopped (SIGSTOP
# delivered: state T in /proc); 1 if not within 5 s.
wait_stopped() {
	local i s
	for i in $(seq 500); do
		s=$(cat /proc/"$1"/task/*/stat 2>/dev/null | sed 's/^.*) \(.\).*/\1/' | sort -u | tr -d '\n')
		[ "$s" = T ] && return 0
		sleep 0.01
	done
	return 1
}

# skip_missing PROGRAM...: skip the whole file, naming the program, when one is missing.
skip_missing() {
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || [ -x "$p" ] ||
			skip_all "$p not installed (tools/install-deps installs it)"
	done
}

# at_exit CMD: run CMD when the test ends (before $WORK is removed): stop
# a server, unmount.  Later ones run first.
AT_EXIT=
at_exit() {
	AT_EXIT="$1; $AT_EXIT"
	trap "$AT_EXIT"' rm -rf "$WORK"' EXIT
}

# defaults_tmp: a fresh TMPDIR for tracing with the defaults, as /tmp is
# (mode 1777, reachable by every user: servers that drop privileges make
# their own socktrace-UID there).  Makes $WORK traversable by others.
defaults_tmp() {
	chmod o+x "$WORK"
	rm -rf "$WORK/tmp" && mkdir -p "$WORK/tmp" && chmod 1777 "$WORK/tmp"
	echo "$WORK/tmp"
}

# server_start TMP CMD...: start CMD (a server, under timeout) in the
# background, traced with the defaults as traced_defaults does; its pid
# (CMD's own: timeout's, when CMD is timeout) in SERVER_PID.  It gets
# SIGTERM when the test ends, if still running.  Under a sanitizer build
# the server's own leaks are not reported (they would change its exit
# status; the shim's memory errors still abort it).
server_start() {
	local tmp=$1; shift
	( exec env -u SOCKTRACE_DIR -u SOCKTRACE_LOG -u SOCKTRACE_INODES TMPDIR="$tmp" LD_PRELOAD="$PRELOAD" \
		${NO_LEAK_CHECK:+"$NO_LEAK_CHECK"} "$@" ) &
	SERVER_PID=$!
	at_exit "kill $SERVER_PID 2> /dev/null; wait $SERVER_PID 2> /dev/null"
}

# traced_defaults TMP CMD...: run CMD under the shim with every default
# (no SOCKTRACE_DIR, SOCKTRACE_LOG, SOCKTRACE_INODES), TMPDIR=TMP: the
# traces go to TMP/socktrace-UID, the log to TMP/socktrace-UID.log, for
# the uid each process has when it first needs them.
traced_defaults() {
	local tmp=$1; shift
	env -u SOCKTRACE_DIR -u SOCKTRACE_LOG -u SOCKTRACE_INODES TMPDIR="$tmp" LD_PRELOAD="$PRELOAD" "$@"
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

# wait_for_n FILE REGEX N [SECONDS]: as wait_for, until N lines match.
wait_for_n() {
	local i n=$(( ${4:-15} * 20 ))
	for ((i = 0; i < n; i++)); do
		[ "$(grep -Ec -- "$2" "$1" 2> /dev/null)" -ge "$3" ] && return 0
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

# run_bg DIR CMD...: CMD under `socktrace run -q -o DIR` in the background
# (DIR fresh; its stdout in DIR.out, socktrace run's notes in DIR.err), as
# a user gating CI would trace a server; the run's pid in RUN_PID.  It is
# killed when the test ends, if still running.  RUN_OWNER=USER makes DIR
# first, owned by USER (for a server that drops to USER before its first
# socket).
run_bg() {
	local dir=$1; shift
	rm -rf "$dir" "$dir.out" "$dir.err"
	[ -z "${RUN_OWNER:-}" ] || { mkdir -p "$dir" && chown "$RUN_OWNER" "$dir"; }
	# Under make sanitize, the runtime first (run keeps it there), and no
	# leak report from the server at its exit: its leaks are not ours.
	( exec env LD_PRELOAD="${ST_PRELOAD_FIRST:-}" \
		${NO_LEAK_CHECK:+"$NO_LEAK_CHECK"} \
		"$ST" run -q -o "$dir" -- "$@" ) > "$dir.out" 2> "$dir.err" &
	RUN_PID=$!
	at_exit "kill $RUN_PID 2> /dev/null"
}

# run_child: the pid of the program run_bg started under timeout (timeout's
# one child), to signal it as its service manager would.
run_child() {
	local t
	t=$(pgrep -P "$RUN_PID" -x timeout) && pgrep -P "$t"
}

# run_stop [SIG]: send SIG (default TERM) to the program run_bg started, as
# its service manager would, and wait for the run; status 0 when it ended
# with status 0 or 128 + SIG (its own answer to the signal).
run_stop() {
	local pid rc sig=${1:-TERM}
	pid=$(run_child) || return 1
	kill -"$sig" "$pid" || return 1
	wait "$RUN_PID"
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq $((128 + $(kill -l "$sig"))) ]
}

# nginx_conf DIR PORT: DIR/nginx.conf for a foreground nginx, master and 2
# workers as www-data, on 127.0.0.1:PORT, answering each request with
# "$pid $remote_port" (the worker that served it, the client's port), its
# files in DIR.
nginx_conf() {
	mkdir -p "$1"
	cat > "$1/nginx.conf" <<CONF
worker_processes 2;
user www-data;
pid $1/nginx.pid;
error_log $1/error.log;
daemon off;
events { worker_connections 64; }
http {
	access_log off;
	keepalive_timeout 30;
	client_body_temp_path $1/body; proxy_temp_path $1/proxy; fastcgi_temp_path $1/fastcgi;
	uwsgi_temp_path $1/uwsgi; scgi_temp_path $1/scgi;
	server {
		listen 127.0.0.1:$2;
		location / { return 200 "\$pid \$remote_port\n"; }
	}
}
CONF
}

# pg_require: PGBIN, the newest postgresql's bin directory, or skip the
# whole test naming what is missing (postgres runs as its own user: root needed).
pg_require() {
	[ "$(id -u)" -eq 0 ] || skip_all "running postgres as its own user needs root"
	[ -z "${ST_PRELOAD_FIRST:-}" ] || skip_all "sanitizer build: postgres hangs with libasan preloaded (even postgres --version)"
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
	[ -n "$PGBIN" ] && [ -x "$PGBIN/postgres" ] || skip_all "postgresql not installed (tools/install-deps installs it)"
	skip_missing psql runuser
	id postgres > /dev/null 2>&1 || skip_all "no user postgres"
}

# gate DIR LABEL: the two CI gates on DIR, 2 test points: `audit
# --fail-on=warning` exits 0 and `leaks` exits 0 (what they found goes to
# diag when not).
gate() {
	local rc
	"$ST" audit --fail-on=warning "$1" > "$1.audit" 2>&1
	rc=$?
	ok $rc "$2: audit --fail-on=warning exits 0"
	[ "$rc" -eq 0 ] || diag "$(grep -E -A2 '^(warning|error) ' "$1.audit" | head -n 24)" "$(tail -n 2 "$1.audit")"
	"$ST" leaks "$1" > "$1.leaks" 2>&1
	rc=$?
	ok $rc "$2: leaks exits 0"
	[ "$rc" -eq 0 ] || diag "$(head -n 24 "$1.leaks")"
}

# verdicts DIR: DIR's findings of warning or error severity as "severity
# kind" lines, unique, sorted: what must not change between two runs of
# the same program.  Info findings follow what the program did in that run
# (haproxy resets a backend connection with SO_LINGER {1, 0} in some runs
# only), so they are not compared.
verdicts() {
	"$ST" audit --json "$1" | jq -r '.findings[] | select(.severity != "info") | "\(.severity) \(.kind)"' | sort -u
}

# served DIR PORT: how many accepted TCP connections on 127.0.0.1:PORT DIR's trace has.
served() {
	"$ST" report --json "$1" | jq --arg l "127.0.0.1:$2" '[.connections[] | select(.role == "server" and .local == $l)] | length'
}

# gate_twice LABEL MIN PORTVAR: 8 test points for a server test that
# defines one DIR (one traced run of the server into DIR, setting the
# variable named PORTVAR to its port; status 0 when it ran and stopped as
# it should): two runs, each with at least MIN connections served on that
# port and both CI gates passed, and the same findings in both.
gate_twice() {
	local r n
	for r in 1 2; do
		one "$WORK/r$r"
		ok $? "$1, run $r: it ran, served and stopped as it should, traced"
		n=$(served "$WORK/r$r" "${!3}")
		[ "${n:-0}" -ge "$2" ] 2> /dev/null
		ok $? "$1, run $r: the trace has the connections it served (${n:-none}; $2 at least)"
		gate "$WORK/r$r" "$1, run $r"
	done
	is "$(verdicts "$WORK/r2")" "$(verdicts "$WORK/r1")" "$1: the second run gives the same warnings and errors (kinds)"
}

# todo COND NAME: a known bug: "not ok ... # TODO" while COND (a status) fails
# (not a failure of this file), "ok ... # TODO" once fixed (then make it a
# plain test point).
todo() {
	T_NUM=$((T_NUM + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_NUM - $2 # TODO known bug, now passing"
	else
		echo "not ok $T_NUM - $2 # TODO known bug"
	fi
}

done_testing() {
	[ "$T_FAIL" -eq 0 ]
	exit $?
}

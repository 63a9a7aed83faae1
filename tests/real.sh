# tests/real.sh - helpers for the t09xx tests that trace real servers
# (nginx, redis, memcached, ...): sourced after lib.sh.
#
# Each such test skips, saying why, when the program is missing, when not
# root (servers drop privileges, runuser), or under a sanitizer runtime.
# Servers listen on 127.0.0.1 only, on free ports (free_port), are started
# under timeout and killed by pid when the test ends.

REAL=$TOP/tests/real
PY=${PY:-/usr/bin/python3}

# need PROG...: skip the whole test unless each program is installed.
need() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (servers drop privileges to their users)"
	[ -z "${ST_PRELOAD_FIRST:-}" ] || skip_all "real servers are not run under the sanitizer runtime"
	skip_missing "$PY" "$@"
}

# Servers this test started: killed (by pid) when it exits.
REAL_PIDS=()
at_exit 'for p in "${REAL_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done'

# serve MODE DIR CMD...: start CMD in the background: MODE plain (no shim),
# run (socktrace run -o DIR), preload (LD_PRELOAD + SOCKTRACE_DIR=DIR) or
# strace (preload under strace -ff -yy -o DIR.st/s).  SRV is its pid (the
# timeout wrapper's); its stdout/stderr go to DIR.out / DIR.err.
serve() {
	local mode=$1 dir=$2; shift 2
	rm -rf "$dir" "$dir.st"
	# socktrace run makes its directory itself (as root, open to the users
	# the program may become); DIRMODE: one made beforehand, with that mode.
	if [ -n "${DIRMODE:-}" ]; then
		mkdir -p "$dir" && chmod "$DIRMODE" "$dir"
	elif [ "$mode" != run ]; then
		mkdir -p "$dir"
	fi
	case $mode in
	plain) timeout -s KILL 120 "$@" >"$dir.out" 2>"$dir.err" & ;;
	run) timeout -s KILL 120 "$ST" run -o "$dir" -- "$@" >"$dir.out" 2>"$dir.err" & ;;
	preload) SOCKTRACE_DIR=$dir SOCKTRACE_LOG=$dir/socktrace.log LD_PRELOAD=$SHIM \
		timeout -s KILL 120 "$@" >"$dir.out" 2>"$dir.err" & ;;
	strace) mkdir -p "$dir.st"
		timeout -s KILL 300 strace -ff -yy -o "$dir.st/s" -E SOCKTRACE_DIR="$dir" \
			-E SOCKTRACE_LOG="$dir/socktrace.log" -E LD_PRELOAD="$SHIM" ${STRACE_ENV:-} \
			"$@" >"$dir.out" 2>"$dir.err" & ;;
	esac
	SRV=$!
	REAL_PIDS+=("$SRV")
}

# finish: wait for the server started last; its exit status in SRV_RC.
finish() {
	wait "$SRV"
	SRV_RC=$?
}

# bytes_match DIR: socktrace's per-connection bytes (report --json DIR) equal
# strace's (DIR.st) for every connection; the comparison's last line is diagnosed.
bytes_match() {
	"$ST" report --json "$1" > "$1.json" || return 1
	"$PY" "$REAL/stbytes.py" "$1.st/s" > "$1.bytes" || return 1
	"$PY" "$REAL/cmpbytes.py" "$1.json" "$1.bytes" > "$1.cmp"
	local rc=$?
	diag "$(tail -n 1 "$1.cmp")"
	[ $rc -eq 0 ] || diag "$(head -n 5 "$1.cmp")"
	return $rc
}

# jqf DIR FILTER: a jq filter over DIR's JSON report (made by bytes_match or here).
jqf() {
	[ -s "$1.json" ] || "$ST" report --json "$1" > "$1.json"
	jq -r "$2" "$1.json"
}

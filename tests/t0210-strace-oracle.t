#!/usr/bin/env bash
# strace as an oracle: run a program under strace and the shim at once and
# check that the shim saw exactly the socket calls the kernel saw, in order,
# with the same fds and results:
#   - the sequence of socket fds created (socket, socketpair, accept, accept4);
#   - the sequence of (op, fd, ret, errno) of every socket call: socket,
#     socketpair, bind, listen, accept, connect, shutdown on any fd, and
#     close, dup, dup2, dup3, fcntl(F_DUPFD*) on an fd that is a socket;
#   - the dup2/dup3 calls that replaced a socket fd (implicit closes).
# Which fds are sockets is worked out from strace's own output (sockets are
# born by socket/socketpair/accept, copied by the dup family, dropped by
# close and by a dup2/dup3 onto them), so the shim's own syscalls (closing
# its trace file, the loader's closes) drop out without trusting the shim.
# Per thread, in each thread's own order; single-process programs only (one
# fd table).  dup2/dup3 with oldfd == newfd are calls on the socket that copy
# nothing.  Ops are compared modulo dup3/dup2, accept4/accept,
# fcntl64/fcntl, which a libc may use for one another.
. "$(dirname "$0")/lib.sh"

command -v strace > /dev/null 2>&1 || skip_all "strace is not installed"
strace -f -qq -e trace=close -o /dev/null true > /dev/null 2>&1 || skip_all "strace cannot trace here (ptrace not permitted?)"
plan 21

CALLS=socket,socketpair,bind,listen,accept,accept4,connect,shutdown,close,dup,dup2,dup3,fcntl,fcntl64

# strace_side FILE OUTPREFIX: write OUTPREFIX.created, .calls and .implicit.
strace_side() {
	awk -v out="$2" '
	function emit(f, s) { print s > (out "." f) }
	function norm(op) {
		if (op == "dup3") return "dup2"
		if (op == "accept4") return "accept"
		if (op == "fcntl64") return "fcntl"
		return op
	}
	{
		line = $0
		if (!match(line, /^[0-9]+ +/))
			next
		tid = substr(line, 1, RLENGTH); sub(/ +$/, "", tid)
		rest = substr(line, RLENGTH + 1)
		if (rest ~ / <unfinished \.\.\.>$/) {
			sub(/ <unfinished \.\.\.>$/, "", rest)
			pend[tid] = rest
			next
		}
		if (rest ~ /^<\.\.\. [a-z0-9_]+ resumed>/) {
			sub(/^<\.\.\. [a-z0-9_]+ resumed> ?/, "", rest)
			rest = pend[tid] rest
			delete pend[tid]
		}
		if (!match(rest, /^[a-z0-9_]+\(/))
			next
		name = substr(rest, 1, RLENGTH - 1)
		# The result follows the last " = ".
		eq = 0
		for (i = index(rest, " = "); i > 0; i = index(substr(rest, eq + 1), " = ")) {
			eq += i
		}
		if (!eq)
			next
		args = substr(rest, length(name) + 2, eq - length(name) - 2)
		sub(/ *$/, "", args); sub(/\)$/, "", args)
		nres = split(substr(rest, eq + 3), res, " ")
		ret = res[1]; err = (ret ~ /^-/ && nres >= 2) ? res[2] : "-"
		if (ret == "?")
			next
		nargs = split(args, a, ", *")
		fd = a[1] + 0
		op = norm(name)
		if (name == "socket" || name == "accept" || name == "accept4") {
			if (name == "socket")
				emit("calls", tid " socket -1 " ret " " err)
			else
				emit("calls", tid " accept " fd " " ret " " err)
			if (ret >= 0) {
				sock[ret] = 1; delete tomb[ret]
				emit("created", tid " " ret)
			}
		} else if (name == "socketpair") {
			if (ret == 0 && match(args, /\[[0-9]+, *[0-9]+\]/)) {
				split(substr(args, RSTART + 1, RLENGTH - 2), sv, ", *")
				for (k = 1; k <= 2; k++) {
					sock[sv[k] + 0] = 1; delete tomb[sv[k] + 0]
					emit("calls", tid " socketpair " (sv[k] + 0) " 0 -")
					emit("created", tid " " (sv[k] + 0))
				}
			} else {
				emit("calls", tid " socketpair -1 " ret " " err)
			}
		} else if (name ~ /^(bind|listen|connect|shutdown)$/) {
			emit("calls", tid " " op " " fd " " ret " " err)
		} else if (name == "close") {
			if (fd in sock) {
				emit("calls", tid " close " fd " " ret " " err)
				if (err != "EBADF") {
					delete sock[fd]
					tomb[fd] = 1
				}
			} else if (fd in tomb) {
				# The fd last held a socket: EBADF is a double close
				# (recorded); success closed a file that reused it.
				if (err == "EBADF")
					emit("calls", tid " close " fd " " ret " " err)
				else
					delete tomb[fd]
			}
		} else if (name == "dup") {
			if (fd in sock) {
				emit("calls", tid " dup " fd " " ret " " err)
				if (ret >= 0)
					sock[ret] = 1; delete tomb[ret]
			}
		} else if (name == "dup2" || name == "dup3") {
			nfd = a[2] + 0
			if (nfd == fd) {
				# A no-op (dup2) or EINVAL (dup3): a call on the socket, no copy.
				if (fd in sock)
					emit("calls", tid " dup2 " fd " " ret " " err)
				next
			}
			if (ret >= 0 && (nfd in sock)) {
				emit("implicit", tid " dup2 " fd " " nfd)
				delete sock[nfd]
				tomb[nfd] = 1
			}
			if (fd in sock) {
				emit("calls", tid " dup2 " fd " " ret " " err)
				if (ret >= 0)
					sock[ret] = 1; delete tomb[ret]
			}
		} else if (name == "fcntl" || name == "fcntl64") {
			if ((a[2] == "F_DUPFD" || a[2] == "F_DUPFD_CLOEXEC") && (fd in sock)) {
				emit("calls", tid " fcntl " fd " " ret " " err)
				if (ret >= 0)
					sock[ret] = 1; delete tomb[ret]
			}
		}
	}' "$1"
	touch "$2.created" "$2.calls" "$2.implicit"
}

# shim_side REPORT.json OUTPREFIX: the same three lists from the shim's report.
shim_side() {
	local all='[(.connections[].events[] | select(.listener_side != true or .ret < 0)), .processes[].events[]]
		| map(select(.op | IN("socket","socketpair","bind","listen","accept","accept4","connect","shutdown","close","dup","dup2","dup3","fcntl","fcntl64")))
		| sort_by(.t_ns) | .[]
		| .op |= (if . == "dup3" then "dup2" elif . == "accept4" then "accept" elif . == "fcntl64" then "fcntl" else . end)'
	jq -r "$all | select(.implicit_close != true) | \"\(.tid) \(.op) \(.fd) \(.ret) \(.errno // \"-\")\"" "$1" > "$2.calls"
	jq -r "$all | if (.op == \"socket\" or .op == \"accept\") and .ret >= 0 then \"\(.tid) \(.ret)\"
		elif .op == \"socketpair\" and .ret == 0 then \"\(.tid) \(.fd)\" else empty end" "$1" > "$2.created"
	jq -r "$all | select(.implicit_close == true) | \"\(.tid) \(.op) \(.fd) \(.newfd)\"" "$1" > "$2.implicit"
}

# by_thread FILE: stable sort on the tid column (each thread's own order kept).
by_thread() { sort -s -n -k1,1 "$1"; }

# oracle NAME CMD...: 7 test points.
oracle() {
	local name=$1 d=$WORK/$1
	shift
	mkdir -p "$d/dir"
	# LeakSanitizer refuses to run under ptrace (make sanitize); no effect otherwise.
	strace -f -qq -e trace=$CALLS -o "$d/strace" \
		-E LD_PRELOAD="$PRELOAD" -E SOCKTRACE_DIR="$d/tr" -E SOCKTRACE_LOG="$d/tr/socktrace.log" \
		-E ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		"$@" > "$d/out" 2> "$d/err"
	ok $? "$name: runs under strace and the shim at once"
	report_json "$d/tr" > "$d/r.json"
	ok $? "$name: report --json succeeds"
	is "$(jq '.processes | length' "$d/r.json")" 1 "$name: one traced process (strace itself is not traced)"

	strace_side "$d/strace" "$d/s"
	shim_side "$d/r.json" "$d/t"
	like "$(wc -l < "$d/s.calls")" '^[1-9][0-9]*$' "$name: strace saw socket calls"
	diff -u <(by_thread "$d/s.created") <(by_thread "$d/t.created") >&2
	ok $? "$name: the same socket fds created, in the same order per thread ($(wc -l < "$d/s.created") fds)"
	diff -u <(by_thread "$d/s.calls") <(by_thread "$d/t.calls") >&2
	ok $? "$name: the same socket calls (op, fd, ret, errno), in the same order per thread ($(wc -l < "$d/s.calls") calls)"
	diff -u <(by_thread "$d/s.implicit") <(by_thread "$d/t.implicit") >&2
	ok $? "$name: the same dup2/dup3 calls replaced a socket fd ($(wc -l < "$d/s.implicit"))"
}

oracle calls "$PROGS/calls" "$WORK/calls/dir"
oracle addrs "$PROGS/addrs" "$WORK/addrs/dir"
oracle echo "$EX/echo"
done_testing

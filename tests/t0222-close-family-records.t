#!/usr/bin/env bash
# close_range, closefrom, fclose and fcloseall drop socket references, and
# the trace says so: one record per socket fd dropped, with the call's
# arguments, the reference count left (0) and released true; a close of the
# same fd afterwards fails with EBADF and is recorded as a double close.
# Calls that close no socket (an empty range, a range of pipes, fclose of a
# file or a memory stream, a refused range) write no socket record.
# Sockets are found by the inode tests/progs/calls2 prints on stderr.
. "$(dirname "$0")/lib.sh"
plan 22

mkdir -p "$WORK/d"
# calls2 names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/calls2" "$WORK/d" > "$WORK/out" 2> "$WORK/err"
ok $? "calls2 runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
# note LABEL KEY: KEY= of the stderr line "# LABEL ...".
note() { sed -n "s/^# $1 \(.* \)*$2=\([^ ]*\).*/\2/p" "$WORK/err" | head -n 1; }
# evs LABEL: the events of the socket calls2 noted as LABEL, one word each.
J='def ev: "\(.op):\(.fd):\(.ret):\(.errno // "-"):\(.refs):\(if .released == null then "-" else .released end)";'
evs() {
	q --argjson i "$(note "$1" inode)" "$J"' [.connections[] | select(.inode == $i) | .events[] | ev] | join(",")'
}
ROOT=$(top_pid "$WORK/r.json" calls2)
like "$ROOT" '^[0-9]+$' "one root calls2 process"
# dclose: "fd" of each failed close (EBADF) the root process recorded, in order.
dclose() {
	q --argjson p "${ROOT:-0}" '[.processes[] | select(.pid == $p) | .events[] | select(.op == "close" and .errno == "EBADF") | .fd] | map(tostring) | join(",")'
}

a=$(note cr-a fd) b=$(note cr-b fd) c=$(note cr-c fd)
is "$(evs cr-a)|$(evs cr-b)|$(evs cr-c)" \
	"socket:-1:$a:-:1:-,close_range:$a:0:-:0:true|socket:-1:$b:-:1:-,close_range:$b:0:-:0:true|socket:-1:$c:-:1:-,close_range:$c:0:-:0:true" \
	"close_range($a, $c, 0): each of the three sockets ends with a close_range record, refs 0, released"
is "$(q --argjson i "$(note cr-b inode)" '.connections[] | select(.inode == $i) | .events[-1] | "\(.first) \(.last) \(.flags)"')" \
	"$a $c 0" "the close_range record gives first, last and flags"
like ",$(dclose)," ",$b,.*" "close(b) after close_range: a double close, recorded (EBADF)"
"$ST" audit --json "$WORK/tr" > "$WORK/a.json"
is "$(jq -r --argjson p "${ROOT:-0}" --argjson fd "$b" '[.findings[] | select(.kind == "double-close" and .pid == $p and .fd == $fd) | .message | test("close_range")] | map(tostring) | join(",")' "$WORK/a.json")" \
	"true" "audit: one double-close finding for fd $b, naming close_range as the first close"

x=$(note cr-cx fd)
is "$(evs cr-cx)" "socket:-1:$x:-:1:-,close_range:$x:0:-:1:-,close:$x:0:-:0:true" \
	"CLOSE_RANGE_CLOEXEC: a close_range record that drops nothing (refs 1), then the real close"
is "$(q --argjson i "$(note cr-cx inode)" '.connections[] | select(.inode == $i) | .events[1] | "\(.cloexec) \(.flags)"')" \
	"true 4" "CLOSE_RANGE_CLOEXEC: the record is marked cloexec with flags 4"
x=$(note cr-flags fd)
is "$(evs cr-flags)" "socket:-1:$x:-:1:-,close:$x:0:-:0:true" \
	"close_range refused (bad flags) over a socket: no close_range record; the later close releases it"
is "$(q '[.connections[].events[] | select(.op == "close_range" and (.via_syscall | not))] | length')" 4 \
	"no close_range record for the empty range or the pipes' range (4 in all: 3 + CLOEXEC)"

x=$(note fc-sock fd)
is "$(evs fc-sock)" "socket:-1:$x:-:1:-,fclose:$x:0:-:0:true" "fclose of an fdopen'd socket: an fclose record, refs 0, released"
x=$(note fc-unconn fd)
is "$(evs fc-unconn)" "socket:-1:$x:-:1:-,fclose:$x:-1:EPIPE:0:true" \
	"fclose whose flush fails (EPIPE) still closes the fd: recorded as failed, refs 0, released"
is "$(q '[.connections[].events[], .processes[].events[] | select(.op == "fclose")] | length')" 2 \
	"fclose of a regular file and of a memory stream: no record"
is "$(q --argjson i "$(note fc-sock inode)" --argjson p "${ROOT:-0}" --argjson fd "$(note fc-sock fd)" '
	[.connections[] | select(.inode == $i) | .events[-1].t_ns] as $t |
	[.processes[] | select(.pid == $p) | .events[] | select(.op == "close" and .errno == "EBADF" and .fd == $fd and .t_ns > $t[0])] | length > 0')" \
	true "close(fd) after fclose: a double close, recorded after the fclose"

# fcloseall: glibc flushes and closes no fd, so only the later close() drops them.
fca=$(note fca pid)
open_before=$(sed -n 's/^fca close .*open-before=\([01]\).*/\1/p' "$WORK/out" | paste -sd, -)
if [ "$open_before" = "1,1" ]; then want=close; else want=fcloseall; fi
is "$(q --argjson p "${fca:-0}" '[.connections[] | select(.pid == $p) | .events[] | select(.op != "socket") | .op] | unique | join(",")')" \
	"$want" "fcloseall (fds still open after it: $open_before): the child's sockets are dropped by $want"
is "$(q --argjson p "${fca:-0}" '[.connections[] | select(.pid == $p) | .events[-1] | "\(.refs):\(.released)"] | join(",")')" \
	"0:true,0:true" "fcloseall child: both sockets end with refs 0, released"
is "$(q '[.connections[].events[] | select(.op == "fcloseall")] | length')" \
	"$([ "$want" = fcloseall ] && echo 2 || echo 0)" "no fcloseall record for a socket fcloseall did not close"

# closefrom.
a=$(note cf-a fd) b=$(note cf-b fd)
is "$(evs cf-a)|$(evs cf-b)" "socket:-1:$a:-:1:-,closefrom:$a:0:-:0:true|socket:-1:$b:-:1:-,closefrom:$b:0:-:0:true" \
	"closefrom($a): both sockets end with a closefrom record, refs 0, released"
is "$(q --argjson i "$(note cf-b inode)" '.connections[] | select(.inode == $i) | .events[-1].lowfd')" "$a" \
	"the closefrom record gives lowfd"
like ",$(dclose)," ",$a,\$" "close(a) after closefrom: a double close, recorded (the last one)"
is "$(q '[.connections[].events[] | select(.op == "closefrom" and .lowfd == 900)] | length')" 0 \
	"closefrom(900) over no fd: no record"
done_testing

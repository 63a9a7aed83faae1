#!/usr/bin/env bash
# Transparency: with the shim, programs see exactly what libc gives them (the
# same return values, errno, fd numbers, lowest free fd), and the report
# records each failed socket call by errno name and each dup-family copy
# with the right reference counts (tests/progs/calls).  Then the echo and
# fork_server examples print the same with and without the shim.
. "$(dirname "$0")/lib.sh"
plan 41

mkdir -p "$WORK/u" "$WORK/t"
untraced "$PROGS/calls" "$WORK/u" > "$WORK/u.out" 2> "$WORK/u.err"
urc=$?
traced "$WORK/tr" "$PROGS/calls" "$WORK/t" > "$WORK/t.out" 2> "$WORK/t.err"
trc=$?
is "$urc" 0 "calls runs untraced: every call behaved as Linux documents"
is "$trc" "$urc" "traced exit status equals untraced"
diff -u "$WORK/u.out" "$WORK/t.out" >&2
ok $? "stdout (results, errno names, fd numbers) is byte for byte the same traced and untraced"
is "$(grep '^lowest-free ' "$WORK/t.out")" "$(grep '^lowest-free ' "$WORK/u.out")" \
	"the lowest free fd at the end is the same: the shim holds no fd"
like "$(grep -c ' errno=E' "$WORK/t.out")" '^1[0-9]$' "the script made its failing calls (sanity)"

report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"

# r LABEL OP KEY: KEY= of the stdout line "LABEL OP ...".
r() {
	awk -v l="$1" -v o="$2" -v k="$3=" '$1 == l && $2 == o {
		for (i = 3; i <= NF; i++) if (index($i, k) == 1) { print substr($i, length(k) + 1); exit }
	}' "$WORK/t.out"
}
# note LABEL KEY: KEY= of the stderr line "# LABEL ...".
note() { sed -n "s/^# $1 \(.* \)*$2=\([^ ]*\).*/\2/p" "$WORK/t.err" | head -n 1; }

s1=$(r s1 socket ret) s2=$(r s2 socket ret) s3=$(r s3 socket ret) udp=$(r udp socket ret)
nb=$(r nb socket ret) l2=$(r l2 socket ret)

# Failed calls that concern no socket: in the process's events.
is "$(q '[.processes[0].events[] | select(.op=="socket" or .op=="socketpair") | "\(.op) \(.ret) \(.errno)"] | join(",")')" \
	"socket -1 EAFNOSUPPORT,socketpair -1 EOPNOTSUPP" \
	"socket(12345) and socketpair(AF_INET): one failed event each, errno by name"

# fev FD OP: "ret errno addr" of the failed events OP on the sockets born on fd FD.
fev() {
	q --argjson fd "$1" --arg op "$2" '[.connections[] | select(.events[0].op=="socket" and .events[0].ret == $fd)
		| .events[] | select(.op == $op and .fd == $fd and .errno != null) | "\(.ret) \(.errno)\(if .addr then " " + .addr else "" end)"] | join(",")'
}
is "$(fev "$s2" bind)" "-1 EADDRINUSE $(note s1 addr)" "bind to the listener's address: EADDRINUSE, with the address tried"
# A length over sockaddr_storage (128) that still fits a record: the kernel
# refuses it unread, so the shim
# must not read it either (the bytes end at a guard page).
edge=$(r edge socket ret)
is "$(fev "${edge:-0}" connect),$(fev "${edge:-0}" bind)" "-1 EINVAL,-1 EINVAL" \
	"connect/bind with length 140 (over 128) at a guard page: EINVAL, no address read, no crash"
is "$(fev "$udp" listen)" "-1 EOPNOTSUPP" "listen on a UDP socket: EOPNOTSUPP"
is "$(fev "$s3" connect)" "-1 ECONNREFUSED $(note closed addr)" "connect to a closed port: ECONNREFUSED, with the address tried"
is "$(fev "$s2" shutdown)" "-1 ENOTCONN" "shutdown of an unconnected socket: ENOTCONN"
is "$(fev "$s2" accept)" "-1 EINVAL" "accept on a non-listening socket: EINVAL"
is "$(fev "$l2" accept4)" "-1 EAGAIN" "accept4 on an idle non-blocking listener: EAGAIN"
nbret=$(note nb ret) nberr=$(note nb errno)
[ "$nberr" = 0 ] && nberr=null
is "$(q --argjson fd "$nb" '.connections[] | select(.events[0].op=="socket" and .events[0].ret == $fd) | .events[] | select(.op=="connect") | "\(.ret) \(.errno) \(.addr)"')" \
	"$nbret $nberr $(note s1 addr)" "non-blocking connect: the result the program saw ($nbret $nberr)"

# Roles after failed calls: a failed accept makes nothing a server.
is "$(q --argjson fd "$s2" '.connections[] | select(.events[0].op=="socket" and .events[0].ret == $fd) | .role')" \
	"unconnected" "a socket whose bind, shutdown and accept all failed stays unconnected"
is "$(q --argjson fd "$l2" '.connections[] | select(.events[0].op=="socket" and .events[0].ret == $fd) | .role')" \
	"listener" "a listener whose non-blocking accept4 got EAGAIN stays a listener"

# close(-1) is not a socket event; the second close of a closed socket fd is
# a double close, recorded once (EBADF) with no socket.
is "$(q '[.connections[].events[], .processes[].events[] | select(.op=="close" and .errno != null) | "\(.fd) \(.errno)"] | join(",")')" \
	"$(r twice socket ret) EBADF" "only the double close is a failed close (not close(-1))"
tw=$(r twice socket ret)
is "$(q --argjson fd "$tw" '[.connections[] | select(.events[0].op=="socket" and .events[0].ret == $fd)][0].events | map("\(.op):\(.ret):\(.refs)") | join(",")')" \
	"socket:$tw:1,close:0:0" "the twice-closed socket: one close, refs 0"

# The viewer's count agrees with the failed events it shows.
# Failed calls appear once each (a failed accept is only on its listener's timeline).
# Would-block results (EAGAIN, EINPROGRESS, EALREADY, EINTR) are counted apart, not as failures.
WB='test("^(EAGAIN|EWOULDBLOCK|EINPROGRESS|EALREADY|EINTR)$")'
FAILED='[.connections[].events[], .processes[].events[] | select(.errno != null and .op != "connected")]'
is "$(q '.summary.failed_calls') $(q '.summary.would_block')" \
	"$(q "$FAILED | map(select(.errno | $WB | not)) | length") $(q "$FAILED | map(select(.errno | $WB)) | length")" \
	"summary.failed_calls counts the failed events, would_block the would-block ones (a connect's completion is not a call)"

# The dup family on socket sa.
sa=$(r sa socket ret) sb=$(r sb socket ret) sc=$(r sc socket ret)
d1=$(r sa dup ret) d2=$(r sa dup2 ret) d3=$(r sa dup3 ret) d4=$(r sa F_DUPFD ret) d5=$(r sa F_DUPFD_CLOEXEC ret)
file=$(r file open ret) file2=$(r file2 open ret)
is "$(r sa dup2 newfd) $(r sa dup3 newfd)" "$d2 $d3" "dup2/dup3 returned their target fds"
like "$d4" '^[0-9]+$' "fcntl(F_DUPFD, 10) returned an fd"
[ "${d4:-0}" -ge 10 ]
ok $? "fcntl(F_DUPFD, 10) returned an fd >= 10"
# sa reuses the fd of the twice-closed socket: the later socket born there.
SA="[.connections[] | select(.events[0].op==\"socket\" and .events[0].ret == ${sa:-0})][-1]"
evs() { q "[$SA.events[] | select($1) | \"\(.op | sub(\"fcntl64\"; \"fcntl\")):\(.fd):\(.ret):\(.refs)\(if .cloexec then \":cloexec\" else \"\" end)\(if .implicit_close then \":implicit\" else \"\" end)\(if .errno then \":\" + .errno else \"\" end)\"] | join(\",\")"; }
is "$(evs '.op != "close" and .op != "socket" and .errno == null')" \
	"dup:$sa:$d1:2,dup2:$sa:$d2:3,dup3:$sa:$d3:4:cloexec,fcntl:$sa:$d4:5,fcntl:$sa:$d5:6:cloexec,dup2:$sa:$sa:6,dup2:$sa:$sb:7,dup2:$sa:$file:8" \
	"sa's copies: dup, dup2, dup3 (cloexec), F_DUPFD, F_DUPFD_CLOEXEC (cloexec), dup2(sa, sa) (no new reference), dup2 onto a socket, dup2 onto a file; refs 2..8"
is "$(evs '.errno != null')" "dup3:$sa:-1:6:EINVAL,dup2:$sa:-1:6:EBADF" \
	"dup3(sa, sa, 0) and dup2(sa, -1): failed calls on sa (EINVAL, EBADF), references unchanged"
is "$(evs '.op == "close"')" \
	"close:$sa:0:7,close:$d1:0:6,close:$d2:0:5,close:$d3:0:4,close:$d4:0:3,close:$d5:0:2,close:$sb:0:1,close:$file:0:0" \
	"sa's eight fds closed one by one: refs 7..0"
is "$(q "$SA.fds | sort | map(tostring) | join(\",\")")" \
	"$(printf '%s\n' "$sa" "$d1" "$d2" "$d3" "$d4" "$d5" "$sb" "$file" | sort -n | paste -sd, -)" "sa's fds: all eight"
is "$(q "[$SA.events[] | select(.op==\"dup2\" and .fd == .ret) | \"\(.newfd):\(.refs)\"] | join(\",\")")" "$sa:6" \
	"dup2(sa, sa) is recorded once, as a no-op: newfd is sa, the count stays 6"

# dup2 onto an open socket: that socket's timeline ends with an implicit close.
SB="[.connections[] | select(.events[0].op==\"socket\" and .events[0].ret == ${sb:-0})][0]"
is "$(q "$SB.events | map(\"\(.op):\(.fd):\(.newfd):\(.ret):\(.implicit_close):\(.refs)\") | join(\",\")")" \
	"socket:-1:null:$sb:null:1,dup2:$sa:$sb:$sb:true:0" "dup2(sa, sb): sb's timeline shows dup2 with implicit_close, refs 0"
is "$(q "$SB.open_at_exit")" false "the overwritten socket is not open at exit"
SC="[.connections[] | select(.events[0].op==\"socket\" and .events[0].ret == ${sc:-0})][0]"
is "$(q "$SC.events | map(\"\(.op):\(.fd):\(.newfd):\(.ret):\(.implicit_close):\(.refs)\") | join(\",\")")" \
	"socket:-1:null:$sc:null:1,dup2:$file2:$sc:$sc:true:0" \
	"dup2(file, sc): sc's timeline shows the implicit close; the later close(sc) of a file is not recorded"

# The pipe: not a socket, no event.
p0=$(sed -n 's/^pipe fds=\([0-9]*\),.*/\1/p' "$WORK/t.out") pd=$(r pipe dup ret)
like "$p0 $pd" '^[0-9]+ [0-9]+$' "the program printed the pipe's fds"
is "$(q --argjson p "${p0:-0}" --argjson d "${pd:-0}" '[.connections[].events[], .processes[].events[] | select(.fd == $p and .ret == $d)] | length')" 0 \
	"dup of a pipe is not recorded"
is "$(q '.summary.open_at_exit')" 0 "nothing open at exit"
is "$(q '[.connections[] | .events[-1] | .refs] | unique | map(tostring) | join(",")')" 0 "every socket ends with 0 references"

# The examples: same stdout (ports aside) and status with and without the shim.
for ex in echo fork_server; do
	untraced "$EX/$ex" > "$WORK/$ex.u" 2>&1
	u=$?
	traced "$WORK/tr-$ex" "$EX/$ex" > "$WORK/$ex.t" 2>&1
	t=$?
	is "$u $t" "0 0" "$ex: exit status 0 with and without the shim"
	like "$(wc -l < "$WORK/$ex.t")" '^[1-9]' "$ex: printed its lines"
	sed 's/:[0-9]*/:P/g' "$WORK/$ex.u" > "$WORK/$ex.u.norm"
	sed 's/:[0-9]*/:P/g' "$WORK/$ex.t" > "$WORK/$ex.t.norm"
	diff -u "$WORK/$ex.u.norm" "$WORK/$ex.t.norm" >&2
	ok $? "$ex: the same output (fd numbers included; ports replaced) with and without the shim"
done
done_testing

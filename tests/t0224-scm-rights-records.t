#!/usr/bin/env bash
# Sockets passed with SCM_RIGHTS: sendmsg records each socket sent (with
# the carrier socket), the sender's close then leaves the reference in
# flight, recvmsg records the new fd in the receiver (cloexec with
# MSG_CMSG_CLOEXEC), and the receiver's close releases it.  A pipe passed
# in the same message is not a socket: no record.  Messages without
# control data, and calls that fail, write no record.
# A reference the kernel discards (a control buffer too short for every fd:
# MSG_CTRUNC; or msg_control NULL) is gone at that recvmsg: the socket must
# not stay "in flight" for ever.
. "$(dirname "$0")/lib.sh"
plan 13

mkdir -p "$WORK/d"
# calls2 names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/calls2" "$WORK/d" > "$WORK/out" 2> "$WORK/err"
ok $? "calls2 runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
note() { sed -n "s/^# $1 \(.* \)*$2=\([^ ]*\).*/\2/p" "$WORK/err" | head -n 1; }
J='def rel: if .released == null then "-" else .released end;
   def ev: "\(.op):\(.fd):\(.ret):\(.refs)/\(.refs_total):\(rel)\(if .carrier_fd then ":c\(.carrier_fd)" else "" end)\(if .in_flight then ":inflight\(.in_flight)" else "" end)\(if .cloexec then ":cloexec" else "" end)";'
evs() {
	q --argjson i "$(note "$1" inode)" "$J"' [.connections[] | select(.inode == $i) | .events[] | ev] | join(",")'
}
c0=$(note msg-carrier0 fd) c1=$(note msg-carrier1 fd)

s=$(note msg-sock fd) r=$(note msg-sock received)
is "$(evs msg-sock)" \
	"socket:-1:$s:1/1:-,sendmsg:$s:1:1/2:-:c$c0,close:$s:0:0/1:false:inflight1,recvmsg:$r:1:1/1:-:c$c1,close:$r:0:0/0:true" \
	"a socket sent, closed (one reference in flight), received on fd $r, closed (released)"
is "$(q --argjson i "$(note msg-sock inode)" '[.connections[] | select(.inode == $i) | .events[] | select(.op == "sendmsg" or .op == "recvmsg") | .carrier_inode] | map(tostring) | join(",")')" \
	"$(note msg-carrier0 inode),$(note msg-carrier1 inode)" "sendmsg and recvmsg name their carrier sockets by inode"
is "$(q --argjson i "$(note msg-sock inode)" '.connections[] | select(.inode == $i) | .fds | map(tostring) | join(",")')" \
	"$(printf '%s\n' "$s" "$r" | sort -un | paste -sd, -)" "the passed socket's fds: the sender's and the receiver's"

s=$(note msg-cx fd) r=$(note msg-cx received)
is "$(evs msg-cx)" \
	"socket:-1:$s:1/1:-,sendmsg:$s:1:1/2:-:c$c0,close:$s:0:0/1:false:inflight1,recvmsg:$r:1:1/1:-:c$c1:cloexec,close:$r:0:0/0:true" \
	"recvmsg with MSG_CMSG_CLOEXEC: the received reference is cloexec"

s=$(note msg-mixed fd) rr=$(note msg-mixed received)
is "$(evs msg-mixed)" \
	"socket:-1:$s:1/1:-,sendmsg:$s:1:1/2:-:c$c0,close:$s:0:0/1:false:inflight1,recvmsg:${rr#*,}:1:1/1:-:c$c1,close:${rr#*,}:0:0/0:true" \
	"a pipe and a socket in one message: only the socket is recorded, sent and received"
is "$(q '[.processes[].events[] | select(.op == "sendmsg" or .op == "recvmsg") | "\(.op):\(.fd):\(.discarded)"] | join(",")')" \
	"recvmsg:-1:true,recvmsg:-1:true" \
	"the pipe passed (received on fd ${rr%%,*}): no record of it; the only records about no socket are the two discards (MSG_CTRUNC)"
is "$(q '[.connections[].events[], .processes[].events[] | select((.op == "sendmsg" or .op == "recvmsg") and .discarded != true and .carrier_fd != null) | "\(.op)"] | group_by(.) | map("\(.[0])=\(length)") | join(",")')" \
	"recvmsg=4,sendmsg=6" \
	"6 sockets sent, 4 received: messages without SCM_RIGHTS, failed calls and the discarded fds leave no SCM_RIGHTS record"
is "$(q '[.connections[].events[], .processes[].events[] | select((.op == "sendmsg" or .op == "recvmsg") and .errno != null) | "\(.op):\(.errno):\(.carrier_fd)"] | join(",")')" \
	"sendmsg:EBADF:null,recvmsg:EFAULT:null" \
	"sendmsg/recvmsg that failed: no SCM_RIGHTS record; on a socket, EBADF (a bad fd passed) and EFAULT are data-path failures (EAGAIN is not)"

# The truncated receive: the first fd arrives, the second is discarded.
a=$(note msg-trunc-a fd) r=$(note msg-trunc received)
is "$(evs msg-trunc-a)" \
	"socket:-1:$a:1/1:-,sendmsg:$a:1:1/2:-:c$c0,close:$a:0:0/1:false:inflight1,recvmsg:$r:1:1/1:-:c$c1,close:$r:0:0/0:true" \
	"MSG_CTRUNC: the fd that fitted is received and later released"
is "$(q --argjson i "$(note msg-trunc-b inode)" '.connections[] | select(.inode == $i) | .released_t_ns != null')" true \
	"MSG_CTRUNC: the fd that did not fit was discarded by the kernel: that socket is released, not in flight for ever"
is "$(q --argjson i "$(note msg-null inode)" '.connections[] | select(.inode == $i) | .released_t_ns != null')" true \
	"recvmsg with msg_control NULL discarded the fd sent: that socket is released, not in flight for ever"
done_testing

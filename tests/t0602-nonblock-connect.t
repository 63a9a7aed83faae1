#!/usr/bin/env bash
# Non-blocking connects: EINPROGRESS (state SYN_SENT, the hint says it is
# normal), then the completion as the app learns it: getsockopt(SO_ERROR)
# 0 to a listener (connected, with a connect latency), ECONNREFUSED to a
# closed port (failed, no latency), or the first successful send.
. "$(dirname "$0")/lib.sh"
plan 11

# data names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/data" nonblock > "$WORK/out"
ok $? "data nonblock runs under the shim"
is "$(v ok_so_error) $(v refused_so_error)" "0 ECONNREFUSED" "kernel: SO_ERROR 0 to the listener, ECONNREFUSED to the closed port"
[ "$(v ok_connect)" = EINPROGRESS ] && [ "$(v refused_connect)" = EINPROGRESS ] && [ "$(v send_connect)" = EINPROGRESS ] ||
	skip_all "a loopback non-blocking connect completed at once here (no EINPROGRESS)"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
c() { jq -r --argjson i "$(v "$1")" ".connections[] | select(.inode == \$i) | $2" "$WORK/r.json"; }

is "$(c ok_inode '[.events[] | select(.op == "connect" or .op == "connected") | "\(.op):\(.errno // "-"):\(.tcp_state // "-")"] | join(",")')" \
	"connect:EINPROGRESS:SYN_SENT,connected:-:ESTABLISHED" "to a listener: EINPROGRESS in SYN_SENT, then connected"
is "$(c ok_inode '.events[] | select(.op == "connected") | "\(.learned_by) \(.connected)"')" "getsockopt true" \
	"the completion was learned by getsockopt (SO_ERROR 0)"
is "$(c ok_inode '(.connect_latency_ns > 0) and (.connect_latency_ns < 5000000000)')" true "a connect latency, from the call to its completion"
like "$(c ok_inode '.events[] | select(.op == "connect") | .hint')" "normal for a non-blocking connect" "EINPROGRESS's hint: normal"
is "$(c refused_inode '[.events[] | select(.op == "connected") | "\(.errno):\(.connected):\(.learned_by):\(.tcp_state)"] | join(",")')" \
	"ECONNREFUSED:false:getsockopt:CLOSED" "to a closed port: the completion failed with ECONNREFUSED (SO_ERROR), state CLOSED"
is "$(c refused_inode '.connect_latency_ns')" null "no connect latency for a refused connect"
like "$(c refused_inode '.events[] | select(.op == "connected") | .hint')" "nothing listens" "ECONNREFUSED's hint: nothing listens"
is "$(c send_inode '.events[] | select(.op == "connected") | "\(.learned_by) \(.connected)"')" "send true" \
	"completion learned by the first successful send"
done_testing

#!/usr/bin/env bash
# Transparency of the data wrappers: return values, errno (kept on success,
# the real one on failure), fd numbers, for failing and succeeding data
# calls on sockets, pipes and bad fds.  Failures on sockets are events
# (EAGAIN is not); on other fds nothing is recorded.
. "$(dirname "$0")/lib.sh"
plan 5

traced "$WORK/tr" "$PROGS/data" errors > "$WORK/out"
ok $? "data errors runs under the shim"
untraced "$PROGS/data" errors > "$WORK/plain"
ok $? "data errors runs without it"
is "$(cat "$WORK/out")" "$(cat "$WORK/plain")" "every line the same: results, errno, the lowest free fd"
report_json "$WORK/tr" > "$WORK/r.json"
is "$(jq -r '[.connections[].events[], .processes[].events[] | select(.errno != null) | "\(.op):\(.errno)"] | join(",")' "$WORK/r.json")" \
	"send:EPIPE,recv:ENOTCONN,write:EPIPE,sendmsg:EFAULT" \
	"failures on sockets are events (EAGAIN is not; pipes and bad fds are not sockets)"
is "$(jq '[.findings[] | select(.kind == "write-after-peer-close")] | length' "$WORK/r.json")" 0 \
	"EPIPE on a socket that was never connected is not write-after-peer-close"
done_testing

#!/usr/bin/env bash
# The counters live in the trace file: a process killed by SIGKILL (no
# close, no exit) still has its bytes in the report; a fork child counts
# its own sends in its own file, and the report adds every process's.
. "$(dirname "$0")/lib.sh"
plan 6

# stderr off: bash reports the killed command ("Killed").
# data names its sockets by inode (fstat): the trace carries every one's.
{ SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/data" killed > "$WORK/out"; } 2>/dev/null
is "$?" 137 "data killed dies of SIGKILL"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
c() { jq -r --argjson i "$(v "$1")" ".connections[] | select(.inode == \$i) | $2" "$WORK/r.json"; }
is "$(c client_inode '"\(.bytes_sent) \(.bytes_received)"')" "$(v client_sent) $(v client_received)" \
	"killed: the client's counts survive (1000 sent, 234 received)"
is "$(c client_inode '.last_t_ns >= .first_t_ns and .first_t_ns > 0')" true "killed: first and last activity known"

SOCKTRACE_INODES=1 traced "$WORK/trf" "$PROGS/data" fork > "$WORK/outf"
ok $? "data fork runs under the shim"
is "$("$ST" report --json "$WORK/trf" | jq -r --argjson i "$(sed -n 's/^client_inode=//p' "$WORK/outf")" \
	'.connections[] | select(.inode == $i) | .bytes_sent')" 600 \
	"fork: 100 + 300 by the parent and 200 by the child: bytes_sent 600"
done_testing

#!/usr/bin/env bash
# The exec family.  A failed exec (every variant: execve, execv, execvp,
# execvpe, execl, execlp, execle, fexecve, execveat) leaves a pending record
# then the failure with its errno, and the process runs on: it still ends
# "exited", its sockets keep one holder (no reference moves into an image
# that never ran) and the audit finds nothing inherited across exec there.
# A forked child's successful exec links the new image to its file (origin
# exec), and a socket without close-on-exec is held across the exec.
. "$(dirname "$0")/lib.sh"
plan 11

mkdir -p "$WORK/d"
# calls2 names its sockets by inode (fstat): the trace carries every one's.
SOCKTRACE_INODES=1 traced "$WORK/tr" "$PROGS/calls2" "$WORK/d" > "$WORK/out" 2> "$WORK/err"
ok $? "calls2 runs under the shim"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
note() { sed -n "s/^# $1 \(.* \)*$2=\([^ ]*\).*/\2/p" "$WORK/err" | head -n 1; }
ROOT=$(top_pid "$WORK/r.json" calls2)
EXECS='select(.op | test("^(execve|execv|execvp|execvpe|execl|execlp|execle|fexecve|execveat)$"))'

is "$(q --argjson p "${ROOT:-0}" '[.processes[] | select(.pid == $p) | .events[] | '"$EXECS"' | if .pending then "\(.op)?" else "\(.op)=\(.errno)" end] | join(",")')" \
	"execve?,execve=ENOENT,execv?,execv=ENOENT,execvp?,execvp=ENOENT,execvpe?,execvpe=ENOENT,execl?,execl=ENOENT,execlp?,execlp=ENOENT,execle?,execle=ENOENT,fexecve?,fexecve=EACCES,execveat?,execveat=ENOENT,execveat?,execveat=EINVAL,execve?,execve=EACCES" \
	"each failed exec: a pending record, then the failure with the errno the program saw"
is "$(q --argjson p "${ROOT:-0}" '[.processes[] | select(.pid == $p) | .events[] | '"$EXECS"' | select(.pending | not) | .ret] | unique | map(tostring) | join(",")')" \
	"-1" "the failure records return -1"
is "$(q --argjson p "${ROOT:-0}" '[.processes[] | select(.pid == $p) | "\(.end) \(.exited) \(.exec_into)"] | join(",")')" \
	"exit true null" "after eleven failed execs the process still ends by exit, not exec"

k=$(note exec-keeper inode)
K="[.connections[] | select(.inode == $k)][0]"
is "$(q --argjson p "${ROOT:-0}" "[$K.events[] | select(.op == \"exec-fd\" and .pid == \$p) | \"\(.fd):\(.cloexec // false)\"] | unique | join(\",\")")" \
	"$(note exec-keeper fd):false" "the open socket is listed (not close-on-exec) before each exec"
is "$(q --argjson p "${ROOT:-0}" "[$K.holders[] | select(.pid == \$p) | \"\(.how)>\(.end)\"] | join(\",\")")" \
	"socket>close" "in the exec'ing process the socket has one holder, from socket() to close(): the failed execs moved nothing"
is "$("$ST" audit --json "$WORK/tr" | jq -r --argjson p "${ROOT:-0}" '[.findings[] | select(.kind == "inherited-across-exec" and .pid == $p)] | length')" 0 \
	"audit: no inherited-across-exec in the process whose execs failed"

# The forked children that exec'd echo and sh.
is "$(q '[.processes[] | select(.origin == "exec") | .exe | split("/")[-1] | if test("sh$") then "sh" else . end] | sort | join(",")')" \
	"echo,echo,echo,echo,sh" "four children exec'd echo and one sh: five images with origin exec"
is "$(q '[.processes[] | select(.origin == "exec") | .exec_from != null and .ppid > 0] | unique | map(tostring) | join(",")')" \
	true "each exec'd image names the file of the image it replaced"
is "$(q '[.processes[] | select(.origin == "exec" and (.exe | endswith("sh"))) | .exit_status] | map(tostring) | join(",")')" \
	7 "sh -c 'exit 7': its exit status 7 recorded"
done_testing

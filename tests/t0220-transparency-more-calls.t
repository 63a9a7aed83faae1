#!/usr/bin/env bash
# Transparency of the wrappers beyond the socket and dup families: with the
# shim, tests/progs/calls2 (close_range, closefrom, fclose, fcloseall,
# syscall(), sendmsg/recvmsg with SCM_RIGHTS, setsockopt, the wait family,
# the exec family, vfork) prints byte for byte what it prints without it:
# every return value, errno name, fd number, received fd, child exit status
# and signal, and the output of the programs it execs.  Its exit status is
# the same, and so is the lowest free fd at the end (the shim holds none).
. "$(dirname "$0")/lib.sh"
plan 14

mkdir -p "$WORK/u" "$WORK/t"
untraced "$PROGS/calls2" "$WORK/u" > "$WORK/u.out" 2> "$WORK/u.err"
urc=$?
traced "$WORK/tr" "$PROGS/calls2" "$WORK/t" > "$WORK/t.out" 2> "$WORK/t.err"
trc=$?
is "$urc" 0 "calls2 runs untraced: every call behaved as Linux documents"
[ "$urc" -eq 0 ] || diag "$(grep '^calls2:' "$WORK/u.err")"
is "$trc" "$urc" "traced exit status equals untraced"
[ "$trc" -eq 0 ] || diag "$(grep '^calls2:' "$WORK/t.err")"
diff -u "$WORK/u.out" "$WORK/t.out" >&2
ok $? "stdout (results, errno names, fd numbers, child output) is byte for byte the same traced and untraced"
is "$(grep '^lowest-free ' "$WORK/t.out")" "$(grep '^lowest-free ' "$WORK/u.out")" \
	"the lowest free fd at the end is the same: the shim holds no fd"
like "$(grep -c 'ret=-1 errno=E' "$WORK/t.out")" '^[4-5][0-9]$' "the script made its 40-odd failing calls (sanity)"
ls "$WORK"/tr/calls2.*.socktrace > /dev/null 2>&1
ok $? "the traced run wrote trace files (the shim was active)"
[ ! -s "$WORK/tr/socktrace.log" ]
ok $? "the shim logged no complaint"
[ -s "$WORK/tr/socktrace.log" ] && diag "$(head -n 5 "$WORK/tr/socktrace.log")"

# The parts of the output that come from the kernel and other programs.
is "$(grep -E '^wait-[a-e] (status|siginfo)' "$WORK/t.out" | paste -sd'|' -)" \
	"wait-a status-untouched 1|wait-a siginfo pid=0 code=0 status=0|wait-a siginfo pid=child code=1 status=3|wait-b siginfo pid=child code=1 status=4|wait-c status exited=5|wait-d status signal=15|wait-e status exited=6" \
	"traced: children's exit statuses and the SIGTERM that killed one, as wait and waitid report them"
is "$(grep -c '^a00 a01 .* a69$' "$WORK/t.out")" 1 "traced: execl with 71 arguments: echo printed all 70 words"
is "$(grep -E '^via-' "$WORK/t.out" | paste -sd, -)" "via-execlp,via-execle,via-execve,via-vfork-execve" \
	"traced: execlp, execle, execve and vfork+execve ran echo with their arguments"
is "$(grep -E '^(vf-exec-fail|cfneg) status' "$WORK/t.out" | paste -sd, -)" \
	"vf-exec-fail status exited=127,cfneg status exited=0" \
	"traced: a vfork child whose exec failed exited 127; closefrom(-1) closed a child's socket"
is "$(grep -E '^msg-[a-z]+ received' "$WORK/t.out" | paste -sd'|' -)" \
	"$(grep -E '^msg-[a-z]+ received' "$WORK/u.out" | paste -sd'|' -)" \
	"traced: the fds received with SCM_RIGHTS (numbers, MSG_CTRUNC) are the ones received untraced"

# A usage error: same status, same message.
untraced "$PROGS/calls2" > "$WORK/u2.out" 2> "$WORK/u2.err"
u=$?
traced "$WORK/tr2" "$PROGS/calls2" > "$WORK/t2.out" 2> "$WORK/t2.err"
t=$?
is "$t" "$u" "bad usage: the same exit status traced ($t) and untraced ($u)"
cmp -s "$WORK/u2.err" "$WORK/t2.err"
ok $? "bad usage: the same message on stderr"
done_testing

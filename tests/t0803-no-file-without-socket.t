#!/usr/bin/env bash
# A process that never holds a socket leaves no trace file; one that only
# inherited a socket (exec'd with it) gets one.
#   - a traced shell loop runs /bin/true 20 times: 21 processes (22 with
#     the shell's own forks), none holds a socket: the trace directory
#     stays empty, and so does the log;
#   - execsock makes a socket without close-on-exec and execs /bin/true:
#     the true image never makes a socket, but holds one from its start:
#     its file exists (true.PID.socktrace, the same pid as execsock's) and
#     its state names the fd execsock printed, made by "inherited";
#   - the same when the socket comes from an untraced parent: only the
#     exec'd, traced image has it, and its file exists.
# Without the feature (format 3: a file per process at its constructor) the
# loop leaves 21 files, one per process: the first check fails (seen under
# the format-3 build of main 914e0de).
. "$(dirname "$0")/lib.sh"
plan 9

traced "$WORK/loop" sh -c 'i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i + 1)); done'
ok $? "a traced shell loop runs /bin/true 20 times"
is "$(ls -A "$WORK/loop" | grep -c '\.socktrace$')" 0 "no trace file for a process that never held a socket"
is "$(ls -A "$WORK/loop")" "" "nothing else either (no log line)"

traced "$WORK/ex" "$PROGS/execsock" /bin/true > "$WORK/out"
ok $? "execsock /bin/true runs under the shim"
fd=$(kv "$WORK/out" fd)
f=$(ls "$WORK"/ex/true.*.socktrace 2>/dev/null | head -n 1)
[ -n "$f" ] && [ -f "$WORK/ex/execsock.${f##*/true.}" ]
ok $? "the exec'd image (true) has its own file, beside execsock's, with the same pid"
slot=$(rawdump "$f" fds | grep "^fd fd=$fd " | word slot)
[ -n "$slot" ]
ok $? "its state: fd $fd holds a socket"
is "$(rawdump "$f" socks | grep "^sock slot=$slot " | word made_by)" 103 \
	"that socket was inherited (made_by 103, ST_OP_INHERITED), not made by true"

# An untraced parent: the socket is made without the shim, the traced image inherits it.
rm -rf "$WORK/ex2" && mkdir -p "$WORK/ex2"
untraced "$PROGS/execsock" env SOCKTRACE_DIR="$WORK/ex2" SOCKTRACE_LOG="$WORK/ex2/socktrace.log" \
	LD_PRELOAD="$PRELOAD" /bin/true > "$WORK/out2"
ok $? "untraced execsock execs a traced /bin/true"
ls "$WORK"/ex2/true.*.socktrace > /dev/null 2>&1
ok $? "the traced image that only inherited a socket has a file"
done_testing

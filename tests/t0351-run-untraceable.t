#!/usr/bin/env bash
# When nothing could be traced, socktrace run says why, from what it read
# of the command before running it and what the shim logged, with the
# log's real path; the exit status stays the command's.
#   static       a -static program (no PT_INTERP: no loader reads LD_PRELOAD)
#   go           the same with a Go build id note (objcopy): a Go program;
#                and a dynamic copy with the note: traced, with a note that
#                Go's own system calls are not
#   setuid       a copy of true, set-user-ID to nobody (root only)
#   caps         a copy of true with file capabilities, run by nobody (root
#                and setcap only)
#   cleared      forkexec (a socketpair, a fork) whose child execs env,
#                which inherits the pair and execs ls without LD_PRELOAD:
#                env is traced, ls is not though it holds the sockets;
#                with the pair close-on-exec (forkexec -c), env and true
#                hold no socket and leave no file: run can say only that
#                the program may have held none
#   notes        the shim's notes, from the log it really used; and from
#                a full disk, where echo's file could not be made
. "$(dirname "$0")/lib.sh"
plan 30

unset SOCKTRACE_DIR SOCKTRACE_LOG SOCKTRACE_RING_MB SOCKTRACE_LIB
# run NAME ARGS...: socktrace run -o $WORK/NAME ARGS; RC, $WORK/NAME.out and .err.
run() {
	local name=$1; shift
	untraced "$ST" run -o "$WORK/$name" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err"
	RC=$?
}
STATIC=$PROGS/static_sock

run static -- "$STATIC" 3
is "$RC" 3 "static: the command's exit status (3) is run's"
like "$(cat "$WORK/static.err")" "nothing was traced: no trace file \(\*\.socktrace\) appeared" "static: nothing was traced"
like "$(cat "$WORK/static.err")" "$STATIC is a static executable \(no PT_INTERP\): no dynamic loader runs" "... because it is static"
! grep -qE 'socktrace-[0-9]+\.log|TMPDIR' "$WORK/static.err"
ok $? "... and it points at no log that run did not use"

printf 'go\0' > "$WORK/note"
objcopy --add-section .note.go.buildid="$WORK/note" "$STATIC" "$WORK/fix-gostatic" &&
	objcopy --add-section .note.go.buildid="$WORK/note" "$PROGS/nbserver" "$WORK/fix-godyn"
ok $? "Go fixtures: the static program and a dynamic one with a .note.go.buildid section"
run go -- "$WORK/fix-gostatic"
like "$(cat "$WORK/go.err")" "$WORK/fix-gostatic is a Go program \(it has a Go build id note\): Go makes its system calls itself" \
	"go: a Go program, said first"
run godyn -- "$WORK/fix-godyn" 1
like "$(cat "$WORK/godyn.err")" "note: $WORK/fix-godyn is a Go program: only the socket calls it makes through libc \(cgo\) are traced" \
	"a dynamic Go program: traced, with a note on what is missed"
ls "$WORK"/godyn/*.socktrace > /dev/null 2>&1
ok $? "... and its trace is there"

if [ "$(id -u)" -ne 0 ]; then
	skip 2 "setuid: needs root to give a copy to another user (nobody)"
elif cp /bin/true "$WORK/suid-true" && chown nobody "$WORK/suid-true" && chmod u+s "$WORK/suid-true"; then
	run suid -- "$WORK/suid-true"
	is "$RC" 0 "setuid: true's exit status"
	like "$(cat "$WORK/suid.err")" "$WORK/suid-true is set-user-ID or set-group-ID \(owner uid $(id -u nobody)\): the loader runs it in secure-execution mode and ignores LD_PRELOAD" \
		"setuid: secure execution ignores LD_PRELOAD"
else
	skip 2 "setuid: cannot chown a copy to nobody here"
fi

if [ "$(id -u)" -ne 0 ] || ! command -v setcap > /dev/null || ! command -v setpriv > /dev/null; then
	skip 1 "caps: needs root, setcap and setpriv (to run as nobody)"
else
	chmod 755 "$WORK"
	mkdir -m 777 "$WORK/pub"
	cp /bin/true "$WORK/cap-true" && setcap cap_net_bind_service+ep "$WORK/cap-true" 2> "$WORK/setcap.err"
	if [ $? -ne 0 ]; then
		skip 1 "caps: setcap failed here: $(head -n 1 "$WORK/setcap.err")"
	else
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups env LD_PRELOAD="${ST_PRELOAD_FIRST:-}" \
			"$ST" run -o "$WORK/pub/caps" -- "$WORK/cap-true" > /dev/null 2> "$WORK/caps.err"
		like "$(cat "$WORK/caps.err")" "$WORK/cap-true has file capabilities \(security.capability\): the loader runs it in secure-execution mode" \
			"caps: run by nobody, secure execution ignores LD_PRELOAD"
	fi
fi

# cleared: env keeps the pair across its exec of ls, which runs without the shim.
run cleared -- "$PROGS/forkexec" /usr/bin/env -u LD_PRELOAD /bin/ls -l /proc/self/fd
is "$RC" 0 "cleared: forkexec /usr/bin/env -u LD_PRELOAD ls exits 0"
C=$(sed -n 's/^child=\([0-9]*\) .*/\1/p' "$WORK/cleared.out")
is "$(grep -c -- '-> socket:\[' "$WORK/cleared.out")" 2 "... ls held both ends of the pair (its /proc/self/fd)"
P=$(sed -n 's/^pid=//p' "$WORK/cleared.out")
is "$(cd "$WORK/cleared" && ls *.socktrace | sed "s/\.${C:-x}\./.C./" | sort | paste -sd' ')" "$(printf '%s\n' env.C.socktrace "forkexec.$P.socktrace" | sort | paste -sd' ')" \
	"... files for forkexec and the env its child exec'd (pid ${C:-?}); none for ls"
is "$(trace_of "$WORK/cleared" "${C:-x}" forkexec)" "$WORK/cleared/forkexec.$P.socktrace@$(rawdump "$WORK/cleared/forkexec.$P.socktrace" | sed -n "s/^slot offset=\([0-9]*\) .* pid=${C:-x}\$/\1/p")" \
	"... the child's image before its exec in a fork slot of forkexec's file"
like "$(cat "$WORK/cleared.err")" "note: pid $C \(/usr/bin/env\) exec'd a program that left no trace though it kept sockets open across the exec: a static, Go or setuid program, or one run without LD_PRELOAD" \
	"... run says the program env exec'd left no trace though it kept sockets"
is "$(grep -c "exec'd a program that left no trace" "$WORK/cleared.err")" 1 "... and says it of env alone"

# cleared, no socket kept: the pair is close-on-exec, so env holds none (no file) nor true.
run cleared-none -- "$PROGS/forkexec" -c /usr/bin/env -u LD_PRELOAD /bin/true
is "$RC" 0 "cleared, close-on-exec: forkexec -c /usr/bin/env -u LD_PRELOAD true exits 0"
C=$(sed -n 's/^child=\([0-9]*\) .*/\1/p' "$WORK/cleared-none.out")
is "$(cd "$WORK/cleared-none" && ls *.socktrace | grep -c "\.${C:-x}\.") $(trace_of "$WORK/cleared-none" "${C:-x}" forkexec | grep -c '@')" "0 1" \
	"... no file for the child's pid ${C:-?}, none for env: its forkexec image is in a fork slot"
like "$(cat "$WORK/cleared-none.err")" "note: pid $C \($PROGS/forkexec\) exec'd a program that left no trace: it held no socket \(every socket was close-on-exec and it made none\), or it is a static, Go or setuid program, or ran without LD_PRELOAD" \
	"... run says the child exec'd a program that left no trace, which may have held no socket"
! grep -q "though it kept sockets" "$WORK/cleared-none.err"
ok $? "... not that it kept sockets across the exec"

# notes: a user's SOCKTRACE_LOG is the log the shim uses, and the one run reads.
SOCKTRACE_LOG=$WORK/my.log SOCKTRACE_RING_MB=garbage run mine -- true
like "$(cat "$WORK/mine.err")" "the shim's notes in $WORK/my.log:" "notes: read from the log the shim really used (SOCKTRACE_LOG)"
like "$(cat "$WORK/mine.err")" "note: .*SOCKTRACE_RING_MB must be 1\.\.4096" "... the shim's own note"
[ ! -e "$WORK/mine/socktrace.log" ]
ok $? "... and none was looked for in the trace directory"

# notes: tracing off (a full disk), so nothing traced: the notes say why, from DIR/socktrace.log.
# A 1 MiB tmpfs filled to its last 12 KiB: room for the log and run's sidecar (a page
# each), not for the 20 KiB a trace file starts with, which echo's first socket asks for.
mkdir "$WORK/small"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=1m tmpfs "$WORK/small" 2> "$WORK/mount.err"; then
	trap 'umount "$WORK/small" 2>/dev/null; rm -rf "$WORK"' EXIT
	fallocate -l $((1024 * 1024 - 12 * 1024)) "$WORK/small/filler"
	ok $? "full disk: a 1 MiB tmpfs, all but 12 KiB taken"
	# run's own output goes beside the tmpfs, not onto it.
	untraced "$ST" run -o "$WORK/small/tr" -- "$EX/echo" > "$WORK/small-tr.out" 2> "$WORK/small-tr.err"
	is "$?" 0 "... echo exits 0, untraced"
	like "$(cat "$WORK/small-tr.err")" "the shim's notes in $WORK/small/tr/socktrace.log:" "full disk: the notes, from DIR/socktrace.log"
	like "$(cat "$WORK/small-tr.err")" "note: socktrace\[[0-9]+\] echo: tracing off: reserving the trace file's space: $WORK/small/tr: ENOSPC" \
		"... the shim's: echo's file found no space"
	# (an empty file the shim could not fill counts as none: "no trace file that appeared could be read")
	like "$(cat "$WORK/small-tr.err")" "socktrace run: nothing was traced: no trace file \(\*\.socktrace\) (appeared|that appeared could be read)" \
		"... nothing was traced"
	like "$(cat "$WORK/small-tr.err")" "the shim loaded but did not trace: its notes above \(from $WORK/small/tr/socktrace.log\) say why" \
		"... named as the reason nothing was traced"
	umount "$WORK/small"
else
	skip 6 "full disk: cannot mount a tmpfs here: $(head -n 1 "$WORK/mount.err" 2>/dev/null)"
fi
done_testing

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
#   cleared      env -u LD_PRELOAD true: env is traced, true is not
#   notes        the shim's notes, from the log it really used
. "$(dirname "$0")/lib.sh"
plan 18

unset SOCKTRACE_DIR SOCKTRACE_LOG SOCKTRACE_RING_MB SOCKTRACE_LIB
# run NAME ARGS...: socktrace run -o $WORK/NAME ARGS; RC, $WORK/NAME.err.
run() {
	local name=$1; shift
	untraced "$ST" run -o "$WORK/$name" "$@" > /dev/null 2> "$WORK/$name.err"
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

run cleared -- env -u LD_PRELOAD true
is "$RC" 0 "cleared: env -u LD_PRELOAD true exits 0"
like "$(cat "$WORK/cleared.err")" "note: pid [0-9]+ \(env\) exec'd a program that left no trace: a static, Go or setuid program, or one run without LD_PRELOAD" \
	"cleared: env is traced, and run says the program it exec'd left no trace"

# notes: a user's SOCKTRACE_LOG is the log the shim uses, and the one run reads.
SOCKTRACE_LOG=$WORK/my.log SOCKTRACE_RING_MB=garbage run mine -- true
like "$(cat "$WORK/mine.err")" "the shim's notes in $WORK/my.log:" "notes: read from the log the shim really used (SOCKTRACE_LOG)"
like "$(cat "$WORK/mine.err")" "note: .*SOCKTRACE_RING_MB must be 1\.\.4096" "... the shim's own note"
[ ! -e "$WORK/mine/socktrace.log" ]
ok $? "... and none was looked for in the trace directory"

# notes: tracing off (a full disk), so nothing traced: the notes say why, from DIR/socktrace.log.
mkdir "$WORK/small"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=1m tmpfs "$WORK/small" 2> "$WORK/mount.err"; then
	trap 'umount "$WORK/small" 2>/dev/null; rm -rf "$WORK"' EXIT
	SOCKTRACE_RING_MB=4 run small/tr -- true
	like "$(cat "$WORK/small/tr.err")" "the shim's notes in $WORK/small/tr/socktrace.log:" "full disk: the notes, from DIR/socktrace.log"
	like "$(cat "$WORK/small/tr.err")" "the shim loaded but did not trace: its notes above \(from $WORK/small/tr/socktrace.log\) say why" \
		"... named as the reason nothing was traced"
	umount "$WORK/small"
else
	skip 2 "full disk: cannot mount a tmpfs here: $(head -n 1 "$WORK/mount.err" 2>/dev/null)"
fi
done_testing

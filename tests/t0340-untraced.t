#!/usr/bin/env bash
# When tracing is impossible the app runs on untouched: same stdout, same
# exit status, nothing on its stderr; the reason goes to SOCKTRACE_LOG.
#  (a) SOCKTRACE_DIR under a regular file (ENOTDIR), reason in a log file
#  (b) the same with SOCKTRACE_LOG=stderr
#  (c) a full disk (1 MiB tmpfs, 4 MiB ring): ENOSPC from the space
#      reservation, no SIGBUS, no partial trace file (skipped without mount)
#  (d) SOCKTRACE_RING_MB=garbage: traces anyway, default ring, a note logged
. "$(dirname "$0")/lib.sh"
plan 21

untraced "$EX/echo" > "$WORK/plain.out" 2> "$WORK/plain.err"
plain_rc=$?
is "$plain_rc" 0 "echo runs without the shim"
mask "$WORK/plain.out" > "$WORK/plain.masked"

# (a) the trace directory cannot be created: its parent is a regular file.
: > "$WORK/afile"
env SOCKTRACE_DIR="$WORK/afile/sub" SOCKTRACE_LOG="$WORK/a.log" LD_PRELOAD="$PRELOAD" \
	"$EX/echo" > "$WORK/a.out" 2> "$WORK/a.err"
is "$?" "$plain_rc" "(a) same exit status as untraced"
mask "$WORK/a.out" | cmp -s - "$WORK/plain.masked"
ok $? "(a) same stdout as untraced (ports masked)"
is "$(cat "$WORK/a.err")" "" "(a) nothing on stderr"
like "$(cat "$WORK/a.log" 2>/dev/null)" "creating the trace directory.*ENOTDIR" \
	"(a) the log names the reason: creating the trace directory, ENOTDIR"

# (b) the reason on stderr instead.
env SOCKTRACE_DIR="$WORK/afile/sub" SOCKTRACE_LOG=stderr LD_PRELOAD="$PRELOAD" \
	"$EX/echo" > "$WORK/b.out" 2> "$WORK/b.err"
is "$?" "$plain_rc" "(b) same exit status as untraced"
mask "$WORK/b.out" | cmp -s - "$WORK/plain.masked"
ok $? "(b) same stdout as untraced (ports masked)"
like "$(cat "$WORK/b.err")" "creating the trace directory.*ENOTDIR" "(b) SOCKTRACE_LOG=stderr: the reason is on stderr"
is "$(wc -l < "$WORK/b.err")" 1 "(b) one line on stderr, nothing else"

# (c) a full disk: the ring's space cannot be reserved.
mkdir "$WORK/small"
if mount -t tmpfs -o size=1m tmpfs "$WORK/small" 2> "$WORK/mount.err"; then
	trap 'umount "$WORK/small" 2>/dev/null; rm -rf "$WORK"' EXIT
	env SOCKTRACE_DIR="$WORK/small" SOCKTRACE_RING_MB=4 SOCKTRACE_LOG="$WORK/c.log" \
		LD_PRELOAD="$PRELOAD" "$EX/echo" > "$WORK/c.out" 2> "$WORK/c.err"
	is "$?" "$plain_rc" "(c) full disk: same exit status as untraced (no SIGBUS)"
	mask "$WORK/c.out" | cmp -s - "$WORK/plain.masked"
	ok $? "(c) full disk: same stdout as untraced (ports masked)"
	is "$(cat "$WORK/c.err")" "" "(c) full disk: nothing on stderr"
	like "$(cat "$WORK/c.log" 2>/dev/null)" "reserving the trace file's space.*ENOSPC" \
		"(c) the log names the reason: reserving the trace file's space, ENOSPC"
	is "$(ls -A "$WORK/small")" "" "(c) no partial trace file left behind"
	umount "$WORK/small"
	ok $? "(c) the tmpfs unmounts (nothing holds it)"
else
	reason="cannot mount a tmpfs here: $(head -n 1 "$WORK/mount.err")"
	skip 6 "$reason"
fi

# (d) a bad ring size: trace anyway with the default, and say so.
SOCKTRACE_RING_MB=garbage traced "$WORK/d" "$EX/echo" > "$WORK/d.out" 2> "$WORK/d.err"
is "$?" "$plain_rc" "(d) SOCKTRACE_RING_MB=garbage: same exit status"
mask "$WORK/d.out" | cmp -s - "$WORK/plain.masked"
ok $? "(d) same stdout as untraced (ports masked)"
laddr=$(field "$WORK/d.out" addr)
is "$("$ST" report --json "$WORK/d" | jq -r '[.connections[] | select(.role=="listener")] | .[0].local')" "$laddr" \
	"(d) traced anyway: the report has the listener the program printed"
f=$(ls "$WORK"/d/*.socktrace 2>/dev/null | head -n 1)
cap=$(od -An -t u8 -j 24 -N 8 "$f" 2>/dev/null | tr -d ' ')
rsize=$(od -An -t u4 -j 16 -N 4 "$f" 2>/dev/null | tr -d ' ')
is "$cap" $(( (4 << 20) / ${rsize:-1} )) "(d) the ring has the default size, 4 MiB"
like "$(cat "$WORK/d/socktrace.log" 2>/dev/null)" "SOCKTRACE_RING_MB.*garbage" "(d) a note in the log names the bad value"
grep -q "tracing off" "$WORK/d/socktrace.log" 2>/dev/null
is "$?" 1 "(d) the note does not claim tracing is off (it is on)"
done_testing

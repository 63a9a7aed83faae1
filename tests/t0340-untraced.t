#!/usr/bin/env bash
# When tracing is impossible the app runs on untouched: same stdout, same
# exit status, nothing on its stderr; the reason goes to SOCKTRACE_LOG.
#  (a) SOCKTRACE_DIR under a regular file (ENOTDIR), reason in a log file
#  (b) the same with SOCKTRACE_LOG=stderr
#  (c) a full disk (a 12 KiB tmpfs, less than a new file's first chunks):
#      ENOSPC from the space reservation, no SIGBUS, no partial trace file
#  (e) a disk that fills as the ring grows (1 MiB tmpfs, 4 MiB ring, 40000
#      events): the program runs on, the ring wraps at what it has, the log
#      and the header say why, and every event is shown or counted lost
#      ((c) and (e) are skipped without mount)
#  (d) SOCKTRACE_RING_MB=garbage: traces anyway, default ring (2 MiB), a note logged
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stacks.sh"
plan 27

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
like "$(cat "$WORK/a.log" 2>/dev/null)" "cannot make the trace directory.*ENOTDIR" \
	"(a) the log names the reason: cannot make the trace directory, ENOTDIR"

# (b) the reason on stderr instead.
env SOCKTRACE_DIR="$WORK/afile/sub" SOCKTRACE_LOG=stderr LD_PRELOAD="$PRELOAD" \
	"$EX/echo" > "$WORK/b.out" 2> "$WORK/b.err"
is "$?" "$plain_rc" "(b) same exit status as untraced"
mask "$WORK/b.out" | cmp -s - "$WORK/plain.masked"
ok $? "(b) same stdout as untraced (ports masked)"
like "$(cat "$WORK/b.err")" "cannot make the trace directory.*ENOTDIR" "(b) SOCKTRACE_LOG=stderr: the reason is on stderr"
is "$(wc -l < "$WORK/b.err")" 1 "(b) one line on stderr, nothing else"

# (c) a full disk: the file's first chunks cannot be reserved.
mkdir "$WORK/small"
if mount -t tmpfs -o size=12k tmpfs "$WORK/small" 2> "$WORK/mount.err"; then
	trap 'umount "$WORK/small" 2>/dev/null; umount "$WORK/mb" 2>/dev/null; rm -rf "$WORK"' EXIT
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

# (e) the disk fills while the ring grows.
M=20000
mkdir "$WORK/mb"
if mount -t tmpfs -o size=1m tmpfs "$WORK/mb" 2> "$WORK/mount.err"; then
	trap 'umount "$WORK/small" 2>/dev/null; umount "$WORK/mb" 2>/dev/null; rm -rf "$WORK"' EXIT
	env SOCKTRACE_DIR="$WORK/mb" SOCKTRACE_RING_MB=4 SOCKTRACE_LOG="$WORK/e.log" \
		LD_PRELOAD="$PRELOAD" "$PROGS/churn_udp" "$M" > "$WORK/e.out" 2> "$WORK/e.err"
	is "$?:$(cat "$WORK/e.out"):$(cat "$WORK/e.err")" "0:made $M:" \
		"(e) the disk fills as the ring grows: churn_udp runs on, exit 0, nothing on stderr (no SIGBUS)"
	like "$(cat "$WORK/e.log" 2>/dev/null)" "cannot grow.*ENOSPC" "(e) the log says the trace cannot grow, ENOSPC"
	f=$(ls "$WORK"/mb/*.socktrace 2>/dev/null | head -n 1)
	cap=$(sfield "$f" header ring_cap)
	is "$(( $(sfield "$f" header flags) & 4 )):$(sfield "$f" header grow_errno)" "4:28" \
		"(e) the header says the file stopped growing (ST_HDR_GROW_FAILED), and why (ENOSPC)"
	"$ST" report --json "$WORK/mb" > "$WORK/e.json" 2> "$WORK/e.rerr"
	is "$?:$(jq -r '([.processes[].events[]] | length) + ([.connections[].events[]] | length) + .summary.events_lost' "$WORK/e.json")" \
		"0:$((2 * M + 2))" "(e) the report reads it: every event ($((2 * M)) and the shim's 2) shown or counted lost"
	[ "${cap:-0}" -gt 0 ] && [ "$cap" -lt 32768 ] &&
		[ "$(jq -r '([.processes[].events[]] | length) + ([.connections[].events[]] | length)' "$WORK/e.json")" = "$cap" ]
	ok $? "(e) the ring wrapped at the ${cap:-?} slots it had (of 32768): as many events shown"
	umount "$WORK/mb"
	ok $? "(e) the tmpfs unmounts (nothing holds it)"
else
	reason="cannot mount a tmpfs here: $(head -n 1 "$WORK/mount.err")"
	for _ in 1 2 3 4 5 6; do skip "$reason"; done
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
is "$(sfield "$f" header ring_cap)" $(( (2 << 20) / 128 )) "(d) the ring has the default size, 2 MiB (128-byte slots)"
like "$(cat "$WORK/d/socktrace.log" 2>/dev/null)" "SOCKTRACE_RING_MB.*garbage" "(d) a note in the log names the bad value"
grep -q "tracing off" "$WORK/d/socktrace.log" 2>/dev/null
is "$?" 1 "(d) the note does not claim tracing is off (it is on)"
done_testing

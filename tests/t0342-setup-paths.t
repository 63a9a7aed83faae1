#!/usr/bin/env bash
# The paths set-up copies from the environment (SOCKTRACE_LOG, the
# default log under TMPDIR, SOCKTRACE_DIR) share one packed buffer
# (shim/setup_text.c), each up to PATH_MAX.
#  (a) a log path and a trace directory of about 3,000 bytes each, at
#      once: the note set-up logs (a bad SOCKTRACE_RING_MB) reaches the
#      log and the trace file is made in the directory.  Were the two
#      to overlap in the buffer, the directory's string would overwrite
#      the log's: the note would be lost (point 2 fails).
#  (b) a relative SOCKTRACE_DIR is made absolute against the cwd at
#      start: the file is there although the program is not in it then.
#  (c) a SOCKTRACE_DIR longer than PATH_MAX allows: the app runs on,
#      untraced, and the log says why.
. "$(dirname "$0")/lib.sh"
plan 8

# A path of about N bytes under $WORK, in components the kernel accepts (<= 255).
long_path() {
	local p=$WORK/$1 part
	part=$(printf 'p%.0s' {1..200})
	while ((${#p} < $2)); do p=$p/$part; done
	echo "$p"
}

untraced "$EX/echo" > "$WORK/plain.out"
plain_rc=$?
mask "$WORK/plain.out" > "$WORK/plain.masked"

# (a) two long paths at once.
logdir=$(long_path log 3000)
trdir=$(long_path tr 3000)
mkdir -p "$logdir" "$trdir"
env SOCKTRACE_DIR="$trdir" SOCKTRACE_LOG="$logdir/s.log" SOCKTRACE_RING_MB=lots \
	LD_PRELOAD="$PRELOAD" "$EX/echo" > "$WORK/a.out"
is "$?" "$plain_rc" "(a) same exit status as untraced"
like "$(cat "$logdir/s.log" 2>/dev/null)" "SOCKTRACE_RING_MB must be 1\.\.4096" \
	"(a) the note reached a log path of ${#logdir} bytes"
is "$(find "$trdir" -maxdepth 1 -name 'echo.*.socktrace' | wc -l)" 1 \
	"(a) the trace file is in a directory of ${#trdir} bytes"
like "$("$ST" report "$trdir" 2>&1)" "connection 1 " "(a) and the report reads it"

# (b) relative: against the cwd at start; the program is started from another one.
mkdir -p "$WORK/cwd"
(cd "$WORK/cwd" && env SOCKTRACE_DIR=rel/tr SOCKTRACE_LOG="$WORK/b.log" LD_PRELOAD="$PRELOAD" \
	"$EX/echo" > "$WORK/b.out")
is "$(find "$WORK/cwd/rel/tr" -maxdepth 1 -name 'echo.*.socktrace' 2>/dev/null | wc -l)" 1 \
	"(b) SOCKTRACE_DIR=rel/tr: the file is under the cwd at start"

# (c) too long: PATH_MAX is 4096 with the NUL, and the file's name needs room.
env SOCKTRACE_DIR="$(long_path toolong 4090)" SOCKTRACE_LOG="$WORK/c.log" LD_PRELOAD="$PRELOAD" \
	"$EX/echo" > "$WORK/c.out"
is "$?" "$plain_rc" "(c) a 4,090-byte SOCKTRACE_DIR: same exit status as untraced"
mask "$WORK/c.out" | cmp -s - "$WORK/plain.masked"
ok $? "(c) same stdout as untraced (ports masked)"
like "$(cat "$WORK/c.log" 2>/dev/null)" "tracing off: the trace directory's name is too long" \
	"(c) the log says why"
done_testing

#!/usr/bin/env bash
# A relative TMPDIR is ignored by the shim and the viewer alike
# (st_default_tmp in trace_format.h): the defaults are /tmp/socktrace-UID
# and /tmp/socktrace-UID.log, and socktrace run's new directory goes
# under /tmp.  Before, the viewer took any TMPDIR: with TMPDIR=rel it
# looked for the shim's traces and log in rel/, relative to its cwd, and
# found nothing (points 4 to 6 fail), and socktrace run made (or failed
# to make) a relative directory that a traced process which changed its
# directory would not find (points 7 and 8 fail).
#
# The defaults are shared paths under /tmp, so the test runs as a uid of
# its own (root's setpriv), not in any passwd entry, whose
# /tmp/socktrace-UID* it makes and removes.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (runs as a uid of its own, whose /tmp/socktrace-UID it may remove)"
skip_missing setpriv getent
U=
for ((u = 61000 + $$ % 1000; u < 63000; u++)); do
	getent passwd "$u" > /dev/null || compgen -G "/tmp/socktrace-$u*" > /dev/null || { U=$u; break; }
done
[ -n "$U" ] || skip_all "no free uid in 61000..62999"
at_exit "rm -rf /tmp/socktrace-$U /tmp/socktrace-$U.log"
as_u() { setpriv --reuid="$U" --regid="$U" --clear-groups env -C / -u SOCKTRACE_DIR \
	-u SOCKTRACE_LOG TMPDIR=rel ${NO_LEAK_CHECK:+"$NO_LEAK_CHECK"} "$@"; }
as_u test -x "$PROGS/sockloop" -a -x "$ST" || skip_all "the build is not reachable by uid $U"
plan 8

chmod o+x "$WORK"
mkdir -m 0755 "$WORK/empty"

# A bad setting gives the shim a note for its default log.
as_u env LD_PRELOAD="$PRELOAD" SOCKTRACE_RING_MB=lots timeout 20 "$PROGS/sockloop" 2 < /dev/null \
	> "$WORK/loop.out" 2> "$WORK/loop.err"
is "$?" 0 "sockloop runs, traced, with TMPDIR=rel"
is "$(find "/tmp/socktrace-$U" -name 'sockloop.*.socktrace' 2> /dev/null | wc -l)" 1 \
	"the shim ignored the relative TMPDIR: its trace is in /tmp/socktrace-$U"
like "$(cat "/tmp/socktrace-$U.log" 2> /dev/null)" "SOCKTRACE_RING_MB must be" \
	"... and its note is in /tmp/socktrace-$U.log"

as_u "$ST" report --json > "$WORK/report.json" 2> "$WORK/report.err"
is "$?" 0 "socktrace report, no DIR, TMPDIR=rel: exit 0" || diag "$(cat "$WORK/report.err")"
like "$(cat "$WORK/report.json")" '"exe": *"[^"]*sockloop"' \
	"... it read the shim's default directory, /tmp/socktrace-$U"

as_u "$ST" report "$WORK/empty" > /dev/null 2> "$WORK/empty.err"
like "$(cat "$WORK/empty.err")" "SOCKTRACE_RING_MB must be" \
	"a directory with no traces: the viewer shows the notes of the shim's default log"

# socktrace run's own directory: under /tmp, absolute (it names it).
# run keeps a sanitizer runtime first in LD_PRELOAD, as t0350 runs it.
as_u env LD_PRELOAD="${ST_PRELOAD_FIRST:-}" "$ST" run -- timeout 20 "$PROGS/sockloop" 2 < /dev/null \
	> /dev/null 2> "$WORK/run.err"
is "$?" 0 "socktrace run with TMPDIR=rel: exit 0" || diag "$(cat "$WORK/run.err")"
rundir=$(grep -o '/tmp/socktrace\.[A-Za-z0-9]\{6\}' "$WORK/run.err" | head -n 1)
[ -n "$rundir" ] && rm -rf "$rundir"	# made by run, whatever it said
grep -q "^socktrace: trace in /tmp/socktrace\.[A-Za-z0-9]\{6\} " "$WORK/run.err"
ok $? "... its traces went to a new directory under /tmp" || diag "$(cat "$WORK/run.err")"
done_testing

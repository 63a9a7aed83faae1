#!/usr/bin/env bash
# The default trace directory and log, ${TMPDIR:-/tmp}/socktrace-UID and
# socktrace-UID.log, have names anyone can guess: another user may make
# them first.  With TMPDIR pointing into the test's directory and neither
# SOCKTRACE_DIR nor SOCKTRACE_LOG set:
#   - control: no socktrace-UID yet: it is made 0700 and the trace is in it;
#   - socktrace-UID owned by nobody, mode 0777, mode 0770, or a symlink to a
#     directory of ours: nothing is traced (no trace file anywhere), the
#     program runs exactly as untraced, the log says why;
#   - socktrace-UID.log planted as a symlink to a victim file: the victim
#     is not written, the line goes to stderr naming the problem; the same
#     for a log owned by nobody, writable by others, or hard-linked.
# Without the checks (format 3: mkdir -p and open with O_CREAT) the trace
# lands in the other user's or the world-writable directory, and the log
# line is appended to the victim: the "no trace file" and "victim
# unchanged" checks fail (seen with the format-3 build of main 914e0de).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "chown to another user needs root"
id nobody > /dev/null 2>&1 || skip_all "no user nobody"
plan 34

U=$(id -u)
untraced "$PROGS/sockloop" 2 < /dev/null > "$WORK/plain"
# run TMP: sockloop 2 with the defaults and TMPDIR=TMP; stdout in TMP.out, stderr in TMP.err
run() {
	traced_defaults "$1" timeout 20 "$PROGS/sockloop" 2 < /dev/null > "$1.out" 2> "$1.err"
}
traces() { find "$@" -name '*.socktrace' 2>/dev/null | wc -l; }
fresh() { rm -rf "$WORK/$1" "$WORK/$1".*; mkdir -p "$WORK/$1"; echo "$WORK/$1"; }

T=$(fresh ok)
run "$T"
ok $? "control: sockloop runs with the default directory"
is "$(traces "$T/socktrace-$U")" 1 "control: its trace is in \$TMPDIR/socktrace-$U"
is "$(stat -c '%a %u' "$T/socktrace-$U")" "700 $U" "control: the directory was made 0700, ours"

# unsafe CASE REASON: the directory is unsafe as CASE made it: nothing traced, the log says REASON.
unsafe() {
	local T=$1 what=$2 reason=$3
	run "$T"
	is "$?" 0 "$what: the program runs"
	is "$(cat "$T.out")" "$(cat "$WORK/plain")" "$what: its output is the same as untraced"
	is "$(traces "$T" "$WORK/elsewhere")" 0 "$what: no trace file anywhere"
	like "$(cat "$T/socktrace-$U.log" 2>/dev/null)" "tracing off.*$reason" "$what: the log says why ($reason)"
}
T=$(fresh nobody)
mkdir -m 0700 "$T/socktrace-$U" && chown nobody "$T/socktrace-$U"
unsafe "$T" "directory owned by nobody" "belongs to another user"
T=$(fresh w777)
mkdir "$T/socktrace-$U" && chmod 0777 "$T/socktrace-$U"
unsafe "$T" "directory mode 0777" "writable by others"
T=$(fresh w770)
mkdir "$T/socktrace-$U" && chmod 0770 "$T/socktrace-$U"
unsafe "$T" "directory mode 0770" "writable by others"
T=$(fresh link)
rm -rf "$WORK/elsewhere" && mkdir -m 0700 "$WORK/elsewhere"
ln -s "$WORK/elsewhere" "$T/socktrace-$U"
unsafe "$T" "directory a symlink to ours" "not a directory of ours"

# The planted log.  The unsafe directory and a bad setting give the shim lines to write.
printf 'precious\n' > "$WORK/victim"
T=$(fresh plant)
mkdir "$T/socktrace-$U" && chmod 0777 "$T/socktrace-$U"
ln -s "$WORK/victim" "$T/socktrace-$U.log"
SOCKTRACE_RING_MB=bogus run "$T"	# a second line to write, should the directory be taken
is "$?" 0 "log a symlink: the program runs"
is "$(cat "$T.out")" "$(cat "$WORK/plain")" "log a symlink: its output is the same as untraced"
is "$(cat "$WORK/victim")" precious "log a symlink: the victim file is not written"
like "$(cat "$T.err")" "tracing off.*not written to $T/socktrace-$U.log: the default log path is a symlink" \
	"log a symlink: the line goes to stderr, naming the problem"

# planted_log WHAT REASON: the log file is already there as set up; a bad setting makes a line.
planted_log() {
	local T=$1 what=$2 reason=$3
	SOCKTRACE_RING_MB=bogus traced_defaults "$T" timeout 20 "$PROGS/sockloop" 2 < /dev/null > "$T.out" 2> "$T.err"
	is "$?" 0 "$what: the program runs"
	is "$(cat "$T/socktrace-$U.log")" precious "$what: the log file is not written"
	like "$(cat "$T.err")" "SOCKTRACE_RING_MB.*not written to $T/socktrace-$U.log: $reason" \
		"$what: the line goes to stderr, naming the problem"
}
T=$(fresh lognobody)
printf 'precious\n' > "$T/socktrace-$U.log" && chown nobody "$T/socktrace-$U.log" && chmod 0600 "$T/socktrace-$U.log"
planted_log "$T" "log owned by nobody" "the default log belongs to another user"
T=$(fresh logw)
printf 'precious\n' > "$T/socktrace-$U.log" && chmod 0622 "$T/socktrace-$U.log"
planted_log "$T" "log writable by others" "the default log is writable by others"
T=$(fresh loghard)
printf 'precious\n' > "$WORK/victim2" && chmod 0600 "$WORK/victim2"
ln "$WORK/victim2" "$T/socktrace-$U.log"
planted_log "$T" "log hard-linked" "the default log has other names"
# And a good log of ours is used: the control for the three above.
T=$(fresh logok)
SOCKTRACE_RING_MB=bogus traced_defaults "$T" timeout 20 "$PROGS/sockloop" 2 < /dev/null > "$T.out" 2> "$T.err"
like "$(cat "$T/socktrace-$U.log" 2>/dev/null)" "SOCKTRACE_RING_MB" "control: a log of ours gets the line"
is "$(cat "$T.err")" "" "control: nothing on stderr"
done_testing

#!/usr/bin/env bash
# The viewer and damaged traces: a real trace from the echo example, then
# copies with one thing wrong each.  For every copy `socktrace report` must
# end (bounded by timeout), exit with the documented status (65 when a file
# is unreadable, 66 when there is nothing to report), never crash (status
# < 128, no sanitizer or segfault report), and name the file and the problem
# on stderr.  Records that are garbage are counted as lost, never shown.
#
# Header offsets (include/trace_format.h): magic 0, version 8, header_size 12,
# record_size 16, flags 20, capacity 24 (u64), head 32 (u64), pid 40,
# exe 96 (512 bytes), argv_len 92, argv 608; records from 4096, 256 bytes each.
. "$(dirname "$0")/lib.sh"
plan 99

FUZZ=$PROGS/tracefuzz
TO=
command -v timeout >/dev/null 2>&1 && TO="timeout 30"

# poke FILE OFFSET HEXBYTE...: overwrite bytes in place.
poke() {
	local f=$1 off=$2 s= b
	shift 2
	for b in "$@"; do s="$s\\x$b"; done
	printf "$s" | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
}
# le BYTES VALUE: VALUE as little-endian hex bytes (for poke).
le() {
	local n=$1 hex i out=
	hex=$(printf "%0$(($1 * 2))x" "$2")
	for ((i = n - 1; i >= 0; i--)); do out="$out ${hex:$((i * 2)):2}"; done
	echo $out
}
# fill FILE OFFSET COUNT CHAR: COUNT copies of CHAR.
fill() {
	head -c "$3" /dev/zero | tr '\0' "$4" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# run_report ARGS...: RC, $WORK/stdout, $WORK/stderr.
run_report() {
	$TO "$ST" report "$@" > "$WORK/stdout" 2> "$WORK/stderr"
	RC=$?
}
# sane NAME: the last run ended by itself and did not crash.
sane() {
	[ "$RC" -lt 128 ] && [ "$RC" -ne 124 ] &&
		! grep -Eq 'Segmentation|AddressSanitizer|LeakSanitizer|runtime error|core dumped|Aborted|out of memory' "$WORK/stderr"
	ok $? "$1: no crash, no hang, no sanitizer report (status $RC)"
	[ "$RC" -lt 128 ] || diag "$(head -n 5 "$WORK/stderr")"
}
# says PATH REGEX NAME: stderr has "socktrace: PATH: ..." matching REGEX.
says() {
	grep -F "socktrace: $1: " "$WORK/stderr" | grep -Eq -- "$2"
	ok $? "$3"
	grep -F "socktrace: $1: " "$WORK/stderr" | grep -Eq -- "$2" ||
		diag "stderr: $(head -n 3 "$WORK/stderr")"
}
# bad NAME FILE STATUS REGEX: three test points for one damaged file.
bad() {
	run_report "$2"
	is "$RC" "$3" "$1: exit status $3"
	sane "$1"
	says "$2" "$4" "$1: stderr names the file and says /$4/"
}
# mk NAME: a fresh copy of the good trace at $WORK/bad/NAME.socktrace.
mk() {
	mkdir -p "$WORK/bad"
	F=$WORK/bad/$1.socktrace
	cp "$GOOD" "$F"
}

SOCKTRACE_RING_MB=1 traced "$WORK/tr" "$EX/echo" > "$WORK/out"
ok $? "echo runs under the shim (1 MiB ring)"
GOOD=$(ls "$WORK"/tr/*.socktrace | head -n 1)
PID=$(od -An -t d4 -j 40 -N 4 "$GOOD" | tr -d ' ')
CAP=$(od -An -t u8 -j 24 -N 8 "$GOOD" | tr -d ' ')
HEAD=$(od -An -t u8 -j 32 -N 8 "$GOOD" | tr -d ' ')
SIZE=$(wc -c < "$GOOD")
EXT_OFF=$(od -An -t u8 -j 2656 -N 8 "$GOOD" | tr -d ' ')
EXT_SIZE=$(od -An -t u8 -j 2664 -N 8 "$GOOD" | tr -d ' ')
is "$CAP:$EXT_OFF:$SIZE" "4096:$((4096 + 4096 * 256)):$((4096 + 4096 * 256 + EXT_SIZE))" \
	"the good trace: 4096 records of 256 bytes after a 4096-byte header, then the extension sections"
run_report --json "$GOOD"
is "$RC:$(jq -r '.processes[0].pid' "$WORK/stdout")" "0:$PID" "the good trace reports (baseline)"

# --- unreadable files: exit 65, the file and the problem named ---------------
mk short100; head -c 100 "$GOOD" > "$F"
bad "truncated to 100 bytes" "$F" 65 "truncated: 100 bytes"

mk recs3; head -c $((4096 + 3 * 256)) "$GOOD" > "$F"
bad "truncated to the header + 3 records" "$F" 65 "truncated: the header promises 4096 records"

mk empty; : > "$F"
bad "zero-length file" "$F" 65 "truncated: 0 bytes"

mk magic; poke "$F" 0 58
bad "bad magic" "$F" 65 "not a socktrace trace"

mk v99; poke "$F" 8 $(le 4 99)
bad "version 99" "$F" 65 "version 99"

mk v0; poke "$F" 8 $(le 4 0)
bad "version 0" "$F" 65 "header incomplete"

mk rsize; poke "$F" 16 $(le 4 512)
bad "record_size 512" "$F" 65 "corrupt header: .*record size 512"

mk hsize; poke "$F" 12 $(le 4 0)
bad "header_size 0" "$F" 65 "corrupt header: header size 0"

mk cap4097; poke "$F" 24 $(le 8 4097)
bad "capacity 4097" "$F" 65 "capacity 4097 is not a power of two"

mk cap0; poke "$F" 24 $(le 8 0)
bad "capacity 0" "$F" 65 "capacity 0 is not a power of two"

mk cap2p40; poke "$F" 24 $(le 8 $((1 << 40)))
bad "capacity 2^40 (a power of two, absurd)" "$F" 65 "capacity 1099511627776"

mk cap65536; poke "$F" 24 $(le 8 65536)
bad "capacity 65536 (more than the file holds)" "$F" 65 "truncated: the header promises 65536 records"

mk pid0; poke "$F" 40 $(le 4 0)
bad "pid 0" "$F" 65 "corrupt header: pid 0"

mkdir -p "$WORK/subdir/sub.socktrace"
run_report "$WORK/subdir"
is "$RC" 65 "a directory named *.socktrace in a trace directory: exit status 65"
sane "a directory named *.socktrace"
says "$WORK/subdir/sub.socktrace" "not a regular file" "a directory named *.socktrace: stderr names it, 'not a regular file'"

# A FIFO named *.socktrace next to a good trace: the viewer must not block in
# open() (it opens before checking the file type), and must still report the
# good file.
mkdir -p "$WORK/fifo"
cp "$GOOD" "$WORK/fifo/"
mkfifo "$WORK/fifo/stray.socktrace"
if [ -z "$TO" ]; then
	for i in 1 2 3 4; do ok 0 "a FIFO named *.socktrace # SKIP no timeout(1) to bound a hang"; done
else
	TO="timeout 5"
	run_report --json "$WORK/fifo"
	TO="timeout 30"
	is "$RC" 65 "a FIFO named *.socktrace beside a good trace: exit status 65, not a hang"
	sane "a FIFO named *.socktrace"
	says "$WORK/fifo/stray.socktrace" "not a regular file" "a FIFO: stderr names it, 'not a regular file'"
	is "$(jq -r '.processes[0].pid' "$WORK/stdout" 2>/dev/null)" "$PID" "a FIFO: the good trace beside it is still reported"
fi

# --- a directory with one good and one corrupt file ---------------------------
mkdir -p "$WORK/mixed"
cp "$GOOD" "$WORK/mixed/"
head -c 5000 "$GOOD" > "$WORK/mixed/broken.1.socktrace"
run_report --json "$WORK/mixed"
is "$RC" 65 "mixed directory: exit status 65 (some files unreadable)"
sane "mixed directory"
says "$WORK/mixed/broken.1.socktrace" "truncated" "mixed directory: stderr names the corrupt file"
! grep -qF "$(basename "$GOOD")" "$WORK/stderr"
ok $? "mixed directory: the good file is not complained about"
jq -e . "$WORK/stdout" > /dev/null 2>&1
ok $? "mixed directory: stdout is valid JSON"
is "$(jq -r '[.processes[].pid] | join(",")' "$WORK/stdout")" "$PID" "mixed directory: the good file's process is reported"
is "$(jq -r '.connections | length' "$WORK/stdout")" 3 "mixed directory: with its three connections"
run_report "$WORK/mixed"
is "$RC:$(grep -c "^process $PID" "$WORK/stdout")" "65:1" "mixed directory, text: status 65, the good process shown"

# --- a valid header over garbage records: readable, nothing shown, all lost --
mk garbage
"$FUZZ" "$F" 7 garbage > /dev/null
run_report --json "$F"
is "$RC" 0 "garbage records: the file is readable (status 0)"
sane "garbage records"
is "$(jq -r '"\(.summary.events_lost) \([.processes[].events[]] | length) \(.connections | length)"' "$WORK/stdout")" \
	"$HEAD 0 0" "garbage records: all $HEAD positions counted as lost, none shown"
run_report "$F"
is "$RC" 0 "garbage records, text report: status 0"
sane "garbage records, text report"

mk garbage_wrapped
"$FUZZ" "$F" 8 garbage 100000 > /dev/null
run_report --json "$F"
sane "garbage records, head 100000"
is "$RC:$(jq -r '"\(.summary.events_lost) \(.connections | length)"' "$WORK/stdout")" "0:100000 0" \
	"garbage records, head 100000: status 0, every position lost, nothing shown"

# --- records that pass the completeness test but hold random fields ----------
# (impossible address lists are counted as corrupt; the rest are shown: the
#  viewer must survive any values in them)
for seed in 1 2 3 5 8; do
	mk "complete$seed"
	"$FUZZ" "$F" "$seed" complete $((seed * 3000)) > /dev/null
	run_report --json "$F"
	sane "random complete records (seed $seed), JSON"
	jq -e '.summary.processes == 1 and (.connections | length) > 0' "$WORK/stdout" > /dev/null 2>&1
	ok $? "random complete records (seed $seed): valid JSON, status $RC, the process and its connections shown"
	run_report "$F"
	sane "random complete records (seed $seed), text"
done

# --- one complete record with contradictory counts ----------------------------
# The echo trace's accept record turned into a failed accept (ret -1) whose
# listener count (arg[1], offset 56) says -2 while refs (offset 84) says
# INT32_MAX: the text report must not do overflowing arithmetic on them.
mk refs
apos=
for ((p = 0; p < HEAD; p++)); do
	[ "$(od -An -t u2 -j $((4096 + 256 * p + 88)) -N 2 "$F" | tr -d ' ')" = 5 ] && { apos=$p; break; }
done
rec=$((4096 + 256 * ${apos:-0}))
poke "$F" $((rec + 40)) ff ff ff ff ff ff ff ff
poke "$F" $((rec + 56)) fe ff ff ff ff ff ff ff
poke "$F" $((rec + 84)) ff ff ff 7f
run_report "$F"
sane "a failed accept with refs INT32_MAX and listener count -2 (accept at position ${apos:-none}), text"
run_report --json "$F"
sane "the same, JSON"

# --- head set to huge values ---------------------------------------------------
for h in 9223372036854775808 18446744073709551615; do
	mk "head$h"
	poke "$F" 32 $(le 8 -1)
	[ "$h" = 18446744073709551615 ] || poke "$F" 32 $(le 8 $((1 << 63)))
	run_report --json "$F"
	sane "head $h"
	is "$RC" 0 "head $h: still readable (status 0)"
	grep -q "\"events_lost\": $h" "$WORK/stdout"
	ok $? "head $h: every position counted as lost, no allocation of head records"
	is "$(jq -r '[.processes[].events[], .connections[].events[]] | length' "$WORK/stdout")" 0 \
		"head $h: no record shown (none matches such a position)"
done

# --- header strings without terminators ---------------------------------------
mk strings
fill "$F" 96 512 A
fill "$F" 608 2048 B
poke "$F" 92 ff ff ff ff
run_report --json "$F"
sane "exe and argv without NULs, argv_len 0xffffffff"
is "$RC:$(jq -r '"\(.processes[0].exe | length) \(.processes[0].argv | map(length) | join(","))"' "$WORK/stdout")" \
	"0:511 2048" "exe cut at 511 bytes, argv_len clamped to the 2048-byte area"

# --- nothing to report ----------------------------------------------------------
mkdir -p "$WORK/emptydir"
run_report "$WORK/emptydir"
is "$RC" 66 "empty directory: exit status 66"
sane "empty directory"
says "$WORK/emptydir" "no trace files" "empty directory: stderr names it and says there are no trace files"

run_report "$WORK/does-not-exist"
is "$RC" 66 "nonexistent path: exit status 66"
sane "nonexistent path"
says "$WORK/does-not-exist" "No such file or directory" "nonexistent path: stderr names it and says why"

run_report "$WORK/bad/magic.socktrace" "$WORK/does-not-exist"
is "$RC" 66 "a bad file then a missing path: 66 (nothing usable to report)"
sane "a bad file then a missing path"
done_testing

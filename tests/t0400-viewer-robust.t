#!/usr/bin/env bash
# The viewer and damaged traces: a real trace from the echo example, then
# copies with one thing wrong each.  For every copy `socktrace report` must
# end (bounded by timeout), exit with the documented status (65 when a file
# is unreadable, 66 when there is nothing to report), never crash (status
# < 128, no sanitizer or segfault report), and name the file and the problem
# on stderr.  Records that are garbage are counted as lost, never shown.
#
# Fields are damaged by name with tests/progs/tracefuzz (header.ring_cap,
# region.ring.chunk.0.offset, ring.POS.ret...), which knows the layout from
# include/trace_format.h; stackinfo reads what the good file holds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stacks.sh"
plan 166

FUZZ=$PROGS/tracefuzz
TO=
command -v timeout >/dev/null 2>&1 && TO="timeout 30"

# set FILE FIELD VALUE: one field of FILE set (tracefuzz set).
set_field() { "$FUZZ" "$1" set "$2" "$3"; }
# offset FILE FIELD: "OFFSET SIZE" of a field in FILE.
offset() { "$FUZZ" "$1" offset "$2"; }
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
# mk NAME [GOOD]: a fresh copy of the good trace (or GOOD) at $WORK/bad/NAME.socktrace.
mk() {
	mkdir -p "$WORK/bad"
	F=$WORK/bad/$1.socktrace
	cp "${2:-$GOOD}" "$F"
}

SOCKTRACE_RING_MB=1 traced "$WORK/tr" "$EX/echo" > "$WORK/out"
ok $? "echo runs under the shim (1 MiB ring)"
GOOD=$(ls "$WORK"/tr/*.socktrace | head -n 1)
"$SI" "$GOOD" > "$WORK/good.info"
ok $? "stackinfo reads the good trace"
PID=$(sfield "$GOOD" header pid)
HEAD=$(sfield "$GOOD" header head)
SIZE=$(wc -c < "$GOOD")
is "$(sfield "$GOOD" header ring_cap):$(sfield "$GOOD" header file_size)" "8192:$SIZE" \
	"the good trace: a ring of 8192 slots of 128 bytes (1 MiB), the file as long as the header says"
is "$(sed -n 's/^region name=\([a-z]*\) entry_size=\([0-9]*\) .*/\1=\2/p' "$WORK/good.info" | grep -v '^stacks=' | paste -sd' ' -)" \
	"fds=16 socks=256 ring=128 modules=512" "the good trace: fd entries, socket slots, ring slots and modules of their sizes"
RING_OFF=$(sed -n 's/^chunk region=ring k=0 offset=\([0-9]*\) .*/\1/p' "$WORK/good.info")
RING_N=$(sed -n 's/^region name=ring .* mapped=\([0-9]*\) .*/\1/p' "$WORK/good.info")
[ -n "$RING_OFF" ] && [ "$RING_N" -lt 8192 ] && [ "$HEAD" -gt 0 ] && [ "$HEAD" -lt "$RING_N" ]
ok $? "the good trace's ring is one chunk at $RING_OFF of $RING_N slots, fewer than its capacity, holding all $HEAD positions"
run_report --json "$GOOD"
is "$RC:$(jq -r '.processes[0].pid' "$WORK/stdout")" "0:$PID" "the good trace reports (baseline)"

# --- unreadable files: exit 65, the file and the problem named ---------------
mk short100; head -c 100 "$GOOD" > "$F"
bad "truncated to 100 bytes" "$F" 65 "truncated: 100 bytes"

mk ring3; head -c $((RING_OFF + 3 * 128)) "$GOOD" > "$F"
bad "truncated 3 slots into the ring's chunk" "$F" 65 "truncated"

mk empty; : > "$F"
bad "zero-length file" "$F" 65 "truncated: 0 bytes"

mk magic; printf 'X' | dd of="$F" bs=1 seek="$(offset "$F" header.magic | cut -d' ' -f1)" conv=notrunc 2>/dev/null
bad "bad magic" "$F" 65 "not a socktrace trace"

mk v99; set_field "$F" header.version 99
bad "version 99" "$F" 65 "version 99"

mk v3; set_field "$F" header.version 3
bad "version 3 (the format before)" "$F" 65 "version 3; this socktrace reads version 4"

mk v0; set_field "$F" header.version 0
bad "version 0" "$F" 65 "header incomplete"

mk rsize; set_field "$F" region.ring.entry_size 512
bad "ring slots of 512 bytes" "$F" 65 "corrupt header: ring .*512-byte entries"

mk hsize; set_field "$F" header.header_size 0
bad "header_size 0" "$F" 65 "corrupt header: header size 0"

mk cap4097; set_field "$F" header.ring_cap 4097
bad "ring_cap 4097" "$F" 65 "ring capacity 4097 is not a power of two"

mk cap0; set_field "$F" header.ring_cap 0
bad "ring_cap 0" "$F" 65 "ring capacity 0 is not a power of two"

mk cap2p40; set_field "$F" header.ring_cap $((1 << 40))
bad "ring_cap 2^40 (a power of two, absurd)" "$F" 65 "ring capacity 1099511627776"

mk rcount; set_field "$F" region.ring.chunk.0.count 100000
bad "a ring chunk of 100000 slots, more than the file holds" "$F" 65 "truncated"

mk pid0; set_field "$F" header.pid 0
bad "pid 0" "$F" 65 "corrupt header: pid 0"

mk fdsize; set_field "$F" region.fds.entry_size 32
bad "fd entries of 32 bytes" "$F" 65 "corrupt header: fd table .*32-byte entries"

mk socksize; set_field "$F" region.socks.entry_size 128
bad "socket slots of 128 bytes" "$F" 65 "corrupt header: socket table .*128-byte entries"

mk nchunks; set_field "$F" region.ring.nchunks 17
bad "a ring of 17 chunks (16 at most)" "$F" 65 "corrupt header: ring of 17 chunks"

# (A damaged stack table or module map spoils the stacks only: t0707.)

# Chunks the directory places where no chunk can be: the file does not hold
# together, and saying nothing would show a process with its sockets or
# events silently missing.
mk sockhdr; set_field "$F" region.socks.chunk.0.offset 100
bad "the socket table's chunk inside the header" "$F" 65 "corrupt header|truncated"

mk ringpast; set_field "$F" region.ring.chunk.0.offset 99999999
bad "the ring's chunk past the end of the file" "$F" 65 "corrupt header|truncated"

mk fdfirst; set_field "$F" region.fds.chunk.0.first 4294967040
bad "the fd table's chunk numbered from 2^32 - 256 (entries the region cannot have)" "$F" 65 "corrupt header|truncated"

# A ring whose capacity is above what is mapped is normal (it grows as used).
mk cap65536; set_field "$F" header.ring_cap 65536
run_report --json "$F"
is "$RC:$(jq -r '"\(.summary.events_lost) \(.connections | length)"' "$WORK/stdout")" "0:0 3" \
	"ring_cap 65536 over 64 mapped slots: readable, nothing lost, the three connections"

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
"$SI" "$F" > "$WORK/garbage.info"
is "$(grep '^region name=ring ' "$WORK/garbage.info" | sed 's/.* chunks=\([0-9]*\) mapped=\([0-9]*\) .*/\1 \2/'):$(grep '^region ' "$WORK/garbage.info" | grep -v name=ring)" \
	"2 8192:$(grep '^region ' "$WORK/good.info" | grep -v name=ring)" \
	"garbage: the ring made whole by a second chunk (8192 slots), the other regions as they were"
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
# (impossible entry lists and continuations are counted as corrupt or lost;
#  the rest are shown: the viewer must survive any values in them)
for seed in 1 2 3 5 8; do
	mk "complete$seed"
	"$FUZZ" "$F" "$seed" complete $((seed * 3000)) > /dev/null
	run_report --json "$F"
	sane "random complete records with continuations (seed $seed), JSON"
	jq -e '.summary.processes == 1 and (.connections | length) > 0' "$WORK/stdout" > /dev/null 2>&1
	ok $? "random complete records (seed $seed): valid JSON, status $RC, the process and its connections shown"
	run_report "$F"
	sane "random complete records (seed $seed), text"
done

# --- the state: random socket slots and fd entries ----------------------------
for seed in 1 2 3 4; do
	mk "state$seed"
	"$FUZZ" "$F" "$seed" state > /dev/null
	run_report --json "$F"
	sane "random socket slots and fd entries (seed $seed), JSON"
	jq -e '.summary.processes == 1' "$WORK/stdout" > /dev/null 2>&1
	ok $? "random state (seed $seed): valid JSON, status $RC, the process shown"
	run_report "$F"
	sane "random state (seed $seed), text"
	$TO "$ST" leaks "$F" > "$WORK/stdout" 2> "$WORK/stderr"
	RC=$?
	sane "random state (seed $seed), leaks"
done

# --- the region directory scrambled -------------------------------------------
# Whatever the directory says, the viewer reads what holds together or
# refuses the file naming it: never a crash, a hang or a silent exit.
for seed in 1 2 3 4 5 6 7 8; do
	mk "regions$seed"
	"$FUZZ" "$F" "$seed" regions > /dev/null
	run_report --json "$F"
	sane "a scrambled region directory (seed $seed)"
	{ [ "$RC" = 0 ] && jq -e '.summary.processes == 1' "$WORK/stdout" > /dev/null 2>&1; } ||
		{ [ "$RC" = 65 ] && grep -qF "socktrace: $F: " "$WORK/stderr"; }
	ok $? "a scrambled region directory (seed $seed): read (status 0, the process shown) or refused naming the file (65), status $RC"
done

# --- one complete record with contradictory counts ----------------------------
# The echo trace's accept record turned into a failed accept (ret -1) whose
# listener count (arg[1]) says -2 while refs says INT32_MAX: the text report
# must not do overflowing arithmetic on them.
mk refs
apos=$("$SI" "$F" | sed -n 's/^rec pos=\([0-9]*\) op=5 .*/\1/p' | head -n 1)
set_field "$F" "ring.${apos:-0}.ret" -1
set_field "$F" "ring.${apos:-0}.arg1" -2
set_field "$F" "ring.${apos:-0}.refs" 2147483647
run_report "$F"
sane "a failed accept with refs INT32_MAX and listener count -2 (accept at position ${apos:-none}), text"
run_report --json "$F"
sane "the same, JSON"

# --- continuations: a record whose entries span more than one slot ------------
# A unix address longer than a head slot holds: the bind record of addrs'
# listener continues in the next slot.  That continuation lost (its head
# position changed): the record is kept with the whole entries before it and
# flagged addr_truncated, never with half an address.
LONG=$WORK/sock/$(printf 'd%.0s' $(seq 1 60))
mkdir -p "$LONG"
traced "$WORK/tra" "$PROGS/addrs" "$LONG" > "$WORK/addrs.out"
ok $? "addrs runs under the shim with its unix socket $((${#LONG} + 11)) bytes deep"
AGOOD=$(ls "$WORK"/tra/*.socktrace | head -n 1)
bpos=$("$SI" "$AGOOD" | sed -n 's/^rec pos=\([0-9]*\) op=3 .* ncont=\([1-9]\) conts=\2 .*/\1/p' | head -n 1)
[ -n "$bpos" ]
ok $? "the unix bind record (position ${bpos:-none}) has continuations, all found"
# the bind event of the listener whose address is the long path
BIND='[.connections[] | select(.local == $p) | .events[] | select(.op == "bind")][0]'
run_report --json "$AGOOD"
is "$(jq -r --arg p "$LONG/addrs.sock" "$BIND | \"\(.addr) \(.addr_truncated // false)\"" "$WORK/stdout")" \
	"$LONG/addrs.sock false" "the good trace: the bind's address joined from its continuations"
mk conthead "$AGOOD"
set_field "$F" "ring.$((${bpos:-0} + 1)).head_pos" 0
run_report --json "$F"
sane "a continuation naming another head"
is "$RC:$(jq -r --arg p "$LONG/addrs.sock" "$BIND | \"\(.addr) \(.addr_truncated)\"" "$WORK/stdout")" "0:null true" \
	"a continuation naming another head: the bind is shown flagged addr_truncated, without half an address"
mk contidx "$AGOOD"
set_field "$F" "ring.$((${bpos:-0} + 1)).index" 9
run_report "$F"
sane "a continuation with index 9 (3 at most), text"
run_report --json "$F"
is "$RC:$(jq -r --arg p "$LONG/addrs.sock" "$BIND | .addr_truncated" "$WORK/stdout")" "0:true" \
	"a continuation with index 9: the bind flagged addr_truncated"
mk ncont "$AGOOD"
set_field "$F" "ring.${bpos:-0}.ncont" 200
run_report --json "$F"
sane "a head claiming 200 continuations"
is "$RC:$(jq -r --arg p "$LONG/addrs.sock" '"\([.connections[] | select(.local == $p) | .events[] | select(.op == "bind")] | length) \(.summary.events_lost)"' "$WORK/stdout")" "0:0 1" \
	"a head claiming 200 continuations: not shown, counted as lost, the file still read"

# --- head set to huge values ---------------------------------------------------
for h in 9223372036854775808 18446744073709551615; do
	mk "head$h"
	set_field "$F" header.head "$h"
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
read -r EOFF ELEN < <(offset "$F" header.exe)
read -r AOFF ALEN < <(offset "$F" header.argv)
fill "$F" "$EOFF" "$ELEN" A
fill "$F" "$AOFF" "$ALEN" B
set_field "$F" header.argv_len 0xffffffff
run_report --json "$F"
sane "exe and argv without NULs, argv_len 0xffffffff"
is "$RC:$(jq -r '"\(.processes[0].exe | length) \(.processes[0].argv | map(length) | join(","))"' "$WORK/stdout")" \
	"0:$((ELEN - 1)) $ALEN" "exe cut at $((ELEN - 1)) bytes, argv_len clamped to the $ALEN-byte area"

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

#!/usr/bin/env bash
# A fork child that holds sockets makes no file: its image goes in a fork
# slot of its parent's trace file (include/trace_format.h), because making
# a file costs a fork child more than everything else the shim does there
# (bench/README.md).  forkslots (tests/progs/forkslots.c): children that
# inherit a socket pair, write a few bytes of their own count on it and
# _exit holding it; one after another, from 4 threads at once, and in a
# chain of children of children.
#   - one trace file for the whole tree, each child's image in a slot,
#     its bytes exact (the raw reader, then the viewer);
#   - the parent keeps no more than 2 batches of slots mapped, however
#     many children it forked (a retired batch is unmapped), and the
#     slots no child took give their disk back when it ends;
#   - a child's child goes in a slot of its parent's image, in the same
#     file (the child maps the file's first header page to append there);
#   - tables grown to 9000 sockets across forks: the parent and each
#     child keep every one (a child's slot is as large as its tables);
#   - a fork that fails gives its slot back; a fork inside another fork's
#     handlers takes none and leaves the outer one's slot and snapshot alone;
#   - a full disk: no slots, the children make files (or run untraced),
#     the program runs exactly as untraced, and the log says so.
# Checked against mutated shims (the points that then fail):
#   slot_take handing out no slot: 2-3, 5-6, 8-9, 14, 16, 19-20, 22, 25-26, 32;
#   no batch_release at the parent's end: 6 (the slots left keep their disk);
#   batch_retire forgetting a batch without unmapping it: 5, 7;
#   the child not unmapping its parent's batches: 5;
#   ensure_end failing for an image in a slot: 14, 16 (grandchildren make files);
#   an outgrown batch's leftover not punched: 20;
#   a failed fork keeping its slot: 22;
#   the snapshot of a fork nested in another's not giving the outer one's
#   back: 25; a nested fork taking a slot: 26; its child keeping the
#   outer fork's slot: 24.
# (Point 18 failed, 8984 of 9000, with an experiment that put a page of its
# own in the tables' range before each fork: a check against any such page.)
. "$(dirname "$0")/lib.sh"
plan 33

# images DIR: "PID ORIGIN SENT IMAGE" for every image in DIR, SENT the bytes
# its sockets sent (the totals of those it let go, plus those it holds)
images() {
	local f d
	for f in $(trace_images "$1"); do
		d=$(rawdump "$f")
		printf '%s %s %s %s\n' "$(echo "$d" | grep '^header' | word pid)" \
			"$(echo "$d" | grep '^header' | word origin)" \
			"$(( $(echo "$d" | grep '^totals' | word bytes_sent) + \
			     $(echo "$d" | grep '^sock ' | word sent | paste -sd+ | sed 's/^$/0/') ))" "$f"
	done
}
# children OUT: "PID SENT" for each child forkslots printed, sorted
children() { sed -n 's/^child pid=\([0-9]*\) sent=\([0-9]*\).*/\1 \2/p' "$1" | sort; }
# slotted DIR: "PID SENT" for each fork child's image (origin 1), sorted
slotted() { images "$1" | awk '$2 == 1 { print $1, $3 }' | sort; }
nfiles() { ls "$1"/*.socktrace 2>/dev/null | wc -l; }
# unused FILE: the bytes of the slots no child took, by the batches' own counts
unused() {
	rawdump "$1" | awk '/^batch /{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		u += (v["nslots"] - v["taken"]) * v["slot_size"] } END { print u + 0 }'
}
# punched FILE UNUSED: FILE allocates no disk for UNUSED of its bytes (allowing
# 64 KiB for the filesystem's own blocks: ext4 counts its extent tree)
punched() { [ "$(( $(stat -c '%b * %B' "$1") ))" -le $(( $(stat -c %s "$1") - $2 + 65536 )) ]; }
allocated() { echo "$(( $(stat -c '%b * %B' "$1") )) bytes allocated of $(stat -c %s "$1")"; }

traced "$WORK/s" env FORKSLOTS_MAPS=1 timeout 60 "$PROGS/forkslots" serial 40 > "$WORK/s.out" 2> "$WORK/s.err"
ok $? "forkslots serial 40 runs under the shim"
is "$(nfiles "$WORK/s")" 1 "one trace file for the parent and its 40 children"
is "$(images "$WORK/s" | grep -c '@')" 40 "40 images in fork slots of that file"
is "$(slotted "$WORK/s")" "$(children "$WORK/s.out")" "each child is there once, with the bytes it sent"
# A child keeps its own slot mapped and no more: the rest of its parent's
# batches are its siblings' images.
F=$(trace_of "$WORK/s" '*' forkslots)
slot=$(rawdump "$F" | grep '^batch ' | word slot_size | sort -n | tail -1)
is "$(awk -v most="${slot:-0}" '/^maps /{ sub(/.*bytes=/, ""); n++; over += $0 > most } END { print n + 0, over + 0 }' "$WORK/s.err")" "40 0" \
	"each of the 40 children maps no more of the trace file than its slot (${slot:-?} bytes)"
# The slots no child took give their disk back when the parent ends.
unused=$(unused "$F")
[ "$unused" -gt 65536 ] && punched "$F" "$unused"
ok $? "the $((unused / 20480)) slots left over take no disk: $(allocated "$F") ($unused in unused slots)"

traced "$WORK/m" timeout 120 "$PROGS/forkslots" serial 200 > "$WORK/m.out"
b=$(sed -n 's/^batches=//p' "$WORK/m.out")
[ -n "$b" ] && [ "$b" -le 2 ]
ok $? "after 200 forks the parent has at most 2 batches of slots mapped ($b)"
is "$(rawdump "$(trace_of "$WORK/m" '*' forkslots)" | sed -n 's/^slot .* version=[1-9][0-9]* pid=//p' | sort)" \
	"$(children "$WORK/m.out" | cut -d' ' -f1)" "all 200 children have an image in its slots"
is "$(nfiles "$WORK/m")" 1 "... in one file"

traced "$WORK/t" timeout 60 "$PROGS/forkslots" threads 4 10 > "$WORK/t.out"
ok $? "forkslots threads 4 10 (4 threads forking at once) runs under the shim"
is "$(children "$WORK/t.out" | wc -l)" 40 "it forked 40 children"
# A fork that finds another thread taking a slot makes a file instead.
is "$(slotted "$WORK/t")" "$(children "$WORK/t.out")" \
	"each of them is there once, with its bytes ($(images "$WORK/t" | grep -c '@') in slots)"

traced "$WORK/c" timeout 60 "$PROGS/forkslots" chain 4 > "$WORK/c.out"
ok $? "forkslots chain 4 runs under the shim"
is "$(nfiles "$WORK/c")" 1 "a chain of 4 levels of children: one file"
is "$(slotted "$WORK/c")" "$(children "$WORK/c.out")" "each level there once, with its bytes"
# Each level's image lists the next level's pid in its own slots.
nested=0
for l in 2 3 4; do
	up=$(sed -n "s/^child pid=\([0-9]*\) .* level=$((l - 1))\$/\1/p" "$WORK/c.out")
	me=$(sed -n "s/^child pid=\([0-9]*\) .* level=$l\$/\1/p" "$WORK/c.out")
	rawdump "$(trace_of "$WORK/c" "$up")" | grep -q "^slot .* pid=$me\$" && nested=$((nested + 1))
done
is "$nested" 3 "levels 2-4 each sit in a slot of the level above's image"

# Tables grown large across forks: 4500 sockets held (the socket table
# grown 9 times), a fork, 4500 more, a fork; every socket must still be in
# the state, and each child's slot as large as its tables.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 9100 ]; then
	ulimit -n 9100 2>/dev/null
fi
if [ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 9100 ]; then
	traced "$WORK/h" timeout 60 "$PROGS/forkslots" hold 4500 > "$WORK/h.out"
	is "$?:$(sed -n 's/^held=//p' "$WORK/h.out")" 0:9000 "forkslots hold 4500: 9000 sockets held across two forks"
	is "$(rawdump "$(trace_of "$WORK/h" '*' forkslots)" | grep -c '^sock ')" 9000 \
		"... all 9000 in the parent's state"
	# Each child's image holds what it inherited: the sockets held, and its socket pair.
	is "$(for f in $(trace_images "$WORK/h" | grep '@'); do rawdump "$f" | grep -c '^sock '; done | sort -n | paste -sd' ')" \
		"4502 9002" "... and in its children's, each in a slot as large as its tables"
	# The first batch (2 slots), outgrown by the tables at the second fork,
	# gave its unused slot back then: the parent's end punches only the
	# batch it is handing out.
	F=$(trace_of "$WORK/h" '*' forkslots)
	unused=$(unused "$F")
	[ "$(rawdump "$F" | grep -c '^batch ')" -ge 2 ] && [ "$unused" -gt 1048576 ] && punched "$F" "$unused"
	ok $? "... the slot the outgrown first batch had left takes no disk: $(allocated "$F") ($unused in unused slots)"
else
	skip 4 "fewer than 9100 fds allowed ($(ulimit -n))"
fi

# A fork that fails (EAGAIN: RLIMIT_NPROC at 1, which binds users other
# than root) gives its slot back: 5 of them, then one child, 1 slot taken.
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
	# nobody passes through WORK (mktemp's 0700) to a directory of its own
	chmod 711 "$WORK" && mkdir -p "$WORK/ff" && chown nobody "$WORK/ff"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups env SOCKTRACE_DIR="$WORK/ff" \
		SOCKTRACE_LOG="$WORK/ff/socktrace.log" LD_PRELOAD="$PRELOAD" \
		timeout 60 "$PROGS/forkslots" failfork 5 > "$WORK/ff.out" 2> "$WORK/ff.err"
	is "$?:$(sed -n 's/^failed=//p' "$WORK/ff.out")" 0:5 "forkslots failfork 5 as nobody: 5 forks fail, then one child"
	is "$(rawdump "$(trace_of "$WORK/ff" '*' forkslots)" | awk '/^batch /{ sub(/.*taken=/, ""); t += $0 } END { print t + 0 }')" 1 \
		"... one slot taken in all: each failed fork gave its slot back"
else
	skip 2 "running as nobody needs root and setpriv"
fi

# A fork inside another fork's handlers (as a signal handler's can be;
# tests/progs/libs/nestfork.c makes one at a known point, inside the first
# fork's prepare handlers) takes no slot and leaves the outer fork's alone:
# its child makes a file, from a snapshot of its own; the outer fork's
# child still has its slot, and the snapshot it inherited.
rm -rf "$WORK/n" && mkdir -p "$WORK/n"
# (timeout outside: its own fork would nest too)
timeout 60 env NESTFORK=1 SOCKTRACE_DIR="$WORK/n" SOCKTRACE_LOG="$WORK/n/socktrace.log" \
	LD_PRELOAD="$PRELOAD:$PROGS/libnestfork.so" "$PROGS/forkslots" serial 3 > "$WORK/n.out" 2> "$WORK/n.err"
rc=$? inner=$(sed -n 's/^inner pid=//p' "$WORK/n.err")
is "$rc:$(children "$WORK/n.out" | wc -l):${inner:+inner}" 0:3:inner \
	"forkslots serial 3 with a fork inside the first fork's handlers: 3 children and the inner one"
is "$(images "$WORK/n" | awk -v p="${inner:-none}" '$1 == p { print ($4 ~ /@/ ? "slot" : "file") }') $(rawdump "$(trace_of "$WORK/n" "${inner:-none}" forkslots)" 2>/dev/null | grep -c '^sock ')" \
	"file 2" "the inner fork's child: a file of its own, with the socket pair it inherited"
is "$(images "$WORK/n" | awk '$4 ~ /@/ { print $1, $3 }' | sort)" "$(children "$WORK/n.out")" \
	"the outer fork's child, and the 2 after it, each in a slot with the bytes it sent"
is "$(rawdump "$(trace_of "$WORK/n" '*' forkslots)" | awk '/^batch /{ sub(/.*taken=/, ""); t += $0 } END { print t + 0 }')" 3 \
	"... 3 slots taken in all: none for the inner fork, none left unused"

# The viewer: every child a process of the report, its bytes its own.
report_json "$WORK/s" > "$WORK/r.json"
ok $? "report --json reads the file and its slots"
is "$(jq -r '[.processes[] | select(.origin == "fork")] | length' "$WORK/r.json")" 40 \
	"the report has the 40 children as processes"
is "$(jq -r '[.processes[] | select(.origin == "fork") | .pid] | sort | map(tostring) | join(" ")' "$WORK/r.json")" \
	"$(children "$WORK/s.out" | cut -d' ' -f1 | sort -n | paste -sd' ')" "... by their pids"

# A full disk: the file fits, its batches of slots do not.
if [ "$(id -u)" -ne 0 ] || ! mkdir -p "$WORK/mnt" || ! mount -t tmpfs -o size=72k tmpfs "$WORK/mnt" 2>/dev/null; then
	skip 4 "mounting a tmpfs needs root"
	exit 0
fi
at_exit 'umount "$WORK/mnt" 2> /dev/null'
untraced timeout 60 "$PROGS/forkslots" serial 20 > "$WORK/plain"
want=$?
mkdir -p "$WORK/mnt/tr"
SOCKTRACE_DIR=$WORK/mnt/tr SOCKTRACE_LOG=$WORK/full.log LD_PRELOAD=$PRELOAD \
	timeout 60 "$PROGS/forkslots" serial 20 > "$WORK/full.out"
is "$?" "$want" "on a 72 KiB tmpfs: the exit status untraced has ($want)"
is "$(sed 's/pid=[0-9]*//' "$WORK/full.out")" "$(sed 's/pid=[0-9]*//' "$WORK/plain")" \
	"the same output as untraced (pids aside)"
grep -q 'no fork slots in the trace file' "$WORK/full.log"
ok $? "the log says there are no fork slots, and why"
"$ST" report "$WORK/mnt/tr" > /dev/null 2> "$WORK/full.err"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 65 ]
ok $? "the viewer reads what there is without crashing (status $rc)"

#!/usr/bin/env bash
# A full disk while the file grows: the program runs to completion exactly
# as without the shim, and the trace stays readable with its state exact.
# On a 64 KiB tmpfs the file starts (20 KiB and the first stack chunks) but
# its ring cannot grow far: sockloop keeps 5 sockets and makes 20000 more,
# far beyond what fits.
#   - same stdout and exit status as untraced, no SIGBUS (status 135);
#   - the header says growth failed (ST_HDR_GROW_FAILED, grow_errno
#     ENOSPC), the ring wrapped at what it had, the log says so;
#   - the viewer reads it: leaks lists exactly the 5 fds sockloop kept;
#   - the header's file_size is the size on disk (chunks end there).
# And on a tmpfs already full: the file cannot even be made; the program
# still runs as untraced, and the log says why.
# Without the feature the program either dies of SIGBUS when a store
# lands on a page the full tmpfs cannot give (a sparse ring), or is not
# traced at all on a small disk (the whole file reserved up front: the
# format-3 build of main 914e0de makes no file here, and the checks from
# "a trace file was made" on fail).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "mounting a tmpfs needs root"
MNT=$WORK/mnt
mkdir -p "$MNT"
mount -t tmpfs -o size=64k tmpfs "$MNT" 2>/dev/null || skip_all "mount -t tmpfs is not permitted here"
at_exit 'umount "$MNT" 2> /dev/null'
plan 13

# run TAG: sockloop 5 with 20000 more sockets, traced into $MNT/TAG (log outside the tmpfs)
run() {
	mkdir -p "$MNT/$1" 2>/dev/null
	printf '20000\n' | SOCKTRACE_DIR="$MNT/$1" SOCKTRACE_LOG="$WORK/$1.log" LD_PRELOAD="$PRELOAD" \
		timeout 120 "$PROGS/sockloop" 5 > "$WORK/$1.out"
}
printf '20000\n' | untraced timeout 120 "$PROGS/sockloop" 5 > "$WORK/plain"
want=$?
run tr
is "$?" "$want" "traced on a 64 KiB tmpfs: the same exit status as untraced ($want; SIGBUS would be 135)"
is "$(cat "$WORK/tr.out")" "$(cat "$WORK/plain")" "the same output as untraced"
F=$(trace_of "$MNT/tr" '*' sockloop)
[ -n "$F" ]
ok $? "a trace file was made"
rawdump "$F" header fds > "$WORK/dump"
ok $? "the raw reader reads it"
h() { grep '^header' "$WORK/dump" | word "$1"; }
is "$(( $(h flags) & 4 ))" 4 "the header says growth failed (ST_HDR_GROW_FAILED)"
is "$(h grow_errno)" 28 "grow_errno is ENOSPC (28)"
is "$(h file_size)" "$(stat -c %s "$F")" "the header's file_size is the size on disk"
[ "$(h head)" -gt "$(h ring_cap)" ]
ok $? "the ring wrapped at what it had ($(h ring_cap) slots, $(h head) events)"
like "$(cat "$WORK/tr.log")" 'cannot grow.*ENOSPC' "the log says the file cannot grow, and why"
"$ST" leaks --all --json "$MNT/tr" > "$WORK/l.json"
is "$?" 1 "leaks reads it (exit 1: leaks found)"
is "$(jq -r '.leaks[].connections[].fd' "$WORK/l.json" | sort -n | paste -sd, -)" \
	"$(sed -n 's/^kept fds=//p' "$WORK/plain")" "leaks lists exactly the 5 sockets sockloop kept"

# Full before the start: no room for the file at all.
dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null
run full
is "$?" "$want" "traced on a full tmpfs: the same exit status as untraced"
like "$(cat "$WORK/full.log")" 'tracing off.*ENOSPC' "the log says tracing is off, and why (ENOSPC)"
done_testing

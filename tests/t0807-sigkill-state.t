#!/usr/bin/env bash
# SIGKILL in the middle of a state update.  churnkill runs socket,
# socketpair, dup, fcntl(F_DUPFD_CLOEXEC), dup2/dup3 over its own sockets
# and close in 8 threads without pause.  Each of $RUNS runs reads a random
# number of its "tick" lines (a random moment), stops it with SIGSTOP
# (every thread wherever it is: inside a wrapper, between the real call
# and the table's update, or in the middle of one), takes the truth from
# /proc/PID/fd (the kernel's fd table: which fd is which socket inode),
# then kills it with SIGKILL, and reads the trace file raw:
#   - the file is readable (the raw reader and the viewer);
#   - every fd the state lists as holding a socket, not marked closing (a
#     close in flight, by the format's word), is that same socket in the
#     kernel: the fd exists and its inode is the slot's (SOCKTRACE_INODES=1
#     puts the inode in every slot at birth);
#   - at most 2 socket fds per thread are missing from the state (a
#     socket or socketpair made in the kernel whose wrapper had not yet
#     published it: a call cut off shows as not made);
#   - the viewer's leaks are exactly the state's fds (closing ones too: a
#     close that did not complete still holds its socket).
# It can fail: a slot freed while an fd still names it (a lost reference),
# an fd entry published before its slot's identity, a close or dup2 that
# clears or rewrites an entry another thread's new socket took, or a fork
# of the table torn by the kill would each leave an fd naming the wrong or
# no socket.  The comparison was checked against a deliberately wrong
# truth (the /proc snapshot taken one tick before the stop): every run
# then fails it.  It has failed for real: with the ASan build, 1 run in
# about 100 found every slot freed (sid 0) while the fd table named them,
# the slots' free list a cycle and ST_HDR_STATE_FULL set (a slot handed
# out twice, then freed twice); with 8 threads, a run now and then finds
# tens of kernel sockets the state never had (see t0810: sockets made
# while another thread makes the file or grows a table are lost).
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-20}
THREADS=${THREADS:-8}
plan $((RUNS * 5))

for run in $(seq "$RUNS"); do
	d=$WORK/tr$run
	rm -rf "$d" && mkdir -p "$d"
	exec {P}< <(SOCKTRACE_INODES=1 SOCKTRACE_RING_MB=1 SOCKTRACE_DIR="$d" SOCKTRACE_LOG="$d/socktrace.log" \
		LD_PRELOAD="$PRELOAD" exec timeout 60 "$PROGS/churnkill" "$THREADS")
	read -r -t 20 line <&"$P"
	pid=${line#ready pid=}
	ticks=$((1 + RANDOM % 40))
	for _ in $(seq "$ticks"); do read -r -t 20 line <&"$P" || break; done
	kill -STOP "$pid"
	wait_stopped "$pid" || diag "run $run: pid $pid did not stop"
	# The truth: "fd inode" for every socket fd the kernel says it has.
	find /proc/"$pid"/fd -mindepth 1 -printf '%f %l\n' 2> /dev/null | sed -n 's/^\([0-9]*\) socket:\[\([0-9]*\)\]$/\1 \2/p' | sort > "$WORK/truth"
	kill -KILL "$pid"
	exec {P}<&-
	wait 2> /dev/null
	F=$(trace_of "$d" '*' churnkill)
	rawdump "$F" socks fds > "$WORK/dump"
	ok $? "run $run (stopped after $ticks ticks): the raw reader reads the killed trace"
	# The state: "fd inode closing" for every fd entry that names a slot.
	# Two passes: the slots' inodes first, whatever order the dump prints them in.
	awk 'NR == FNR { if (/^sock /) { split($2, s, "="); split($4, i, "="); ino[s[2]] = i[2] }; next }
	     /^fd .* slot=/{ split($2, f, "="); split($3, s, "="); split($5, c, "=");
			     print f[2], (s[2] in ino ? ino[s[2]] : "no-slot"), c[2] }' "$WORK/dump" "$WORK/dump" | sort > "$WORK/state"
	bad=$(awk 'NR == FNR { t[$1] = $2; next }
		   $3 == 0 && t[$1] != $2 { printf "fd %s: state says %s, kernel %s; ", $1, $2, ($1 in t) ? "socket " t[$1] : "nothing" }' \
		"$WORK/truth" "$WORK/state")
	is "$bad" "" "run $run: every fd the state holds (not closing) is that socket in the kernel ($(wc -l < "$WORK/state") fds)"
	missing=$(awk 'NR == FNR { s[$1] = 1; next } !($1 in s)' "$WORK/state" "$WORK/truth" | wc -l)
	[ "$missing" -le $((2 * THREADS)) ]
	ok $? "run $run: at most $((2 * THREADS)) kernel sockets not yet in the state (calls in flight): $missing"
	"$ST" leaks --all --json "$d" > "$WORK/l.json" 2> "$WORK/l.err"
	[ $? -le 1 ] && [ ! -s "$WORK/l.err" ]
	ok $? "run $run: the viewer reads it"
	is "$(jq -r '.leaks[].connections[].references[].fd' "$WORK/l.json" | sort | paste -sd' ')" \
		"$(cut -d' ' -f1 "$WORK/state" | sort | paste -sd' ')" "run $run: the viewer's open sockets are the state's fds"
done
done_testing

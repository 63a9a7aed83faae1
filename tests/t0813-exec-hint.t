#!/usr/bin/env bash
# The no-socket hint across exec (shim/exec_hint.h).  An image that passes
# no socket on tells the one it execs so (SOCKTRACE_NOSOCK=its pid, in the new
# environment), and that image skips the scan of /proc/self/fd:
#   - strace -f of a traced shell running /bin/true three times: only the
#     shell, which the test started without a hint, opens /proc/self/fd
#     (without the hint: all four images do);
#   - the hint is out of the exec'd program's environ (env does not show
#     it), though the kernel's copy of it (/proc/self/environ) does;
#   - it reaches the next image through each of the nine exec functions;
#   - an image that holds sockets gives it when every one is close-on-exec,
#     and not when one stays open across the exec;
#   - a hint the caller passes on is dropped by an image that holds a
#     socket, and one naming another pid is not believed: both times the
#     exec'd image still finds its inherited socket;
#   - none goes into an environment that does not preload the shim;
#   - an environment that the hint would make too big for exec: the exec
#     is retried without it, so the largest environment that runs is the
#     same whether the hint was due or not;
#   - environments small and large (the copy on the stack, in a mapping)
#     both carry it, and one whose LD_PRELOAD differs from ours in one byte
#     (the same length) does not; an exec from a handler on an alternate
#     signal stack, which may be small, copies into a mapping (strace);
#   - a daemon() child, forked inside libc (not through the fork() the
#     shim wraps) by an image that took the hint, names its own pid in its
#     trace file, not its parent's.
. "$(dirname "$0")/lib.sh"
plan 19
HINT=SOCKTRACE_NOSOCK
# in_environ PATTERN: how many variables of the NUL-separated environment in $WORK/out match.
in_environ() { tr '\0' '\n' < "$WORK/out" | grep -ac "$1"; }

# ---- the shell loop, by strace ----------------------------------------
mkdir -p "$WORK/loop"
strace -f -qq -e trace=openat,execve -o "$WORK/st" env SOCKTRACE_DIR="$WORK/loop" \
	SOCKTRACE_LOG="$WORK/loop/log" LD_PRELOAD="$PRELOAD" ${NO_LEAK_CHECK:+"$NO_LEAK_CHECK"} bash -c '/bin/true; /bin/true; /bin/true'
ok $? "a traced bash runs /bin/true three times under strace -f"
scans=$(grep -E 'openat\(AT_FDCWD, "/proc/self/fd",' "$WORK/st" | awk '{print $1}' | sort -u | tr '\n' ' ')
bash_pid=$(grep -E 'execve\("[^"]*/bash",.* = 0$' "$WORK/st" | awk '{print $1}' | head -n 1)
trues=$(grep -cE 'execve\("/bin/true",.* = 0$' "$WORK/st")
is "$trues|$scans" "3|$bash_pid " "three /bin/true images ran; only the shell ($bash_pid) scanned /proc/self/fd"

# ---- out of environ, in the kernel's copy --------------------------------
traced "$WORK/env" bash -c 'echo pid=$$; /usr/bin/env; exec /bin/cat /proc/self/environ' > "$WORK/out"
ok $? "a traced bash runs env, then execs cat /proc/self/environ"
pid=$(v pid)
is "$(grep -ac "^$HINT=" "$WORK/out")" 0 "the exec'd env does not see the hint in its environment"
is "$(tail -n 1 "$WORK/out" | tr '\0' '\n' | grep -a "^$HINT=")" "$HINT=$pid" \
	"the kernel's copy of cat's environment holds it, naming the exec'ing pid ($pid)"

# ---- every exec function ------------------------------------------------
got=
for via in execve execv execvp execvpe execl execlp execle fexecve execveat; do
	case $via in execvp|execvpe|execlp) prog=cat ;; *) prog=/bin/cat ;; esac
	traced "$WORK/via" "$PROGS/execvia" "$via" "$prog" /proc/self/environ > "$WORK/out" 2>&1
	p=$(v pid)
	n=$(in_environ "^$HINT=$p$")
	has_path=$(in_environ '^PATH=')
	got="$got $via:$n$has_path"
done
is "$got" " execve:11 execv:11 execvp:11 execvpe:11 execl:11 execlp:11 execle:11 fexecve:11 execveat:11" \
	"through each exec function, cat ran with its environment and exactly one hint, of its pid"

# ---- an image that holds only close-on-exec sockets ----------------------
# forkexec's child holds its copy of the socketpair and execs cat: with -c
# the pair is close-on-exec, the child passes no socket on and says so;
# without, it passes the pair on, says nothing, and cat finds it (a file).
traced "$WORK/fx" "$PROGS/forkexec" -c /bin/cat /proc/self/environ > "$WORK/out"
child=$(tr '\0' '\n' < "$WORK/out" | sed -n 's/^child=\([0-9]*\) .*/\1/p')
is "$(tr '\0' '\n' < "$WORK/out" | grep -a "^$HINT=")|$(ls "$WORK/fx" | grep -c '^cat\.')" "$HINT=$child|0" \
	"a traced child whose sockets are all close-on-exec gives cat the hint (its pid, $child); cat has no file"
traced "$WORK/fx2" "$PROGS/forkexec" /bin/cat /proc/self/environ > "$WORK/out"
is "$(in_environ "^$HINT=")|$(ls "$WORK/fx2" | grep -c '^cat\.')" "0|1" \
	"one that passes the pair on gives none, and cat finds the pair (its file)"

# ---- hints that must not be believed -------------------------------------
# execsock makes a socket without close-on-exec and execs env (same pid),
# which sets a hint naming that very pid and execs /bin/true: env holds the
# socket, so its exec drops the hint, and true scans and finds the socket.
traced "$WORK/pass" sh -c 'exec "$0" env '"$HINT"'=$$ /bin/true' "$PROGS/execsock" > "$WORK/out"
fd=$(v fd)
f=$(ls "$WORK"/pass/true.*.socktrace 2>/dev/null | head -n 1)
slot=$([ -n "$f" ] && rawdump "$f" fds | grep "^fd fd=$fd " | word slot)
is "${slot:+found}" found "a hint passed along by an image holding a socket is dropped: true's state holds fd $fd"

# An untraced execsock: the traced true inherits the socket with a hint of pid 1.
mkdir -p "$WORK/other"
untraced "$PROGS/execsock" env "$HINT=1" SOCKTRACE_DIR="$WORK/other" \
	SOCKTRACE_LOG="$WORK/other/log" LD_PRELOAD="$PRELOAD" /bin/true > /dev/null
ls "$WORK"/other/true.*.socktrace > /dev/null 2>&1
ok $? "a hint naming another pid is not believed: true scanned, found its socket and has a file"

# ---- only into an environment that loads the shim ------------------------
traced "$WORK/noshim" sh -c 'env -i /usr/bin/env; env LD_PRELOAD= /usr/bin/env' > "$WORK/out"
is "$(grep -c "^$HINT=" "$WORK/out") $(grep -c '^LD_PRELOAD=$' "$WORK/out")" "0 1" \
	"no hint for an exec without our LD_PRELOAD (env -i, LD_PRELOAD emptied: both ran)"

# ---- small and large environments; an LD_PRELOAD that is not quite ours ----
# Few variables: the copy with the hint lives in the exec wrapper's frame;
# 100 more: in a mapping of its own (shim/exec_hint.h, EXEC_ENV_SMALL).
traced "$WORK/small" env -i PATH="$PATH" SOCKTRACE_DIR="$WORK/small" LD_PRELOAD="$PRELOAD" \
	bash -c 'echo pid=$$ >&2; exec /bin/cat /proc/self/environ' > "$WORK/out" 2> "$WORK/err"
pid=$(v pid "$WORK/err")
n=$(in_environ .)
is "$(in_environ "^$HINT=$pid$")|$((n <= 20))" "1|1" \
	"a small environment ($n variables with bash's own): cat has one hint, of its pid"
vars=$(for i in $(seq 100); do printf 'V%d=x ' "$i"; done)
# shellcheck disable=SC2086
traced "$WORK/large" env $vars bash -c 'echo pid=$$ >&2; exec /bin/cat /proc/self/environ' \
	> "$WORK/out" 2> "$WORK/err"
pid=$(v pid "$WORK/err")
is "$(in_environ "^$HINT=$pid$")|$(in_environ '^V[0-9]*=x$')" "1|100" \
	"a large environment (100 variables more): cat has them all and one hint, of its pid"
# Ours with its last byte changed: as long, not ours (ld.so cannot load it and says so).
other=${PRELOAD%?}x
traced "$WORK/near" bash -c 'LD_PRELOAD=$0 exec /bin/cat /proc/self/environ' "$other" \
	> "$WORK/out" 2> /dev/null
is "$(in_environ "^$HINT=")|$(in_environ "^LD_PRELOAD=$other$")" \
	"0|1" "no hint for an LD_PRELOAD as long as ours that differs in its last byte (cat ran with it)"

# From a handler on an alternate signal stack the copy goes into a mapping
# (the stack may be small); from main's stack it does not.  where_env says
# "mapping" when cat's execve passes the environment the mmap after the
# shim's sigaltstack query made, "stack" when no mmap came between them.
where_env() {
	awk '/sigaltstack\(NULL/ { q = 1; m = ""; next }
	     q && /mmap\(NULL, [0-9]+, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS/ { m = $NF }
	     q && /execve\("\/bin\/cat"/ { split($0, a, "], "); split(a[2], b, " ")
		print (m != "" && b[1] == m) ? "mapping" : (m == "" ? "stack" : "?"); exit }' "$1"
}
got=
for mode in alt -n; do
	mkdir -p "$WORK/sig"
	# A small environment (env -i): from main's stack the copy fits there.
	strace -f -qq -e trace=sigaltstack,mmap,execve -o "$WORK/sig.st" env -i PATH="$PATH" \
		SOCKTRACE_DIR="$WORK/sig" SOCKTRACE_LOG="$WORK/sig/log" LD_PRELOAD="$PRELOAD" \
		${NO_LEAK_CHECK:+"$NO_LEAK_CHECK"} \
		bash -c 'exec "$0" ${1#alt} /bin/cat /proc/self/environ' "$PROGS/execsig" "$mode" > "$WORK/out"
	got="$got $mode:$(in_environ "^$HINT="):$(where_env "$WORK/sig.st")"
done
is "$got" " alt:1:mapping -n:1:stack" \
	"an exec from a handler on an alternate stack copies the environment into a mapping, one from main's stack on the stack (cat ran both times, with one hint)"

# ---- a fork made inside libc ---------------------------------------------
# bash execs daemonsock with the hint (so its set-up caches its pid), and
# daemon() forks inside libc, past the fork() wrapper: only the handler the
# shim registered at set-up tells the child to forget that pid.  The pipe's
# reader sees EOF when the daemon has exited.
traced "$WORK/dmn" bash -c 'exec "$0"' "$PROGS/daemonsock" | cat > "$WORK/out"
pid=$(v pid)
ok "$([ -n "$pid" ] && [ -e "$WORK/dmn/daemonsock.$pid.socktrace" ]; echo $?)" \
	"the daemon's trace file is named after its own pid ($pid): $(ls "$WORK/dmn" | tr '\n' ' ')"
"$ST" report --json "$WORK/dmn" > "$WORK/r.json" 2> /dev/null
is "$(q '[.processes[].pid] | map(tostring) | join(",")')" "$pid" "the report's one process is the daemon, pid $pid"

# ---- E2BIG: retried without the hint --------------------------------------
# The largest PAD with which bash's /bin/true still runs, while bash holds
# no socket (the hint is due) and after it opened one (none is): the same.
# Without the retry the first is the hint's length smaller.
probe='largest() {
	local lo=0 hi=140000 mid pad
	while ((hi - lo > 1)); do
		mid=$(((lo + hi) / 2))
		printf -v pad "%${mid}s" ""
		if PAD=$pad /bin/true 2>/dev/null; then lo=$mid; else hi=$mid; fi
	done
	echo $lo
}
ulimit -s 256
idle=$(largest)
exec 3<>/dev/udp/127.0.0.1/9
held=$(largest)
echo "idle=$idle"; echo "held=$held"'
traced "$WORK/big" bash -c "$probe" > "$WORK/out"
idle=$(v idle) held=$(v held)
[ -n "$idle" ] && [ "$idle" -gt 100000 ] && [ "$idle" -lt 140000 ]
ok $? "the search found the environment's limit ($idle bytes of PAD, stack limit 256 KiB)"
is "$idle" "$held" "the exec that would carry the hint runs with as big an environment as one that would not"
done_testing

#!/usr/bin/env bash
# A socket-free process's fork child pays no system call of the shim's
# own: the parent's pid, which the child records as its lineage, is
# cached in the parent as the fork begins (the fork handler's prepare),
# not asked of the kernel (getppid) in every child.  Three forks of a
# traced shell, strace as the oracle: the children make no getppid, as
# natively (the shell itself makes some at its start, the same traced or
# not).  Without the prepare handler's getpid, point 2 counts 3.
#
# Forks are the clones with SIGCHLD and without CLONE_VM; a sanitizer
# runtime's own clones (LeakSanitizer's tracer, which cannot work under
# strace anyway: leak checks are off here, as in t0210) are not.
. "$(dirname "$0")/lib.sh"
skip_missing strace
plan 3

run_shell() {
	strace -f -qq -e trace=getppid,clone,clone3,fork,vfork -o "$1" "${@:2}" \
		${NO_LEAK_CHECK:+"$NO_LEAK_CHECK"} \
		bash -c '/bin/true; /bin/true; /bin/true; :'
}
# forks FILE: the pids the first process (the shell) forked.
forks() {
	awk 'NR == 1 { shell = $1 } $1 == shell && /clone\(/ && /SIGCHLD/ && !/CLONE_VM/ { print $NF }' "$1"
}
# in_children FILE: getppid calls made by the shell's fork children.
in_children() {
	awk 'NR == FNR { child[$1] = 1; next } ($1 in child) && /getppid\(/' <(forks "$1") "$1" | wc -l
}
mkdir -p "$WORK/tr"
run_shell "$WORK/shim.st" env SOCKTRACE_DIR="$WORK/tr" LD_PRELOAD="$PRELOAD"
is "$(forks "$WORK/shim.st" | wc -l)" 3 "the traced shell forked three times"
is "$(in_children "$WORK/shim.st")" 0 "its children made no getppid"
run_shell "$WORK/native.st" env LD_PRELOAD="${ST_PRELOAD_FIRST:-}"
is "$(in_children "$WORK/native.st")" 0 "natively none either (the oracle's baseline)"
done_testing

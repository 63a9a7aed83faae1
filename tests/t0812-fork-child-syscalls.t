#!/usr/bin/env bash
# A socket-free process's fork child pays no system call of the shim's
# own: the parent's pid, which the child records as its lineage, is
# cached in the parent as the fork begins (the fork handler's prepare),
# not asked of the kernel (getppid) in every child.  Three forks of a
# traced shell, strace as the oracle: the children make no getppid, as
# natively (the shell itself makes some at its start, the same traced or
# not).  Without the prepare handler's getpid, point 2 counts 3.
. "$(dirname "$0")/lib.sh"
skip_missing strace
plan 3

run_shell() {
	strace -f -qq -e trace=getppid,clone,clone3,fork,vfork -o "$1" "${@:2}" \
		bash -c '/bin/true; /bin/true; /bin/true; :'
}
# in_children FILE: getppid calls by processes other than the first (the shell).
in_children() {
	awk 'NR == 1 { shell = $1 } $1 != shell && /getppid\(/' "$1" | wc -l
}
mkdir -p "$WORK/tr"
run_shell "$WORK/shim.st" env SOCKTRACE_DIR="$WORK/tr" LD_PRELOAD="$PRELOAD"
is "$(grep -c 'clone' "$WORK/shim.st")" 3 "the traced shell forked three times"
is "$(in_children "$WORK/shim.st")" 0 "its children made no getppid"
run_shell "$WORK/native.st" env
is "$(in_children "$WORK/native.st")" 0 "natively none either (the oracle's baseline)"
done_testing

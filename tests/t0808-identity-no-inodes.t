#!/usr/bin/env bash
# Identity without inodes.  With the default settings (no
# SOCKTRACE_INODES: no fstat at a socket's birth), ident carries one UDP
# socket S through dup (P), SCM_RIGHTS (to D, which held nothing of it),
# fork (C) and exec (C's new image keeps it), and SCM_RIGHTS again (back
# to P); and makes other sockets on fd numbers just freed (the kernel
# reuses the lowest): X then Y on one number in P, Z on the number S had
# in D, W on the number S had in C's new image.  Every socket is named by
# the local port the program itself read (getsockname), never by the
# viewer's other outputs.
#   - S is ONE connection: the holders (P, fd, socket), (P, dupfd, dup),
#     (D, fd, recvmsg), C's fork and exec holders, (P, fd3, recvmsg) all
#     carry one "id";
#   - X, Y, Z, W are each one connection of their own, with their own id,
#     on the fd number the program printed;
#   - every id is "PID:SERIAL" (an exec'd image: "PID/N:SERIAL"), and the
#     sockets never passed (X, Y) have inode null: none was fetched.
# Without sids (format 3 named sockets by the inode of an fstat at birth)
# inode is never null (fails the last check); a viewer keying sockets by
# (pid, fd) would merge X with Y and Z with S (fails the distinct-id
# checks); one that did not join the SCM_RIGHTS and exec copies by the
# inode recorded there would split S (fails the one-id checks).
. "$(dirname "$0")/lib.sh"
plan 17

env -u SOCKTRACE_INODES SOCKTRACE_DIR="$WORK/tr" SOCKTRACE_LOG="$WORK/tr/socktrace.log" \
	LD_PRELOAD="$PRELOAD" timeout 30 "$PROGS/ident" > "$WORK/out"
ok $? "ident runs under the shim (default settings)"
g() { printed "$WORK/out" "$1" "$2"; }
is "$(g D port)" "$(g S port)" "D received S itself (the port it read there is S's)"
is "$(g S3 port)" "$(g S port)" "P received S back (S3)"
is "$(g Y fd)" "$(g X fd)" "X and Y had the same fd number in P"
is "$(g Z fd)" "$(g D fd)" "Z took the number S had in D"
is "$(g W fd)" "$(g W oldfd)" "W took the number S had in C's new image"
report_json "$WORK/tr" > "$WORK/r.json"
ok $? "report --json succeeds"
# id_of PORT: the id of the connection with that local port;
# holder_ids PID FD HOW: the ids of the connections with a holder (PID, FD) whose how matches ^HOW
id_of() { q "[.connections[] | select(.local == \"127.0.0.1:$1\") | .id] | join(\",\")"; }
holder_ids() {
	q "[.connections[] | select(any(.holders[]; .pid == $1 and .fd == $2 and (.how | test(\"^$3\")))) | .id] | unique | join(\",\")"
}
S=$(id_of "$(g S port)")
like "$S" '^[0-9]+(/[0-9]+)?:[0-9]+$' "S is one connection, with one id ($S)"
is "$(holder_ids "$(g S pid)" "$(g S fd)" 'socket$'),$(holder_ids "$(g S pid)" "$(g S dupfd)" 'dup$')" "$S,$S" \
	"P's socket and its dup are S"
is "$(holder_ids "$(g D pid)" "$(g D fd)" recvmsg)" "$S" "D's received fd is S (passed by SCM_RIGHTS)"
is "$(holder_ids "$(g C pid)" "$(g S fd)" fork),$(holder_ids "$(g C pid)" "$(g S fd)" exec)" "$S,$S" \
	"C's forked copy and its exec'd image's are S"
is "$(holder_ids "$(g S3 pid)" "$(g S3 fd)" recvmsg)" "$S" "P's fd received back from the exec'd image is S"
is "$(q "[.connections[] | select(.id == \"$S\") | .holders[].pid] | unique | length")" 3 \
	"S has holders in each of the 3 processes (P, D, C)"
ids="$S $(id_of "$(g X port)") $(id_of "$(g Y port)") $(id_of "$(g Z port)") $(id_of "$(g W port)")"
is "$(tr ' ' '\n' <<< "$ids" | grep -c .)" 5 "X, Y, Z and W each have a connection of their own"
is "$(tr ' ' '\n' <<< "$ids" | sort -u | grep -c .)" 5 "S, X, Y, Z and W are 5 distinct connections despite the reused fd numbers"
is "$(q '[.connections[].id | select(test("^[0-9]+(/[0-9]+)?:[0-9]+$") | not)] | length')" 0 \
	"every id is PID:SERIAL"
is "$(q "[.connections[] | select(.local == \"127.0.0.1:$(g X port)\" or .local == \"127.0.0.1:$(g Y port)\") | .inode] | map(tostring) | join(\",\")")" \
	"null,null" "no inode fetched for sockets never passed on (X, Y: inode null)"
done_testing

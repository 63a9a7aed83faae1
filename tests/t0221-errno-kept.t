#!/usr/bin/env bash
# errno after a successful wrapped call is exactly what it was before the
# call: tests/progs/calls2 sets errno to a sentinel before every call and
# prints "errno=kept" when it is still there.  Every wrapper family is
# checked on its own, traced, against the same run untraced (libc itself
# keeps errno on these successes, so a change can only come from the shim).
. "$(dirname "$0")/lib.sh"
FAMILIES="close_range closefrom fclose fcloseall SYS_ sendmsg recvmsg SO_LINGER waitpid waitid wait3 wait4 wait vfork socket close"
plan 20	# 4 + one per family

mkdir -p "$WORK/u" "$WORK/t"
untraced "$PROGS/calls2" "$WORK/u" > "$WORK/u.out" 2> "$WORK/u.err"
urc=$?
traced "$WORK/tr" "$PROGS/calls2" "$WORK/t" > "$WORK/t.out" 2> "$WORK/t.err"
is "$urc $?" "0 0" "calls2 runs traced and untraced"

# success LABEL-OUTPUT: the result lines of calls that succeeded.
success() { grep -E ' ret=' "$1" | grep -v ' ret=-1 '; }
n=$(success "$WORK/u.out" | grep -c 'errno=kept')
like "$n" '^1[0-9][0-9]$' "untraced baseline: $n successful calls kept errno"
is "$(success "$WORK/u.out" | grep -vc 'errno=kept')" 0 "untraced baseline: libc kept errno on every success"
bad=$(success "$WORK/t.out" | grep -v 'errno=kept')
is "$bad" "" "traced: no successful call changed errno"

for f in $FAMILIES; do
	case $f in
	wait) re=' wait ' ;;
	close) re=' close ' ;;
	socket) re=' socket ' ;;
	SYS_) re=' SYS_' ;;
	*) re=" $f" ;;
	esac
	got=$(success "$WORK/t.out" | grep -F -- "$re" | grep -c 'errno=kept')
	want=$(success "$WORK/u.out" | grep -F -- "$re" | grep -c 'errno=kept')
	[ "$got" = "$want" ] && [ "$want" -gt 0 ]
	ok $? "traced: $f: the $want successful calls keep errno (got $got)"
done
done_testing

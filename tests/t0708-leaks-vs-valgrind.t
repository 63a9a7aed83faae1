#!/usr/bin/env bash
# socktrace leaks against valgrind --track-fds=yes on the same leaky program
# (tests/progs/vgleaks: a listener, a client and its dup, an accepted end,
# a socketpair, a UDP socket, one socket closed properly): every socket fd
# valgrind reports open at exit, socktrace reports too, made by the same
# function (the first frame below the libc call in valgrind's stack; the
# first frame of the reference's stack in socktrace's).  Both runs are
# separate, so fds are compared as a multiset of creating functions.
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || skip_all "valgrind not installed"
# valgrind cannot run a program built with AddressSanitizer (make sanitize).
[ -z "${ST_PRELOAD_FIRST:-}" ] || skip_all "sanitizer build: valgrind cannot run ASan programs"
plan 6

valgrind --track-fds=yes --log-file="$WORK/vg.log" "$PROGS/vgleaks"
ok $? "vgleaks runs under valgrind"
# "Open AF_INET socket 5: ..." then "at 0x..: socket (...)" then "by 0x..: leak_client (vgleaks.c:36)"
awk '/Open AF_[A-Z0-9]+ socket [0-9]+:/ { want = 2; next }
     want && /(at|by) 0x/ { if (--want == 0) { sub(/.*: /, ""); sub(/ .*/, ""); print } }' \
	"$WORK/vg.log" | sort > "$WORK/vg.funcs"
is "$(wc -l < "$WORK/vg.funcs")" 7 "valgrind reports 7 socket fds open at exit (sanity)"

traced "$WORK/tr" "$PROGS/vgleaks"
ok $? "vgleaks runs under the shim"
"$ST" leaks --all --json "$WORK/tr" > "$WORK/l.json"
is "$?" 1 "socktrace leaks exits 1: leaks found"
jq -r '.leaks[].connections[].references[] | .stack[0].function' "$WORK/l.json" | sort > "$WORK/st.funcs"
is "$(paste -sd, "$WORK/st.funcs")" "$(paste -sd, "$WORK/vg.funcs")" \
	"the same leaked fds, made by the same functions, as valgrind"
ok "$(! grep -q no_leak "$WORK/st.funcs"; echo $?)" "the properly closed socket is not reported"
done_testing

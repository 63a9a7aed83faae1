#!/usr/bin/env bash
# libunwind's pipe takes none of the app's fd numbers: stk_sites life and
# stk_fds numbers (sockets, a file, pipe, pipe2, socketpair, dup, a reused
# number, the lowest free fd) print the same fds traced, with stacks on,
# as untraced.
. "$(dirname "$0")/lib.sh"
plan 5
. "$(dirname "$0")/stacks.sh"

untraced "$PROGS/stk_fds" numbers > "$WORK/u"
ok $? "stk_fds numbers runs untraced"
SOCKTRACE_STACKS=all traced "$WORK/t" "$PROGS/stk_fds" numbers > "$WORK/t.out"
ok $? "stk_fds numbers runs traced"
diff -u "$WORK/u" "$WORK/t.out" >&2
ok $? "the same fd numbers traced and untraced"
like "$(unstacked "$(tfile "$WORK/t" stk_fds)" 1)" '^0 of [1-9][0-9]*$' "traced: its sockets have stacks (libunwind was initialised)"
untraced "$PROGS/stk_sites" life > "$WORK/u2"
traced "$WORK/t2" "$PROGS/stk_sites" life > "$WORK/t2.out"
diff -u "$WORK/u2" "$WORK/t2.out" >&2
ok $? "stk_sites life: the same fd numbers traced and untraced"
done_testing

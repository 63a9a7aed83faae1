#!/usr/bin/env bash
# closefrom(3) and close_range(3, ~0U, 0) close everything of the app's and
# leave libunwind's pipe alone: the same results and fds afterwards as
# untraced, and the sockets made afterwards get stacks naming after_a and
# after_b, with nothing logged.
. "$(dirname "$0")/lib.sh"
plan 10
# A bounded fd range: the loops below go up to the soft limit.
ulimit -Sn 4096 2>/dev/null
SOFT=$(ulimit -Sn)
. "$(dirname "$0")/stacks.sh"

for how in closefrom close_range; do
	untraced "$PROGS/stk_fds" closeall $how > "$WORK/$how.u"
	ok $? "$how: runs untraced"
	SOCKTRACE_STACKS=all traced "$WORK/$how" "$PROGS/stk_fds" closeall $how > "$WORK/$how.t"
	ok $? "$how: runs traced"
	diff -u "$WORK/$how.u" "$WORK/$how.t" >&2
	ok $? "$how: the same output (result, fds afterwards) traced and untraced"
	f=$(tfile "$WORK/$how" stk_fds)
	is "$(for id in $(recs "$f" 1 | cut -d: -f2); do [ "$id" = 0 ] && echo none || names "$f" "$id" | cut -d, -f1; done | paste -sd, -)" \
		"after_a,after_b" "$how: the sockets made afterwards have stacks naming after_a, after_b"
	[ ! -s "$WORK/$how/socktrace.log" ]
	ok $? "$how: nothing logged"
done
done_testing

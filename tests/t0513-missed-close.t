#!/usr/bin/env bash
# Proof against the kernel: missed-close.  The program closes a socket with
# a raw syscall instruction no preload library can see, then socket() gets
# the same fd number (the kernel freed it).  socktrace must notice the
# reuse: two distinct sockets on the one fd, the old one's reference dropped
# by a missed-close event and reported as a missed-close finding.
. "$(dirname "$0")/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip_all "the raw close needs x86_64"
plan 14

SC=missed-close
TR=$WORK/tr
traced "$TR" "$PROGS/refs" "$SC" > "$WORK/out"
ok $? "refs $SC runs under the shim"
pid=$(v pid) old=$(v old_fd) new=$(v new_fd)
like "$pid $old" '^[0-9]+ [0-9]+$' "the program printed its pid and old_fd"

is "$new" "$old" "kernel: the raw close freed old_fd, and the next socket() got it back"
untraced "$PROGS/refs" "$SC" > "$WORK/plain"
is "$(sed -n 's/^\(old\|new\)_fd=//p' "$WORK/plain" | uniq | wc -l)" 1 "kernel: the same without the shim"

report_json "$TR" > "$WORK/r.json"
ok $? "report --json succeeds"
A="--argjson P ${pid:-0} --argjson F ${old:-0}"
ON='[.connections[] | select(any(.events[]; .op=="socket" and .pid==$P and .ret==$F))] | sort_by(.events[0].t_ns)'
OLD="($ON | .[0])"
NEW="($ON | .[1])"
MC="($OLD.events[] | select(.op==\"missed-close\"))"

is "$(q "$ON | \"\(length) \(.[0].id != .[1].id)\"")" "2 true" "two sockets made on old_fd, with distinct ids"
is "$(q "[$MC] | map(\"\(.pid==\$P) \(.fd==\$F) \(.released) \(.refs) \(.refs_total)\") | join(\",\")")" \
	"true true true 0 0" "the old socket has one missed-close event on old_fd: released, refs_total 0"
is "$(q "$OLD | [.holders[] | .end] | join(\",\")")" "missed close" "the old socket's holder ended by the missed close"
is "$(q "[$OLD.events[] | select(.op==\"close\")] | length")" 0 "no close event on the old socket (none was seen)"
# The raw close happened before the socket() that got its fd back returned.
is "$(q "[$OLD.released_t_ns, $MC.t_ns] | .[0] == .[1] and .[0] != null")" true \
	"the old socket's release time is its missed-close event's"
is "$(q "[$MC.t_ns, ($NEW.events[] | select(.op==\"socket\") | .t_ns)] | .[0] <= .[1]")" true \
	"the missed-close event comes no later than the socket() that reused the fd"
is "$(q "[.findings[] | select(.kind==\"missed-close\")] | map(\"\(.pid==\$P) \(.fd==\$F) \(.id) \(.severity)\") | join(\",\")")" \
	"true true $(q "$OLD.id") warning" "one missed-close finding (warning) at old_fd, on the old socket (its id)"
is "$(q "$NEW | [.events[] | select(.op==\"close\") | \"\(.released) \(.refs_total)\"] | join(\",\")") $(q '.summary.open_at_exit')" \
	"true 0 0" "the new socket's close released it; nothing open at exit"
"$ST" audit --fail-on=warning "$TR" > /dev/null
is $? 1 "audit --fail-on=warning exits 1"
done_testing

#!/usr/bin/env bash
# SOCKTRACE_STACKS=create (the default) and all.  stk_sites life makes a
# listener, accepts with accept and accept4, makes a socketpair, copies
# with dup, dup2 and fcntl(F_DUPFD), shuts one down and closes them all,
# each call from its own function.  create: every record of a call that
# makes a socket reference has a stack, naming the function that made the
# call; shutdown and close records have none.  all: they have one too,
# naming life_shutdown and life_close.  The header's options say which.
. "$(dirname "$0")/lib.sh"
plan 16
. "$(dirname "$0")/stacks.sh"

BIN=$PROGS/stk_sites
untraced "$BIN" life > "$WORK/u"
ok $? "life runs untraced"
# ops: 1 socket, 2 socketpair, 5 accept, 6 accept4, 10 dup, 11 dup2, 13 fcntl, 9 shutdown, 8 close
CREATE="1 2 5 6 10 11 13"
for mode in default create all; do
	if [ $mode = default ]; then
		traced "$WORK/$mode" "$BIN" life > "$WORK/$mode.out"
	else
		SOCKTRACE_STACKS=$mode traced "$WORK/$mode" "$BIN" life > "$WORK/$mode.out"
	fi
	r=$?
	cmp -s "$WORK/u" "$WORK/$mode.out"
	ok $((r || $?)) "$mode: runs, output equals untraced"
done
f=$(tfile "$WORK/create" stk_sites)
miss=
for op in $CREATE; do
	n=$(recs "$f" $op | wc -l) z=$(recs "$f" $op | grep -c ':0$')
	[ "$n" -ge 1 ] && [ "$z" -eq 0 ] || miss="$miss op$op:$n/$z"
done
is "$miss" "" "create: every socket, socketpair, accept, accept4, dup, dup2, fcntl record has a stack"
is "$(recs "$f" 8 | grep -vc ':0$') $(recs "$f" 8 | wc -l)" "0 10" "create: none of the 10 close records has a stack"
is "$(recs "$f" 9 | grep -vc ':0$') $(recs "$f" 9 | wc -l)" "0 1" "create: the shutdown record has none"
is "$(sed -n 's/^file .*opts=\(0x[0-9a-f]*\) .*/\1/p' <("$SI" "$f"))" 0x1 "create: header opts = STACKS_CREATE"
fd=$(recs "$(tfile "$WORK/default" stk_sites)" 8 | grep -vc ':0$')
is "$fd" 0 "default mode is create: no close record has a stack"
name_of() { names "$1" "$(recs "$1" "$2" | head -n 1 | cut -d: -f2)" | cut -d, -f1; }
is "$(for op in 5 6 10 11 13; do name_of "$f" $op; done | paste -sd, -)" \
	"life_accept,life_accept4,life_dup,life_dup2,life_fcntl" \
	"create: the accept, accept4, dup, dup2 and fcntl stacks name the functions that called them"
is "$(recs "$f" 2 | cut -d: -f2 | sort -u | wc -l) $(name_of "$f" 2)" "1 life_socketpair" \
	"create: both socketpair records share one stack, naming life_socketpair"

f=$(tfile "$WORK/all" stk_sites)
is "$(recs "$f" 8 | grep -vc ':0$') $(recs "$f" 8 | wc -l)" "10 10" "all: every close record has a stack"
is "$(recs "$f" 9 | grep -vc ':0$')" 1 "all: the shutdown record has one"
is "$(name_of "$f" 8),$(name_of "$f" 9)" "life_close,life_shutdown" "all: they name life_close and life_shutdown"
like "$(unstacked "$f" 1)" '^0 of [1-9][0-9]*$' "all: socket records still have stacks"
is "$(sed -n 's/^file .*opts=\(0x[0-9a-f]*\) .*/\1/p' <("$SI" "$f"))" 0x3 "all: header opts = STACKS_CREATE|STACKS_ALL"
done_testing

#!/usr/bin/env bash
# socktrace top --once and --json against a running traced server
# (tests/progs/leakysrv): leak_conn() leaks every socket it makes (each
# left in CLOSE_WAIT), tidy_conn() closes its own.  The process line
# counts what the server holds now, by state; the site lines count per
# creation call site (named function file:line, lines found by grep in
# the source); a site whose open count rose between two snapshots and
# never fell is marked, the tidy one is not.  leaks --at now lists what
# is open now.  Exit status 66 with nothing to watch, 64 on usage errors.
. "$(dirname "$0")/lib.sh"
plan 36

SRC=$TOP/tests/progs/leakysrv.c
line_of() { grep -n -- "/\* $1 \*/" "$SRC" | head -n 1 | cut -d: -f1; }
LLEAK=$(line_of 'LEAK-SITE') LTIDY=$(line_of 'TIDY-SITE') LLISTEN=$(line_of 'LISTEN-SITE')

# top ARGS...: RC, $WORK/o, $WORK/e (bounded: a hang fails, it never blocks the suite).
top() { timeout 60 "$ST" top "$@" > "$WORK/o" 2> "$WORK/e"; RC=$?; }

D=$WORK/srv
srv_start "$D"
like "$SRV_PID" '^[0-9]+$' "leakysrv is ready under the shim (pid $SRV_PID)"
srv_cmd leak 4 && srv_cmd tidy 3
ok $? "it leaked 4 sockets and made and closed 3"

top --once -d 0.2 "$D"
is "$RC" 0 "top --once: exit 0"
proc=$(grep -E "^ +$SRV_PID R " "$WORK/o")
like "$proc" "^ +$SRV_PID R leakysrv +5 +1 +0 +0 +4 +5 +0 +0 " \
	"the process line: running, 5 open: 1 listening, 4 in CLOSE_WAIT, 5 TCP"
site() { grep -E "  $1 leakysrv\.c:$2( |$)" "$WORK/o"; }
like "$(site leak_conn "$LLEAK")" "^ +4 +4 +[+-][0-9]+ +[0-9.]+ +[0-9.]+ +4 +0  leak_conn leakysrv\.c:$LLEAK$" \
	"leak_conn leakysrv.c:$LLEAK: 4 open, 4 in CLOSE_WAIT, 4 made, 0 closed"
like "$(site tidy_conn "$LTIDY")" "^ +0 +0 +[+-][0-9]+ +[0-9.]+ +[0-9.]+ +3 +3  tidy_conn leakysrv\.c:$LTIDY$" \
	"tidy_conn leakysrv.c:$LTIDY: 0 open, 3 made, 3 closed"
like "$(site main "$LLISTEN")" "^ +1 +0 " "the listener's site (main leakysrv.c:$LLISTEN): 1 open"
! grep -q '^grows' "$WORK/o"
ok $? "nothing changed between the two readings: no site is marked"

# Two snapshots, -d 2 apart; 3 more leaks and 5 tidy connections between them.
timeout 60 "$ST" top --json -n 2 -d 2 "$D" > "$WORK/j" 2> "$WORK/je" 3>&- &
TOPPID=$!
wait_for "$WORK/j" '^}' 20
ok $? "top --json -n 2: the first snapshot is out"
srv_cmd leak 3 && srv_cmd tidy 5
ok $? "3 more leaks, 5 more tidy connections"
wait "$TOPPID"
is "$?" 0 "top --json -n 2: exit 0"
is "$(jq -s 'length' "$WORK/j")" 2 "two JSON documents"
J() { jq -r -s ".[1] | $1" "$WORK/j"; }
S() { J ".sites[] | select(.site == \"$1\") | $2"; }
is "$(J '.format_version'):$(J '.clock')" "4:CLOCK_MONOTONIC" "format_version 4, clock CLOCK_MONOTONIC"
is "$(J ".processes[] | select(.pid == $SRV_PID) | [.running, .sockets.open, .sockets.listening, .sockets.close_wait, .sockets.tcp] | map(tostring) | join(\" \")")" \
	"true 8 1 7 8" "the process: running, 8 open, 1 listening, 7 in CLOSE_WAIT, 8 TCP"
is "$(J ".processes[] | select(.pid == $SRV_PID) | [.made_total, .closed_total] | map(tostring) | join(\" \")")" \
	"$((1 + 7 + 7 + 8 + 8)) $((7 + 8 + 8))" "... made 31 (listener, 7 leaks, 7 accepts, 8 tidy, 8 accepts), closed 23"
LS="leak_conn leakysrv.c:$LLEAK" TS="tidy_conn leakysrv.c:$LTIDY"
is "$(S "$LS" '[.open, .close_wait, .made_total, .closed_total, .open_change, .growing] | map(tostring) | join(" ")')" \
	"7 7 7 0 3 true" "leak_conn: 7 open, 7 CLOSE_WAIT, made 7, closed 0, +3 since the first snapshot: growing"
is "$(S "$TS" '[.open, .made_total, .closed_total, .open_change, .growing] | map(tostring) | join(" ")')" \
	"0 8 8 0 false" "tidy_conn: 0 open, made 8, closed 8, no change: not growing"
is "$(J '.summary.sites_growing')" 1 "summary: one site growing"
# jq prints 1.500 as 1.5: the three decimals are checked in the raw text, every rate in it.
is "$(S "$LS" '.made_per_s | (type == "number" and . > 0)')" true "leak_conn's made_per_s is a number above 0"
rates=$(grep -Eo '"made_per_s": *[^,}]*' "$WORK/j")
n_all=$(printf '%s\n' "$rates" | grep -c .)
n_ok=$(printf '%s\n' "$rates" | grep -Ec '": *[0-9]+\.[0-9]{3} *$')
[ "$n_all" -gt 0 ] && [ "$n_ok" = "$n_all" ]
ok $? "every made_per_s is written with three decimals ($n_ok of $n_all)"
is "$(S "$LS" '.stack[0].function + " " + (.stack[0].line | tostring) + " " + .stack[1].function')" \
	"leak_conn $LLEAK main" "its stack: leak_conn at line $LLEAK, called by main"
is "$(S "$LS" '.sockets | length')" 7 "its 7 sockets are listed"
is "$(S "$LS" "[.sockets[] | select(.pid == $SRV_PID and .role == \"client\" and .state == \"CLOSE_WAIT\" and (.peer | endswith(\":$SRV_PORT\")) and .age_ns > 0 and .idle_ns >= 0)] | length")" 7 \
	"... each: pid, role client, CLOSE_WAIT, peer the listener's port $SRV_PORT, an age"
is "$(S "$LS" '[.sockets[].fd] | unique | length')" 7 "... each with its own fd"

top --once -d 0.2 -p "$SRV_PID" "$D"
like "$RC:$(grep -cE "^ +$SRV_PID R " "$WORK/o")" "^0:1$" "-p $SRV_PID: exit 0, its line"
top --once -d 0.2 -p 1 "$D"
is "$RC:$(head -n 1 "$WORK/e")" "66:socktrace top: no traced process 1 running in $D" "-p 1 (not traced): exit 66, saying so"

# leaks on the live file: what is open now.
"$ST" leaks --at now "$D" > "$WORK/l" 2>&1
is "$?" 1 "leaks --at now on the running server: exit 1 (sockets open)"
like "$(tail -n 1 "$WORK/l")" "^leaks: 8 sockets open at \+[0-9.]+ s \(now, in processes still running\), from 2 call sites$" \
	"... 8 open now, from 2 call sites (the leaks and the listener)"

srv_stop
ok $? "the server exits when its commands end"
top --once -d 0.2 "$D"
is "$RC:$(head -n 1 "$WORK/e")" "66:socktrace top: no traced process running in $D: nothing to watch" \
	"its directory now: exit 66, nothing to watch"
mkdir -p "$WORK/empty"
top --json "$WORK/empty"
is "$RC:$(wc -c < "$WORK/o")" "66:0" "an empty directory: exit 66, no JSON"
top --once "$WORK/nosuch"
is "$RC" 66 "a missing directory: exit 66"

# Usage errors: exit 64, naming the word.
top -d 0 "$D"
is "$RC:$(head -n 1 "$WORK/e")" "64:socktrace top: -d 0: takes seconds between refreshes, 0.05 to 3600" "-d 0: exit 64"
top --once --json "$D"
is "$RC" 64 "--once with --json: exit 64"
top -p x "$D"
is "$RC:$(head -n 1 "$WORK/e")" "64:socktrace top: -p x: takes a process id" "-p x: exit 64"
top --sort=size "$D"
is "$RC" 64 "--sort=size: exit 64"
done_testing

#!/usr/bin/env bash
# socktrace top's live screen, driven in tmux (a fixed 120x40 window):
# against a traced server that leaks from leak_conn() and not from
# tidy_conn(), the leaking site is marked "grows" and its count rises
# between two captures; Tab and Enter open it (its frames and sockets),
# Esc goes back, q quits.  A smaller window still shows both lists.
. "$(dirname "$0")/lib.sh"
command -v tmux > /dev/null || skip_all "tmux not installed"
plan 14

SRC=$TOP/tests/progs/leakysrv.c
LLEAK=$(grep -n '/\* LEAK-SITE \*/' "$SRC" | cut -d: -f1)
LTIDY=$(grep -n '/\* TIDY-SITE \*/' "$SRC" | cut -d: -f1)
SOCK=$WORK/tmux.sock
tm() { timeout 10 tmux -S "$SOCK" "$@"; }
cap() { tm capture-pane -p -t top > "$WORK/screen"; }
# until REGEX: capture until the screen has a line matching it (10 s at most).
until_screen() {
	local i
	for ((i = 0; i < 100; i++)); do
		cap
		grep -Eq -- "$1" "$WORK/screen" && return 0
		sleep 0.1
	done
	diag "screen:" "$(cat "$WORK/screen")"
	return 1
}
trap 'tmux -S "$SOCK" kill-server 2> /dev/null; rm -rf "$WORK"' EXIT

D=$WORK/srv
srv_start "$D"
srv_cmd leak 3 && srv_cmd tidy 2
ok $? "leakysrv (pid $SRV_PID) leaked 3 sockets, made and closed 2"
tm new-session -d -s top -x 120 -y 40 \
	"TERM=xterm $ST top -d 0.2 $D; echo top-exited-\$?; sleep 60" 3>&-
ok $? "top runs in a 120x40 tmux window"
until_screen "^ +$SRV_PID R leakysrv +4 "
ok $? "the process line: pid $SRV_PID, running, 4 open"
LEAKRE="leak_conn leakysrv\.c:$LLEAK$"
until_screen " 3 +3 +[-+][0-9]+ .* $LEAKRE"
ok $? "the leaking site: 3 open, 3 in CLOSE_WAIT"
srv_cmd leak 2
until_screen "^grows +5 +5 .* $LEAKRE"
ok $? "after 2 more leaks: marked 'grows', its count up from 3 to 5 between two captures"
grep -E "tidy_conn leakysrv\.c:$LTIDY$" "$WORK/screen" | grep -vq '^grows'
ok $? "the tidy site is listed, not marked"
like "$(grep -c 'CALL SITE' "$WORK/screen"):$(grep -c 'COMMAND' "$WORK/screen")" '^1:1$' "both lists have their headers"

# Open the leaking site: Tab to the sites (it is first, sorted by change), Enter.
tm send-keys -t top Tab
tm send-keys -t top Enter
until_screen "^GROWS  leak_conn leakysrv\.c:$LLEAK: 5 open, 5 CLOSE_WAIT"
ok $? "Enter opens the site: its name, 5 open, 5 CLOSE_WAIT"
grep -Eq "^    at 0x[0-9a-f]+: leak_conn \(leakysrv\.c:$LLEAK\)$" "$WORK/screen"
ok $? "... its frames, as leaks shows them"
is "$(grep -cE "^ +$SRV_PID +[0-9]+ client +CLOSE_WAIT .* -> 127\.0\.0\.1:$SRV_PORT$" "$WORK/screen")" 5 \
	"... its 5 sockets: pid, fd, role, state, age, idle, bytes, addresses"
tm send-keys -t top Escape
until_screen "CALL SITE"
ok $? "Esc goes back to the lists"

# A small window: both lists still there, lines cut to its width.
tm resize-window -t top -x 60 -y 14
until_screen "^ +PID S COMMAND"
awk 'length > 60 { bad = 1 } END { exit bad }' "$WORK/screen" && grep -q 'TREND' "$WORK/screen"
ok $? "resized to 60x14: both lists, no line wider than the window"

tm send-keys -t top q
until_screen "^top-exited-0$"
ok $? "q quits, exit status 0"
srv_stop
ok $? "the server was not disturbed: it answers and exits normally"
done_testing

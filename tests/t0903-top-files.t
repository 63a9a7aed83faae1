#!/usr/bin/env bash
# socktrace top and trace files that change under it: a file truncated
# while watched, one replaced (renamed over) while watched, one too short
# to be a trace.  Each is said, none crashes the viewer.  The watched
# files are copies of a running server's (the same pid and start time:
# the viewer takes them for it), so the server itself is never harmed.
. "$(dirname "$0")/lib.sh"
plan 9

D=$WORK/srv
srv_start "$D"
srv_cmd leak 2
ok $? "leakysrv (pid $SRV_PID) leaked 2 sockets"
LIVE=$(ls "$D"/leakysrv.*.socktrace)
NAME=$(basename "$LIVE")

# stream DIR OUT: top --json every 0.2 s, 15 snapshots, in the background (TOPPID); waits for the first.
stream() {
	timeout 60 "$ST" top --json -n 15 -d 0.2 "$1" > "$2" 2> "$2.err" 3>&- &
	TOPPID=$!
	wait_for "$2" '^}' 20
}

mkdir -p "$WORK/t"
cp "$LIVE" "$WORK/t/$NAME"
stream "$WORK/t" "$WORK/t.json"
truncate -s 4200 "$WORK/t/$NAME"
wait "$TOPPID"
is "$?" 0 "a watched file truncated under top: top goes on, exit 0"
like "$(jq -r -s "[.[].processes[] | select(.pid == $SRV_PID) | .ended_because // empty] | first" "$WORK/t.json")" \
	"^truncated while (watched|read)" "... and says the file was truncated"

mkdir -p "$WORK/r"
cp "$LIVE" "$WORK/r/$NAME"
stream "$WORK/r" "$WORK/r.json"
cp "$LIVE" "$WORK/r/new" && mv "$WORK/r/new" "$WORK/r/$NAME"
wait "$TOPPID"
is "$?" 0 "a watched file replaced (renamed over) under top: exit 0"
is "$(jq -r -s "[.[].processes[] | select(.pid == $SRV_PID) | .ended_because // empty] | first" "$WORK/r.json")" \
	"its trace file was replaced or removed" "... the old one ends, saying its file was replaced"
is "$(jq -r -s "last | [.processes[] | select(.pid == $SRV_PID and .running)] | length" "$WORK/r.json")" 1 \
	"... and the new file at that name is read as the running process"

mkdir -p "$WORK/s"
cp "$LIVE" "$WORK/s/$NAME"
head -c 100 "$LIVE" > "$WORK/s/short.1.socktrace"
timeout 30 "$ST" top --once -d 0.1 "$WORK/s" > "$WORK/s.out" 2>&1
is "$?" 0 "a directory with a file too short to be a trace, and a live one: exit 0"
like "$(grep 'could not be read' "$WORK/s.out")" "^1 trace file could not be read \(.*short\.1\.socktrace: truncated: 100 bytes" \
	"... the short one is named, with why"
grep -qE "^ +$SRV_PID R leakysrv +3 " "$WORK/s.out"
ok $? "... and the live one shown (3 open)"
srv_stop
done_testing

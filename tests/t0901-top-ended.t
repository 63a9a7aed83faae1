#!/usr/bin/env bash
# socktrace top watching processes that end: one that exits and one that
# is SIGKILLed (its header still says running: only /proc says it ended)
# show as ended for a while (running false, when), their sockets counted
# closed, then leave; a copy of a live file whose start time differs (the
# pid reused by another process) is not taken for the running one.
. "$(dirname "$0")/lib.sh"
plan 12

D=$WORK/srv
srv_start "$D"
like "$SRV_PID" '^[0-9]+$' "leakysrv is ready (pid $SRV_PID)"
srv_cmd leak 3
ok $? "it leaked 3 sockets"

# Snapshots every 0.2 s; the server quits after the first.
timeout 60 "$ST" top --json -n 25 -d 0.2 "$D" > "$WORK/j" 2> "$WORK/je" 3>&- &
TOPPID=$!
wait_for "$WORK/j" '^}' 20
srv_stop
ok $? "the server exits while watched"
wait "$TOPPID"
is "$?" 0 "top --json -n 25: exit 0"
# Per snapshot: the server's state ("R" running, "E" ended, "-" not listed).
states=$(jq -r -s "map([.processes[] | select(.pid == $SRV_PID) | if .running then \"R\" else \"E\" end] | if length == 0 then \"-\" else .[0] end) | join(\"\")" "$WORK/j")
like "$states" '^R+E+-+$' "it shows running, then ended for a while, then leaves ($states)"
first_e=$(jq -s "map([.processes[] | select(.pid == $SRV_PID and .running == false)] | length > 0) | index(true)" "$WORK/j")
is "$(jq -r -s ".[$first_e].processes[] | select(.pid == $SRV_PID) | [.sockets.open, (.ended_t_ns > 0), .closed_total == .made_total] | map(tostring) | join(\" \")" "$WORK/j")" \
	"0 true true" "ended: nothing open, when it ended, every socket it had closed"
is "$(jq -r -s ".[$first_e].sites[] | select(.site | startswith(\"leak_conn \")) | [.open, .closed_total, (.closed_per_s > 0)] | map(tostring) | join(\" \")" "$WORK/j")" \
	"0 3 true" "its leaking site: 0 open, its 3 sockets closed (at exit), a closing rate"

# SIGKILL: the header stays RUNNING for ever.
D2=$WORK/srv2
srv_start "$D2"
srv_cmd leak 2
cp "$D2"/leakysrv.*.socktrace "$WORK/copy.socktrace"
mkdir -p "$WORK/reused"
cp "$WORK/copy.socktrace" "$WORK/reused/leakysrv.$SRV_PID.socktrace"
# The same file, but for another start time: the pid was reused by another process.
perl -e 'open(my $f, "+<", $ARGV[0]) or die; seek($f, 80, 0); read($f, my $b, 8); my $v = unpack("Q<", $b) + 1; seek($f, 80, 0); print $f pack("Q<", $v); close($f)' \
	"$WORK/reused/leakysrv.$SRV_PID.socktrace"
timeout 30 "$ST" top --once -d 0.1 "$WORK/reused" > /dev/null 2>&1
is "$?" 66 "a file whose start time is not the live pid's (pid reused): not running, nothing to watch"
mkdir -p "$WORK/same" && cp "$WORK/copy.socktrace" "$WORK/same/"
timeout 30 "$ST" top --once -d 0.1 "$WORK/same" > "$WORK/o" 2>&1
like "$?:$(grep -cE "^ +$SRV_PID R " "$WORK/o")" '^0:1$' "... while the unpatched copy is the running process"
timeout 60 "$ST" top --json -n 25 -d 0.2 "$D2" > "$WORK/k" 2> "$WORK/ke" 3>&- &
TOPPID=$!
wait_for "$WORK/k" '^}' 20
kill -KILL "$SRV_PID"
wait "$TOPPID"
is "$?" 0 "top while the server is SIGKILLed: exit 0"
states=$(jq -r -s "map([.processes[] | select(.pid == $SRV_PID) | if .running then \"R\" else \"E\" end] | if length == 0 then \"-\" else .[0] end) | join(\"\")" "$WORK/k")
like "$states" '^R+E+-+$' "the killed server shows running, ended, then leaves ($states)"
timeout 30 "$ST" top --once -d 0.1 "$D2" > /dev/null 2>&1
is "$?" 66 "its directory afterwards: nothing to watch (its header still says running)"
exec 3>&-
done_testing

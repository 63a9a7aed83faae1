#!/usr/bin/env bash
# Servers that drop root: memcached -u nobody (setuid before its first
# socket), redis-server started by runuser -u redis (the exec'd image is
# the unprivileged user from its start), traced with socktrace run -o DIR
# and with the default directory (TMPDIR/socktrace-UID).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/real.sh"
need memcached redis-server redis-cli runuser jq ss
id redis >/dev/null 2>&1 || skip_all "no redis user"
PM=$(free_port) && PR=$(free_port) || skip_all "no free TCP port"
plan 14

chmod 755 "$WORK"
command -v nc >/dev/null || skip_all "nc is not installed"
serve run "$WORK/mc" memcached -u nobody -p $PM -U 0 -l 127.0.0.1 -t 2
wait_listen $PM 10 && printf 'set a 0 0 2\r\nhi\r\nget a\r\nquit\r\n' | timeout 5 nc -q 2 127.0.0.1 $PM > "$WORK/mc.client"
mp=$(ss -Htlnp "sport = :$PM" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)
kill -TERM "$mp"
finish
is "$SRV_RC" 0 "memcached -u nobody under socktrace run exits 0"
like "$(tr -d '\r' < "$WORK/mc.client")" "VALUE a 0 2" "memcached answered"
is "$(jqf "$WORK/mc" '.processes | length')" 1 "memcached's file was made (before its setuid) in the run directory"
is "$(jqf "$WORK/mc" .summary.connections)" 2 "its listener and the one connection"

# redis through runuser: TMPDIR's default directory per user
rs=(runuser -u redis -- redis-server --port $PR --bind 127.0.0.1 --save '' --dir /tmp --daemonize no)
T=$WORK/tmp
mkdir -m 1777 "$T"
TMPDIR=$T LD_PRELOAD=$SHIM timeout -s KILL 60 "${rs[@]}" > "$WORK/rd.out" 2>&1 & SRV=$!; REAL_PIDS+=("$SRV")
wait_listen $PR 10 && timeout 5 redis-cli -p $PR ping > "$WORK/rd.client" && timeout 5 redis-cli -p $PR shutdown nosave
finish
is "$SRV_RC" 0 "redis-server (runuser -u redis) with the default directory exits 0"
uid=$(id -u redis)
ls "$T/socktrace-$uid"/redis-*.socktrace >/dev/null 2>&1
ok $? "redis's own file is in $T/socktrace-$uid"
is "$("$ST" report --json "$T/socktrace-$uid" | jq '[.connections[] | select(.role=="server")] | length')" 2 \
	"it shows the two redis-cli connections"

# the same under socktrace run -o DIR: run, as root, made DIR and opened it
# to the users its program may become (1733); redis's file is redis's own
TMPDIR=$T serve run "$WORK/rd" "${rs[@]}"
wait_listen $PR 10 && timeout 5 redis-cli -p $PR ping > "$WORK/rd2.client" && timeout 5 redis-cli -p $PR shutdown nosave
finish
is "$SRV_RC" 0 "redis-server (runuser -u redis) under socktrace run -o DIR exits 0"
is "$(stat -c %a "$WORK/rd")" 1733 "run -o DIR (made by run, as root): sticky, writable and not listable by others"
f=$(ls "$WORK/rd"/redis-*.socktrace 2>/dev/null | head -n 1)
is "$(stat -c '%U %a' "$f" 2>/dev/null)" "redis 600" "run -o DIR: the image runuser exec'd as redis made its own file there, 0600"
is "$("$ST" report --json "$WORK/rd" | jq '[.connections[] | select(.role=="server")] | length')" 2 \
	"... and the report shows its two redis-cli connections (ping, shutdown)"
# A directory the user made keeps its rights: redis cannot write a root 0755
# DIR.  Its note goes to redis's own default log ($TMPDIR/socktrace-UID.log),
# naming the log it could not write; run finds it there and shows it.
DIRMODE=755 TMPDIR=$T serve run "$WORK/rd3" "${rs[@]}"
wait_listen $PR 10 && timeout 5 redis-cli -p $PR shutdown nosave
finish
is "$(stat -c %a "$WORK/rd3")" 755 "run -o DIR the user made: its rights are kept"
grep -q "^socktrace: note (uid $uid could not write $WORK/rd3/socktrace.log; from $T/socktrace-$uid.log): .*redis-server: tracing off: .*EACCES" "$WORK/rd3.err"
ok $? "run -o DIR: why redis was not traced is said (its note, from redis's own default log)"
grep -q "the shim's notes above may say why" "$WORK/rd3.err"
ok $? "... and run points at it instead of blaming LD_PRELOAD"
done_testing

#!/usr/bin/env bash
# Processes as a tree: by start time, each child under the process that
# forked it, an exec'd image right after the image it replaced; named by
# the command the user typed (argv[0]) with the executable beside it when
# they differ.  A fork+exec chain: timeout forks a child that execs sh,
# which execs fork_server, which forks a child; file names sort them
# otherwise (fork_server, sh, timeout).  Names: echo run through a symlink
# called my-echo (as redis-server is a symlink to redis-check-rdb).
. "$(dirname "$0")/lib.sh"
plan 13

traced "$WORK/tr" timeout 20 sh -c 'exec "$0"' "$EX/fork_server" > "$WORK/out"
ok $? "timeout -> sh -> fork_server -> its child runs under the shim"
"$ST" report "$WORK/tr" > "$WORK/r.txt"
ok $? "text report"
report_json "$WORK/tr" > "$WORK/r.json"
q() { jq -r "$@" "$WORK/r.json"; }
T=$(q '.processes[] | select(.origin=="root") | .pid')
C=$(q '.processes[] | select(.origin=="fork" and .ppid=='"${T:-0}"') | .pid')
G=$(q '.processes[] | select(.origin=="fork" and .ppid=='"${C:-0}"') | .pid')
like "$T $C $G" '^[0-9]+ [0-9]+ [0-9]+$' "three pids: timeout ($T), its child ($C), fork_server's child ($G)"

# The tree lines: "  <indent>pid N  NAME  ORIGIN  started ...".
awk '/^processes /{t=1; next} t && /^$/{exit} t' "$WORK/r.txt" > "$WORK/tree"
want="0 $T timeout root
1 $C timeout fork
1 $C sh exec
1 $C $EX/fork_server exec
2 $G $EX/fork_server fork"
is "$(awk '{ match($0, /^ */); print (RLENGTH - 2) / 2, $2, $3, $4 }' "$WORK/tree")" \
	"$want" "the tree: timeout, its fork child under it, then the images it exec'd, then fork_server's child under those"
is "$(grep -E '^process ' "$WORK/r.txt" | awk '{print $2}' | paste -sd' ')" "$T $C $C $C $G" \
	"the process blocks come in the same order"
like "$(grep -E "^process $C  sh " "$WORK/r.txt")" "\(exec, replacing timeout, parent $T\)" \
	"sh's block: an exec, replacing timeout, parent timeout's pid"
like "$(grep -E "^process $G " "$WORK/r.txt")" "\(fork of $EX/fork_server, parent $C\)" \
	"the grandchild's block: a fork of fork_server"
is "$(q '[.processes[] | "\(.depth):\(.pid):\(.origin)"] | join(" ")')" "0:$T:root 1:$C:fork 1:$C:exec 1:$C:exec 2:$G:fork" \
	"JSON processes in the same order, with their depth"
is "$(q '.processes[-1].forked_by == ([.processes[] | select(.exec_into == null and .pid=='"${C:-0}"')][0].file)')" true \
	"JSON: the grandchild's forked_by is the fork_server image's file"

# Names: the symlink the user typed, the executable beside it.
ln -s "$EX/echo" "$WORK/my-echo"
traced "$WORK/sym" "$WORK/my-echo" > /dev/null
ok $? "echo run as my-echo (a symlink) under the shim"
"$ST" report "$WORK/sym" > "$WORK/sym.txt"
like "$(grep '^process ' "$WORK/sym.txt")" "^process [0-9]+  $WORK/my-echo  \(executable $(realpath "$EX/echo")\)  " \
	"the header names my-echo, the command typed, with the executable beside it"
like "$(awk '/^processes /{getline; print; exit}' "$WORK/sym.txt")" "pid [0-9]+  $WORK/my-echo  root" \
	"the tree line names my-echo"
is "$(jq -r '.processes[0] | "\(.name) \(.exe)"' <("$ST" report --json "$WORK/sym"))" "$WORK/my-echo $(realpath "$EX/echo")" \
	"JSON: name is argv[0], exe the file it led to"
done_testing

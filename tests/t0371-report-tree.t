#!/usr/bin/env bash
# Processes as a tree: by start time, each child under the process that
# forked it, an exec'd image right after the image it replaced; named by
# the command the user typed (argv[0]) with the executable beside it when
# they differ.  A fork+exec chain of images that each hold a socket (a
# process leaves a trace file only once it holds one): forkexec makes a
# socketpair and forks a child that execs sh, which inherits the pair and
# execs fork_server, which forks a child; file names sort them otherwise
# (dash, fork_server, forkexec).  Above them timeout, which holds no
# socket: neither it nor its fork child leaves a file, and the first
# traced image names timeout as its parent.  Names: echo run through a
# symlink called my-echo (as redis-server is a symlink to redis-check-rdb).
. "$(dirname "$0")/lib.sh"
plan 18

rm -rf "$WORK/tr" && mkdir "$WORK/tr"
SOCKTRACE_DIR=$WORK/tr SOCKTRACE_LOG=$WORK/tr/socktrace.log LD_PRELOAD=$PRELOAD \
	timeout 20 "$PROGS/forkexec" /bin/sh -c 'exec "$0"' "$EX/fork_server" > "$WORK/out" &
TO=$!	# timeout's own pid: a simple command run with & is the shell's child itself
wait "$TO"
ok $? "timeout -> forkexec -> its child -> sh -> fork_server -> its child runs under the shim"
"$ST" report "$WORK/tr" > "$WORK/r.txt"
ok $? "text report"
report_json "$WORK/tr" > "$WORK/r.json"
R=$(q '.processes[] | select(.origin=="root") | .pid')
C=$(q '.processes[] | select(.origin=="fork" and .ppid=='"${R:-0}"') | .pid')
G=$(q '.processes[] | select(.origin=="fork" and .ppid=='"${C:-0}"') | .pid')
like "$R $C $G" '^[0-9]+ [0-9]+ [0-9]+$' "three pids: forkexec ($R), its child ($C), fork_server's child ($G)"
is "$R $C" "$(sed -n 's/^pid=//p' "$WORK/out") $(sed -n 's/^child=\([0-9]*\) .*/\1/p' "$WORK/out")" \
	"... the pids forkexec printed for itself and its child"

# timeout never held a socket: no file for it, or for its fork child before
# that exec'd forkexec; the first traced image's header names it as the parent.
ls "$WORK/tr" | grep -E "^timeout\.|\.$TO(\.[0-9]+)?\.socktrace\$" > "$WORK/to-files"
[ ! -s "$WORK/to-files" ] && [ "$(trace_images "$WORK/tr" | wc -l)" -eq 5 ]
ok $? "timeout (pid $TO), which held no socket, left no file; the five images below it did: $(trace_images "$WORK/tr" | paste -sd' ')"
is "$(q '[.processes[] | select(.origin=="root")] | "\(length) \(.[0].ppid)"')" "1 $TO" \
	"JSON: the one root image is forkexec, its ppid timeout's pid"
like "$(grep -E "^process $R " "$WORK/r.txt")" "\(root, parent $TO\)" \
	"forkexec's block: root, parent timeout's pid"

# The tree lines: "  <indent>pid N  NAME  ORIGIN  started ...".
awk '/^processes /{t=1; next} t && /^$/{exit} t' "$WORK/r.txt" > "$WORK/tree"
want="0 $R $PROGS/forkexec root
1 $C $PROGS/forkexec fork
1 $C /bin/sh exec
1 $C $EX/fork_server exec
2 $G $EX/fork_server fork"
is "$(awk '{ match($0, /^ */); print (RLENGTH - 2) / 2, $2, $3, $4 }' "$WORK/tree")" \
	"$want" "the tree: forkexec, its fork child under it, then the images it exec'd, then fork_server's child under those"
is "$(grep -E '^process ' "$WORK/r.txt" | awk '{print $2}' | paste -sd' ')" "$R $C $C $C $G" \
	"the process blocks come in the same order"
like "$(grep -E "^process $C  /bin/sh " "$WORK/r.txt")" "\(exec, replacing $PROGS/forkexec, parent $R\)" \
	"sh's block: an exec, replacing forkexec, parent forkexec's pid"
like "$(grep -E "^process $C  $EX/fork_server " "$WORK/r.txt")" "\(exec, replacing /bin/sh, parent $R\)" \
	"fork_server's block: an exec, replacing sh"
like "$(grep -E "^process $G " "$WORK/r.txt")" "\(fork of $EX/fork_server, parent $C\)" \
	"the grandchild's block: a fork of fork_server"
is "$(q '[.processes[] | "\(.depth):\(.pid):\(.origin)"] | join(" ")')" "0:$R:root 1:$C:fork 1:$C:exec 1:$C:exec 2:$G:fork" \
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

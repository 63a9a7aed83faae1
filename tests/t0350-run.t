#!/usr/bin/env bash
# socktrace run: exit status propagation, -o DIR, LD_PRELOAD prepending,
# the summary / --report / --quiet output, the program's stdout untouched,
# and a forking program traced whole.
. "$(dirname "$0")/lib.sh"
plan 31

unset SOCKTRACE_DIR SOCKTRACE_LOG SOCKTRACE_RING_MB SOCKTRACE_LIB
# run ARGS...: socktrace run (a sanitizer runtime, if any, stays first in LD_PRELOAD).
run() { untraced "$ST" run "$@"; }

# Exit status.  (Only a process that holds a socket leaves a trace: the
# shell runs echo, which does, then exits 3.)
run -o "$WORK/x/nested" -- sh -c '"$1" > /dev/null; exit 3' sh "$EX/echo" 2> "$WORK/x.err"
is "$?" 3 "exit 3 is passed on"
ls "$WORK"/x/nested/*.socktrace > /dev/null 2>&1
ok $? "-o DIR creates the (nested) directory and the trace is there"
run -o "$WORK/term" -- sh -c 'kill -TERM $$' 2> /dev/null
is "$?" 143 "killed by SIGTERM: 128 + 15"
run -o "$WORK/noent" -- "$WORK/no-such-command" 2> "$WORK/noent.err"
is "$?" 127 "a command that does not exist: 127"
like "$(cat "$WORK/noent.err")" "no-such-command.*No such file or directory" "... with a message naming it"

# A directory that already holds traces is refused, and nothing runs.
run -o "$WORK/x/nested" -- sh -c ": > '$WORK/ran'" 2> "$WORK/again.err"
rc=$?
[ "$rc" -ne 0 ]
ok $? "-o DIR that already holds traces: non-zero exit ($rc)"
like "$(cat "$WORK/again.err")" "already holds traces" "... with a message"
[ ! -e "$WORK/ran" ]
ok $? "... and the command did not run"
is "$(ls "$WORK"/x/nested/*.socktrace | wc -l)" 1 "... and the old trace is untouched (still one file)"

# -o naming a regular file: refused before anything runs.  mkdirs took
# mkdir's EEXIST for a directory, so the command ran untraced and the
# summary blamed the shim.
echo x > "$WORK/afile"
run -o "$WORK/afile" -- sh -c ": > '$WORK/ran2'" 2> "$WORK/afile.err"
is "$?" 1 "-o naming a regular file: exit 1"
like "$(cat "$WORK/afile.err")" "$WORK/afile: Not a directory" "... saying it is not a directory"
[ ! -e "$WORK/ran2" ] && [ "$(cat "$WORK/afile")" = x ]
ok $? "... the command did not run, the file is as it was"

# LD_PRELOAD: the shim goes first, the user's preload is kept after it.
# The user's entry is a symlink to the shim: a real library, another name.
ln -s "$SHIM" "$WORK/user.so"
shim_real=$(realpath "$SHIM")
LD_PRELOAD=${ST_PRELOAD_FIRST:+$ST_PRELOAD_FIRST:}$WORK/user.so \
	"$ST" run -o "$WORK/pre" --quiet -- sh -c 'printf "%s\n" "$LD_PRELOAD"' > "$WORK/pre.out" 2> "$WORK/pre.err"
is "$?" 0 "run with LD_PRELOAD already set"
is "$(cat "$WORK/pre.out")" "${ST_PRELOAD_FIRST:+$ST_PRELOAD_FIRST:}$shim_real:$WORK/user.so" \
	"LD_PRELOAD in the command: the shim, then the original value"
is "$(cat "$WORK/pre.err")" "" "no loader complaints"

# The plain run: the reference output.
untraced "$EX/echo" > "$WORK/plain.out"
is "$?" 0 "echo runs without the shim"
nconn=$(grep -cE '^(listen|connect|accept) ' "$WORK/plain.out")

# Default mode: the summary on stderr.
run -o "$WORK/sum" -- "$EX/echo" > "$WORK/sum.out" 2> "$WORK/sum.err"
is "$?" 0 "run -- echo exits with echo's status"
mask "$WORK/sum.out" | cmp -s - <(mask "$WORK/plain.out")
ok $? "the program's stdout is untouched (ports masked)"
sumdir=$(realpath "$WORK/sum")
like "$(cat "$WORK/sum.err")" "trace in $sumdir( |$)" "the summary names the trace directory"
like "$(grep '^summary:' "$WORK/sum.err")" "[^0-9]$nconn connections" "the summary counts the $nconn connections echo made"
is "$("$ST" report --json "$WORK/sum" | jq -r '.summary.connections')" "$nconn" "the trace in -o DIR has them"
grep -q '^connection ' "$WORK/sum.err"
is "$?" 1 "the summary has no timeline"

# --report: the timeline.
run -o "$WORK/rep" --report -- "$EX/echo" > "$WORK/rep.out" 2> "$WORK/rep.err"
is "$?" 0 "run --report exits with echo's status"
laddr=$(field "$WORK/rep.out" addr)
like "$(grep '^connection ' "$WORK/rep.err")" "listener +$laddr" "--report prints the timeline (the listener echo printed)"
is "$(grep -c '^connection ' "$WORK/rep.err")" "$nconn" "--report: one section per connection"
mask "$WORK/rep.out" | cmp -s - <(mask "$WORK/plain.out")
ok $? "--report: the program's stdout is untouched"

# --quiet: nothing of ours.
run -o "$WORK/q" --quiet -- "$EX/echo" > "$WORK/q.out" 2> "$WORK/q.err"
is "$?" 0 "run --quiet exits with echo's status"
is "$(cat "$WORK/q.err")" "" "--quiet prints nothing"
ls "$WORK"/q/*.socktrace > /dev/null 2>&1
ok $? "--quiet still traces"

# A forking program: both processes traced.
run -o "$WORK/fork" --quiet -- "$EX/fork_server" > /dev/null
is "$?" 0 "run -- fork_server exits 0"
is "$("$ST" report --json "$WORK/fork" | jq -r '[.processes[].origin] | sort | join(",")')" "fork,root" \
	"the fork_server trace has 2 processes: the root and its fork child"
done_testing

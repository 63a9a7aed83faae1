#!/usr/bin/env bash
# What is kept of processes without sockets: a chain of forks in which
# only the last process makes a socket leaves one trace file, and that
# process's header names the fork ancestors that led to it (the shim's
# lineage), so the report says who forked it though they left no trace.
# Without the lineage in the header (or its use in report_procs.c) the
# block says only "(root, parent N)": points 3-4 fail.
. "$(dirname "$0")/lib.sh"
plan 5

traced "$WORK/tr" "$PROGS/forkchain" 3 > "$WORK/out"
ok $? "forkchain 3: three forks, a socket in the last child only"
mapfile -t P < <(sed -n 's/^pid=//p' "$WORK/out")
is "$(ls "$WORK/tr" | grep -c '\.socktrace$'):$(ls "$WORK/tr" | grep -c "\.${P[3]}\.socktrace$")" "1:1" \
	"one trace file, the last child's (${P[3]})"
"$ST" report "$WORK/tr" > "$WORK/r.txt"
like "$(grep "^process ${P[3]} " "$WORK/r.txt")" \
	"\(forked by pid ${P[2]}, forked by pid ${P[1]}, forked by pid ${P[0]}: no trace, they held no socket\)" \
	"its block names the three forks above it, nearest first"
is "$(report_json "$WORK/tr" | jq -r '.processes[0].ppid')" "${P[2]}" "JSON: its ppid is the process that forked it"
traced "$WORK/tr1" "$PROGS/forkchain" 1 > "$WORK/out1"
mapfile -t Q < <(sed -n 's/^pid=//p' "$WORK/out1")
like "$("$ST" report "$WORK/tr1" | grep "^process ${Q[1]} ")" "\(forked by pid ${Q[0]}: no trace, it held no socket\)" \
	"one fork above: said in the singular"
done_testing

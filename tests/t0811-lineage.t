#!/usr/bin/env bash
# What is kept of processes without sockets: a chain of forks in which
# only the last process makes a socket leaves one trace file, and that
# process's header names the fork ancestors that led to it (the shim's
# lineage), so the report says who forked it though they left no trace.
# Without the lineage in the header (or its use in report_procs.c) the
# block says only "(root, parent N)": points 3-4 fail.
#
# The shim stamps the forks and the image's start with the tick clock
# (ST_HDR_START_TICKS) and the reader turns them into CLOCK_MONOTONIC ns
# (st_header_stamp_ns): they must come out in order, before the file was
# made and near it.  Read as ns without that (raw ticks), point 5 fails;
# with the image start left at the exec image's set-up instead of the
# last fork, point 6 does.
. "$(dirname "$0")/lib.sh"
plan 7

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
rawdump "$(trace_of "$WORK/tr" "${P[3]}")" > "$WORK/raw"
anchor=$(grep '^times ' "$WORK/raw" | word mono_anchor_ns)
start=$(grep '^times ' "$WORK/raw" | word image_start_ns)
forks=$(grep '^ancestor ' "$WORK/raw" | word fork_ns | paste -sd' ')
# In order, none after the file was made, the first within 10 s of it.
is "$(awk -v a="$anchor" -v f="$forks" 'BEGIN {
	n = split(f, t, " "); ok = n == 3
	for (i = 1; i <= n; i++) ok = ok && t[i] <= a && (i == 1 || t[i - 1] <= t[i])
	print (ok && a - t[1] < 1e10) ? "ok" : "no" }')" ok \
	"the three fork times are ns, in order, before the file's making and within 10 s of it ($forks; made $anchor)"
last=${forks##* }
is "$(awk -v s="$start" -v l="$last" -v a="$anchor" 'BEGIN { print (s >= l && s - l < 1e7 && s <= a) ? "ok" : "no" }')" ok \
	"its image began at the fork that made it, within 10 ms ($start; fork $last)"
traced "$WORK/tr1" "$PROGS/forkchain" 1 > "$WORK/out1"
mapfile -t Q < <(sed -n 's/^pid=//p' "$WORK/out1")
like "$("$ST" report "$WORK/tr1" | grep "^process ${Q[1]} ")" "\(forked by pid ${Q[0]}: no trace, it held no socket\)" \
	"one fork above: said in the singular"
done_testing

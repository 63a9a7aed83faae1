#!/usr/bin/env bash
# Sockets made before exec and kept across it tell one story: made here
# (socketpair), kept at the exec, and open at the new image's start as
# "kept across exec", not "inherited ... born outside the trace"; the two
# fds of one socket in the same process are that process's references,
# not "+1 in other processes".  tests/progs/execkeep: a socketpair, its
# first end dup2'd onto fd 7, exec of itself, which closes them (so the
# audit has nothing to say about them: kept on purpose).
. "$(dirname "$0")/lib.sh"
plan 9

traced "$WORK/tr" "$PROGS/execkeep" > "$WORK/out"
ok $? "execkeep runs under the shim"
PID=$(v pid) A=$(v a) D=$(v dup)
like "$PID $A $D $(v closed)" "^[0-9]+ [0-9]+ 7 7,$A,$((A + 1))$" "it made the pair, dup'd onto 7, exec'd, and the new image closed them"
"$ST" report "$WORK/tr" > "$WORK/r.txt"
# The pair's first end: its connection block.
awk -v a="$A" '/^connection /{c = 0} /^connection / && $0 ~ " fds " a ",7 " {c = 1} c' "$WORK/r.txt" > "$WORK/c.txt"
grep -qE "socketpair\(AF_UNIX, SOCK_STREAM, 0\) += 0 " "$WORK/c.txt"
ok $? "the connection starts with the socketpair made here"
is "$(grep -cE "\(at exec: fd ($A|7) stays open in the new program\)" "$WORK/c.txt")" 2 "both its fds are kept at the exec"
is "$(grep -cE "\(fd ($A|7) open at start: kept across exec\)" "$WORK/c.txt")" 2 \
	"the new image starts with both, kept across exec"
is "$(grep -cE 'inherited|born outside the trace' "$WORK/c.txt")" 0 "nothing says inherited or born outside the trace"
is "$(grep -E "\(fd ($A|7) open at start" "$WORK/c.txt" | grep -oE 'refs [0-9]+( \(\+[0-9]+ in other processes[^)]*\))?' | paste -sd,)" \
	"refs 2,refs 2" "each start record: refs 2, both this process's, none elsewhere"
report_json "$WORK/tr" > "$WORK/r.json"
is "$(jq -r --argjson a "${A:-0}" '.connections[] | select(.fds == [$a, 7]) |
	"\(.first_seen) \([.events[] | select(.op == "inherited") | .kept_across_exec] | join(","))"' "$WORK/r.json")" \
	"false true,true" "JSON: the connection is not first_seen; its start records are kept_across_exec"
is "$(grep -c 'inherited-across-exec' "$WORK/r.txt")" 0 \
	"no inherited-across-exec: the new image closes the three fds it was handed itself"
done_testing

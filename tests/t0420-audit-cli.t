#!/usr/bin/env bash
# `socktrace audit`: its command line and exit statuses.  Traces come from
# tests/progs/refs scenarios whose findings are known: double-close gives an
# error, shutdown-noclose a warning, fork-close only info (closes that were
# not final), dup2-over nothing.  --fail-on=SEV exits 1 exactly when a
# finding of SEV or worse exists; without it the status says only whether
# the traces could be read (0, 65 some unreadable, 66 none there); usage
# errors exit 64.  --json is {findings, summary} with matching counts; the
# text lists each finding with its severity, kind, pid and fd.
. "$(dirname "$0")/lib.sh"
plan 49

for s in double-close shutdown-noclose fork-close dup2-over; do
	traced "$WORK/$s" "$PROGS/refs" "$s" > "$WORK/$s.out" 2> "$WORK/$s.err"
	ok $? "refs $s runs under the shim"
done
DC=$WORK/double-close SN=$WORK/shutdown-noclose FC=$WORK/fork-close CLEAN=$WORK/dup2-over
kv() { sed -n "s/^$2=//p" "$WORK/$1.out" | head -n 1; }

# audit ARGS...: RC, $WORK/a.out, $WORK/a.err.
audit() {
	"$ST" audit "$@" > "$WORK/a.out" 2> "$WORK/a.err"
	RC=$?
}

# Usage.
audit --help
is "$RC" 0 "audit --help exits 0"
grep -q -- '--fail-on=error|warning|info' "$WORK/a.out"
ok $? "audit --help prints the usage with --fail-on on stdout"
audit --fail-on=bogus "$DC"
is "$RC" 64 "--fail-on=bogus: exit 64"
grep -q -- '--fail-on=bogus: takes error, warning or info' "$WORK/a.err"
ok $? "--fail-on=bogus: stderr names the bad value and says which values it takes"
[ ! -s "$WORK/a.out" ]
ok $? "--fail-on=bogus: nothing on stdout"
audit "$DC" --fail-on
is "$RC" 64 "--fail-on without a value: exit 64"
audit --no-such-option "$DC"
is "$RC" 64 "an unknown option: exit 64"
audit --color=sometimes "$DC"
is "$RC" 64 "--color=sometimes: exit 64"

# No trace.
mkdir -p "$WORK/empty"
audit "$WORK/empty"
is "$RC" 66 "a directory with no trace file: exit 66"
grep -q "$WORK/empty: no trace files" "$WORK/a.err"
ok $? "... and stderr says there is no trace file there"
audit "$WORK/no-such-dir"
is "$RC" 66 "a path that does not exist: exit 66"

# --fail-on, scenario by scenario: none, error, warning, info.
for row in "DC 0 1 1 1" "SN 0 0 1 1" "FC 0 0 0 1" "CLEAN 0 0 0 0"; do
	set -- $row
	dir=${!1} got=
	audit "$dir"; got=$RC
	for sev in error warning info; do
		audit --fail-on=$sev "$dir"
		got="$got $RC"
	done
	is "$got" "$2 $3 $4 $5" "$(basename "$dir"): exit status without --fail-on, then with error, warning, info"
done
audit --fail-on warning "$SN"
is "$RC" 1 "--fail-on warning (value as the next argument) works too"

# JSON: valid, counts that match, the findings expected.
for d in DC SN FC CLEAN; do
	"$ST" audit --json "${!d}" > "$WORK/$d.json"
	jq -e '(.findings | type) == "array" and (.summary | type) == "object"' "$WORK/$d.json" > /dev/null
	ok $? "$(basename "${!d}"): audit --json is valid JSON with findings[] and summary"
done
sev() { jq -r '"\(.summary.error) \(.summary.warning) \(.summary.info) = \([.findings[] | select(.severity == "error")] | length) \([.findings[] | select(.severity == "warning")] | length) \([.findings[] | select(.severity == "info")] | length)"' "$WORK/$1.json"; }
is "$(sev DC)" "1 0 0 = 1 0 0" "double-close: summary {error 1, warning 0, info 0}, as the findings count"
is "$(sev SN)" "0 1 0 = 0 1 0" "shutdown-noclose: summary {0, 1, 0}, as the findings count"
is "$(sev FC)" "0 0 3 = 0 0 3" "fork-close: summary {0, 0, 3}, as the findings count"
is "$(sev CLEAN)" "0 0 0 = 0 0 0" "dup2-over: no finding, summary {0, 0, 0}"
f() { jq -r '[.findings[] | "\(.severity) \(.kind) \(.pid) \(.fd)"] | join(",")' "$WORK/$1.json"; }
is "$(f DC)" "error double-close $(kv double-close pid) $(kv double-close socket_fd)" \
	"double-close: the error names the pid and the fd closed twice"
is "$(f SN)" "warning shutdown-without-close $(kv shutdown-noclose pid) $(kv shutdown-noclose conn_fd)" \
	"shutdown-noclose: the warning names the pid and the fd shut down and never closed"
p=$(kv fork-close parent_pid) c=$(kv fork-close child_pid)
# (The parent's close and the child's first two race: compared as a set.)
is "$(f FC | tr , '\n' | sort | paste -sd, -)" \
	"$(printf '%s\n' "info close-not-final $p $(kv fork-close conn_fd)" "info close-not-final $c $(kv fork-close listen_fd)" \
		"info close-not-final $c $(kv fork-close client_fd)" | sort | paste -sd, -)" \
	"fork-close: three infos: the parent's close of the connection, the child's of the listener and of the client"
is "$(jq -r '[.findings[] | keys | sort | join(" ")] | unique | join(",")' "$WORK/FC.json")" \
	"fd id inode kind message pid severity t_ns" "each finding has kind, severity, pid, fd, id, inode, t_ns, message"
is "$(jq -r '[.findings[].id | test("^[0-9]+:[0-9]+$")] | all' "$WORK/FC.json")" true \
	"each finding's id is the connection's PID:SERIAL"
is "$(jq -r '[.findings[].t_ns] | . == sort' "$WORK/FC.json")" true "findings are in time order"

# Text: one header line per finding, then the totals.
for d in DC SN FC; do
	"$ST" audit "${!d}" > "$WORK/$d.txt"
	want=$(jq -r '.findings[] | "\(.severity) \(.kind) pid \(.pid) fd \(.fd)"' "$WORK/$d.json")
	got=$(sed -En 's/^(error|warning|info) +([a-z-]+) +pid ([0-9]+) fd ([0-9]+) .*/\1 \2 pid \3 fd \4/p' "$WORK/$d.txt")
	is "$got" "$want" "$(basename "${!d}"): the text lists each finding: severity, kind, pid, fd"
done
is "$(tail -n 1 "$WORK/FC.txt")" "audit: 3 findings: 0 errors, 0 warnings, 3 info" "the text ends with the totals"
grep -q "pid $c fd $(kv fork-close listen_fd)" "$WORK/FC.txt"
ok $? "the text message names the other holder of a socket (pid, fd)"
"$ST" audit --color=always "$DC" | grep -q $'\033\['
ok $? "--color=always colours the text"
"$ST" audit "$DC" | grep -q $'\033'
ok $((! $?)) "into a pipe (NO_COLOR set), no colour"

# Several paths at once: their findings together.
audit --json "$DC" "$SN"
is "$(jq -r '"\(.summary.error) \(.summary.warning) \(.summary.info)"' "$WORK/a.out")" "1 1 0" \
	"two trace directories at once: the findings of both"

# A corrupt trace file beside good ones.
mkdir -p "$WORK/mixed"
cp "$DC"/*.socktrace "$WORK/mixed/"
head -c 8192 /dev/urandom > "$WORK/mixed/garbage.1.socktrace"
audit "$WORK/mixed"
is "$RC" 65 "a corrupt file beside a good one, no --fail-on: exit 65"
grep -q '^error   double-close ' "$WORK/a.out"
ok $? "... and the good file is still audited (its double-close listed)"
grep -q 'garbage.1.socktrace' "$WORK/a.err"
ok $? "... and stderr names the corrupt file"
audit --json "$WORK/mixed"
is "$(jq -r '.summary.error' "$WORK/a.out" 2> /dev/null)" 1 "--json with a corrupt file: valid JSON, the good file's error counted"
audit --fail-on=error "$WORK/mixed"
is "$RC" 1 "--fail-on=error with a corrupt file and an error found: exit 1 (the finding decides)"
mkdir -p "$WORK/mixed2"
cp "$SN"/*.socktrace "$WORK/mixed2/"
cp "$WORK/mixed/garbage.1.socktrace" "$WORK/mixed2/"
audit --fail-on=error "$WORK/mixed2"
is "$RC" 65 "--fail-on=error, only a warning found, a corrupt file: exit 65"
mkdir -p "$WORK/bad"
cp "$WORK/mixed/garbage.1.socktrace" "$WORK/bad/"
audit "$WORK/bad"
is "$RC" 65 "a directory whose only trace file is corrupt: exit 65"
done_testing

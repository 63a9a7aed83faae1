#!/usr/bin/env bash
# Fixture tests for the viewer's offline half, as heaptrack tests its
# interpreter: small trace files written by tests/progs/mktrace from a text
# spec (tests/fixtures/NAME.spec) in, the model and the findings out,
# compared with tests/fixtures/NAME.expect: the stable projection of
# `report --json`, `audit --json` and `leaks --all --json` that
# tests/fixtures/project.jq makes, with the exit statuses of `report`,
# `audit --fail-on=warning` and `leaks`, and report's stderr (paths cut).
# Each expect file was written from what the kernel does (FIN goes when the
# last reference in any process goes); '#' lines there say why.
#
# The raw reader (tests/progs/stackinfo) checks the files apart from the
# viewer.  Then the comparisons are shown able to fail: specs changed in one record
# each (who closes, a refs count, a flag) must not match their expect file.
. "$(dirname "$0")/lib.sh"
FIX=$TOP/tests/fixtures
MK=$PROGS/mktrace

# Known viewer bugs: FIXTURE|sed expression turning the right answer (the
# expect file) into what the viewer says today|the bug.  Such a fixture is
# compared with the expect file so changed (any other change fails), and a
# TODO point compares it with the expect file itself (passes once fixed).
KNOWN_BUGS=(
	# None known now.  (Fixed: made_t_ns was a received socket's arrival
	# in scm-held, and null for a socket in no state in every fixture;
	# tcp_state stayed ESTABLISHED or CLOSE_WAIT when the last reference
	# went with an exit or a reaped kill, in exit-served, close-wait,
	# dup-close, exec-cloexec, ring-wrap and kill-reaped.)
)

# Mutations: FIXTURE|sed expression changing one thing in its spec|what changed.
MUTATIONS=(
	'fork-close|/^rec t=1030 op=close fd=4/d|the child never closes the connection'
	'fork-close|s/^rec t=1021 op=close fd=4 /rec t=1021 op=close fd=5 /|the parent closes another fd'
	'exit-served|/^state fd=4 /d|the child'"'"'s state does not hold the connection at its exit'
	'close-wait|/op=peer-eof/d|no EOF from the peer'
	'dup-close|s/^rec t=1004 op=close fd=3 sid=1 refs=1 /rec t=1004 op=close fd=3 sid=1 refs=0 /|a close that says refs 0 where a dup remains'
	'dup2-over|s/flags=implicit_close,last_ref/flags=last_ref/|the dup2 is not an implicit close'
	'exec-cloexec|s/^rec t=1050 op=exec-fd fd=3 sid=1 refs=1 flags=cloexec /rec t=1050 op=exec-fd fd=3 sid=1 refs=1 /|fd 3 is kept across the exec'
	'scm-rights|/op=recvmsg/d|the child never receives the socket'
	'shutdown-hold|/op=shutdown/d|no shutdown before the long hold'
	'double-close|s/ret=-1 err=EBADF/ret=0/|the second close succeeds'
	'unread|s/unread=100/unread=0/|nothing unread at the TCP close'
	'linger0|s/linger=1,0/linger=0,0/|SO_LINGER off'
	'ring-wrap|s/cap=8/cap=16/|a ring big enough: nothing lost'
	'damaged|/^damage truncate/d|the truncated file whole'
	'kill-reaped|s/arg0=1501 arg1=9/arg0=1501 arg1=0/|the child exited with status 0'
	'fork-forgot|s/^rec t=1070 op=close fd=4 /rec t=1021 op=close fd=4 /|the parent closes its copy right after the fork'
	'exec-chain|/^rec t=11[12]0 op=[a-z]* fd=5 /d|the last image neither uses nor closes fd 5'
	'scm-held|/^rec t=1010 op=socket /d|the socket() record gone: made when the state says'
	'id-maker|/^rec t=1012 op=socket /d|the worker'"'"'s socket() record gone: no birth names the passed client'
)

specs=("$FIX"/*.spec)
plan $((3 * ${#specs[@]} + ${#KNOWN_BUGS[@]} + ${#MUTATIONS[@]}))

# outcome DIR: what the viewer makes of the trace files in DIR, projected.
outcome() {
	local d=$1 rr ra rl
	"$ST" report --json "$d" > "$d.r.json" 2> "$d.r.err"
	rr=$?
	"$ST" audit --json "$d" > "$d.a.json" 2> /dev/null
	"$ST" audit --fail-on=warning "$d" > /dev/null 2>&1
	ra=$?
	"$ST" leaks --all --json "$d" > "$d.l.json" 2> /dev/null
	"$ST" leaks "$d" > /dev/null 2>&1
	rl=$?
	echo "exit report=$rr audit=$ra leaks=$rl"
	sed "s|$d/||g; s/^/stderr /" "$d.r.err"
	[ -s "$d.r.json" ] && jq -r -L "$FIX" 'include "project"; report' "$d.r.json"
	[ -s "$d.a.json" ] && jq -r -L "$FIX" 'include "project"; audit' "$d.a.json"
	[ -s "$d.l.json" ] && jq -r -L "$FIX" 'include "project"; leaks' "$d.l.json"
}

# build SPEC DIR: the trace files of SPEC in DIR (fresh).
build() {
	rm -rf "$2" && mkdir -p "$2" && "$MK" "$1" "$2"
}

# expected NAME: NAME.expect without its comments.
expected() { grep -v '^#' "$FIX/$1.expect"; }

# today NAME: what the viewer is known to say for NAME: the expect file
# with each of NAME's KNOWN_BUGS expressions applied.
today() {
	local b n expr args=()
	for b in "${KNOWN_BUGS[@]}"; do
		IFS='|' read -r n expr _ <<< "$b"
		[ "$n" = "$1" ] && args+=(-e "$expr")
	done
	if [ ${#args[@]} -eq 0 ]; then expected "$1"; else expected "$1" | sed "${args[@]}"; fi
}

for spec in "${specs[@]}"; do
	name=$(basename "$spec" .spec)
	d=$WORK/$name
	build "$spec" "$d" 2> "$WORK/mk.err"
	ok $? "$name: mktrace writes its trace files"
	[ -s "$WORK/mk.err" ] && diag "$(cat "$WORK/mk.err")"
	# The layout checked apart from the viewer: the tests' raw reader
	# reads every file mktrace wrote, but those the spec damaged.
	good=0
	for f in "$d"/*.socktrace; do
		rawdump "$f" > /dev/null 2>&1 && good=$((good + 1))
	done
	is "$good" "$(($(grep -c '^file ' "$spec") - $(grep -c '^damage ' "$spec")))" \
		"$name: the raw reader reads every file but the damaged ones"
	outcome "$d" > "$d.got"
	today "$name" | diff -u - "$d.got" > "$d.diff"
	rc=$?
	ok $rc "$name: the model and findings are the expected ones (known bugs aside)"
	[ "$rc" -eq 0 ] || diag "$(cat "$d.diff")"
	for b in "${KNOWN_BUGS[@]}"; do
		IFS='|' read -r n _ what <<< "$b"
		[ "$n" = "$name" ] || continue
		expected "$name" | cmp -s - "$d.got"
		todo $? "$name: $what"
	done
done

for m in "${MUTATIONS[@]}"; do
	IFS='|' read -r name expr what <<< "$m"
	d=$WORK/mut
	sed "$expr" "$FIX/$name.spec" > "$WORK/mut.spec"
	if cmp -s "$WORK/mut.spec" "$FIX/$name.spec"; then
		ok 1 "$name, mutated ($what): the mutation changed nothing in the spec"
		continue
	fi
	if ! build "$WORK/mut.spec" "$d" 2> "$WORK/mk.err"; then
		ok 1 "$name, mutated ($what): mktrace refused the mutated spec"
		diag "$(cat "$WORK/mk.err")"
		continue
	fi
	outcome "$d" > "$d.got"
	! today "$name" | cmp -s - "$d.got"
	ok $? "$name, mutated ($what): the output no longer matches the expect file"
done
done_testing

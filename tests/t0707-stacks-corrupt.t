#!/usr/bin/env bash
# Damaged stack tables and module maps: for each copy of a good trace with
# one thing wrong, `socktrace leaks` and `report --json` must end, never
# crash (no signal, no sanitizer report), still report every record (the
# same leaks and connections as the good trace), and say what was wrong
# where the stacks are shown.
#
# Fields are damaged by name with tests/progs/tracefuzz (header.stack_depth,
# region.stacks.chunk.0.offset, stacks.ID.depth, fds.FD.stack_id...), which
# knows the layout from include/trace_format.h; stackinfo says where the
# stack table and the module map are and which stack made which socket.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stacks.sh"
plan 39

FUZZ=$PROGS/tracefuzz
TO=
command -v timeout > /dev/null 2>&1 && TO="timeout 30"

set_field() { "$FUZZ" "$1" set "$2" "$3"; }
noise() {	# noise FILE OFFSET COUNT: random bytes
	head -c "$3" /dev/urandom | dd of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null
}

SOCKTRACE_STACKS=all traced "$WORK/tr" "$PROGS/leaks" closing > /dev/null
ok $? "leaks closing runs under the shim (the good trace)"
GOOD=$(ls "$WORK"/tr/*.socktrace)
"$SI" "$GOOD" > "$WORK/good.info"
# The stack table's and the module map's first chunks: offset and entries.
chunk() { sed -n "s/^chunk region=$1 k=0 offset=\([0-9]*\) first=0 count=\([0-9]*\)$/\\$2/p" "$WORK/good.info"; }
SOFF=$(chunk stacks 1) SCOUNT=$(chunk stacks 2) MOFF=$(chunk modules 1) MCOUNT=$(chunk modules 2)
ESIZE=$(sed -n 's/^region name=stacks entry_size=\([0-9]*\) .*/\1/p' "$WORK/good.info")
# The first socket() record: its fd, and the stack the fd's entry names (the
# reference's creation stack, what leaks shows).
SFD=$(sed -n 's/^rec .* op=1 .* ret=\([0-9]*\) .* stack=[1-9][0-9]*$/\1/p' "$WORK/good.info" | head -n 1)
SID=$(sed -n "s/^fd fd=$SFD slot=.* stack=\([0-9]*\) .*/\1/p" "$WORK/good.info")
[ -n "$SOFF" ] && [ -n "$MOFF" ] && [ "${SID:-0}" -gt 0 ] && [ "${ESIZE:-0}" -gt 0 ]
ok $? "the good trace has a stack table, a module map, and a socket on fd ${SFD:-?} made at a stack (${SID:-none})"

"$ST" leaks --all --json "$GOOD" > "$WORK/good.json"
WANT=$(jq -r '[.summary.sockets, ([.leaks[].connections[].fd] | sort | join(","))] | join(" ")' "$WORK/good.json")
"$ST" report --json "$GOOD" > "$WORK/good-r.json"
NCONN=$(jq '.connections | length' "$WORK/good-r.json")

# check NAME NOTE-REGEX: leaks and report on $F: no crash, same leaks and
# connections, and (when NOTE-REGEX is set) the text says it.
check() {
	local rc
	$TO "$ST" leaks --all --all "$F" > "$WORK/l.txt" 2> "$WORK/l.err"
	rc=$?
	$TO "$ST" leaks --all --all --json "$F" > "$WORK/l.json" 2>> "$WORK/l.err"
	$TO "$ST" report --json "$F" > "$WORK/r.json" 2>> "$WORK/l.err"
	$TO "$ST" report "$F" > /dev/null 2>> "$WORK/l.err"
	[ "$rc" = 1 ] && ! grep -Eq 'Segmentation|AddressSanitizer|LeakSanitizer|runtime error|Aborted' "$WORK/l.err"
	ok $? "$1: no crash, leaks found (status $rc)"
	is "$(jq -r '[.summary.sockets, ([.leaks[].connections[].fd] | sort | join(","))] | join(" ")' "$WORK/l.json") $(jq '.connections | length' "$WORK/r.json")" \
		"$WANT $NCONN" "$1: the same leaks and connections as the good trace"
	if [ -n "$2" ]; then
		grep -Eq -- "$2" "$WORK/l.txt"
		ok $? "$1: the text says /$2/"
		grep -Eq -- "$2" "$WORK/l.txt" || diag "$(head -n 8 "$WORK/l.txt")"
	fi
}
mk() { F=$WORK/$1.socktrace; cp "$GOOD" "$F"; }

mk good; check "the good trace" ""
# The stack depth is the header's now; a bad one spoils the stack table only.
mk depth; set_field "$F" header.stack_depth 0xffffffff
check "stack depth 0xffffffff" "creation stack not recorded \(stack [0-9]+: stack table corrupt"
mk esize; set_field "$F" region.stacks.entry_size 8
check "stack table entry size 8 in the directory" "stack table corrupt"
mk soff; set_field "$F" region.stacks.chunk.0.offset 0x7f00000000000000
check "stack table chunk past the end of the file" "stack table (unreadable|corrupt)"
mk scount; set_field "$F" region.stacks.chunk.0.count 0x00ffffff
check "stack table chunk with more entries than the file holds" "stack table (unreadable|corrupt)"
mk sent; noise "$F" "$SOFF" $((SCOUNT * ESIZE))
check "stack entries overwritten with random bytes" ""
mk sdepth; set_field "$F" "stacks.$SID.depth" 0xffff
check "a used stack entry's depth 0xffff" "impossible depth"
mk sstate; set_field "$F" "stacks.$SID.state" 0
check "a used stack entry not ready" "not complete"
mk sid; set_field "$F" "fds.$SFD.stack_id" 0xffffffff
check "a socket's fd entry naming stack 0xffffffff" "outside the stack table"
mk mesize; set_field "$F" region.modules.entry_size 7
check "module entry size 7" "module map corrupt"
mk ment; noise "$F" "$MOFF" $((512 * MCOUNT))
check "module entries overwritten with random bytes" ""
mk mready; noise "$F" "$MOFF" $((512 * MCOUNT))
for ((i = 0; i < MCOUNT; i++)); do set_field "$F" "modules.$i.state" 1; done
check "random module entries marked ready (paths without NUL, random ranges)" ""
mk mcount; set_field "$F" region.modules.chunk.0.count 0xffffffff
check "module map chunk of 2^32-1 entries" ""
# Both at once: the module map was checked only when the stack table was
# sound, so its 2^32-1 entries went to calloc, which failed, and the load
# returned success without a file: report, leaks and audit crashed (a
# fuzzed socat trace, 2026-12-02).
mk both; set_field "$F" header.stack_depth 0xffffffff
set_field "$F" region.modules.chunk.0.count 0xffffffff
check "a corrupt stack table and a module map chunk of 2^32-1 entries" "stack table corrupt"
done_testing

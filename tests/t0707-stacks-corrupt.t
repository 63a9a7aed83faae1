#!/usr/bin/env bash
# Damaged stack tables and module maps: for each copy of a good trace with
# one thing wrong, `socktrace leaks` and `report --json` must end, never
# crash (no signal, no sanitizer report), still report every record (the
# same leaks and connections as the good trace), and say what was wrong
# where the stacks are shown.
#
# Offsets (include/trace_format.h): the extension directory at 2688, 8
# entries of 32 bytes {kind u32, entry_size u32, offset u64, size u64,
# count u64}; the stack table starts with {depth u32, reserved u32, used,
# dropped, skipped u64}, then entries {hash u64, state u32, depth u16,
# truncated u16, t_ns u64, ips[]}; a module entry is 512 bytes; a record's
# op is at +88 and its stack_id at +96 (records from 4096, 256 bytes each).
. "$(dirname "$0")/lib.sh"
plan 36

TO=
command -v timeout > /dev/null 2>&1 && TO="timeout 30"

poke() {	# poke FILE OFFSET HEXBYTE...
	local f=$1 off=$2 s= b
	shift 2
	for b in "$@"; do s="$s\\x$b"; done
	printf "$s" | dd of="$f" bs=1 seek="$off" conv=notrunc 2> /dev/null
}
u64() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }
u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
noise() {	# noise FILE OFFSET COUNT: random bytes
	head -c "$3" /dev/urandom | dd of="$1" bs=1 seek="$2" conv=notrunc 2> /dev/null
}

SOCKTRACE_STACKS=all traced "$WORK/tr" "$PROGS/leaks" closing > /dev/null
ok $? "leaks closing runs under the shim (the good trace)"
GOOD=$(ls "$WORK"/tr/*.socktrace)
# The directory entries of the stack table and the module map.
for i in 0 1 2 3 4 5 6 7; do
	case $(u32 "$GOOD" $((2688 + 32 * i))) in
	1) SDIR=$((2688 + 32 * i)) ;;
	2) MDIR=$((2688 + 32 * i)) ;;
	esac
done
SOFF=$(u64 "$GOOD" $((SDIR + 8))) SSIZE=$(u64 "$GOOD" $((SDIR + 16)))
MOFF=$(u64 "$GOOD" $((MDIR + 8)))
# The first socket() record: its stack id.
for ((p = 0; p < 64; p++)); do
	[ "$(od -An -t u2 -j $((4096 + 256 * p + 88)) -N 2 "$GOOD" | tr -d ' ')" = 1 ] && { REC=$((4096 + 256 * p)); break; }
done
SID=$(u32 "$GOOD" $((REC + 96)))
ESIZE=$(u32 "$GOOD" $((SDIR + 4)))
[ -n "$SDIR" ] && [ -n "$MDIR" ] && [ "$SID" -gt 0 ]
ok $? "the good trace has a stack table, a module map, and a socket() record with a stack ($SID)"

"$ST" leaks --json "$GOOD" > "$WORK/good.json"
WANT=$(jq -r '[.summary.sockets, ([.leaks[].connections[].fd] | sort | join(","))] | join(" ")' "$WORK/good.json")
"$ST" report --json "$GOOD" > "$WORK/good-r.json"
NCONN=$(jq '.connections | length' "$WORK/good-r.json")

# check NAME NOTE-REGEX: leaks and report on $F: no crash, same leaks and
# connections, and (when NOTE-REGEX is set) the text says it.
check() {
	local rc
	$TO "$ST" leaks "$F" > "$WORK/l.txt" 2> "$WORK/l.err"
	rc=$?
	$TO "$ST" leaks --json "$F" > "$WORK/l.json" 2>> "$WORK/l.err"
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
mk depth; poke "$F" "$SOFF" ff ff ff ff
check "stack table depth 0xffffffff" "creation stack not recorded \(stack [0-9]+: stack table corrupt"
mk esize; poke "$F" $((SDIR + 4)) 08 00 00 00
check "stack table entry size 8 in the directory" "stack table corrupt"
mk soff; poke "$F" $((SDIR + 8)) 00 00 00 00 00 00 00 7f
check "stack table offset past the end of the file" "stack table unreadable: extension kind 1 out of bounds"
mk scount; poke "$F" $((SDIR + 24)) ff ff ff ff ff ff ff 00
check "stack table count beyond its size" "extension kind 1 out of bounds"
mk sent; noise "$F" $((SOFF + 32)) $((SSIZE - 32))
check "stack entries overwritten with random bytes" ""
mk sdepth; poke "$F" $((SOFF + 32 + (SID - 1) * ESIZE + 12)) ff ff
check "a used stack entry's depth 0xffff" "impossible depth"
mk sstate; poke "$F" $((SOFF + 32 + (SID - 1) * ESIZE + 8)) 00 00 00 00
check "a used stack entry not ready" "not complete"
mk sid; poke "$F" $((REC + 96)) ff ff ff ff
check "a record's stack id 0xffffffff" "outside the stack table"
mk mesize; poke "$F" $((MDIR + 4)) 07 00 00 00
check "module entry size 7" "module map corrupt"
mk ment; noise "$F" $((MOFF + 32)) $((512 * 8))
check "module entries overwritten with random bytes" ""
mk mready; noise "$F" $((MOFF + 32)) $((512 * 8))
for i in 0 1 2 3 4 5 6 7; do poke "$F" $((MOFF + 32 + 512 * i)) 01 00 00 00; done
check "random module entries marked ready (paths without NUL, random ranges)" ""
mk mused; poke "$F" "$MOFF" ff ff ff ff ff ff ff ff
check "module map used count 2^64-1" ""
done_testing
